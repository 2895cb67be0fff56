"""Credentials on /graphql (API-v2.md §1.3): Bearer header or ``jwt`` cookie (the header wins),
the cookie without Django's CSRF token (safe because only JSON POSTs and GET queries run), and
the API-key refusals with Wiki.js 2's messages; /_graphql keeps its own answers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import apikeys, tokens
from accounts.permissions import CallerKind
from accounts.services import administrators_group
from api.v2 import view as v2_view
from tests.conftest import GRAPHQL_URL
from tests.token_support import claims_for, sign
from wiki.config import set_api_enabled

from .transport_support import V2_URL, get_url, post_json

pytestmark = pytest.mark.django_db

QUERY = "{ pages { __typename } }"
DATA = {"data": {"pages": {"__typename": "PageQuery"}}}
MUTATION = "mutation { pages { __typename } }"
API_DISABLED = {
    "data": None,
    "errors": [
        {
            "message": "API is disabled. You must enable it from the Administration Area first.",
            "extensions": {"code": "FORBIDDEN"},
        }
    ],
}
KEY_INVALID = {
    "data": None,
    "errors": [
        {
            "message": "API Key is invalid or was revoked.",
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ],
}


def caller_of(response):
    return response.wsgi_request.caller


def with_cookie(token: str) -> Client:
    # Django's CSRF check as a real server runs it (the test client skips it by default).
    http = Client(enforce_csrf_checks=True)
    http.cookies["jwt"] = token
    return http


@pytest.fixture
def admin_key(api_key_for):
    return api_key_for(administrators_group())


# --- Header and cookie --------------------------------------------------------------------------
def test_a_bearer_session_token_makes_a_user_request(user):
    token = tokens.issue_session_token(user)

    response = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json() == DATA
    assert caller_of(response).kind == CallerKind.USER
    assert caller_of(response).user == user


def test_the_jwt_cookie_works_without_a_csrf_token_as_the_terraform_provider_sends_it(user):
    """The provider logs in, then sends the session token as the jwt cookie on JSON POSTs:
    no csrftoken cookie, no X-CSRFToken header, no Origin."""
    http = with_cookie(tokens.issue_session_token(user))

    response = post_json({"query": MUTATION}, http)

    assert response.status_code == 200
    assert response.json() == {"data": {"pages": {"__typename": "PageMutation"}}}
    assert caller_of(response).user == user


def test_main_endpoint_still_wants_the_csrf_token_with_the_cookie(user):
    http = with_cookie(tokens.issue_session_token(user))

    response = http.post(
        GRAPHQL_URL, json.dumps({"query": "{ sites { id } }"}), content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["errors"][0]["message"].startswith("CSRF check failed")


def test_a_query_by_get_with_the_cookie_runs_as_its_user(user):
    response = with_cookie(tokens.issue_session_token(user)).get(get_url(QUERY))

    assert response.status_code == 200
    assert response.json() == DATA
    assert caller_of(response).user == user


def test_the_header_wins_over_the_cookie(user, make_user):
    other = make_user(email="other@example.com")
    http = with_cookie(tokens.issue_session_token(other))

    response = post_json(
        {"query": QUERY}, http, HTTP_AUTHORIZATION=f"Bearer {tokens.issue_session_token(user)}"
    )

    assert caller_of(response).user == user


def test_a_key_in_the_cookie_works_as_in_the_header(admin_key):
    response = post_json({"query": QUERY}, with_cookie(admin_key.token))

    assert response.status_code == 200
    assert caller_of(response).kind == CallerKind.API_KEY


@pytest.mark.parametrize("kind", ["garbage", "unsigned", "hs256"])
def test_a_token_that_does_not_verify_is_a_guest_request_without_error(user, kind):
    token = {
        "garbage": "not-a-token",
        "unsigned": "eyJhbGciOiJIUzI1NiJ9.e30.x",
        "hs256": sign(claims_for(user), key="k" * 64, algorithm="HS256"),
    }[kind]

    response = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json() == DATA
    assert caller_of(response).kind == CallerKind.GUEST


def test_a_token_signed_by_another_key_is_a_guest_request(user):
    from cryptography.hazmat.primitives.asymmetric import rsa

    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = sign(claims_for(user), key=foreign)

    response = post_json({"query": QUERY}, with_cookie(token))

    assert response.status_code == 200
    assert caller_of(response).kind == CallerKind.GUEST


def test_an_inactive_users_token_is_a_guest_request(user):
    token = tokens.issue_session_token(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert caller_of(response).kind == CallerKind.GUEST


# --- Cross-site requests carrying the cookie never run --------------------------------------------
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "query=mutation+%7B+pages+%7B+__typename+%7D+%7D"),
        ("text/plain", json.dumps({"query": MUTATION})),
        ("text/plain;charset=UTF-8", json.dumps({"query": MUTATION})),
        ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="q"'),
    ],
)
def test_a_cross_site_form_or_text_post_with_the_cookie_does_not_run(
    user, monkeypatch, content_type, body
):
    """What a page of another site can make a browser send without a CORS preflight."""
    ran, resolved = [], []
    monkeypatch.setattr(
        v2_view.WikiJs2GraphQLView,
        "execute_document",
        lambda self, *args, **kwargs: ran.append(args),
    )
    monkeypatch.setattr(v2_view, "resolve_caller", lambda *args, **kwargs: resolved.append(args))
    http = with_cookie(tokens.issue_session_token(user))

    response = http.post(
        V2_URL,
        body,
        content_type=content_type,
        HTTP_ORIGIN="https://attacker.example",
        HTTP_REFERER="https://attacker.example/form.html",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
    assert ran == []
    assert resolved == []
    assert not [h for h in response.headers if h.lower().startswith("access-control")]


def test_a_mutation_by_get_with_the_cookie_does_not_run(user, monkeypatch):
    """A link or an image on another site can make a browser GET with the cookie."""
    ran = []
    monkeypatch.setattr(
        v2_view.WikiJs2GraphQLView,
        "execute_document",
        lambda self, *args, **kwargs: ran.append(args),
    )

    response = with_cookie(tokens.issue_session_token(user)).get(get_url(MUTATION))

    assert response.status_code == 405
    assert ran == []


# --- API keys (§1.3) ---------------------------------------------------------------------------
def test_a_valid_key_runs_as_the_key(admin_key):
    response = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {admin_key.token}")

    assert response.status_code == 200
    assert caller_of(response).kind == CallerKind.API_KEY


def test_a_key_while_api_access_is_off_is_403_with_wikijs2s_message(admin_key):
    set_api_enabled(False)

    by_post = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {admin_key.token}")
    by_get = Client().get(get_url(QUERY), HTTP_AUTHORIZATION=f"Bearer {admin_key.token}")

    for response in (by_post, by_get):
        assert response.status_code == 403
        assert response.json() == API_DISABLED


def test_a_revoked_key_is_401_with_wikijs2s_message(admin_key):
    apikeys.revoke_api_key(None, admin_key.api_key.pk)

    response = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {admin_key.token}")

    assert response.status_code == 401
    assert response.json() == KEY_INVALID


def test_a_key_past_its_expiration_is_401(admin_key):
    admin_key.api_key.expiration = timezone.now() - timedelta(seconds=1)
    admin_key.api_key.save(update_fields=["expiration"])

    response = post_json({"query": QUERY}, HTTP_AUTHORIZATION=f"Bearer {admin_key.token}")

    assert response.status_code == 401
    assert response.json() == KEY_INVALID


def test_an_unknown_key_is_401(admin_key):
    admin_key.api_key.delete()

    response = post_json({"query": QUERY}, with_cookie(admin_key.token))

    assert response.status_code == 401
    assert response.json() == KEY_INVALID


def test_the_main_endpoint_keeps_its_own_answers(admin_key):
    set_api_enabled(False)
    disabled = admin_key(QUERY.replace("pages { __typename }", "sites { id }"))
    set_api_enabled(True)
    apikeys.revoke_api_key(None, admin_key.api_key.pk)
    revoked = admin_key("{ sites { id } }")

    assert (disabled.status, disabled.body) == (
        403,
        {"data": None, "errors": [{"message": "ERR_FORBIDDEN"}]},
    )
    assert (revoked.status, revoked.body) == (
        401,
        {"data": None, "errors": [{"message": "ERR_INVALID_TOKEN"}]},
    )
