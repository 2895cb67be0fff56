"""Fixtures of the admin tests: browsers logged in as the administrator or as staff."""

import pytest
from django.test import Client

from tests.factories import UserFactory

from .admin_support import logged_in


@pytest.fixture
def admin_http(admin) -> Client:
    return logged_in(admin)


@pytest.fixture
def staff_http(group_with):
    """``staff_http(*permissions, rules=())``: a new user who may open the admin
    (access:admin) and holds ``permissions`` and the page ``rules``, logged in."""

    def make(*permissions: str, rules=()) -> Client:
        group = group_with("access:admin", *permissions, rules=rules)
        return logged_in(UserFactory(groups=[group]))

    return make
