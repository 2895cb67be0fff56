"""Wiki.js 2's signing key pair and its API keys (API-v2.md §1.3).

The key pair (settings ``certs``, its private half encrypted under ``sessionSecret``) is
opened once per run and kept by ``accounts.legacy_keys`` (sealed; the passphrase is never
stored). Each API key is verified with it before its ``grp`` claim is believed; the import
keeps only its digest and tail, never the key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from django.utils import timezone

from accounts import legacy_keys, tokens
from accounts.apikeys import KEY_SHORT_TAIL
from accounts.models import ApiKey
from accounts.validation import clean_label
from wiki.errors import DomainError

from .accounts_common import (
    SOURCE_KEY_PAIR,
    fresh_legacy_id,
    imported_groups,
    source_max_id,
)
from .base import ImportContext, Kind
from .source import source_date

# What ``apiKeys.key`` holds between a key's row and its signing (``createNewKey``).
PENDING = "pending"


@dataclass(frozen=True)
class SourceKeyPair:
    private_key: Any  # None when the pair cannot be used; ``problem`` says why
    audience: str
    problem: str = ""


def source_key_pair(ctx: ImportContext) -> SourceKeyPair:
    """The source's key pair, opened with its passphrase, once per run."""
    known = ctx.notes.get(SOURCE_KEY_PAIR)
    if known is not None:
        return known
    auth = ctx.source.setting("auth") or {}
    audience = str((auth if isinstance(auth, dict) else {}).get("audience") or "urn:wiki.js")
    certs = ctx.source.setting("certs") or {}
    try:
        if not isinstance(certs, dict):
            raise legacy_keys.LegacyKeyError("the certs setting is not an object")
        private_key = legacy_keys.decrypt_private_key(
            certs.get("private"), ctx.source.setting("sessionSecret")
        )
        legacy_keys.check_public_half(private_key, certs.get("public"))
        pair = SourceKeyPair(private_key, audience)
    except legacy_keys.LegacyKeyError as error:
        pair = SourceKeyPair(None, audience, str(error))
    ctx.notes[SOURCE_KEY_PAIR] = pair
    return pair


def import_key_pair(ctx: ImportContext) -> str:
    """Keep the source's key pair; "updated", "unchanged", or "" when it was skipped."""
    pair = source_key_pair(ctx)
    if pair.private_key is None:
        ctx.skip("settings", "certs", f"{pair.problem}: its API keys cannot be honoured")
        return ""
    return "updated" if legacy_keys.store_key(pair.private_key, pair.audience) else "unchanged"


class ApiKeysKind(Kind):
    name = "apiKeys"
    table = "apiKeys"

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        pair = source_key_pair(ctx)
        digests = {}
        for row in rows:
            if isinstance(row.get("key"), str) and row["key"] != PENDING:
                digests[row["id"]] = tokens.digest(row["key"])
        by_digest = {
            k.key_digest: k for k in ApiKey.objects.filter(key_digest__in=digests.values())
        }
        by_legacy = {k.legacy_id: k for k in ApiKey.objects.filter(legacy_id__in=list(digests))}
        for row in rows:
            claims = self._verified_claims(row, pair, ctx)
            if claims is None:
                continue
            group = imported_groups(ctx).get(claims["grp"])
            if group is None:
                ctx.skip(self.name, row["id"], f"its group {claims['grp']} was not imported")
                continue
            api_key = self._target(row, by_digest.get(digests[row["id"]]), by_legacy, ctx)
            self._write(row, api_key, group, ctx)

    def _verified_claims(self, row, pair: SourceKeyPair, ctx) -> dict[str, Any] | None:
        key_id = row["id"]
        token = row.get("key")
        if not isinstance(token, str) or token == PENDING:
            ctx.skip(self.name, key_id, "the key was never finished (pending)")
            return None
        if pair.private_key is None:
            ctx.skip(self.name, key_id, f"the installation's key pair is unusable ({pair.problem})")
            return None
        try:
            claims = legacy_keys.verify_for_import(
                token, pair.private_key.public_key(), pair.audience
            )
        except jwt.PyJWTError as error:
            ctx.skip(self.name, key_id, f"the key does not verify with the key pair ({error})")
            return None
        grp = claims.get("grp")
        if claims.get("api") != key_id or not legacy_keys.is_key_id(grp):
            ctx.skip(self.name, key_id, "the key's api or grp claim does not name this key")
            return None
        return claims

    def _target(self, row, by_digest: ApiKey | None, by_legacy: dict, ctx) -> ApiKey:
        """The row of an earlier import (found by digest), else a new one keeping the Wiki.js
        id where it is free here; a key whose id is taken gets another (it still works: keys
        are recognised by digest)."""
        if by_digest is not None:
            return by_digest
        key_id = row["id"]
        found = by_legacy.get(key_id)
        if found is None and ctx.ledger.usable("apikey", key_id):
            return ApiKey(id=uuid.uuid4(), legacy_id=key_id)
        new_id = fresh_legacy_id("apikey", source_max_id(ctx, self.table))
        ctx.adjust(self.name, key_id, f"legacy id {key_id} is taken here: the key has id {new_id}")
        return ApiKey(id=uuid.uuid4(), legacy_id=new_id)

    def _write(self, row, api_key: ApiKey, group: uuid.UUID, ctx: ImportContext) -> None:
        token = row["key"]
        try:
            name = clean_label(row.get("name"))
        except DomainError:
            name = "".join(c for c in str(row.get("name") or "") if c not in '<>"').strip()[:255]
            name = name or f"Wiki.js key {row['id']}"
            ctx.adjust(self.name, row["id"], f"named {name!r}: the name was not storable")
        is_new = api_key._state.adding
        before = (api_key.name, api_key.group_ids, api_key.expiration, api_key.is_revoked)
        api_key.name = name
        api_key.key_short = "..." + token[-KEY_SHORT_TAIL:]
        api_key.key_digest = tokens.digest(token)
        api_key.group_ids = [str(group)]
        api_key.expiration = source_date(row.get("expiration")) or timezone.now()
        # Revoked in Wiki.js or here since an earlier import: a re-run never revives a key.
        api_key.is_revoked = api_key.is_revoked or bool(row.get("isRevoked"))
        created = source_date(row.get("createdAt"))
        if created is not None:
            api_key.created_at = created
        if api_key.legacy_id == row["id"]:
            ctx.ledger.record("apikey", row["id"])
        after = (api_key.name, api_key.group_ids, api_key.expiration, api_key.is_revoked)
        if not is_new and before == after:
            ctx.count(self.name, "unchanged")
            return
        api_key.save()
        ctx.count(self.name, "created" if is_new else "updated")

    def target_total(self, ctx: ImportContext) -> int:
        total = 0
        for rows in ctx.source.batches(self.table, 500, columns=["id", "key"]):
            digests = [tokens.digest(r["key"]) for r in rows if isinstance(r.get("key"), str)]
            total += ApiKey.objects.filter(key_digest__in=digests).count()
        return total
