"""The history step of the Wiki.js 2 import: every ``pageHistory`` row as a version."""

from __future__ import annotations

import uuid
from typing import Any

from wiki.bulk import insert_instances, update_instances

from ..history import SNAPSHOT_FIELDS
from ..models import HistoryAction, Page, PageHistory, page_hash
from .base import ImportContext, Kind
from .page_lookups import People, clean_tag_list, count_present, keep_statistics, source_tags
from .page_mapping import map_state
from .source import parse_date

# Versions of pages the source no longer has are grouped under ids derived from this.
DELETED_PAGE_NAMESPACE = uuid.UUID("6f1d8a52-2f4e-4d61-9b0e-0c6a1f3e9d27")
VERSION_COMPARED = ("page_id", "action", "version_date", "path", "title", "author_id", "tags")
VERSION_UPDATED = (
    "page_id",
    "action",
    "version_date",
    "created_at",
    "author_id",
    *(name for name in SNAPSHOT_FIELDS if name not in ("alias", "icon", "relations")),
)
ACTIONS = frozenset(HistoryAction.values)


def deleted_page_id(wikijs_page_id: int) -> uuid.UUID:
    """The stable page id of the versions of a page the source no longer holds."""
    return uuid.uuid5(DELETED_PAGE_NAMESPACE, f"wikijs2:page:{wikijs_page_id}")


class HistoryKind(Kind):
    name = "history"
    table = "pageHistory"

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        ids = [row["id"] for row in rows]
        people = People(row.get("authorId") for row in rows)
        tags_of = source_tags(ctx, "pageHistoryTags", ids)
        page_ids = {row["pageId"] for row in rows if row.get("pageId") is not None}
        pages = {
            legacy_id: pk
            for legacy_id, pk in Page.objects.filter(legacy_id__in=page_ids)
            .order_by()
            .values_list("legacy_id", "pk")
            # A page of this server's own holding the id is not the versions' page.
            if ctx.ledger.usable("page", legacy_id)
        }
        existing = {
            version.legacy_id: version
            for version in PageHistory.objects.filter(legacy_id__in=ids)
            .order_by()
            .only("pk", "legacy_id", *VERSION_COMPARED)
        }
        new, changed = [], []
        for row in rows:
            version = self._version(row, ctx, existing.get(row["id"]), pages, people, tags_of)
            if version is None:
                continue
            before = existing.get(row["id"])
            ctx.ledger.record("pagehistory", row["id"])
            if before is None:
                new.append(version)
                ctx.count(self.name, "created")
            elif any(getattr(before, f) != getattr(version, f) for f in VERSION_COMPARED):
                changed.append(version)
                ctx.count(self.name, "updated")
            else:
                ctx.count(self.name, "unchanged")
        insert_instances(PageHistory, new)
        update_instances(PageHistory, changed, VERSION_UPDATED)
        keep_statistics(ctx, self.name, PageHistory)

    def _version(self, row, ctx, before, pages, people, tags_of) -> PageHistory | None:
        wikijs_id = row["id"]
        refusal = ctx.ledger.refusal(
            "pagehistory", wikijs_id, held=before is not None, what="a version"
        )
        if refusal:
            ctx.skip(self.name, wikijs_id, refusal)
            return None
        if row.get("pageId") is None:
            ctx.skip(self.name, wikijs_id, "it belongs to no page")
            return None
        state = map_state(row, strict=False)
        notes = state.adjustments
        try:
            created = parse_date(row.get("createdAt"))
            version_date = parse_date(row.get("versionDate")) or created
        except ValueError as error:
            ctx.skip(self.name, wikijs_id, f"unreadable date: {error}")
            return None
        action = str(row.get("action") or "updated")
        if action not in ACTIONS:
            notes.append(f"action {action!r} recorded as 'updated'")
            action = HistoryAction.UPDATED
        version = PageHistory(
            id=before.pk if before else uuid.uuid4(),
            legacy_id=wikijs_id,
            page_id=pages.get(row["pageId"]) or deleted_page_id(row["pageId"]),
            site=ctx.site,
            action=action,
            author_id=people.get(row.get("authorId"), notes, "author"),
            version_date=version_date,
            created_at=created,
            hash=page_hash(state.fields["locale"], state.fields["path"]),
            tags=clean_tag_list(tags_of.get(wikijs_id, []), notes),
            **state.fields,
        )
        for note in notes:
            ctx.adjust(self.name, wikijs_id, note)
        return version

    def target_total(self, ctx: ImportContext) -> int:
        return count_present(ctx, self.table, PageHistory)
