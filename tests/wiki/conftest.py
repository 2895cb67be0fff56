"""Fixtures of the wiki app's tests: admin browsers, and an SMTP server for the outbox."""

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.smtp_support import SMTP_BACKEND, SmtpServer, point_mail_at

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


@pytest.fixture
def smtp(db, settings) -> SmtpServer:
    """A real SMTP server on loopback that the wiki's mail settings point at (plain SMTP)."""
    settings.EMAIL_BACKEND = SMTP_BACKEND
    with SmtpServer() as server:
        point_mail_at(server.port, name="wiki.example.com", verify_ssl=False)
        yield server
