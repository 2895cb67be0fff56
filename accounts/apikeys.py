"""API keys: issue, list, revoke, switch API access, and recognise a presented key (§1.4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from wiki.config import (
    api_enabled_in,
    is_api_enabled,
    merged_setting,
    set_api_enabled,
    stored_setting,
)
from wiki.errors import DomainError, ErrorKey
from wiki.prepared import PreparedRow

from . import access_cache, scopes, tokens
from .models import ApiKey
from .permissions import Caller
from .services import check_may_change_membership, existing_groups
from .validation import clean_label

# Expirations the admin page offers (API.md §1.4).
EXPIRATION_CHOICES = ("30d", "90d", "180d", "1y", "3y")
KEY_SHORT_TAIL = 20


@dataclass
class IssuedKey:
    api_key: ApiKey
    token: str  # returned once, never stored


def create_api_key(
    caller: Caller | None, *, name: str, expiration: str, group_ids, created_by=None
) -> IssuedKey:
    """API.md §4.5.5 ``createApiKey``; ``caller=None`` is a trusted operator."""
    if caller is not None:
        caller.require_any(scopes.MANAGE_API)
    name = clean_label(name)
    lifetime = tokens.parse_duration(expiration)
    if not [g for g in group_ids or () if g is not None]:
        raise DomainError(ErrorKey.INVALID_INPUT, "at least one group is required")
    groups = existing_groups(group_ids)
    check_may_change_membership(caller, groups)

    issued_at = timezone.now().replace(microsecond=0)
    expires_at = issued_at + lifetime
    with transaction.atomic():
        api_key = ApiKey(
            id=uuid.uuid4(),
            name=name,
            group_ids=[str(g.pk) for g in groups],
            expiration=expires_at,
            created_by=created_by,
        )
        token = tokens.issue_api_key_token(api_key.id, api_key.group_ids, issued_at, expires_at)
        api_key.key_short = "..." + token[-KEY_SHORT_TAIL:]
        api_key.key_digest = tokens.digest(token)
        api_key.save()
    return IssuedKey(api_key, token)


def revoke_api_key(caller: Caller | None, key_id) -> ApiKey:
    if caller is not None:
        caller.require_any(scopes.MANAGE_API)
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().filter(pk=key_id).first()
        if api_key is None:
            raise DomainError(ErrorKey.INVALID_INPUT, f"no API key {key_id}")
        if not api_key.is_revoked:
            api_key.is_revoked = True
            api_key.save(update_fields=["is_revoked", "updated_at"])
    return api_key


def list_api_keys(caller: Caller | None):
    if caller is not None:
        caller.require_any(*scopes.READ_API_ANY)
    return ApiKey.objects.order_by("is_revoked", "name", "created_at")


def api_state(caller: Caller | None) -> bool:
    if caller is not None:
        caller.require_any(*scopes.API_STATE_ANY)
        stored = getattr(caller.api_key, "api_setting", None) if caller.is_api_key else None
        if stored is not None:
            # Read with the key's row in this same request: the setting is read once.
            return api_enabled_in(merged_setting("api", stored))
    return is_api_enabled()


def set_api_state(caller: Caller | None, enabled: bool) -> None:
    if caller is not None:
        caller.require_any(scopes.MANAGE_SYSTEM)
    set_api_enabled(enabled)


class KeyRejected(Exception):
    """A cryptographically valid API key that must not be honoured (HTTP 401/403)."""

    def __init__(self, status: int, key: ErrorKey) -> None:
        self.status = status
        self.key = key
        super().__init__(key.value)


# A key's row with the access version and the ``api`` setting, compiled once (one query).
_KEY_ROW = PreparedRow(
    lambda pk: ApiKey.objects.filter(pk=pk).annotate(
        access_version=access_cache.version_subquery(), api_setting=stored_setting("api")
    )
)


def recognise_api_key(token: str, claims: dict) -> ApiKey:
    """Checks 2 and 3 of API.md §1.4 for a token whose signature verified with our key."""
    try:
        key_id = uuid.UUID(str(claims.get("api")))
    except ValueError:
        key_id = None
    return _honoured(token, _KEY_ROW.get(key_id) if key_id is not None else None)


def _legacy_key_row(token: str) -> ApiKey | None:
    return (
        ApiKey.objects.filter(key_digest=tokens.digest(token))
        .annotate(access_version=access_cache.version_subquery(), api_setting=stored_setting("api"))
        .order_by()
        .first()
    )


def recognise_legacy_api_key(token: str) -> ApiKey:
    """The same checks for a Wiki.js 2 API key verified with the imported key (API-v2.md §1.3).

    The row is found by the key's digest (unique), which only an imported key's row holds:
    the import keeps the Wiki.js 2 id as the row's legacy id where it is free here, and gives a
    key whose id was taken another one (reported), so that its key still works. One query.
    """
    return _honoured(token, _legacy_key_row(token))


def _honoured(token: str, api_key: ApiKey | None) -> ApiKey:
    """The key's row (or None) honoured, else ``KeyRejected``.

    The row was read in one query, annotated with the API state and the access version
    (``api_key.access_version``). With API access off every key is refused (403), known or not.
    """
    enabled = (
        is_api_enabled()
        if api_key is None
        else api_enabled_in(merged_setting("api", api_key.api_setting))
    )
    if not enabled:
        raise KeyRejected(403, ErrorKey.FORBIDDEN)
    if api_key is None or not api_key.is_usable or not tokens.digest_matches(api_key, token):
        raise KeyRejected(401, ErrorKey.INVALID_TOKEN)
    return api_key
