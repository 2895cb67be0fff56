"""History, source and download of a page in a browser: ``/h/``, ``/s/`` and ``/d/``.

Each asks the same services and checks as the API (API.md §3.5): the history list, a version
and a diff between versions need ``read:history`` at the page (``pageHistoryById``,
``pageVersionById``: ``pages.history``); the page's current source needs what ``pageByPath``
plus ``Page.content`` need (``read:pages``, ``write:pages`` for an unpublished page, then one
of ``read:source``/``write:pages``/``manage:pages``). So comparing a version with the current
page needs both.

The history list shows ``PAGE_SIZE`` versions at a time, newest first, with a link to older
ones: its SQL is a fixed handful of queries whatever the number of versions. No Markdown is
rendered here: a version shows the HTML stored with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from accounts import scopes
from wiki.errors import DomainError
from wiki.text import uuid_or_none

from . import diffing, history, services
from .browser import (
    Target,
    Visit,
    action_url,
    forbidden,
    not_found,
    page_url,
    refused,
    render,
    split_target,
    visit,
)
from .content_policy import with_content_policy
from .models import Page, PageHistory

PAGE_SIZE = 50
# Deeper than any real history; keeps a hand-made ?offset= from asking the database for more.
MAX_OFFSET = 1_000_000
CURRENT = "current"
# Fields compared beside the source, with their labels.
COMPARED_FIELDS = (
    ("title", "Title"),
    ("description", "Description"),
    ("locale", "Locale"),
    ("path", "Path"),
    ("tags", "Tags"),
    ("publish_state", "Publish state"),
)


def _page_at(v: Visit, target: Target, *, with_source: bool = True) -> Page | None:
    """The page at the address, unchecked: the services below check it. Without
    ``with_source`` its large columns stay in the database (the list and a version need none)."""
    pages = Page.objects.select_related("author").filter(
        site_id=v.site.pk, locale=target.locale, path=target.path
    )
    if not with_source:
        pages = pages.defer("content", "render", "toc", "search_content")
    return pages.order_by().first()


def _may_read_source(v: Visit, page: Page) -> bool:
    """What ``pageByPath`` and its ``content`` field need (API.md §3.5)."""
    try:
        services.page_for_reading(v.caller, page)
    except DomainError:
        return False
    return v.may_read_source(page)


def _links(v: Visit, page: Page) -> dict:
    return {
        "page_href": page_url(v.site, page.locale, page.path),
        "history_href": action_url("h", page.locale, page.path),
        "source_href": action_url("s", page.locale, page.path),
        "download_href": action_url("d", page.locale, page.path),
    }


def _offset(raw: str | None) -> int:
    try:
        return min(max(int(raw or 0), 0), MAX_OFFSET)
    except ValueError:
        return 0


@with_content_policy
@require_safe
def page_history(request: HttpRequest, target: str) -> HttpResponse:
    """``/h/<locale>/<path>``: the list; ``?version=`` one version; ``?from=&to=`` a diff."""
    v = visit(request)
    where = split_target(v.site, target)
    comparing = "from" in request.GET or "to" in request.GET
    page = _page_at(v, where, with_source=comparing)
    if page is None:
        return not_found(v, where)
    if comparing:
        return _diff(v, where, page)
    if "version" in request.GET:
        return _version(v, where, page)
    return _list(v, where, page)


def _list(v: Visit, where: Target, page: Page) -> HttpResponse:
    offset = _offset(v.request.GET.get("offset"))
    try:
        versions = history.page_versions(v.caller, page.pk)
    except DomainError as error:
        return refused(v, error, where)
    rows = list(versions[offset : offset + PAGE_SIZE + 1])
    has_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    can_current = _may_read_source(v, page)
    # Preselected so that Compare works at once, with JavaScript off: the newest two states.
    default_to = CURRENT if can_current and offset == 0 else (rows[0].pk if rows else None)
    from_candidates = [row.pk for row in rows if row.pk != default_to]
    here = action_url("h", page.locale, page.path)
    context = {
        "page": page,
        "versions": rows,
        "show_current": offset == 0,
        "can_current": can_current,
        "default_from": from_candidates[0] if from_candidates else None,
        "default_to": default_to,
        "older_href": f"{here}?offset={offset + PAGE_SIZE}" if has_older else None,
        "newer_href": (f"{here}?offset={max(offset - PAGE_SIZE, 0)}" if offset else None),
        "offset": offset,
        **_links(v, page),
    }
    return render(v, "pages/history.html", context)


def _version(v: Visit, where: Target, page: Page) -> HttpResponse:
    version_id = uuid_or_none(v.request.GET.get("version"))
    if version_id is None:
        return not_found(v, where)
    try:
        version = history.get_version(v.caller, page.pk, version_id)
    except DomainError as error:
        return refused(v, error, where)
    if version is None:
        return not_found(v, where)
    context = {
        "page": page,
        "version": version,
        "can_current": _may_read_source(v, page),
        **_links(v, page),
    }
    return render(v, "pages/history_version.html", context)


@dataclass(frozen=True)
class _Side:
    """One side of a comparison: a version, or the page as it is now."""

    label: str
    content: str
    fields: dict
    version: PageHistory | None
    when: object
    author_name: str


def _side(v: Visit, page: Page, raw: str | None) -> _Side | DomainError | None:
    """The state ``raw`` names: ``current`` or a version id of this page. None when it names
    nothing (a 404); a DomainError when the reader may not see it."""
    if raw == CURRENT:
        if not _may_read_source(v, page):
            return DomainError(v.caller.forbidden_key)
        return _Side(
            label="Current version",
            content=page.content,
            fields={name: getattr(page, name) for name, _ in COMPARED_FIELDS},
            version=None,
            when=page.updated_at,
            author_name=page.author.name,
        )
    version_id = uuid_or_none(raw)
    if version_id is None:
        return None
    try:
        version = history.get_version(v.caller, page.pk, version_id)
    except DomainError as error:
        return error
    if version is None:
        return None
    return _Side(
        label="Version",
        content=version.content,
        fields={name: getattr(version, name) for name, _ in COMPARED_FIELDS},
        version=version,
        when=version.version_date,
        author_name=version.author.name,
    )


def _diff(v: Visit, where: Target, page: Page) -> HttpResponse:
    raw_from, raw_to = v.request.GET.get("from"), v.request.GET.get("to")
    if not raw_from or not raw_to:
        # Checked before saying more: without read:history nothing is told about the page.
        try:
            history.page_versions(v.caller, page.pk)
        except DomainError as error:
            return refused(v, error, where)
        context = {"page": page, "missing_choice": True, **_links(v, page)}
        return render(v, "pages/history_diff.html", context, status=400)
    if CURRENT == raw_from == raw_to:
        # No version involved, but still a history address: read:history is asked all the same.
        try:
            history.page_versions(v.caller, page.pk)
        except DomainError as error:
            return refused(v, error, where)
    sides = []
    for raw in (raw_from, raw_to):
        side = _side(v, page, raw)
        if side is None:
            return not_found(v, where)
        if isinstance(side, DomainError):
            return refused(v, side, where)
        sides.append(side)
    old, new = sides
    changed_fields = [
        {"label": label, "old": _shown(old.fields[name]), "new": _shown(new.fields[name])}
        for name, label in COMPARED_FIELDS
        if old.fields[name] != new.fields[name]
    ]
    context = {
        "page": page,
        "old": old,
        "new": new,
        "diff": diffing.line_diff(old.content, new.content),
        "changed_fields": changed_fields,
        "can_current": _may_read_source(v, page),
        "max_lines": diffing.MAX_LINES,
        "max_chars": diffing.MAX_CHARS,
        **_links(v, page),
    }
    return render(v, "pages/history_diff.html", context)


def _shown(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _readable_page(v: Visit, where: Target) -> Page | HttpResponse:
    """The page whose source the visitor may read, or the refusal to send instead."""
    page = _page_at(v, where)
    if page is None:
        return not_found(v, where)
    try:
        services.page_for_reading(v.caller, page)
    except DomainError as error:
        return refused(v, error, where)
    if not v.may_read_source(page):
        return forbidden(v)
    return page


@with_content_policy
@require_safe
def page_source(request: HttpRequest, target: str) -> HttpResponse:
    """``/s/<locale>/<path>``: the page's source, as ``Page.content`` gives it."""
    v = visit(request)
    page = _readable_page(v, split_target(v.site, target))
    if isinstance(page, HttpResponse):
        return page
    context = {
        "page": page,
        "can_history": v.can_on(scopes.READ_HISTORY, page),
        **_links(v, page),
    }
    return render(v, "pages/source.html", context)


_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSIONS = {"markdown": (".md", "text/markdown"), "html": (".html", "text/plain")}


def download_name(path: str, extension: str = ".md", locale: str | None = None) -> str:
    """A file name from the page's address: ``docs/intro`` -> ``docs_intro.md``. Only ASCII
    letters, digits, ``.``, ``_`` and ``-`` survive, so no header or file-system trick can
    ride on a page path; ``locale`` (given outside the primary one) keeps translations apart."""
    stem = _UNSAFE_IN_NAME.sub("_", path).strip("._-")[:100] or "page"
    return f"{stem}.{locale}{extension}" if locale else f"{stem}{extension}"


@with_content_policy
@require_safe
def page_download(request: HttpRequest, target: str) -> HttpResponse:
    """``/d/<locale>/<path>``: the page's source as a file. Markdown is ``text/markdown``;
    HTML sources are sent as plain text, so that a download can never run as a page here."""
    v = visit(request)
    page = _readable_page(v, split_target(v.site, target))
    if isinstance(page, HttpResponse):
        return page
    extension, media_type = _EXTENSIONS.get(page.content_type, (".txt", "text/plain"))
    response = HttpResponse(page.content, content_type=f"{media_type}; charset=utf-8")
    other_locale = page.locale if page.locale != v.primary_locale else None
    name = download_name(page.path, extension, other_locale)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
