"""The companion routes that mails link to (API.md §1.6): ``/verify/<token>`` and
``/login-reset/<token>``.

Both consume a single-use token (§4.5.2) as they are opened. A refused token answers HTTP 400
with a page naming the error key, so that the login UI and people alike can tell an unknown
link from an expired one.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from wiki.errors import DomainError, ErrorKey

from . import continuation, strategies, tokens, totp
from .models import LOCAL_STRATEGY_ID, User
from .sessions import set_session_cookie, start_session

MESSAGES = {
    ErrorKey.INVALID_VALIDATION_TOKEN: "This link is not valid, or it has already been used.",
    ErrorKey.EXPIRED_VALIDATION_TOKEN: "This link has expired. Links are valid for 24 hours.",
    ErrorKey.INACTIVE_USER: "This account is deactivated.",
}


def _refused(request: HttpRequest, key: ErrorKey) -> HttpResponse:
    response = render(
        request,
        "accounts/companion_error.html",
        {"key": key.value, "message": MESSAGES.get(key, "")},
        status=400,
    )
    add_never_cache_headers(response)
    return response


def _redirect(location: str) -> HttpResponse:
    response = HttpResponseRedirect(location)
    add_never_cache_headers(response)
    return response


def _needs_sign_in_steps(user: User) -> bool:
    """Whether signing in would ask more than the email: a second factor or a new password.

    The verification link proves the mailbox only, so such an account signs in normally.
    """
    local = strategies.local_strategy()
    return (
        user.must_change_password
        or user.tfa_required
        or (local is not None and strategies.enforces_tfa(local))
        or totp.is_active(user, LOCAL_STRATEGY_ID)
    )


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Mark the account verified; sign it in with a ``jwt`` cookie and go home."""
    try:
        key = continuation.consume(token, continuation.Kind.VERIFY)
    except DomainError as error:
        return _refused(request, error.key)
    user = key.user
    if not user.is_active:
        return _refused(request, ErrorKey.INACTIVE_USER)
    User.objects.filter(pk=user.pk).update(is_verified=True)
    user.is_verified = True
    if user.restrict_login or _needs_sign_in_steps(user):
        return _redirect("/login")
    response = _redirect("/")
    set_session_cookie(response, start_session(user, methods=(tokens.MAILED_LINK,)), request)
    return response


@require_GET
def login_reset(request: HttpRequest, token: str) -> HttpResponse:
    """Exchange a ``resetPwd`` link for a ``changePwd`` token handed to the sign-in page."""
    try:
        key = continuation.consume(token, continuation.Kind.RESET_PASSWORD)
    except DomainError as error:
        return _refused(request, error.key)
    if not key.user.is_active:
        return _refused(request, ErrorKey.INACTIVE_USER)
    new_token = continuation.issue(
        key.user,
        continuation.Kind.CHANGE_PASSWORD,
        strategy_id=LOCAL_STRATEGY_ID,
        from_reset_link=True,
    )
    return _redirect("/login?" + urlencode({"changePwdContinuationToken": new_token}))
