"""CSRF on /_graphql beyond tests/api/test_cookie_csrf.py (issue 12, item 2).

test_cookie_csrf.py covers the four basic cases (a cookie without the token refused, a cookie
with the token and a same-origin Origin accepted, a Bearer header with a cookie accepted without
a token, a guest without a token accepted). Here: HTTPS, where Django also checks the Referer;
trusted origins; a token that belongs to another browser; API keys beside a cookie; and that a
refusal comes before the body is read or the database is asked anything.
"""

import json
import re

import pytest
from django.test import Client

from accounts import tokens
from accounts.models import User

pytestmark = pytest.mark.django_db

RENAME = 'mutation { updateProfile(name: "Renamed") { operation { succeeded slug } } }'
RENAMED = {"data": {"updateProfile": {"operation": {"succeeded": True, "slug": "ok"}}}}
API_STATE = "{ apiState }"


class UnreadableBody:
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def signed_in(user, secure: bool = False) -> tuple[Client, str]:
    """A browser signed in as ``user`` that opened the explorer: its client and CSRF token."""
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[tokens.COOKIE_NAME] = tokens.issue_session_token(user)
    page = browser.get("/_graphql", HTTP_ACCEPT="text/html", secure=secure)
    assert page.status_code == 200
    return browser, re.search(r'data-csrf-token="([^"]+)"', page.content.decode())[1]


def post(browser: Client, query: str, secure: bool = False, **headers):
    body = json.dumps({"query": query})
    return browser.post(
        "/_graphql", body, content_type="application/json", secure=secure, **headers
    )


def name_of(user) -> str:
    return User.objects.values_list("name", flat=True).get(pk=user.pk)


def refusal_reason(response) -> str:
    assert response.status_code == 403, response.content
    (error,) = response.json()["errors"]
    return re.match(r"CSRF check failed \((.*?)\)\. ", error["message"])[1]


# --- HTTPS: Django checks the Referer when no Origin is sent -----------------------------------
def test_https_cookie_with_token_but_neither_origin_nor_referer_is_refused(user):
    browser, token = signed_in(user, secure=True)

    response = post(browser, RENAME, secure=True, HTTP_X_CSRFTOKEN=token)

    assert refusal_reason(response) == "Referer checking failed - no Referer."
    assert name_of(user) == "Member"


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_ORIGIN": "https://testserver"},
        {"HTTP_REFERER": "https://testserver/_graphql"},
    ],
    ids=["origin", "referer"],
)
def test_https_cookie_with_token_and_same_origin_is_accepted(user, header):
    browser, token = signed_in(user, secure=True)

    response = post(browser, RENAME, secure=True, HTTP_X_CSRFTOKEN=token, **header)

    assert response.json() == RENAMED
    assert name_of(user) == "Renamed"


def test_https_cookie_with_token_from_another_sites_referer_is_refused(user):
    browser, token = signed_in(user, secure=True)

    response = post(
        browser,
        RENAME,
        secure=True,
        HTTP_X_CSRFTOKEN=token,
        HTTP_REFERER="https://evil.example/page",
    )

    assert refusal_reason(response).startswith("Referer checking failed")
    assert name_of(user) == "Member"


# --- Origins ----------------------------------------------------------------------------------
def test_an_origin_the_operator_trusts_is_accepted(settings, user):
    settings.CSRF_TRUSTED_ORIGINS = ["https://docs.example.org"]
    browser, token = signed_in(user)

    response = post(browser, RENAME, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="https://docs.example.org")

    assert response.json() == RENAMED


@pytest.mark.parametrize("origin", ["null", "http://testserver.evil.example", "https://testserver"])
def test_other_origins_are_refused_even_with_the_token(user, origin):
    browser, token = signed_in(user)

    response = post(browser, RENAME, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=origin)

    assert refusal_reason(response).startswith("Origin checking failed")
    assert name_of(user) == "Member"


# --- Tokens -----------------------------------------------------------------------------------
def test_a_token_from_another_browser_is_refused(user, make_user):
    """An attacker's own explorer token does not match the victim's csrftoken cookie."""
    _, attackers_token = signed_in(make_user(email="attacker@example.com"))
    victim, _ = signed_in(user)

    response = post(victim, RENAME, HTTP_X_CSRFTOKEN=attackers_token)

    assert refusal_reason(response) == "CSRF token from the 'X-Csrftoken' HTTP header incorrect."
    assert name_of(user) == "Member"


def test_a_token_without_the_csrf_cookie_is_refused(user):
    browser, token = signed_in(user)
    del browser.cookies["csrftoken"]

    response = post(browser, RENAME, HTTP_X_CSRFTOKEN=token)

    assert refusal_reason(response) == "CSRF cookie not set."


# --- Bearer credentials beside a cookie -------------------------------------------------------
def test_an_api_key_beside_a_cookie_needs_no_token_and_runs_as_the_key(user, admin_key_client):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[tokens.COOKIE_NAME] = tokens.issue_session_token(user)

    response = post(browser, API_STATE, HTTP_AUTHORIZATION=f"Bearer {admin_key_client.token}")

    assert response.status_code == 200
    assert response.json() == {"data": {"apiState": True}}  # a Member may not read it


# --- Order of the checks ----------------------------------------------------------------------
def test_a_form_post_with_a_valid_form_token_is_still_not_executed(user):
    """The classic forged form: even carrying the right csrfmiddlewaretoken, not JSON, not run."""
    browser, token = signed_in(user)

    response = browser.post("/_graphql", {"query": RENAME, "csrfmiddlewaretoken": token})

    assert response.status_code == 415
    assert name_of(user) == "Member"


def test_a_refusal_reads_no_body_and_asks_the_database_nothing(user, django_assert_num_queries):
    browser, _ = signed_in(user)

    with django_assert_num_queries(0):
        response = browser.post(
            "/_graphql",
            "{}",
            content_type="application/json",
            **{"wsgi.input": UnreadableBody()},
        )

    assert refusal_reason(response) == "CSRF token missing."
