"""The sign-in page (/login), /logout and the admin's login, through Django's test client.

Each step posts the form the page showed, with the hidden fields the page carried, and the
outcome is read where a browser reads it: the ``jwt`` cookie, the redirect, the page's error.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.utils import timezone

from accounts import continuation
from accounts.models import TotpDevice, User
from accounts.services import make_administrator
from tests.api.signin.support import code, give_totp, stored_secret
from tests.factories import GroupFactory, UserFactory

from .signin_page_support import (
    PASSWORD,
    error_keys,
    hidden,
    session_user_id,
    sign_in,
    signed_in_client,
    step_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    return UserFactory(email="pat@example.com", name="Pat Member")


@pytest.fixture
def administrator(db):
    admin = UserFactory(email="root@example.com", name="Root")
    make_administrator(admin)
    return admin


# --- The password step ---------------------------------------------------------------------
def test_the_page_asks_for_email_and_password_with_a_csrf_token():
    response = Client().get("/login")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<label for="id_username">Email address</label>' in text
    assert '<label for="id_password">Password</label>' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert step_of(response) == "password"
    assert "data-passkey-login" in text


def test_a_password_signs_the_browser_in(member):
    response = sign_in(Client(), member.email)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert session_user_id(response) == str(member.pk)
    cookie = response.cookies["jwt"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    member.refresh_from_db()
    assert member.last_login is not None
    # Django's own session login is not used: no session cookie.
    assert "sessionid" not in response.cookies


def test_the_address_is_matched_ignoring_case(member):
    response = sign_in(Client(), "PAT@Example.com")
    assert session_user_id(response) == str(member.pk)


def test_a_wrong_password_and_an_unknown_address_read_the_same(member):
    wrong = sign_in(Client(), member.email, "not-the-password")
    unknown = sign_in(Client(), "nobody@example.com", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert error_keys(response) == ["ERR_LOGIN_FAILED"]
        assert "jwt" not in response.cookies
    assert _without(wrong, member.email) == _without(unknown, "nobody@example.com")


def _without(response, email: str) -> str:
    """The page without what differs from one request to another (the typed address, the CSRF
    token)."""
    text = response.content.decode().replace(email, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"is_active": False}, "ERR_INACTIVE_USER"),
        ({"restrict_login": True}, "ERR_LOGIN_RESTRICTED"),
        ({"is_verified": False}, "ERR_USER_NOT_VERIFIED"),
    ],
)
def test_accounts_that_may_not_sign_in_are_told_why(fields, key):
    user = UserFactory(**fields)
    response = sign_in(Client(), user.email)
    assert response.status_code == 400
    assert error_keys(response) == [key]
    assert "jwt" not in response.cookies


def test_the_sixth_attempt_in_a_minute_is_refused_with_the_wait(member):
    client = Client()
    for _ in range(5):
        assert error_keys(sign_in(client, member.email, "wrong-password")) == ["ERR_LOGIN_FAILED"]
    refused = sign_in(client, member.email)  # even the right password
    assert refused.status_code == 429
    assert "jwt" not in refused.cookies
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 70
    assert f"Please try again in {wait} seconds." in refused.content.decode()


def test_an_empty_form_is_refused_without_asking_the_service(member):
    response = Client().post("/login", {"step": "password", "username": "", "password": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_the_form_needs_its_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, member.email).status_code == 403


# --- TOTP ----------------------------------------------------------------------------------
def test_an_active_totp_asks_for_the_code_before_the_cookie(member):
    secret = give_totp(member)
    client = Client()
    first = sign_in(client, member.email)
    assert first.status_code == 200
    assert step_of(first) == "tfa"
    assert "jwt" not in first.cookies
    second = client.post(
        "/login", {"step": "tfa", "token": hidden(first, "token"), "code": code(secret)}
    )
    assert second.status_code == 302
    assert session_user_id(second) == str(member.pk)


def test_a_wrong_code_spends_the_step_and_starts_over(member):
    secret = give_totp(member)
    client = Client()
    token = hidden(sign_in(client, member.email), "token")
    wrong = client.post("/login", {"step": "tfa", "token": token, "code": code(secret, steps=5)})
    assert wrong.status_code == 400
    assert step_of(wrong) == "password"
    assert error_keys(wrong) == ["ERR_TFA_INCORRECT_TOKEN"]
    assert "Please sign in again." in wrong.content.decode()
    again = client.post("/login", {"step": "tfa", "token": token, "code": code(secret)})
    assert error_keys(again) == ["ERR_INVALID_VALIDATION_TOKEN"]
    assert "jwt" not in again.cookies


def test_a_malformed_code_keeps_the_step(member):
    secret = give_totp(member)
    client = Client()
    token = hidden(sign_in(client, member.email), "token")
    malformed = client.post("/login", {"step": "tfa", "token": token, "code": "12a45"})
    assert malformed.status_code == 400
    assert step_of(malformed) == "tfa"
    assert hidden(malformed, "token") == token
    assert "Enter the 6-digit code" in malformed.content.decode()
    spaced = f"{code(secret)[:3]} {code(secret)[3:]}"  # as some apps show it
    done = client.post("/login", {"step": "tfa", "token": token, "code": spaced})
    assert session_user_id(done) == str(member.pk)


def test_a_required_totp_is_set_up_with_the_qr_code_then_signs_in():
    user = UserFactory(tfa_required=True)
    client = Client()
    first = sign_in(client, user.email)
    assert step_of(first) == "tfaSetup"
    assert "<svg" in first.content.decode()
    assert "jwt" not in first.cookies
    secret = stored_secret(user)
    setup = hidden(first, "setup")
    wrong = client.post(
        "/login", {"step": "tfaSetup", "setup": setup, "code": code(secret, steps=6)}
    )
    assert wrong.status_code == 400
    assert step_of(wrong) == "tfaSetup"  # a setup token stays until it succeeds
    assert error_keys(wrong) == ["ERR_TFA_INCORRECT_TOKEN"]
    assert "<svg" in wrong.content.decode()
    _throttle_passed(user)
    done = client.post("/login", {"step": "tfaSetup", "setup": setup, "code": code(secret)})
    assert session_user_id(done) == str(user.pk)
    assert TotpDevice.objects.get(user=user).confirmed is True


def _throttle_passed(user) -> None:
    """A few seconds later: django-otp's throttle after one wrong code (1 s) is over."""
    TotpDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )


def test_a_forged_setup_field_shows_no_markup_and_starts_over():
    user = UserFactory(tfa_required=True)
    client = Client()
    sign_in(client, user.email)
    forged = client.post(
        "/login", {"step": "tfaSetup", "setup": "<script>alert(1)</script>", "code": "123456"}
    )
    assert forged.status_code == 400
    assert step_of(forged) == "password"
    assert error_keys(forged) == ["ERR_INVALID_VALIDATION_TOKEN"]
    assert "<script>alert(1)" not in forged.content.decode()


# --- Password changes ----------------------------------------------------------------------
def test_a_forced_password_change_comes_before_the_cookie():
    user = UserFactory(must_change_password=True)
    client = Client()
    first = sign_in(client, user.email)
    assert step_of(first) == "changePassword"
    assert "jwt" not in first.cookies
    token = hidden(first, "token")
    differ = client.post(
        "/login",
        {
            "step": "changePassword",
            "token": token,
            "new_password": "New-pass-1",
            "new_password_again": "New-pass-2",
        },
    )
    assert differ.status_code == 400
    assert "The two passwords differ." in differ.content.decode()
    short = client.post(
        "/login",
        {
            "step": "changePassword",
            "token": token,
            "new_password": "short",
            "new_password_again": "short",
        },
    )
    assert error_keys(short) == ["ERR_PASSWORD_TOO_SHORT"]
    assert step_of(short) == "changePassword"
    done = client.post(
        "/login",
        {
            "step": "changePassword",
            "token": token,
            "new_password": "New-pass-1",
            "new_password_again": "New-pass-1",
        },
    )
    assert session_user_id(done) == str(user.pk)
    user.refresh_from_db()
    assert user.check_password("New-pass-1")
    assert user.must_change_password is False


def test_a_reset_link_opens_the_password_change(member):
    token = continuation.issue(member, continuation.Kind.CHANGE_PASSWORD)
    client = Client()
    page = client.get(f"/login?changePwdContinuationToken={token}")
    assert step_of(page) == "changePassword"
    assert hidden(page, "token") == token
    done = client.post(
        f"/login?changePwdContinuationToken={token}",
        {
            "step": "changePassword",
            "token": token,
            "new_password": "Reset-pass-1",
            "new_password_again": "Reset-pass-1",
        },
    )
    assert session_user_id(done) == str(member.pk)
    reused = client.post(
        "/login",
        {
            "step": "changePassword",
            "token": token,
            "new_password": "Other-pass-1",
            "new_password_again": "Other-pass-1",
        },
    )
    assert step_of(reused) == "password"
    assert error_keys(reused) == ["ERR_INVALID_VALIDATION_TOKEN"]
    member.refresh_from_db()
    assert member.check_password("Reset-pass-1")


def test_a_reset_link_still_asks_for_the_totp_code(member):
    """The link proves only the mailbox: an account with TOTP gives its code after the reset."""
    secret = give_totp(member)
    mailed = continuation.issue(member, continuation.Kind.RESET_PASSWORD)
    client = Client()
    landing = client.get(f"/login-reset/{mailed}")
    assert landing.status_code == 302
    page = client.get(landing["Location"])
    assert step_of(page) == "changePassword"
    changed = client.post(
        "/login",
        {
            "step": "changePassword",
            "token": hidden(page, "token"),
            "new_password": "Reset-pass-1",
            "new_password_again": "Reset-pass-1",
        },
    )
    assert step_of(changed) == "tfa"
    assert "jwt" not in changed.cookies
    done = client.post(
        "/login", {"step": "tfa", "token": hidden(changed, "token"), "code": code(secret)}
    )
    assert session_user_id(done) == str(member.pk)
    member.refresh_from_db()
    assert member.check_password("Reset-pass-1")


# --- Where the browser goes next ------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "http://evil.com/path",
        "/\\evil.com",
        "\\\\evil.com",
        "/\\/evil.com",
        "https:///evil.com",
        "javascript:alert(1)",
        " //evil.com",
    ],
)
def test_next_never_leaves_the_site(member, target):
    response = sign_in(Client(), member.email, next=target)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_next_on_this_site_is_followed_through_every_step(member):
    secret = give_totp(member)
    client = Client()
    first = client.post(
        "/login?next=/en/some/page%3Fx%3D1",
        {
            "step": "password",
            "username": member.email,
            "password": PASSWORD,
            "next": "/en/some/page?x=1",
        },
    )
    assert hidden(first, "next") == "/en/some/page?x=1"
    done = client.post(
        "/login",
        {
            "step": "tfa",
            "token": hidden(first, "token"),
            "code": code(secret),
            "next": hidden(first, "next"),
        },
    )
    assert done["Location"] == "/en/some/page?x=1"


def test_without_next_the_groups_login_redirect_is_followed():
    group = GroupFactory(redirect_on_login="/welcome")
    user = UserFactory(groups=[group])
    assert sign_in(Client(), user.email)["Location"] == "/welcome"


# --- Logout --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["get", "post"])
def test_logout_forgets_the_cookie(member, method):
    client = signed_in_client(member)
    response = getattr(client, method)("/logout")
    assert response.status_code == 302
    assert response["Location"] == "/"
    cookie = response.cookies["jwt"]
    assert cookie.value == ""
    assert cookie["max-age"] == 0
    assert client.get("/_profile")["Location"] == "/login?next=%2F_profile"


# --- The admin's login is this sign-in -------------------------------------------------------
def test_the_admin_login_signs_an_administrator_in_with_a_cookie(administrator):
    client = Client()
    page = client.get("/admin/login/")
    assert step_of(page) == "password"
    assert hidden(page, "next") == "/admin/"
    response = sign_in(client, administrator.email, url="/admin/login/", next="/admin/")
    assert response["Location"] == "/admin/"
    assert session_user_id(response) == str(administrator.pk)
    assert "sessionid" not in response.cookies
    assert client.get("/admin/").status_code == 200


def test_an_administrator_with_totp_enters_the_admin_only_after_the_code(administrator):
    secret = give_totp(administrator)
    client = Client()
    first = sign_in(client, administrator.email, url="/admin/login/", next="/admin/")
    assert step_of(first) == "tfa"
    assert "jwt" not in first.cookies
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    done = client.post(
        "/admin/login/",
        {"step": "tfa", "token": hidden(first, "token"), "code": code(secret), "next": "/admin/"},
    )
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"restrict_login": True}, "ERR_LOGIN_RESTRICTED"),
        ({"is_verified": False}, "ERR_USER_NOT_VERIFIED"),
        ({"is_active": False}, "ERR_INACTIVE_USER"),
    ],
)
def test_the_admin_login_refuses_what_login_refuses(administrator, fields, key):
    User.objects.filter(pk=administrator.pk).update(**fields)
    client = Client()
    response = sign_in(client, administrator.email, url="/admin/login/")
    assert error_keys(response) == [key]
    assert "jwt" not in response.cookies
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_admin_login_asks_a_forced_password_change_first(administrator):
    User.objects.filter(pk=administrator.pk).update(must_change_password=True)
    client = Client()
    response = sign_in(client, administrator.email, url="/admin/login/")
    assert step_of(response) == "changePassword"
    assert "jwt" not in response.cookies
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_admin_login_is_rate_limited(administrator):
    client = Client()
    for _ in range(5):
        sign_in(client, administrator.email, "wrong-password", url="/admin/login/")
    refused = sign_in(client, administrator.email, url="/admin/login/")
    assert refused.status_code == 429
    assert "jwt" not in refused.cookies


def test_the_admin_tells_a_signed_in_non_administrator_no_without_a_loop(member):
    client = signed_in_client(member)
    first = client.get("/admin/")
    assert first.status_code == 302
    assert first["Location"] == "/admin/login/?next=/admin/"
    page = client.get(first["Location"])
    assert page.status_code == 403
    assert 'id="not-authorized"' in page.content.decode()


def test_django_s_own_login_form_lets_nobody_in(administrator):
    """The fields of Django's admin login (no step) are this sign-in's: the rules apply."""
    User.objects.filter(pk=administrator.pk).update(restrict_login=True)
    client = Client()
    response = client.post(
        "/admin/login/", {"username": administrator.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert error_keys(response) == ["ERR_LOGIN_RESTRICTED"]
    assert "sessionid" not in response.cookies
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_django_s_authenticate_accepts_nobody(administrator):
    """No authentication backend: nothing that calls Django's authenticate() signs anyone in."""
    assert authenticate(username=administrator.email, password=PASSWORD) is None
    assert authenticate(email=administrator.email, password=PASSWORD) is None


def test_admin_logout_forgets_the_cookie(administrator):
    client = signed_in_client(administrator)
    response = client.post("/admin/logout/")
    assert response["Location"] == "/admin/login/"
    assert response.cookies["jwt"].value == ""


def test_the_admin_password_change_is_the_profile_s(administrator):
    response = signed_in_client(administrator).get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == "/_profile#password"
