"""Page history: archiving a page's state and reading the trail (API.md §4.1.1, §4.1.2).

A version is the state a page had *before* an operation replaced it: its ``action`` names the
operation that superseded it, its author and date are those of the archived state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts import scopes
from accounts.permissions import Caller, PageContext
from wiki import legacy_ids
from wiki.errors import DomainError, ErrorKey

from .models import Page, PageHistory

DEFAULT_OFFSET_SIZE = 100
# The columns a version copies from its page (API.md §5 "Page history version").
SNAPSHOT_FIELDS = (
    "locale",
    "path",
    "hash",
    "alias",
    "title",
    "description",
    "icon",
    "publish_state",
    "publish_start_date",
    "publish_end_date",
    "config",
    "relations",
    "content",
    "render",
    "toc",
    "editor",
    "content_type",
    "scripts",
    "tags",
)
# Where the permission check reads a page: the context columns only (§4.1.1).
CONTEXT_FIELDS = ("id", "site_id", "locale", "path", "tags")


def record_version(
    page: Page, action: str, *, reason: str | None = None, affected: Iterable[str] = ()
) -> PageHistory:
    """Archive ``page`` as it is stored now, before ``action`` changes it. One INSERT.

    The caller holds the page row locked (``select_for_update``) in the transaction that then
    changes it, so concurrent changes archive one state each and none is lost.
    """
    version = PageHistory(
        page_id=page.pk,
        site_id=page.site_id,
        action=action,
        reason=reason or None,
        affected_fields=list(affected),
        author_id=page.author_id,
        version_date=page.updated_at,
        **{name: getattr(page, name) for name in SNAPSHOT_FIELDS},
    )
    version.save(force_insert=True)
    return version


def record_versions(pages: Iterable[Page], action: str, *, affected: Iterable[str] = ()) -> int:
    """``record_version`` for many pages at once (folder operations): a few statements in all.

    The caller holds the pages locked, as for one version.
    """
    pages = list(pages)
    if not pages:
        return 0
    ids = legacy_ids.allocate_many(PageHistory.legacy_kind, len(pages))
    now = timezone.now()
    PageHistory.objects.bulk_create(
        [
            PageHistory(
                page_id=page.pk,
                site_id=page.site_id,
                action=action,
                affected_fields=list(affected),
                author_id=page.author_id,
                version_date=page.updated_at,
                created_at=now,
                legacy_id=legacy_id,
                **{name: getattr(page, name) for name in SNAPSHOT_FIELDS},
            )
            for page, legacy_id in zip(pages, ids, strict=True)
        ],
        batch_size=200,
    )
    return len(pages)


def _page_for_history(
    caller: Caller | None, page_id: uuid.UUID, *, count_versions: bool = False
) -> Page:
    """Checks shared by both history queries: the page exists, then ``read:history`` there.

    ``count_versions`` reads the number of versions with the page (``version_count``), in the
    same query: a round trip less for the trail.
    """
    pages = Page.objects.filter(pk=page_id).only(*CONTEXT_FIELDS).order_by()
    if count_versions:
        count = (
            PageHistory.objects.filter(page_id=OuterRef("pk"))
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")
        )
        pages = pages.annotate(version_count=Subquery(count, output_field=IntegerField()))
    page = pages.first()
    if page is None:
        raise DomainError(ErrorKey.PAGE_NOT_FOUND)
    if caller is not None:
        caller.require_at(scopes.READ_HISTORY, PageContext.of(page))
    return page


@dataclass(frozen=True)
class TrailEntry:
    """One ``PageHistory`` item of ``pageHistoryById``."""

    version_id: uuid.UUID
    version_date: datetime
    author_id: uuid.UUID
    author_name: str
    action_type: str
    value_before: str | None
    value_after: str | None
    # The same version and author by legacy id (API-v2.md §1.6).
    version_legacy_id: int | None = None
    author_legacy_id: int | None = None


@dataclass(frozen=True)
class Trail:
    trail: list[TrailEntry]
    total: int


def history_trail(
    caller: Caller | None,
    page_id: uuid.UUID,
    offset_page: int | None = None,
    offset_size: int | None = None,
) -> Trail:
    """``pageHistoryById``: the page's versions newest first, one page of them, and the total.

    Two queries whatever the number of versions: the page with the count, and the slice plus
    the next older version (to tell a move from an edit), authors' names joined in.
    """
    offset_page = 0 if offset_page is None else offset_page
    offset_size = DEFAULT_OFFSET_SIZE if offset_size is None else offset_size
    if offset_page < 0 or offset_size < 1:
        raise DomainError(ErrorKey.INVALID_INPUT, "offsetPage must be >= 0, offsetSize >= 1")
    page = _page_for_history(caller, page_id, count_versions=True)
    versions = PageHistory.objects.filter(page_id=page.pk)
    total = page.version_count or 0
    start = offset_page * offset_size
    if start >= total:
        return Trail(trail=[], total=total)
    rows = list(
        versions.order_by("-version_date", "-legacy_id").values_list(
            "id",
            "version_date",
            "author_id",
            "author__name",
            "path",
            "legacy_id",
            "author__legacy_id",
        )[start : start + offset_size + 1]
    )
    entries = []
    for index, row in enumerate(rows[:offset_size]):
        version_id, version_date, author_id, author_name, path, legacy_id, author_legacy = row
        older = rows[index + 1] if index + 1 < len(rows) else None
        if older is None:
            action_type, before, after = "initial", None, None
        elif older[4] != path:
            action_type, before, after = "move", older[4], path
        else:
            action_type, before, after = "edit", None, None
        entries.append(
            TrailEntry(
                version_id,
                version_date,
                author_id,
                author_name,
                action_type,
                before,
                after,
                legacy_id,
                author_legacy,
            )
        )
    return Trail(trail=entries, total=total)


def page_versions(caller: Caller | None, page_id: uuid.UUID) -> QuerySet[PageHistory]:
    """Every version of the page, newest first, with its author: the admin's history list.

    Same checks as ``pageHistoryById`` (the page exists, ``read:history`` there); the full rows,
    because the admin shows each version's action, affected fields and reason.
    """
    page = _page_for_history(caller, page_id)
    return (
        PageHistory.objects.filter(page_id=page.pk)
        .select_related("author")
        .defer("content", "render", "toc", "config", "relations", "scripts")
        .order_by("-version_date", "-legacy_id")
    )


def get_version(
    caller: Caller | None, page_id: uuid.UUID, version_id: uuid.UUID
) -> PageHistory | None:
    """``pageVersionById``: None when the version does not exist or belongs to another page."""
    page = _page_for_history(caller, page_id)
    return (
        PageHistory.objects.select_related("author")
        .filter(pk=version_id, page_id=page.pk)
        .order_by()
        .first()
    )


def page_id_for_legacy_id(legacy_id: int) -> uuid.UUID:
    """The page a legacy page id names (API-v2.md §1.6), else ``ERR_PAGE_NOT_FOUND``."""
    page_id = (
        Page.objects.filter(legacy_id=legacy_id).order_by().values_list("pk", flat=True).first()
        if legacy_id >= 1
        else None
    )
    if page_id is None:
        raise DomainError(ErrorKey.PAGE_NOT_FOUND)
    return page_id


def get_version_by_legacy_ids(
    caller: Caller | None, page_legacy_id: int, version_legacy_id: int
) -> PageHistory | None:
    """``get_version`` with legacy ids: None when the version does not exist or belongs to
    another page."""
    page = _page_for_history(caller, page_id_for_legacy_id(page_legacy_id))
    if version_legacy_id < 1:
        return None
    return (
        PageHistory.objects.select_related("author")
        .filter(legacy_id=version_legacy_id, page_id=page.pk)
        .order_by()
        .first()
    )
