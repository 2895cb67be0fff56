"""The admin's second-factor rule: an administrator who has TOTP or a passkey enters the admin
only with a session that used one (accounts/second_factor.py), whichever way it was signed in.

Session tokens record how they were signed in to (``amr``); renewals keep it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import continuation, sessions, signin, tokens
from accounts.models import LOCAL_STRATEGY_ID, UserKey
from accounts.services import make_administrator
from tests.accounts.webauthn_authenticator import SoftwareAuthenticator
from tests.api.signin.support import code, give_totp
from tests.factories import UserFactory
from tests.token_support import claims_for, sign
from wiki.models import Site

from .signin_page_support import ORIGIN, PASSWORD, hidden, post_json, sign_in, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(db):
    admin = UserFactory(email="root@example.com", name="Root")
    make_administrator(admin)
    return admin


def methods_of(token: str) -> list[str] | None:
    return tokens.read_token(token, verify_exp=False).get("amr")


def cookie_methods(response) -> list[str] | None:
    return methods_of(response.cookies[tokens.COOKIE_NAME].value)


def client_with(user, *methods: str) -> Client:
    client = Client()
    client.cookies[tokens.COOKIE_NAME] = tokens.issue_session_token(user, methods=methods)
    return client


def register_passkey(user, authenticator: SoftwareAuthenticator) -> None:
    client = signed_in_client(user)
    options = post_json(client, "/_profile/passkey/options", {}).json()
    answer = post_json(
        client,
        "/_profile/passkey/register",
        {"credential": authenticator.create(options), "name": "Key"},
    )
    assert answer.status_code == 200, answer.content


# --- The admin --------------------------------------------------------------------------------
def test_a_password_alone_does_not_open_the_admin_to_a_passkey_holder(administrator, site):
    authenticator = SoftwareAuthenticator(ORIGIN)
    register_passkey(administrator, authenticator)
    client = Client()

    signed_in = sign_in(client, administrator.email, url="/admin/login/", next="/admin/")

    assert cookie_methods(signed_in) == ["pwd"]
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 403
    assert b'id="second-factor-needed"' in page.content
    assert hidden(page, "next") == "/admin/"  # no redirect loop: the page asks for the factor

    options = post_json(client, "/_login/passkey/options", {"email": administrator.email})
    verified = post_json(
        client,
        "/_login/passkey/verify",
        {"credential": authenticator.get(options.json()), "next": "/admin/"},
    )

    assert verified.json() == {"redirect": "/admin/"}
    assert cookie_methods(verified) == ["hwk"]
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/"


def test_a_totp_holder_needs_a_session_that_gave_the_code(administrator):
    give_totp(administrator)
    assert client_with(administrator, "pwd").get("/admin/").status_code == 302
    assert client_with(administrator).get("/admin/").status_code == 302  # a token without amr
    assert client_with(administrator, "mail").get("/admin/").status_code == 302
    assert client_with(administrator, "pwd", "otp").get("/admin/").status_code == 200
    assert client_with(administrator, "hwk").get("/admin/").status_code == 200


def test_other_admin_pages_follow_the_same_rule(administrator):
    give_totp(administrator)
    for url in ("/admin/api-access/", "/admin/mail-settings/", "/admin/accounts/user/"):
        assert client_with(administrator, "pwd").get(url).status_code == 302, url
        assert client_with(administrator, "pwd", "otp").get(url).status_code == 200, url


def test_without_a_second_factor_a_password_opens_the_admin(administrator):
    assert client_with(administrator, "pwd").get("/admin/").status_code == 200


def test_the_rule_is_the_admin_s_only(administrator, site):
    """The wiki's own pages take a password-only session of a passkey holder as it is."""
    register_passkey(administrator, SoftwareAuthenticator(ORIGIN))
    assert client_with(administrator, "pwd").get("/_profile").status_code == 200


# --- What the tokens record -------------------------------------------------------------------
def test_tokens_record_how_they_were_signed_in(administrator):
    secret = give_totp(administrator)
    first = signin.login(
        email=administrator.email,
        password=PASSWORD,
        strategy_id=LOCAL_STRATEGY_ID,
        site_id=Site.objects.get(hostname="*").pk,
        client_address="192.0.2.1",
    )
    assert first.next_action == signin.NextAction.PROVIDE_TFA
    done = signin.login_tfa(
        continuation_token=first.continuation_token,
        security_code=code(secret),
        strategy_id=LOCAL_STRATEGY_ID,
        site_id=None,
        setup=False,
        client_address="192.0.2.1",
    )
    assert methods_of(done.jwt) == ["pwd", "otp"]


def test_a_forced_change_after_the_code_keeps_the_code(administrator):
    token = continuation.issue(
        administrator,
        UserKey.Kind.CHANGE_PASSWORD,
        strategy_id=LOCAL_STRATEGY_ID,
        methods=("pwd", "otp"),
    )
    result = signin.change_password_with_token(
        continuation_token=token,
        new_password="BrandNew-456",
        strategy_id=LOCAL_STRATEGY_ID,
        site_id=None,
        client_address="192.0.2.1",
    )
    assert methods_of(result.jwt) == ["pwd", "otp"]


def test_a_reset_link_session_is_no_second_factor(administrator):
    token = continuation.issue(
        administrator, UserKey.Kind.CHANGE_PASSWORD, from_reset_link=True, methods=("otp",)
    )
    result = signin.change_password_with_token(
        continuation_token=token,
        new_password="BrandNew-456",
        strategy_id=LOCAL_STRATEGY_ID,
        site_id=None,
        client_address="192.0.2.1",
    )
    assert methods_of(result.jwt) == ["mail", "pwd"]


def expired_token(user, *methods: str) -> str:
    past = timezone.now() - timedelta(hours=1)
    return sign(
        claims_for(
            user,
            iat=int(past.timestamp()),
            exp=int((past + timedelta(minutes=30)).timestamp()),
            amr=list(methods),
        )
    )


def test_refresh_keeps_the_methods(administrator):
    old = expired_token(administrator, "pwd", "otp")
    assert methods_of(sessions.refresh_session(old, client_address="192.0.2.1")) == [
        "pwd",
        "otp",
    ]


def test_cookie_renewal_keeps_the_methods(administrator):
    client = Client()
    client.cookies[tokens.COOKIE_NAME] = expired_token(administrator, "hwk")

    response = client.get("/_profile")

    assert response.status_code == 200
    assert cookie_methods(response) == ["hwk"]
