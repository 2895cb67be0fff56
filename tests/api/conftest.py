"""Fixtures of the API tests: clients of the caller kinds the permission tests go through."""

import pytest

from tests.factories import UserFactory

from .permission_support import client_as


@pytest.fixture
def as_caller(admin):
    """``as_caller(kind, permissions=..., rules=...)``: a client of ``permission_support.KINDS``."""

    def make(kind, *, permissions=(), rules=()):
        return client_as(kind, admin, permissions=permissions, rules=rules)

    return make


@pytest.fixture
def client_of(client_for, api_key_for):
    """``client_of(kind, group)``: a new user in ``group`` ("user") or a key carrying it."""

    def make(kind: str, group):
        if kind == "user":
            return client_for(UserFactory(groups=[group]))
        if kind == "api_key":
            return api_key_for(group)
        raise ValueError(kind)

    return make


@pytest.fixture
def client_with(client_for, group_with):
    """``client_with(*permissions, rules=...)``: a new user whose extra group holds them."""

    def make(*permissions: str, rules=()):
        return client_for(UserFactory(groups=[group_with(*permissions, rules=rules)]))

    return make
