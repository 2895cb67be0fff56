"""The ``jwt`` cookie as a credential on /_graphql, and the CSRF check it brings (issue 9, item 2).

A browser attaches the cookie to requests other sites make it send; so a POST that the cookie
authenticates must carry the CSRF token. A Bearer header, or no credential, needs none.
"""

import json
import re

import pytest
from django.test import Client

from accounts import tokens
from accounts.models import User

pytestmark = pytest.mark.django_db

RENAME = 'mutation { updateProfile(name: "Renamed") { operation { succeeded slug } } }'
ME = "query ($id: UUID!) { userById(id: $id) { email } }"
SITES = "{ sites { hostname } }"
RENAMED = {"data": {"updateProfile": {"operation": {"succeeded": True, "slug": "ok"}}}}


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def signed_in(user) -> Client:
    http = browser()
    http.cookies[tokens.COOKIE_NAME] = tokens.issue_session_token(user)
    return http


def explorer_csrf_token(http: Client) -> str:
    """What the explorer's script sends: the token the page carries (csrftoken is HttpOnly)."""
    page = http.get("/_graphql", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert "csrftoken" in page.cookies
    return re.search(r'data-csrf-token="([^"]+)"', page.content.decode()).group(1)


def post(http: Client, query: str, variables=None, **headers):
    body = {"query": query, **({"variables": variables} if variables else {})}
    return http.post("/_graphql", data=json.dumps(body), content_type="application/json", **headers)


def name_of(user) -> str:
    return User.objects.values_list("name", flat=True).get(pk=user.pk)


def assert_csrf_refused(response) -> None:
    assert response.status_code == 403
    body = response.json()
    assert body["data"] is None
    assert len(body["errors"]) == 1
    assert body["errors"][0]["message"].startswith("CSRF check failed (")
    assert "X-CSRFToken" in body["errors"][0]["message"]


# --- Cookie: refused without the token ------------------------------------------------------------
def test_cookie_mutation_without_csrf_token_is_refused_and_changes_nothing(user):
    response = post(signed_in(user), RENAME)

    assert_csrf_refused(response)
    assert "CSRF cookie not set" in response.json()["errors"][0]["message"]
    assert name_of(user) == "Member"


def test_cookie_mutation_with_the_csrf_cookie_but_no_header_is_refused(user):
    http = signed_in(user)
    explorer_csrf_token(http)  # the csrftoken cookie is set, the header is not sent

    response = post(http, RENAME)

    assert_csrf_refused(response)
    assert name_of(user) == "Member"


def test_cookie_mutation_with_a_wrong_csrf_token_is_refused(user):
    http = signed_in(user)
    explorer_csrf_token(http)

    response = post(http, RENAME, HTTP_X_CSRFTOKEN="x" * 64)

    assert_csrf_refused(response)
    assert name_of(user) == "Member"


def test_cookie_mutation_with_another_sites_origin_is_refused(user):
    http = signed_in(user)
    token = explorer_csrf_token(http)

    response = post(http, RENAME, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="https://evil.example")

    assert_csrf_refused(response)
    assert "Origin checking failed" in response.json()["errors"][0]["message"]
    assert name_of(user) == "Member"


def test_cookie_query_without_csrf_token_is_refused_too(user):
    """Every POST the cookie authenticates is checked, reading ones included."""
    response = post(signed_in(user), ME, {"id": str(user.pk)})

    assert_csrf_refused(response)


def test_a_malformed_authorization_header_leaves_the_cookie_in_use(user):
    response = post(signed_in(user), RENAME, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")

    assert_csrf_refused(response)
    assert name_of(user) == "Member"


def test_a_cookie_that_does_not_verify_still_needs_the_token():
    """The check looks at where the credential comes from, before reading it."""
    http = browser()
    http.cookies[tokens.COOKIE_NAME] = "not-a-token"

    assert_csrf_refused(post(http, SITES))


# --- Cookie: accepted with the token --------------------------------------------------------------
def test_cookie_mutation_with_the_csrf_token_is_accepted(user):
    http = signed_in(user)
    token = explorer_csrf_token(http)

    response = post(http, RENAME, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://testserver")

    assert response.status_code == 200
    assert response.json() == RENAMED
    assert name_of(user) == "Renamed"


def test_cookie_query_with_the_csrf_token_runs_as_the_user(user):
    http = signed_in(user)
    token = explorer_csrf_token(http)

    response = post(http, ME, {"id": str(user.pk)}, HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200
    assert response.json() == {"data": {"userById": {"email": "member@example.com"}}}


# --- Bearer header and guests: no CSRF ------------------------------------------------------------
def test_bearer_mutation_needs_no_csrf_token(user):
    token = tokens.issue_session_token(user)

    response = post(browser(), RENAME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json() == RENAMED
    assert name_of(user) == "Renamed"


def test_header_wins_over_a_cookie_sent_along(user, make_user):
    other = make_user(email="other@example.com", name="Other")
    http = signed_in(other)  # the cookie names someone else, and there is no CSRF token

    response = post(http, RENAME, HTTP_AUTHORIZATION=f"Bearer {tokens.issue_session_token(user)}")

    assert response.status_code == 200
    assert response.json() == RENAMED
    assert (name_of(user), name_of(other)) == ("Renamed", "Other")


def test_guest_without_csrf_token_is_accepted():
    response = post(browser(), SITES)

    assert response.status_code == 200
    assert response.json() == {"data": {"sites": [{"hostname": "*"}]}}


def test_guest_mutation_without_csrf_token_runs_as_the_guest(user):
    response = post(browser(), RENAME)

    assert response.status_code == 200
    assert response.json()["data"]["updateProfile"]["operation"] == {
        "succeeded": False,
        "slug": "ERR_NOT_AUTHENTICATED",
    }
    assert name_of(user) == "Member"


def test_api_clients_get_no_csrf_cookie(user):
    response = post(
        browser(), SITES, HTTP_AUTHORIZATION=f"Bearer {tokens.issue_session_token(user)}"
    )

    assert "csrftoken" not in response.cookies
