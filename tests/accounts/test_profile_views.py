"""/_profile (TOTP, password, passkeys) and the passkey JSON views, through Django's client.

Passkeys are made and used by the software authenticator of the API tests: the views get
exactly what static/accounts/webauthn.js posts (WebAuthn JSON), and the server verifies it.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts import tokens
from accounts.models import Passkey, TotpDevice
from tests.accounts.webauthn_authenticator import SoftwareAuthenticator
from tests.api.signin.support import code, give_totp, stored_secret
from tests.factories import UserFactory

from .signin_page_support import (
    ORIGIN,
    PASSWORD,
    error_keys,
    hidden,
    post_json,
    session_user_id,
    signed_in_client,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    return UserFactory(email="pat@example.com", name="Pat Member")


def register(client: Client, authenticator: SoftwareAuthenticator, name: str = "Laptop") -> str:
    """A passkey registered the way the profile page's script does it; its credential id."""
    options = post_json(client, "/_profile/passkey/options", {})
    assert options.status_code == 200, options.content
    credential = authenticator.create(options.json())
    answer = post_json(
        client, "/_profile/passkey/register", {"credential": credential, "name": name}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"redirect": "/_profile?done=passkey-added"}
    return credential["id"]


# --- The page --------------------------------------------------------------------------------
def test_a_guest_is_sent_to_sign_in_and_back():
    response = Client().get("/_profile")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=%2F_profile"


def test_a_token_of_a_deactivated_account_opens_nothing(member):
    client = signed_in_client(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get("/_profile")["Location"] == "/login?next=%2F_profile"


def test_the_page_shows_who_is_signed_in(member):
    response = signed_in_client(member).get("/_profile")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<dd id="profile-name">Pat Member</dd>' in text
    assert '<dd id="profile-email">pat@example.com</dd>' in text
    assert "Two-factor authentication is <strong>off</strong>" in text
    assert 'id="no-passkeys"' in text


# --- TOTP ------------------------------------------------------------------------------------
def test_totp_is_set_up_with_a_code_and_turned_off(member):
    client = signed_in_client(member)
    started = client.post("/_profile", {"action": "tfa-setup"})
    assert started.status_code == 200
    assert "<svg" in started.content.decode()
    secret = stored_secret(member)
    assert TotpDevice.objects.get(user=member).confirmed is False
    setup = hidden(started, "setup")
    wrong = client.post(
        "/_profile", {"action": "tfa-confirm", "setup": setup, "code": code(secret, steps=7)}
    )
    assert wrong.status_code == 400
    assert error_keys(wrong) == ["ERR_TFA_INCORRECT_TOKEN"]
    assert "<svg" in wrong.content.decode()  # the same enrolment goes on
    TotpDevice.objects.filter(user=member).update(throttling_failure_count=0)
    done = client.post("/_profile", {"action": "tfa-confirm", "setup": setup, "code": code(secret)})
    assert done["Location"] == "/_profile?done=tfa-on"
    assert TotpDevice.objects.get(user=member).confirmed is True
    page = client.get(done["Location"])
    assert "Two-factor authentication is on." in page.content.decode()

    again = client.post("/_profile", {"action": "tfa-setup"})
    assert error_keys(again) == ["ERR_TFA_ALREADY_ACTIVE"]
    off = client.post("/_profile", {"action": "tfa-deactivate"})
    assert off["Location"] == "/_profile?done=tfa-off"
    assert not TotpDevice.objects.filter(user=member, confirmed=True).exists()
    assert error_keys(client.post("/_profile", {"action": "tfa-deactivate"})) == [
        "ERR_TFA_NOT_ACTIVE"
    ]


def test_a_forged_enrolment_field_is_refused(member):
    client = signed_in_client(member)
    response = client.post(
        "/_profile", {"action": "tfa-confirm", "setup": "<svg onload=alert(1)>", "code": "123456"}
    )
    assert response.status_code == 400
    assert error_keys(response) == ["ERR_INVALID_VALIDATION_TOKEN"]
    assert "<svg onload" not in response.content.decode()


def test_the_profile_needs_the_csrf_token(member):
    client = signed_in_client(member, enforce_csrf_checks=True)
    assert client.post("/_profile", {"action": "tfa-deactivate"}).status_code == 403
    give_totp(member)
    assert client.post("/_profile", {"action": "tfa-deactivate"}).status_code == 403
    assert TotpDevice.objects.get(user=member).confirmed is True


# --- Password --------------------------------------------------------------------------------
def test_the_password_changes_with_the_current_one(member):
    client = signed_in_client(member)
    wrong = client.post(
        "/_profile",
        {
            "action": "password",
            "current_password": "not-it",
            "new_password": "Brand-new-1",
            "new_password_again": "Brand-new-1",
        },
    )
    assert wrong.status_code == 400
    assert error_keys(wrong) == ["ERR_INCORRECT_CURRENT_PASSWORD"]
    short = client.post(
        "/_profile",
        {
            "action": "password",
            "current_password": PASSWORD,
            "new_password": "short",
            "new_password_again": "short",
        },
    )
    assert error_keys(short) == ["ERR_PASSWORD_TOO_SHORT"]
    done = client.post(
        "/_profile",
        {
            "action": "password",
            "current_password": PASSWORD,
            "new_password": "Brand-new-1",
            "new_password_again": "Brand-new-1",
        },
    )
    assert done["Location"] == "/_profile?done=password"
    member.refresh_from_db()
    assert member.check_password("Brand-new-1")


# --- Passkeys --------------------------------------------------------------------------------
def test_a_passkey_is_registered_renamed_and_removed(member, site):
    client = signed_in_client(member)
    authenticator = SoftwareAuthenticator(ORIGIN)
    credential_id = register(client, authenticator, name="Laptop")
    passkey = Passkey.objects.get(user=member)
    assert (passkey.credential_id, passkey.name, passkey.rp_id) == (
        credential_id,
        "Laptop",
        "testserver",
    )
    page = client.get("/_profile").content.decode()
    assert f'data-credential-id="{credential_id}"' in page
    assert 'value="Laptop"' in page

    renamed = client.post(
        "/_profile", {"action": "passkey-rename", "credential_id": credential_id, "name": "Phone"}
    )
    assert renamed["Location"] == "/_profile?done=passkey-renamed"
    assert Passkey.objects.get(user=member).name == "Phone"
    blank = client.post(
        "/_profile", {"action": "passkey-rename", "credential_id": credential_id, "name": "  "}
    )
    assert error_keys(blank) == ["ERR_PK_NAME_MISSING_OR_INVALID"]

    removed = client.post("/_profile", {"action": "passkey-remove", "credential_id": credential_id})
    assert removed["Location"] == "/_profile?done=passkey-removed"
    assert not Passkey.objects.filter(user=member).exists()


def test_another_person_s_passkey_is_neither_renamed_nor_removed(member, site):
    owner = UserFactory()
    credential_id = register(signed_in_client(owner), SoftwareAuthenticator(ORIGIN))
    client = signed_in_client(member)
    register(client, SoftwareAuthenticator(ORIGIN), name="Mine")
    renamed = client.post(
        "/_profile", {"action": "passkey-rename", "credential_id": credential_id, "name": "Taken"}
    )
    assert error_keys(renamed) == ["ERR_PASSKEY_NOT_SETUP"]
    client.post("/_profile", {"action": "passkey-remove", "credential_id": credential_id})
    assert Passkey.objects.get(credential_id=credential_id).name == "Laptop"


def test_a_cancelled_registration_is_dropped(member, site):
    client = signed_in_client(member)
    post_json(client, "/_profile/passkey/options", {})
    cancelled = post_json(client, "/_profile/passkey/register", {"credential": {}, "name": "X"})
    assert cancelled.status_code == 400
    assert cancelled.json()["error"] == "ERR_PK_USER_CANCELLED"
    late = post_json(client, "/_profile/passkey/register", {"credential": {}, "name": "X"})
    assert late.json()["error"] == "ERR_PASSKEY_NOT_SETUP"


def test_the_wildcard_site_cannot_hold_passkeys(member):
    answer = post_json(signed_in_client(member), "/_profile/passkey/options", {})
    assert answer.status_code == 400
    assert answer.json()["error"] == "ERR_PK_HOSTNAME_MISSING"


def test_passkey_registration_needs_a_signed_in_person_and_the_csrf_token(member, site):
    assert post_json(Client(), "/_profile/passkey/options", {}).status_code == 401
    strict = signed_in_client(member, enforce_csrf_checks=True)
    assert post_json(strict, "/_profile/passkey/options", {}).status_code == 403
    assert strict.get("/_profile/passkey/options").status_code == 405


def test_a_passkey_signs_the_browser_in(member, site):
    authenticator = SoftwareAuthenticator(ORIGIN)
    register(signed_in_client(member), authenticator)
    client = Client()
    options = post_json(client, "/_login/passkey/options", {"email": "PAT@example.com"})
    assert options.status_code == 200
    assertion = authenticator.get(options.json())
    answer = post_json(
        client, "/_login/passkey/verify", {"credential": assertion, "next": "/en/home"}
    )
    assert answer.status_code == 200
    assert answer.json() == {"redirect": "/en/home"}
    assert session_user_id(answer) == str(member.pk)
    assert answer.cookies[tokens.COOKIE_NAME]["httponly"] is True


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com/", "/\\evil.com"])
def test_a_passkey_sign_in_stays_on_the_site(member, site, target):
    authenticator = SoftwareAuthenticator(ORIGIN)
    register(signed_in_client(member), authenticator)
    client = Client()
    options = post_json(client, "/_login/passkey/options", {"email": member.email}).json()
    answer = post_json(
        client, "/_login/passkey/verify", {"credential": authenticator.get(options), "next": target}
    )
    assert answer.json() == {"redirect": "/"}


def test_a_replayed_assertion_signs_nobody_in(member, site):
    authenticator = SoftwareAuthenticator(ORIGIN)
    register(signed_in_client(member), authenticator)
    client = Client()
    options = post_json(client, "/_login/passkey/options", {"email": member.email}).json()
    assertion = authenticator.get(options)
    assert post_json(client, "/_login/passkey/verify", {"credential": assertion}).status_code == 200
    replay = post_json(Client(), "/_login/passkey/verify", {"credential": assertion})
    assert replay.status_code == 400
    assert replay.json()["error"] == "ERR_LOGIN_FAILED"
    assert tokens.COOKIE_NAME not in replay.cookies


def test_an_unknown_address_gets_options_all_the_same(site):
    answer = post_json(Client(), "/_login/passkey/options", {"email": "nobody@example.com"})
    assert answer.status_code == 200
    assert len(answer.json()["allowCredentials"]) == 1


def test_passkey_sign_in_is_rate_limited(site):
    client = Client()
    for _ in range(5):
        assert (
            post_json(client, "/_login/passkey/options", {"email": "x@example.com"}).status_code
            == 200
        )
    refused = post_json(client, "/_login/passkey/options", {"email": "x@example.com"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert re.match(
        r"Too many attempts\. Please try again in \d+ seconds?\.", refused.json()["message"]
    )


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"email": 5}', b'{"credential": "text"}']
)
def test_malformed_passkey_requests_are_refused(site, body):
    for url in ("/_login/passkey/options", "/_login/passkey/verify"):
        answer = Client().post(url, body, content_type="application/json")
        assert answer.status_code == 400
        assert answer.json() == {"error": None, "message": "The request was not understood."}
