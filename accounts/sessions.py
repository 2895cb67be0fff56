"""Signed-in sessions: issuing and renewing session tokens, and the ``jwt`` cookie (API.md §1.3).

There is no server-side session: a session is a token, sent as ``Authorization: Bearer`` or as
the ``jwt`` cookie, and the user is read again on every request.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from wiki import rate_limits
from wiki.errors import DomainError, ErrorKey
from wiki.text import uuid_or_none

from . import tokens
from .models import User

# As the /verify route's cookie (API.md §1.6): the cookie outlives its token, so that a token
# that expired while the browser was closed can still be renewed (within tokenRenewal).
COOKIE_MAX_AGE = timedelta(days=365)


def start_session(user: User, *, methods: tuple[str, ...]) -> str:
    """A fresh session token for ``user``; every issuance updates ``lastLoginAt``.

    ``methods``: how the person proved who they are (``tokens.PASSWORD`` ...), kept in the
    token so that the admin can tell a password-only session from one with a second factor.
    """
    token = tokens.issue_session_token(user, methods=methods)
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=now)
    user.last_login = now
    return token


def renew_session(token: str | None) -> str:
    """A new token for the session of ``token``, signed in the same ways (``amr``)."""
    user, methods = renewable_session(token)
    return start_session(user, methods=methods)


def renewable_session(token: str | None) -> tuple[User, tuple[str, ...]]:
    """The user a (possibly expired) session token may be renewed for, and the sign-in
    methods it records; checked in the order of ``refreshToken`` (API.md §4.5.5), raising
    ``DomainError`` with the first failing check."""
    if not token or not token.strip():
        raise DomainError(ErrorKey.MISSING_TOKEN)
    try:
        claims = tokens.read_token(token.strip(), verify_exp=False)
    except tokens.TokenError as error:
        raise DomainError(ErrorKey.INVALID_TOKEN, "the token does not verify") from error
    if "api" in claims:
        raise DomainError(ErrorKey.INVALID_TOKEN, "an API key is not a session")
    expires = claims.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise DomainError(ErrorKey.INVALID_TOKEN, "the token has no expiry")
    if expires < (timezone.now() - tokens.session_renewal()).timestamp():
        raise DomainError(ErrorKey.EXPIRED_TOKEN)
    user_id = uuid_or_none(claims.get("id"))
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None or user.is_system:
        raise DomainError(ErrorKey.INVALID_USER)
    if not user.is_active:
        raise DomainError(ErrorKey.INACTIVE_USER)
    return user, tokens.sign_in_methods(claims)


def refresh_session(token: str | None, *, client_address: str) -> str:
    """``refreshToken``: a new session token for the user of ``token`` (API.md §4.5.5).

    Counted against §1.5's 30 calls a minute per client address before anything is checked.
    """
    rate_limits.hit("refreshToken", client_address=client_address)
    return renew_session(token)


# --- The jwt cookie (API.md §1.2): the browser's credential ----------------------------------
def set_session_cookie(response: HttpResponse, token: str, request: HttpRequest) -> None:
    """Make the browser send ``token`` as its credential from now on.

    HttpOnly (no script reads it), SameSite=Lax (not sent on other sites' POSTs; the CSRF
    check covers the rest), Secure on HTTPS.
    """
    response.set_cookie(
        tokens.COOKIE_NAME,
        token,
        max_age=int(COOKIE_MAX_AGE.total_seconds()),
        path="/",
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def clear_session_cookie(response: HttpResponse) -> None:
    """Sign the browser out: its ``jwt`` cookie is deleted."""
    response.delete_cookie(tokens.COOKIE_NAME, path="/", samesite="Lax")
