"""Changing existing pages: update, move, delete, restore, re-render (API.md §4.1.3).

Each service runs its checks in the contract's order inside one transaction that first locks
the page row: a refusal rolls everything back, and concurrent changes of one page queue up, so
each archives exactly the state it replaced (no version is lost). The history version is
written before the page changes (§4.1.1).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import scopes
from accounts.permissions import Caller, PageContext
from accounts.services import author_for, hold_author
from wiki.errors import DomainError, ErrorKey

from . import validation as v
from .history import record_version
from .models import HistoryAction, Page, PageHistory, PublishState
from .rendering import render
from .services import CONFIG_FLAGS, detach_tags, replace_tags
from .tree import move_page_item, sync_page_item


@dataclass
class PagePatch:
    """``PageUpdateInput`` (API.md §4.1.4): ``None`` means "leave as it is"."""

    title: str | None = None
    description: str | None = None
    icon: str | None = None
    alias: str | None = None
    content: str | None = None
    publish_state: str | None = None
    publish_start_date: datetime | None = None
    publish_end_date: datetime | None = None
    toc_depth: dict[str, int] | None = None
    relations: list[dict[str, Any]] | None = None
    tags: list[str | None] | None = None
    flags: dict[str, bool | None] | None = None  # config flags, isBrowsable, isSearchable
    #: Both publish dates are set to the values above, None clearing one: for callers that
    #: write a whole publishing view at once (the /graphql adapter, API-v2.md §5.4).
    replace_publish_dates: bool = False
    script_css: str | None = None
    script_js_load: str | None = None
    script_js_unload: str | None = None
    password: str | None = None
    reason_for_change: str | None = None


def _locked_page(page_id: uuid.UUID) -> Page:
    """Check 1 of every operation here: the page exists. Locks its row until commit."""
    # The page's row only: Page's default ordering joins the site, and FOR UPDATE without OF
    # would lock the site's row too, serialising every edit of the site and deadlocking with
    # the foreign-key checks that concurrent createPage transactions make on it at commit.
    page = Page.objects.select_for_update(of=("self",)).filter(pk=page_id).order_by("pk").first()
    if page is None:
        raise DomainError(ErrorKey.PAGE_NOT_FOUND)
    return page


class StaleVersion(Exception):
    """The page changed since the version an editor started from (``expected_version``).

    Not a contract error: the API never sends a version, so it never meets this. The browser's
    editor turns it into its conflict message. ``current`` is the page as it is now.
    """

    def __init__(self, current: Page) -> None:
        self.current = current
        super().__init__(f"page {current.pk} changed at {current.updated_at.isoformat()}")


def _require_write(caller: Caller | None, page: Page) -> None:
    """``write:pages`` at the page; refused callers get ERR_PAGE_UPDATE_FORBIDDEN (§4.1.3)."""
    if caller is not None:
        caller.require_at(scopes.WRITE_PAGES, PageContext.of(page), ErrorKey.PAGE_UPDATE_FORBIDDEN)


def _rerender(page: Page) -> None:
    depth = (page.config or {}).get("tocDepth") or {"min": 1, "max": 2}
    rendered = render(page.content, page.content_type, depth)
    page.render, page.toc, page.search_content = rendered.html, rendered.toc, rendered.text


@transaction.atomic
def update_page(
    caller: Caller | None,
    page_id: uuid.UUID,
    patch: PagePatch,
    *,
    expected_version: datetime | None = None,
    blank_content_refused: bool = False,
) -> Page:
    """``updatePage``: a true partial patch; absent fields keep their values.

    Blank content is ignored (the contract keeps the stored content), unless
    ``blank_content_refused``: then it fails right after the permission check, as Wiki.js 2's
    ``PageEmptyContent`` does on ``/graphql`` (API-v2.md §3.2).

    ``expected_version`` (the browser's editor; the API never gives it) is the ``updated_at``
    of the state the change was made from. Every service that changes a page sets a new
    ``updated_at`` (to the microsecond, on both databases), so a different value means someone
    saved in between: ``StaleVersion``, nothing written. It is compared on the locked row, so
    no save can slip in between the check and the write.
    """
    page = _locked_page(page_id)
    _require_write(caller, page)
    if expected_version is not None and page.updated_at != expected_version:
        raise StaleVersion(page)
    if blank_content_refused and patch.content is not None:
        v.check_content(patch.content)
    ctx = PageContext.of(page)
    changes: dict[str, Any] = {}
    if patch.title is not None:
        changes["title"] = v.clean_title(patch.title)
    if patch.description is not None:
        changes["description"] = v.clean_short_text(patch.description, "description")
    if patch.icon is not None:
        changes["icon"] = v.clean_short_text(patch.icon, "icon")
    if patch.alias is not None:
        alias = v.clean_alias(patch.alias)
        taken = Page.objects.filter(site_id=page.site_id, alias=alias).exclude(pk=page.pk)
        if alias and taken.exists():
            raise DomainError(ErrorKey.PAGE_DUPLICATE_ALIAS)
        changes["alias"] = alias
    if patch.publish_state is not None:
        state = PublishState(patch.publish_state).value
        v.check_schedule(state, patch.publish_start_date, patch.publish_end_date)
        changes["publish_state"] = state
    elif page.publish_state == PublishState.SCHEDULED and (
        patch.publish_start_date is not None or patch.publish_end_date is not None
    ):
        # A date-only patch of a scheduled page must leave it a window that can open.
        v.check_schedule(
            page.publish_state,
            patch.publish_start_date or page.publish_start_date,
            patch.publish_end_date or page.publish_end_date,
        )
    if patch.replace_publish_dates or patch.publish_start_date is not None:
        changes["publish_start_date"] = patch.publish_start_date
    if patch.replace_publish_dates or patch.publish_end_date is not None:
        changes["publish_end_date"] = patch.publish_end_date
    toc_depth = v.clean_toc_depth(patch.toc_depth)
    if patch.relations is not None:
        changes["relations"] = v.clean_relations(patch.relations)
    tags = v.clean_tags(patch.tags) if patch.tags is not None else None

    # Scripts the caller may not write are dropped here, silently (§4.1.1).
    scripts = _patched_scripts(caller, ctx, page.scripts, patch)
    if scripts != page.scripts:
        changes["scripts"] = scripts

    # Every check passed: archive the current state, then apply.
    affected = _affected(page, patch, changes, toc_depth, tags)
    record_version(page, HistoryAction.UPDATED, reason=patch.reason_for_change, affected=affected)
    for name, value in changes.items():
        setattr(page, name, value)
    config = dict(page.config or {})
    for flag in CONFIG_FLAGS:
        if (patch.flags or {}).get(flag) is not None:
            config[flag] = bool(patch.flags[flag])
    if toc_depth is not None:
        config["tocDepth"] = toc_depth
    page.config = config
    if (patch.flags or {}).get("isBrowsable") is not None:
        page.is_browsable = bool(patch.flags["isBrowsable"])
    if (patch.flags or {}).get("isSearchable") is not None:
        page.is_searchable = bool(patch.flags["isSearchable"])
    if patch.password is not None:
        page.password = make_password(patch.password) if patch.password else None
    content_changed = bool(patch.content and patch.content.strip())
    if content_changed:
        page.content = patch.content
    if content_changed or toc_depth is not None:
        _rerender(page)
    if tags is not None:
        replace_tags(page, page.tags or [], tags)
        page.tags = tags
    page.author = hold_author(author_for(caller))
    page.updated_at = timezone.now()
    try:
        with transaction.atomic():
            page.save()
    except IntegrityError as exc:
        # Another page took the alias between the check and the write.
        raise DomainError(ErrorKey.PAGE_DUPLICATE_ALIAS) from exc
    sync_page_item(page)
    return page


def _affected(page: Page, patch: PagePatch, changes: dict, toc_depth, tags) -> list[str]:
    """Contract names of the fields this update sets (the version's ``affectedFields``)."""
    names = [_camel(name) for name, value in changes.items() if getattr(page, name) != value]
    if patch.content and patch.content.strip() and patch.content != page.content:
        names.append("content")
    if toc_depth is not None:
        names.append("tocDepth")
    if tags is not None and tags != list(page.tags or []):
        names.append("tags")
    names += [flag for flag, value in (patch.flags or {}).items() if value is not None]
    if patch.password is not None:
        names.append("password")
    return names


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _patched_scripts(
    caller: Caller | None, ctx: PageContext, scripts: dict | None, patch: PagePatch
) -> dict[str, str]:
    """Scripts given in the patch replace the stored ones (``""`` clears) where permitted;
    without the permission they are silently ignored (§4.1.1)."""
    result = {"css": "", "jsLoad": "", "jsUnload": "", **(scripts or {})}
    if patch.script_css is not None and (caller is None or caller.can_at(scopes.WRITE_STYLES, ctx)):
        result["css"] = patch.script_css
    if caller is None or caller.can_at(scopes.WRITE_SCRIPTS, ctx):
        if patch.script_js_load is not None:
            result["jsLoad"] = patch.script_js_load
        if patch.script_js_unload is not None:
            result["jsUnload"] = patch.script_js_unload
    return result


@transaction.atomic
def move_page(
    caller: Caller | None,
    page_id: uuid.UUID,
    destination_locale: str,
    destination_path: str,
    title: str | None = None,
    *,
    title_follows_path: bool = False,
) -> Page:
    """``movePage``: path, locale and maybe title change; alias, tags and content stay.

    ``title_follows_path`` is Wiki.js 2's rule (API-v2.md §3.2), used when no ``title`` is
    given: a page titled after the last segment of its path is retitled after the last segment
    of its destination; any other title stays.
    """
    page = _locked_page(page_id)
    path = v.normalize_path(destination_path)
    locale = v.normalize_locale(destination_locale)
    if caller is not None:
        caller.require_at(scopes.MANAGE_PAGES, PageContext.of(page))
        destination = PageContext(page.site_id, locale, path, tuple(page.tags or ()))
        caller.require_at(scopes.WRITE_PAGES, destination)
    # "Including this one": moving a page onto its own path is a collision too (§4.1.3).
    if Page.objects.filter(site_id=page.site_id, locale=locale, path=path).exists():
        raise DomainError(ErrorKey.PAGE_DUPLICATE_PATH)
    new_title = v.clean_title(title) if title is not None else None
    if new_title is None and title_follows_path and page.title == _last_segment(page.path):
        new_title = _last_segment(path)

    affected = ["path"] if locale == page.locale else ["locale", "path"]
    if new_title is not None and new_title != page.title:
        affected.append("title")
    record_version(page, HistoryAction.MOVED, affected=affected)
    page.locale, page.path = locale, path
    if new_title is not None:
        page.title = new_title
    page.author = hold_author(author_for(caller))
    page.updated_at = timezone.now()
    try:
        with transaction.atomic():
            page.save()
    except IntegrityError as exc:
        # A concurrent request created or moved a page to the destination first.
        raise DomainError(ErrorKey.PAGE_DUPLICATE_PATH) from exc
    move_page_item(page)
    return page


def _last_segment(path: str) -> str:
    return path.rsplit("/", 1)[-1]


@transaction.atomic
def delete_page(caller: Caller | None, page_id: uuid.UUID) -> None:
    """``deletePage``: the page goes, its history stays; its alias is free, tag counts drop."""
    page = _locked_page(page_id)
    if caller is not None:
        caller.require_at(scopes.DELETE_PAGES, PageContext.of(page))
    record_version(page, HistoryAction.DELETED)
    detach_tags(page, page.tags or [])
    # Its tree item goes with it (``TreeItem.page`` cascades).
    Page.objects.filter(pk=page.pk).delete()


# What ``restorePage`` takes back from a version; path, locale, alias and tags stay (§4.1.3).
RESTORED_FIELDS = (
    "title",
    "description",
    "icon",
    "content",
    "editor",
    "content_type",
    "publish_state",
    "publish_start_date",
    "publish_end_date",
    "config",
    "relations",
    "scripts",
)


@transaction.atomic
def restore_page(caller: Caller | None, page_id: uuid.UUID, version_id: uuid.UUID) -> Page:
    """``restorePage``: the page takes a version's content and settings, re-rendered."""
    page = _locked_page(page_id)
    _require_write(caller, page)
    version = PageHistory.objects.filter(pk=version_id, page_id=page.pk).first()
    if version is None:
        raise DomainError(ErrorKey.PAGE_NOT_FOUND, "no such version of this page")
    affected = [
        _camel(name) for name in RESTORED_FIELDS if getattr(page, name) != getattr(version, name)
    ]
    record_version(page, HistoryAction.RESTORED, affected=affected)
    for name in RESTORED_FIELDS:
        setattr(page, name, getattr(version, name))
    _rerender(page)
    page.author = hold_author(author_for(caller))
    page.updated_at = timezone.now()
    page.save()
    sync_page_item(page)
    return page


@transaction.atomic
def rerender_page(caller: Caller | None, page_id: uuid.UUID) -> Page:
    """``rerenderPage``: render, TOC and search text rebuilt; no version, dates untouched."""
    page = _locked_page(page_id)
    _require_write(caller, page)
    _rerender(page)
    page.save(update_fields=["render", "toc", "search_content"])
    return page
