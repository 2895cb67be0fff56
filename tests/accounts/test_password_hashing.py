"""Passwords are hashed with Argon2 in production, and older hashes are upgraded on sign-in.

The suite runs with a fast hasher (tests/settings.py); these tests switch the production list
back on, so what they check is what a deployed server does.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client

from accounts.models import User
from tests.factories import UserFactory

from ..api.permission_support import assert_mutation_succeeded

CREATE_USER = """mutation {
  createUser(email: "new@example.com", name: "New", passwordRaw: "Password123",
             providerKey: "local", groups: [], mustChangePassword: false,
             sendWelcomeEmail: false) { operation { succeeded slug message } }
}"""


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS


def test_argon2_comes_first_in_production():
    assert settings.PRODUCTION_PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_accounts_created_through_the_api_get_argon2_hashes(production_hashers, admin_client):
    assert_mutation_succeeded(admin_client(CREATE_USER), "createUser")
    assert User.objects.get(email="new@example.com").password.startswith("argon2$")


def test_an_older_hash_is_upgraded_when_its_owner_signs_in(production_hashers, db):
    user = UserFactory(email="old@example.com")
    user.password = make_password("Password123", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    browser = Client()
    response = browser.post(
        "/admin/login/", {"username": "old@example.com", "password": "Password123"}
    )
    assert response.status_code in (200, 302)
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password("Password123")


def test_a_wrong_password_upgrades_nothing(production_hashers, db):
    user = UserFactory(email="old@example.com")
    user.password = make_password("Password123", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    Client().post("/admin/login/", {"username": "old@example.com", "password": "wrong"})
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
