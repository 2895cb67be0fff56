"""``request.user`` from the ``jwt`` cookie, for the site's own pages and the admin (API.md §1.2).

Replaces Django's ``AuthenticationMiddleware`` (a subclass, so that the admin's checks still
find one): no Django session authenticates anybody any more; the signed-in person is the user
of the session token in the ``jwt`` cookie, read again on every request, so deactivating or
deleting an account signs it out at once. ``/_graphql`` resolves its own caller (Bearer header
first, see ``accounts.authentication``); this sets ``request.user`` there too, from the cookie.

On a GET of a page (not an API endpoint, which decides that itself), a cookie whose
token expired less than ``auth.tokenRenewal`` ago is exchanged for a fresh one, as Wiki.js
does on its non-GraphQL routes (§1.3).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from wiki.api_path import is_api_endpoint
from wiki.errors import DomainError
from wiki.text import uuid_or_none

from . import sessions, tokens
from .authentication import active_user
from .models import User


class CookieAuthenticationMiddleware(AuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        # The API endpoints decide themselves: /_graphql never renews (its clients call
        # refreshToken), /graphql renews any credential, the Bearer header too (API-v2.md §1.3).
        if request.method == "GET" and not is_api_endpoint(request.path_info):
            _renew_expired_cookie(request)
        request.user = SimpleLazyObject(lambda: cookie_user(request))
        request.auser = lambda: sync_to_async(cookie_user)(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        renewed = getattr(request, "_renewed_session_token", None)
        # A view that set or deleted the cookie itself (sign-in, sign-out) has the last word.
        if renewed and tokens.COOKIE_NAME not in response.cookies:
            sessions.set_session_cookie(response, renewed, request)
        if getattr(request, "_user_from_cookie", False):
            # The page depends on who is signed in: no shared cache may serve it to another.
            patch_vary_headers(response, ("Cookie",))
        return response


def cookie_user(request: HttpRequest):
    """The active, non-system user of the ``jwt`` cookie's valid token, else AnonymousUser."""
    if not hasattr(request, "_cached_user"):
        request._user_from_cookie = True
        user, methods = _session_of(request.COOKIES.get(tokens.COOKIE_NAME))
        request._cached_user = user or AnonymousUser()
        request._sign_in_methods = methods
    return request._cached_user


def sign_in_methods(request: HttpRequest) -> tuple[str, ...]:
    """How the cookie's session was signed in to (``tokens.sign_in_methods``); () if anonymous."""
    cookie_user(request)
    return request._sign_in_methods if request._cached_user.is_authenticated else ()


def _session_of(token: str | None) -> tuple[User | None, tuple[str, ...]]:
    if not token:
        return None, ()
    try:
        claims = tokens.read_token(token)
    except tokens.TokenError:
        return None, ()
    if "api" in claims:
        return None, ()  # an API key is nobody: it signs no one in to the site
    user_id = uuid_or_none(claims.get("id"))
    if user_id is None:
        return None, ()
    # With the access version, so that the page views need no query of their own for it.
    return active_user(user_id), tokens.sign_in_methods(claims)


def _renew_expired_cookie(request: HttpRequest) -> None:
    token = request.COOKIES.get(tokens.COOKIE_NAME)
    if not token:
        return
    try:
        tokens.read_token(token)
        return  # still valid: nothing to renew
    except tokens.TokenExpired:
        pass
    except tokens.TokenError:
        return  # not ours, or damaged: the request is anonymous
    try:
        user, methods = sessions.renewable_session(token)
    except DomainError:
        return  # beyond the renewal window, or the user cannot sign in: anonymous
    request._renewed_session_token = sessions.start_session(user, methods=methods)
    request._user_from_cookie = True
    request._cached_user = user
    request._sign_in_methods = methods
