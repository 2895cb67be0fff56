"""Validation (continuation) tokens: single use, 24 hours, bound to a user and a kind (§4.5.2).

The token handed out is 21 URL-safe random characters; the database keeps only its SHA-256
digest (``UserKey.token_digest``), so a copy of the database continues no sign-in and resets
no password.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from wiki.errors import DomainError, ErrorKey

from . import tokens
from .models import User, UserKey

LIFETIME = timedelta(hours=24)
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"  # noqa: S105 - the characters of a token, not one
TOKEN_LENGTH = 21
Kind = UserKey.Kind


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    user: User,
    kind: Kind,
    *,
    strategy_id: uuid.UUID | str | None = None,
    from_reset_link: bool = False,
    methods: tuple[str, ...] = (),
) -> str:
    """A new token of ``kind`` for ``user``; the strategy is recorded when given.

    ``from_reset_link`` marks a ``changePwd`` token that a mailed reset link produced: the
    sign-in it ends in still asks for the second factor (``accounts.signin``). ``methods``:
    how the person signed in before a forced password change, for the session it ends in.
    """
    token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    now = timezone.now()
    meta: dict = {"strategyId": str(strategy_id)} if strategy_id else {}
    if from_reset_link:
        meta["fromResetLink"] = True
    if methods:
        meta["amr"] = list(methods)
    UserKey.objects.create(
        user=user,
        kind=kind,
        token_digest=_digest(token),
        meta=meta,
        valid_until=now + LIFETIME,
        created_at=now,
    )
    return token


def consume(token: str, kind: Kind, *, keep: bool = False) -> UserKey:
    """The key that ``token`` names, deleted as it is checked (§4.5.2).

    Not found (or of another kind) → ``ERR_INVALID_VALIDATION_TOKEN``; found but past its
    validity → ``ERR_EXPIRED_VALIDATION_TOKEN``. The row is deleted either way, under a lock
    so that two requests presenting one token cannot both pass; with ``keep`` (``tfaSetup``
    tokens) it stays until the step succeeds (``accounts.signin.login_tfa`` deletes it then).
    The caller's transaction decides whether the deletion stands: run it in its own when a
    later failure must not undo it.
    """
    with transaction.atomic():
        key = (
            UserKey.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(kind=kind, token_digest=_digest(str(token or "")))
            .first()
        )
        if key is None:
            raise DomainError(ErrorKey.INVALID_VALIDATION_TOKEN, f"no {kind} token")
        expired = key.valid_until <= timezone.now()
        if not keep or expired:
            key.delete()
    # Raised outside the block: inside it, the error would roll the deletion back.
    if expired:
        raise DomainError(ErrorKey.EXPIRED_VALIDATION_TOKEN, f"{kind} token expired")
    return key


def holder_email(token: str | None) -> str | None:
    """The email of the account ``token`` belongs to, whatever its kind or validity, or None.

    For counting attempts per account (rate limits) before the token itself is checked.
    """
    return (
        UserKey.objects.filter(token_digest=_digest(str(token or "")))
        .values_list("user__email", flat=True)
        .first()
    )


def is_from_reset_link(key: UserKey) -> bool:
    return bool((key.meta or {}).get("fromResetLink"))


def sign_in_methods(key: UserKey) -> tuple[str, ...]:
    """The sign-in methods a ``changePwd`` token carries; a reset link's: the mailed link."""
    if is_from_reset_link(key):
        return (tokens.MAILED_LINK, tokens.PASSWORD)
    methods = (key.meta or {}).get("amr")
    if isinstance(methods, list) and all(isinstance(method, str) for method in methods):
        return tuple(methods)
    return (tokens.PASSWORD,)


def strategy_of(key: UserKey) -> str | None:
    """The strategy id a token records, lowercase, or None."""
    value = (key.meta or {}).get("strategyId")
    return str(value).lower() if value else None
