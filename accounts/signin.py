"""Signing in: credentials, then the post-login steps (API.md §4.5.3, §4.5.5).

Every way in (``login``, ``loginTFA``, ``changePassword`` with a continuation token,
``register``, passkeys, the browser's sign-in page and the admin's) ends in
``finish_sign_in``, so the same steps decide what happens next everywhere.

The services here run their checks in the contract's order. Each first counts the attempt
against the rate limits (§1.5: per client address and per account), so that every way of
calling them (GraphQL fields, aliases, the browser pages) shares one budget. Continuation
tokens are consumed in their own transaction before anything else is checked: a token that
was looked at is gone even when a later check fails (§4.5.2).
"""

from __future__ import annotations

import re
import uuid
from functools import cache

from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.crypto import get_random_string

from wiki import rate_limits
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site
from wiki.sites import existing_site
from wiki.text import uuid_or_none

from . import continuation, strategies, tokens, totp
from .models import LOCAL_STRATEGY_ID, AuthStrategy, User, UserKey
from .permissions import Caller
from .sessions import start_session
from .signin_result import NextAction, SignInResult
from .validation import check_password_length

__all__ = [
    "TOKEN_STRATEGY",
    "NextAction",
    "SignInResult",
    "change_own_password",
    "change_password_with_token",
    "check_may_sign_in",
    "finish_sign_in",
    "login",
    "login_redirect",
    "login_tfa",
]

_SECURITY_CODE = re.compile(r"[0-9]{6}")
MIN_CONTINUATION_TOKEN_LENGTH = 2
# ``strategy_id`` of a step that continues with whatever strategy its token records: Wiki.js 2's
# ``loginTFA`` and ``loginChangePassword`` (API-v2.md §3.5) take no strategy argument.
TOKEN_STRATEGY = object()


def login_redirect(user: User) -> str:
    """The first non-empty, non-``/`` ``redirectOnLogin`` of the user's groups, else ``/``."""
    for target in user.groups.order_by("name", "id").values_list("redirect_on_login", flat=True):
        if target and target != "/":
            return target
    return "/"


def finish_sign_in(
    user: User,
    *,
    strategy: AuthStrategy,
    site: Site | None,
    second_factor: bool = True,
    password_change: bool = True,
    methods: tuple[str, ...] = (tokens.PASSWORD,),
) -> SignInResult:
    """The post-login steps of §4.5.3 for accepted credentials.

    ``second_factor=False`` skips step 1 (after ``loginTFA``), ``password_change=False`` step 2
    (after a password change). ``methods`` is how the person proved who they are so far; the
    session token records it, and a ``changePwd`` token carries it to the token it leads to.
    One transaction: a TOTP secret and a continuation token are
    stored together or not at all.
    """
    with transaction.atomic():
        redirect = login_redirect(user)
        if second_factor:
            pending = totp.second_factor_step(user, strategy=strategy, site=site)
            if pending is not None:
                pending.user = user
                pending.redirect = redirect
                return pending
        if password_change and user.must_change_password:
            token = continuation.issue(
                user,
                continuation.Kind.CHANGE_PASSWORD,
                strategy_id=strategy.pk,
                methods=methods,
            )
            return SignInResult(
                user=user,
                next_action=NextAction.CHANGE_PASSWORD,
                continuation_token=token,
                redirect=redirect,
            )
        return SignInResult(
            user=user,
            next_action=NextAction.REDIRECT,
            jwt=start_session(user, methods=methods),
            redirect=redirect,
        )


# --- login ------------------------------------------------------------------------------------
def login(*, email: str, password: str, strategy_id, site_id, client_address: str) -> SignInResult:
    """``login``: email and password, checks 1-6 of §4.5.5, then every post-login step."""
    account = str(email or "").lower()
    rate_limits.hit("login", client_address=client_address, account=account)
    strategy = strategies.enabled_strategy(strategy_id)
    site = existing_site(site_id)
    user = _authenticate(account, str(password or ""), strategy)
    check_may_sign_in(user)
    return finish_sign_in(user, strategy=strategy, site=site)


def _authenticate(email: str, password: str, strategy: AuthStrategy) -> User:
    """The user whose password for ``strategy`` this is, else ``ERR_LOGIN_FAILED``.

    Unknown accounts, system users, accounts without a password and wrong passwords all
    answer alike and take as long: the hasher runs once in every case.
    """
    # Lower(): the unique index's expression, and rows stored around the services still match.
    user = User.objects.alias(lower=Lower("email")).filter(lower=email).first() if email else None
    if user is None:
        check_password(password, dummy_password_hash())  # the hasher's full work, in vain
        raise DomainError(ErrorKey.LOGIN_FAILED, "unknown email")
    matches = user.check_password(password)  # also runs the hasher for an unusable password
    if not matches or user.is_system or not strategies.has_credentials(user, strategy):
        raise DomainError(ErrorKey.LOGIN_FAILED, f"credentials refused for {user.pk}")
    return user


@cache
def _dummy_hash(hasher: str) -> str:
    return make_password(get_random_string(16), hasher=hasher)


def dummy_password_hash() -> str:
    """A hash of no one's password, made by the default hasher (with its current settings)."""
    return _dummy_hash(get_hasher("default").algorithm)


def check_may_sign_in(user: User) -> None:
    """Checks 4-6 of ``login``, once the credentials are accepted."""
    if not user.is_active:
        raise DomainError(ErrorKey.INACTIVE_USER)
    if user.restrict_login:
        raise DomainError(ErrorKey.LOGIN_RESTRICTED)
    if not user.is_verified:
        raise DomainError(ErrorKey.USER_NOT_VERIFIED)


# --- loginTFA ---------------------------------------------------------------------------------
def login_tfa(
    *,
    continuation_token: str,
    security_code: str,
    strategy_id,
    site_id,
    setup: bool,
    client_address: str,
) -> SignInResult:
    """``loginTFA``: the second step with a TOTP code; with ``setup`` it activates TFA.

    ``site_id`` is accepted as the contract names it; the remaining steps need no site.
    """
    token = str(continuation_token or "")
    code = str(security_code or "")
    rate_limits.hit(
        "loginTFA", client_address=client_address, account=continuation.holder_email(token)
    )
    if not _SECURITY_CODE.fullmatch(code) or len(token) < MIN_CONTINUATION_TOKEN_LENGTH:
        raise DomainError(ErrorKey.TFA_INVALID_REQUEST)
    kind = continuation.Kind.TFA_SETUP if setup else continuation.Kind.TFA
    # Its own transaction: the token is gone even if the code is then refused.
    key = continuation.consume(token, kind, keep=setup)
    strategy = _token_strategy(key, strategy_id, default=None)
    user = key.user
    with transaction.atomic():
        verified = totp.verify_code(user, strategy.pk, code, setup=setup)
        if verified:
            if setup:
                # This setup's token goes, and with it any other setup left pending: their
                # secrets were replaced, and TOTP is now active.
                UserKey.objects.filter(user=user, kind=continuation.Kind.TFA_SETUP).delete()
            result = finish_sign_in(
                user,
                strategy=strategy,
                site=None,
                second_factor=False,
                methods=(tokens.PASSWORD, tokens.ONE_TIME_CODE),
            )
    # Raised after the commit, so that the refused attempt's throttle stays recorded.
    if not verified:
        raise DomainError(ErrorKey.TFA_INCORRECT_TOKEN)
    return result


def _token_strategy(key, strategy_id, *, default: uuid.UUID | None) -> AuthStrategy:
    """The strategy the token records (else ``default``), which ``strategy_id`` must name
    (unless it is ``TOKEN_STRATEGY``)."""
    recorded = continuation.strategy_of(key) or (str(default) if default else None)
    if strategy_id is TOKEN_STRATEGY:
        given = recorded
    else:
        given_id = uuid_or_none(strategy_id)
        given = str(given_id) if given_id else None
    if recorded is None or given != recorded:
        raise DomainError(ErrorKey.INVALID_STRATEGY, f"the token is for strategy {recorded}")
    return strategies.enabled_strategy(given)


# --- changePassword ---------------------------------------------------------------------------
def change_password_with_token(
    *, continuation_token: str, new_password: str, strategy_id, site_id, client_address: str
) -> SignInResult:
    """``changePassword`` with a ``changePwd`` token (forced change or reset link): signs in.

    ``site_id`` is accepted as the contract names it; the remaining steps need no site.
    """
    token = str(continuation_token or "")
    rate_limits.hit(
        "changePassword", client_address=client_address, account=continuation.holder_email(token)
    )
    check_password_length(new_password)
    key = continuation.consume(token, continuation.Kind.CHANGE_PASSWORD)
    # A token from a reset link records no strategy: it is the local one's.
    strategy = _token_strategy(key, strategy_id, default=LOCAL_STRATEGY_ID)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=key.user_id).first()
        if user is None:
            raise DomainError(ErrorKey.INVALID_USER, "deleted since the token was issued")
        _set_password(user, new_password)
        # After a forced change the second factor was given already (step 1 comes first). A
        # reset link proves only the mailbox: TOTP is still asked for (a deliberate addition
        # to §4.5.5, which skips it), so a stolen mailbox does not open a TFA account.
        return finish_sign_in(
            user,
            strategy=strategy,
            site=None,
            second_factor=continuation.is_from_reset_link(key),
            password_change=False,
            methods=continuation.sign_in_methods(key),
        )


def change_own_password(
    caller: Caller,
    *,
    current_password: str | None,
    new_password: str,
    strategy_id,
    client_address: str,
) -> None:
    """``changePassword`` without a token: a signed-in user replaces their own password."""
    account = caller.user.email if caller.is_user else None
    rate_limits.hit("changePassword", client_address=client_address, account=account)
    caller.require_signed_in_user()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=caller.user.pk).first()
        if user is None:
            raise DomainError(ErrorKey.INVALID_USER, "the account was deleted")
        check_password_length(new_password)
        strategy = strategies.enabled_strategy(strategy_id)
        if not strategies.has_credentials(user, strategy):
            raise DomainError(ErrorKey.INVALID_STRATEGY, f"user {user.pk} has no password")
        if current_password is None or not user.check_password(current_password):
            raise DomainError(ErrorKey.INCORRECT_CURRENT_PASSWORD)
        _set_password(user, new_password)


def _set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password", "updated_at"])
