"""What the page steps of the Wiki.js 2 import look up, one query per batch each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Func, IntegerField, OuterRef, Subquery

from accounts.models import User
from accounts.services import delegated_author
from wiki.bulk import refresh_statistics
from wiki.errors import DomainError
from wiki.legacy_ids import USER_ROOT_ADMIN

from ..models import PageTag, Tag
from ..validation import clean_tags
from .base import ImportContext
from .source import MAX_IN_VALUES

# Source ids counted per query by ``count_present``.
COUNT_CHUNK = 5000


class People:
    """Wiki.js user ids -> this server's users (imported before the pages, by legacy id)."""

    def __init__(self, wikijs_ids: Iterable[Any]) -> None:
        wanted = {int(i) for i in wikijs_ids if i is not None} | {USER_ROOT_ADMIN}
        self.by_legacy = dict(
            User.objects.filter(legacy_id__in=wanted).order_by().values_list("legacy_id", "pk")
        )
        self._fallback = self.by_legacy.get(USER_ROOT_ADMIN)

    def get(self, wikijs_id: Any, notes: list[str], role: str) -> Any:
        found = self.by_legacy.get(int(wikijs_id)) if wikijs_id is not None else None
        if found is not None:
            return found
        if self._fallback is None:
            self._fallback = delegated_author().pk  # the root administrator was deleted here
        notes.append(f"{role} {wikijs_id} is not a user here: the root administrator instead")
        return self._fallback


def source_tags(ctx: ImportContext, link_table: str, owner_ids: list[int]) -> dict[int, list]:
    """Owner id -> its tags' names, in link order (one source query)."""
    found: dict[int, list] = defaultdict(list)
    for start in range(0, len(owner_ids), MAX_IN_VALUES):
        chunk = owner_ids[start : start + MAX_IN_VALUES]
        rows = ctx.source.query(
            f'SELECT l."pageId" AS owner, t."tag" AS tag FROM "{link_table}" l '  # noqa: S608
            f'JOIN "tags" t ON t."id" = l."tagId" '
            f'WHERE l."pageId" IN ({", ".join(["%s"] * len(chunk))}) ORDER BY l."id"',
            chunk,
        )
        for row in rows:
            found[int(row["owner"])].append(row["tag"])
    return found


def clean_tag_list(names: list[str], notes: list[str]) -> list[str]:
    kept = []
    for name in names:
        try:
            kept += clean_tags([name])
        except DomainError:
            notes.append(f"tag {name!r} is not a valid tag here: dropped")
    return list(dict.fromkeys(kept))


def count_present(ctx: ImportContext, table: str, model: type) -> int:
    """How many of ``table``'s ids are legacy ids of ``model`` rows (bounded reads)."""
    present = 0
    for batch in ctx.source.batches(table, COUNT_CHUNK, columns=["id"]):
        ids = [row["id"] for row in batch]
        present += model.objects.filter(legacy_id__in=ids).count()
    return present


def recount_tags(site_id) -> None:
    """Every tag of the site counts the pages carrying it (one statement)."""
    carrying = (
        PageTag.objects.filter(tag_id=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    Tag.objects.filter(site_id=site_id).update(
        usage_count=Subquery(carrying, output_field=IntegerField())
    )


def keep_statistics(ctx: ImportContext, kind: str, *models: type) -> None:
    """After the 1st, 2nd, 4th, 8th... batch of ``kind``: fresh planner statistics for the
    tables it fills, so that they are never more than twice out of date (a handful of
    ``ANALYZE`` for a whole run)."""
    done = ctx.notes.get(("batches", kind), 0) + 1
    ctx.notes[("batches", kind)] = done
    if done & (done - 1) == 0:
        refresh_statistics(*models)
