"""``request.user`` from the ``jwt`` cookie on the site's pages, and its renewal (API.md §1.2-1.3).

The admin area stands for every page: it lets in whoever the cookie's token names, read again
on each request, and nobody through a Django session any more.
"""

from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts import sessions, tokens
from accounts.middleware import CookieAuthenticationMiddleware, cookie_user
from accounts.models import User
from tests.token_support import claims_for, sign, verified_claims
from wiki.config import update_setting

pytestmark = pytest.mark.django_db

ADMIN_INDEX = "/admin/"
YEAR = 365 * 24 * 3600


def browser_with(token: str | None) -> Client:
    http = Client()
    if token is not None:
        http.cookies[tokens.COOKIE_NAME] = token
    return http


def expired_token(user, *, ago: timedelta) -> str:
    now = timezone.now()
    return sign(
        claims_for(
            user,
            iat=int((now - ago - timedelta(minutes=30)).timestamp()),
            exp=int((now - ago).timestamp()),
        )
    )


def assert_sent_to_login(response) -> None:
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def last_login_of(user):
    return User.objects.values_list("last_login", flat=True).get(pk=user.pk)


# --- Who the cookie signs in ----------------------------------------------------------------------
def test_the_admin_opens_with_an_administrators_cookie_and_not_without(admin):
    signed_in = browser_with(tokens.issue_session_token(admin)).get(ADMIN_INDEX)

    assert signed_in.status_code == 200
    assert signed_in.context["user"] == admin
    assert "Cookie" in signed_in["Vary"]
    assert tokens.COOKIE_NAME not in signed_in.cookies  # a valid token is not renewed
    assert_sent_to_login(browser_with(None).get(ADMIN_INDEX))


def test_a_plain_users_cookie_does_not_open_the_admin(user):
    assert_sent_to_login(browser_with(tokens.issue_session_token(user)).get(ADMIN_INDEX))


@pytest.mark.parametrize("change", ["deactivated", "deleted"])
def test_a_deactivated_or_deleted_administrator_is_out_at_once(admin, change):
    http = browser_with(tokens.issue_session_token(admin))
    assert http.get(ADMIN_INDEX).status_code == 200

    if change == "deactivated":
        User.objects.filter(pk=admin.pk).update(is_active=False)
    else:
        User.objects.filter(pk=admin.pk).delete()

    assert_sent_to_login(http.get(ADMIN_INDEX))


def test_a_django_session_no_longer_signs_anybody_in(admin):
    http = Client()
    http.force_login(admin)

    assert_sent_to_login(http.get(ADMIN_INDEX))


UNUSABLE = {
    "garbage": lambda admin: "not-a-token",
    "expired beyond the window": lambda admin: expired_token(admin, ago=timedelta(days=15)),
    "no such user": lambda admin: sign(
        claims_for(admin, id="00000000-0000-4000-8000-000000000000")
    ),
    "the guest": lambda admin: sign(claims_for(User.objects.get(email="guest@example.com"))),
}


@pytest.mark.parametrize("make", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_an_unusable_cookie_is_anonymous(admin, make):
    response = browser_with(make(admin)).get(ADMIN_INDEX)

    assert_sent_to_login(response)
    assert tokens.COOKIE_NAME not in response.cookies


def test_an_api_key_in_the_cookie_signs_nobody_in(admin_key_client):
    assert_sent_to_login(browser_with(admin_key_client.token).get(ADMIN_INDEX))


def test_cookie_user_is_read_once_per_request(admin, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.COOKIES[tokens.COOKIE_NAME] = tokens.issue_session_token(admin)

    with django_assert_num_queries(1):
        first = cookie_user(request)
        second = cookie_user(request)

    assert first == second == admin


# --- Renewal of an expired cookie -----------------------------------------------------------------
def test_an_expired_cookie_within_the_window_is_renewed_on_a_get(admin):
    User.objects.filter(pk=admin.pk).update(last_login=None)
    http = browser_with(expired_token(admin, ago=timedelta(days=3)))

    response = http.get(ADMIN_INDEX)

    assert response.status_code == 200  # this very request is signed in
    cookie = response.cookies[tokens.COOKIE_NAME]
    claims = verified_claims(cookie.value)
    assert claims["id"] == str(admin.pk)
    assert claims["exp"] > timezone.now().timestamp()
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] == ""
    assert cookie["path"] == "/"
    assert cookie["max-age"] == YEAR
    assert last_login_of(admin) is not None
    # The browser now holds the new token: the next request needs no renewal.
    again = http.get(ADMIN_INDEX)
    assert again.status_code == 200
    assert tokens.COOKIE_NAME not in again.cookies


def test_a_renewed_cookie_is_secure_over_https(admin):
    response = browser_with(expired_token(admin, ago=timedelta(hours=1))).get(
        ADMIN_INDEX, secure=True
    )

    assert response.cookies[tokens.COOKIE_NAME]["secure"] is True


def test_beyond_the_window_there_is_no_renewal(admin):
    update_setting("auth", tokenRenewal="1h")
    User.objects.filter(pk=admin.pk).update(last_login=None)

    response = browser_with(expired_token(admin, ago=timedelta(hours=2))).get(ADMIN_INDEX)

    assert_sent_to_login(response)
    assert tokens.COOKIE_NAME not in response.cookies
    assert last_login_of(admin) is None


def test_a_deactivated_user_is_not_renewed(admin):
    token = expired_token(admin, ago=timedelta(hours=1))
    User.objects.filter(pk=admin.pk).update(is_active=False)

    response = browser_with(token).get(ADMIN_INDEX)

    assert_sent_to_login(response)
    assert tokens.COOKIE_NAME not in response.cookies


def test_no_renewal_on_a_post(admin):
    # A page POST that neither sets nor clears the cookie itself (the sign-in form, empty).
    response = browser_with(expired_token(admin, ago=timedelta(hours=1))).post("/login", {})

    assert tokens.COOKIE_NAME not in response.cookies


def test_no_renewal_on_graphql(admin):
    """GraphQL clients call refreshToken (API.md §1.3)."""
    response = browser_with(expired_token(admin, ago=timedelta(hours=1))).get(
        "/_graphql", HTTP_ACCEPT="text/html"
    )

    assert response.status_code == 200
    assert tokens.COOKIE_NAME not in response.cookies


def test_a_view_that_sets_or_clears_the_cookie_has_the_last_word(admin):
    """A sign-out answering a GET with an expired cookie is not undone by the renewal."""

    def sign_out(request):
        response = HttpResponse("signed out")
        sessions.clear_session_cookie(response)
        return response

    request = RequestFactory().get("/logout")
    request.COOKIES[tokens.COOKIE_NAME] = expired_token(admin, ago=timedelta(hours=1))

    response = CookieAuthenticationMiddleware(sign_out)(request)

    cookie = response.cookies[tokens.COOKIE_NAME]
    assert cookie.value == ""
    assert cookie["max-age"] == 0


# --- The helpers the sign-in views use ------------------------------------------------------------
def test_set_and_clear_session_cookie(user):
    token = tokens.issue_session_token(user)
    response = HttpResponse()

    sessions.set_session_cookie(response, token, RequestFactory().get("/", secure=True))

    cookie = response.cookies[tokens.COOKIE_NAME]
    assert cookie.value == token
    assert (cookie["httponly"], cookie["secure"], cookie["samesite"]) == (True, True, "Lax")
    assert (cookie["path"], cookie["max-age"]) == ("/", YEAR)

    sessions.clear_session_cookie(response)

    cleared = response.cookies[tokens.COOKIE_NAME]
    assert (cleared.value, cleared["max-age"], cleared["path"]) == ("", 0, "/")
