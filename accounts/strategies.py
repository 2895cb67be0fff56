"""Authentication strategies: only ``local`` exists (API.md §4.5.1)."""

from __future__ import annotations

import uuid

from wiki.errors import DomainError, ErrorKey
from wiki.text import uuid_or_none

from .models import LOCAL_STRATEGY_ID, AuthStrategy


def enabled_strategy(strategy_id: uuid.UUID | str | None) -> AuthStrategy:
    """The enabled strategy named ``strategy_id``, else ``ERR_INVALID_STRATEGY``."""
    pk = uuid_or_none(strategy_id)
    strategy = AuthStrategy.objects.filter(pk=pk, is_enabled=True).first() if pk else None
    if strategy is None:
        raise DomainError(ErrorKey.INVALID_STRATEGY, str(strategy_id))
    return strategy


def local_strategy() -> AuthStrategy | None:
    """The local strategy's row (enabled or not), or None if it was deleted by hand."""
    return AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).first()


def has_credentials(user, strategy: AuthStrategy) -> bool:
    """Whether ``user`` can sign in with ``strategy``: for the local one, a usable password."""
    return strategy.module == "local" and user.has_usable_password()


def enforces_tfa(strategy: AuthStrategy) -> bool:
    return bool((strategy.config or {}).get("enforceTfa"))


def validates_email(strategy: AuthStrategy) -> bool:
    """``config.emailValidation``: default true (§4.5.1)."""
    return (strategy.config or {}).get("emailValidation", True) is not False
