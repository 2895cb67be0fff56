"""Signing in: credentials, then the post-login steps (API.md §4.5.3).

Every way in (``login``, ``loginTFA``, ``changePassword`` with a continuation token,
``register``, passkeys, the browser's sign-in page and the admin's) ends in
``finish_sign_in``, so the same steps decide what happens next everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wiki.models import Site

from . import continuation, totp
from .models import AuthStrategy, User
from .sessions import start_session


class NextAction(StrEnum):
    CHANGE_PASSWORD = "changePassword"  # noqa: S105 - an action name
    SETUP_TFA = "setupTfa"
    PROVIDE_TFA = "provideTfa"
    REDIRECT = "redirect"


@dataclass
class SignInResult:
    """What ``AuthenticationAuthResponse`` carries besides ``operation``."""

    user: User | None = None
    next_action: NextAction | None = None
    jwt: str | None = None
    continuation_token: str | None = None
    redirect: str | None = None
    tfa_qr_image: str | None = None


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
) -> SignInResult:
    """The post-login steps of §4.5.3 for accepted credentials.

    ``second_factor=False`` skips step 1 (after ``loginTFA``), ``password_change=False`` step 2
    (after a password change).
    """
    redirect = login_redirect(user)
    if second_factor:
        pending = totp.second_factor_step(user, strategy=strategy, site=site)
        if pending is not None:
            pending.user = user
            pending.redirect = redirect
            return pending
    if password_change and user.must_change_password:
        token = continuation.issue(user, continuation.Kind.CHANGE_PASSWORD, strategy_id=strategy.pk)
        return SignInResult(
            user=user,
            next_action=NextAction.CHANGE_PASSWORD,
            continuation_token=token,
            redirect=redirect,
        )
    return SignInResult(
        user=user, next_action=NextAction.REDIRECT, jwt=start_session(user), redirect=redirect
    )
