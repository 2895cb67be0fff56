"""What the account steps of the import share: dates, legacy ids, and who was imported.

The steps run in order (site settings, groups, users, memberships, API keys) and hand each
other what they imported through ``ctx.notes``: the groups as a small dict, the users as a
bitmap of their Wiki.js ids (one bit per id, so 100,000 users take 12.5 kB), never as rows.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import connection

from wiki import legacy_ids
from wiki.models import LegacyIdCounter

if TYPE_CHECKING:
    from .base import ImportContext

# ctx.notes keys.
IMPORTED_GROUPS = "accounts.groups"  # {Wiki.js group id: this server's group UUID}
IMPORTED_USERS = "accounts.users"  # IdBitmap of the Wiki.js user ids imported
SOURCE_KEY_PAIR = "accounts.keyPair"  # SourceKeyPair of the source (or why there is none)
# How many source ids are counted against the target at once (verification).
COUNT_CHUNK = 2000


class IdBitmap:
    """A set of positive integer ids in one bit each."""

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, value: int) -> None:
        index, bit = divmod(value, 8)
        if index >= len(self._bits):
            self._bits.extend(bytes(index + 1 - len(self._bits)))
        self._bits[index] |= 1 << bit

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int) or value < 0:
            return False
        index, bit = divmod(value, 8)
        return index < len(self._bits) and bool(self._bits[index] & (1 << bit))


def imported_groups(ctx: ImportContext) -> dict[int, uuid.UUID]:
    return ctx.notes.setdefault(IMPORTED_GROUPS, {})


def imported_users(ctx: ImportContext) -> IdBitmap:
    return ctx.notes.setdefault(IMPORTED_USERS, IdBitmap())


def source_max_id(ctx: ImportContext, table: str) -> int:
    rows = ctx.source.query(f'SELECT max("id") AS n FROM "{table}"')  # noqa: S608
    return int(rows[0]["n"] or 0) if rows else 0


def fresh_legacy_id(kind: str, above: int) -> int:
    """A new legacy id of ``kind`` greater than ``above`` (the source's highest id), so that
    it can never be one the source still brings; the counter row is locked until commit."""
    table = LegacyIdCounter._meta.db_table
    floor = max(above, legacy_ids.FIRST_FREE.get(kind, 0))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, last_value) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT (kind) DO UPDATE SET last_value = "
            f"CASE WHEN {table}.last_value < %s THEN %s ELSE {table}.last_value END",
            [kind, floor, floor, floor],
        )
    return legacy_ids.allocate(kind)


def count_present(ctx: ImportContext, table: str, queryset, *, field: str = "legacy_id") -> int:
    """How many ids of the source's ``table`` a row of ``queryset`` holds as ``field``,
    counted chunk by chunk (memory bounded whatever the table's size)."""
    total = 0
    for rows in ctx.source.batches(table, COUNT_CHUNK, columns=["id"]):
        ids = [row["id"] for row in rows]
        total += queryset.filter(**{f"{field}__in": ids}).count()
    return total
