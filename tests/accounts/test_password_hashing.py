"""Passwords are hashed with Argon2 in production, and older hashes are upgraded on sign-in.

The suite runs with a fast hasher (tests/settings.py); these tests switch the production list
back on, so what they check is what a deployed server does.
"""

from __future__ import annotations

import bcrypt
import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client

from accounts.models import User
from tests.api.v2.auth_support import TF_LOGIN
from tests.conftest import GraphQLClient
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


LOGIN_VARIABLES = {"username": "moved@example.com", "password": "Password123", "strategy": "local"}


# --- Passwords imported from Wiki.js 2 (accounts/hashers.py) -----------------------------------
def wikijs2_hash(password: str) -> str:
    """What an import stores for a Wiki.js 2 user: bcryptjs's ``$2a$`` hash, prefixed
    (bcryptjs hashed the first 72 bytes of longer passwords; bcrypt 5 refuses them whole)."""
    made = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(rounds=4, prefix=b"2a"))
    return f"wikijs2_bcrypt${made.decode()}"


@pytest.fixture
def imported_user(production_hashers, db):
    user = UserFactory(email="moved@example.com")
    user.password = wikijs2_hash("Password123")
    user.save(update_fields=["password"])
    return user


def test_wikijs2_hashers_come_after_argon2():
    hashers = settings.PRODUCTION_PASSWORD_HASHERS
    assert hashers.index("accounts.hashers.WikiJs2BcryptHasher") > 0


def test_an_imported_user_signs_in_with_their_password_and_gets_argon2(imported_user):
    r = GraphQLClient(url="/graphql")(TF_LOGIN, LOGIN_VARIABLES)
    assert r.data["authentication"]["login"]["responseResult"]["succeeded"], r.body
    assert r.data["authentication"]["login"]["jwt"]
    imported_user.refresh_from_db()
    assert imported_user.password.startswith("argon2$")
    assert imported_user.check_password("Password123")


def test_a_wrong_password_leaves_the_imported_hash(imported_user):
    before = imported_user.password
    r = GraphQLClient(url="/graphql")(TF_LOGIN, {**LOGIN_VARIABLES, "password": "Password124"})
    assert r.data["authentication"]["login"]["responseResult"]["slug"] == "AuthLoginFailed"
    imported_user.refresh_from_db()
    assert imported_user.password == before


def test_bcrypt_reads_72_bytes_as_wikijs2_did(production_hashers, db):
    long = "é" * 40  # 80 bytes: bcryptjs used the first 72
    user = UserFactory(email="long@example.com")
    user.password = wikijs2_hash(long)
    assert user.check_password(long[:36] + "different tail")
    assert not user.check_password(long[:35])


def test_a_damaged_imported_hash_never_matches(production_hashers, db):
    user = UserFactory(email="damaged@example.com")
    user.password = "wikijs2_bcrypt$not-a-bcrypt-hash"
    user.save(update_fields=["password"])
    r = GraphQLClient(url="/graphql")(
        TF_LOGIN, {"username": "damaged@example.com", "password": "x", "strategy": "local"}
    )
    assert r.status == 200
    assert r.data["authentication"]["login"]["responseResult"]["slug"] == "AuthLoginFailed"
