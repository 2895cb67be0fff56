"""An expired session token renewed on /graphql (API-v2.md §1.3, Wiki.js 2's rule): within
``auth.tokenRenewal`` of its expiry and for an existing active user, the request runs as that
user and a fresh token comes back, in the ``new-jwt`` header to a JSON request, else as the
``jwt`` cookie, with ``Cache-Control: no-store``. Anything else is a guest request, no error."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import sessions, tokens
from accounts.authentication import resolve_caller
from accounts.models import User
from accounts.permissions import CallerKind
from accounts.services import administrators_group
from tests.conftest import GRAPHQL_URL
from tests.token_support import claims_for, sign
from wiki.config import update_setting

from .transport_support import V2_URL, get_url, post_json

pytestmark = pytest.mark.django_db

QUERY = "{ pages { __typename } }"
DATA = {"data": {"pages": {"__typename": "PageQuery"}}}


def expired_token(user, ago: timedelta, **claims) -> str:
    """A session token of ``user`` whose expiry lies ``ago`` in the past."""
    expired_at = timezone.now() - ago
    issued_at = expired_at - timedelta(minutes=30)
    return sign(
        claims_for(user, iat=int(issued_at.timestamp()), exp=int(expired_at.timestamp()), **claims)
    )


def with_cookie(token: str) -> Client:
    http = Client(enforce_csrf_checks=True)
    http.cookies["jwt"] = token
    return http


def caller_of(response):
    return response.wsgi_request.caller


def assert_fresh_token_of(user, token: str) -> dict:
    claims = tokens.read_token(token)  # signature, issuer, audience and expiry
    assert claims["id"] == str(user.pk)
    assert claims["exp"] > timezone.now().timestamp()
    return claims


def assert_not_renewed(response) -> None:
    assert response.status_code == 200
    assert response.json() == DATA
    assert caller_of(response).kind == CallerKind.GUEST
    assert "new-jwt" not in response
    assert "jwt" not in response.cookies


# --- Renewed ------------------------------------------------------------------------------------
def test_a_json_request_gets_the_new_token_in_the_new_jwt_header(user):
    before = timezone.now()
    token = expired_token(user, timedelta(hours=1))

    response = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json() == DATA
    assert caller_of(response).kind == CallerKind.USER
    assert caller_of(response).user == user
    assert response["Cache-Control"] == "no-store"
    assert "jwt" not in response.cookies
    renewed = response["new-jwt"]
    assert renewed != token
    assert_fresh_token_of(user, renewed)
    user.refresh_from_db()
    assert user.last_login >= before


def test_the_new_token_works_on_both_endpoints(user):
    token = expired_token(user, timedelta(days=3))
    renewed = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}")["new-jwt"]

    on_v2 = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {renewed}")
    on_main = Client().post(
        GRAPHQL_URL,
        json.dumps({"query": "{ sites { id } }"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {renewed}",
    )

    assert caller_of(on_v2).user == user
    assert "new-jwt" not in on_v2  # valid: nothing to renew
    assert "no-store" not in on_v2.get("Cache-Control", "")
    assert caller_of(on_main).user == user


def test_the_terraform_provider_cookie_on_a_json_post_gets_the_header(user):
    response = post_json({"query": QUERY}, with_cookie(expired_token(user, timedelta(minutes=5))))

    assert caller_of(response).user == user
    assert_fresh_token_of(user, response["new-jwt"])
    assert "jwt" not in response.cookies
    assert response["Cache-Control"] == "no-store"


def test_a_json_content_type_with_a_charset_still_gets_the_header(user):
    token = expired_token(user, timedelta(hours=1))

    response = Client().post(
        V2_URL,
        json.dumps({"query": QUERY}),
        content_type="application/json; charset=utf-8",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert_fresh_token_of(user, response["new-jwt"])


def test_a_get_gets_the_new_token_as_the_jwt_cookie(user, monkeypatch):
    before = timezone.now()
    issued = []
    start_session = sessions.start_session

    def counting(*args, **kwargs):
        issued.append(args)
        return start_session(*args, **kwargs)

    monkeypatch.setattr(sessions, "start_session", counting)

    response = with_cookie(expired_token(user, timedelta(days=13))).get(get_url(QUERY))

    assert response.status_code == 200
    assert caller_of(response).user == user
    assert "new-jwt" not in response
    assert response["Cache-Control"] == "no-store"
    cookie = response.cookies["jwt"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert_fresh_token_of(user, cookie.value)
    user.refresh_from_db()
    assert user.last_login >= before
    # Renewed once, by the endpoint (the cookie middleware leaves the API addresses alone).
    assert len(issued) == 1


def test_a_batch_renews_once(user):
    token = expired_token(user, timedelta(hours=2))

    response = post_json([{"query": QUERY}, {"query": QUERY}], HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.json() == [DATA, DATA]
    assert_fresh_token_of(user, response["new-jwt"])


def test_the_renewed_session_keeps_how_it_was_signed_in(user):
    token = expired_token(user, timedelta(hours=1), amr=["pwd", "otp"])

    response = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert assert_fresh_token_of(user, response["new-jwt"])["amr"] == ["pwd", "otp"]


def test_the_window_is_the_token_renewal_setting(user):
    update_setting("auth", tokenRenewal="1d")

    inside = post_json(
        {"query": QUERY},
        HTTP_AUTHORIZATION=f"Bearer {expired_token(user, timedelta(hours=20))}",
    )
    outside = post_json(
        {"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {expired_token(user, timedelta(days=2))}"
    )

    assert caller_of(inside).user == user
    assert "new-jwt" in inside
    assert_not_renewed(outside)


# --- Not renewed: a guest request, no error ----------------------------------------------------------
def test_beyond_the_default_window_of_14_days(user):
    response = post_json(
        {"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {expired_token(user, timedelta(days=15))}"
    )

    assert_not_renewed(response)
    user.refresh_from_db()
    assert user.last_login is None


def test_an_inactive_user(user):
    token = expired_token(user, timedelta(hours=1))
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_not_renewed(post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}"))


def test_an_unknown_user(user):
    token = expired_token(user, timedelta(hours=1))
    user.delete()

    assert_not_renewed(post_json({"query": QUERY}, with_cookie(token)))


def test_a_bad_signature(user):
    from cryptography.hazmat.primitives.asymmetric import rsa

    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    expired_at = int((timezone.now() - timedelta(hours=1)).timestamp())
    token = sign(claims_for(user, iat=expired_at - 60, exp=expired_at), key=foreign)

    assert_not_renewed(post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}"))


def test_an_expired_api_key_is_neither_renewed_nor_refused(api_key_for):
    key = api_key_for(administrators_group(), expiration="1s")
    key.api_key.expiration = timezone.now() - timedelta(seconds=5)
    key.api_key.save(update_fields=["expiration"])
    claims = tokens.read_token(key.token)
    token = sign({**claims, "exp": claims["iat"] - 1, "iat": claims["iat"] - 2})

    assert_not_renewed(post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}"))


def test_the_main_endpoint_does_not_renew(user):
    token = expired_token(user, timedelta(hours=1))

    response = Client().post(
        GRAPHQL_URL,
        json.dumps({"query": "{ sites { id } }"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    assert response.wsgi_request.caller.kind == CallerKind.GUEST
    assert "new-jwt" not in response
    user.refresh_from_db()
    assert user.last_login is None


# --- The domain rule itself (accounts.authentication.resolve_caller) ---------------------------------
def test_resolve_caller_renews_only_when_asked(user, rf):
    token = expired_token(user, timedelta(hours=1))
    request = rf.post("/anywhere", HTTP_AUTHORIZATION=f"Bearer {token}")

    plain = resolve_caller(request)
    renewing = resolve_caller(request, renew=True)

    assert plain.is_guest
    assert plain.renewed_token is None
    assert renewing.is_user
    assert renewing.user == user
    assert_fresh_token_of(user, renewing.renewed_token)


def test_resolve_caller_does_not_renew_a_valid_token(user, rf):
    token = tokens.issue_session_token(user)

    caller = resolve_caller(rf.get("/", HTTP_AUTHORIZATION=f"Bearer {token}"), renew=True)

    assert caller.user == user
    assert caller.renewed_token is None
    user.refresh_from_db()
    assert user.last_login is None
