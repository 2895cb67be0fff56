"""The internal links between pages (API-v2.md §3.1 ``pages.links``).

A page's outgoing links are read from its stored render: the ``href`` of every ``<a>`` that
starts with a single ``/`` and whose first segment does not start with ``_`` (``/_assets``,
``/_edit``...). The query and fragment are dropped and the rest is read like ``pageByPath``
reads a path (an explicit locale prefix, else the site's primary locale).
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass

from accounts import scopes
from accounts.permissions import Caller, PageContext

from .lookup import find_site, parse_path
from .models import Page
from .visibility import visible_to

_HREF = re.compile(r"""<a\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


@dataclass(frozen=True)
class PageLinks:
    legacy_id: int
    locale: str
    path: str
    title: str
    links: list[str]  # "<locale>/<path>", unique, in document order


def internal_targets(rendered: str, primary_locale: str) -> list[tuple[str, str]]:
    """The ``(locale, path)`` of each internal link of ``rendered``, unique, in order."""
    targets: dict[tuple[str, str], None] = {}
    for match in _HREF.finditer(rendered or ""):
        href = html.unescape(next(group for group in match.groups() if group is not None))
        href = href.strip()
        if not href.startswith("/") or href.startswith("//"):
            continue
        href = href.split("#", 1)[0].split("?", 1)[0]
        first = href[1:].split("/", 1)[0]
        if first.startswith("_"):
            continue
        parsed = parse_path(href)
        targets[(parsed.locale or primary_locale, parsed.path)] = None
    return list(targets)


def page_links(
    caller: Caller | None, site_id: uuid.UUID, locale: str, *, limit: int | None = None
) -> list[PageLinks]:
    """Each readable page of (site, ``locale``) with its internal links the caller may read,
    the first ``limit`` of them by path when a limit is given.

    Two queries (the site, the pages with their render) whatever the number of pages.
    """
    site = find_site(site_id)
    primary = site.primary_locale.lower()
    locale = (locale or "").strip().lower()
    pages = visible_to(caller) if caller is not None else Page.objects.all()
    rows = (
        pages.filter(site_id=site.pk, locale=locale)
        .order_by("path", "id")
        .values_list("legacy_id", "path", "title", "render")
    )
    if limit is not None:
        rows = rows[:limit]
    result = []
    for legacy_id, path, title, rendered in rows:
        links = [
            f"{target_locale}/{target_path}"
            for target_locale, target_path in internal_targets(rendered, primary)
            if caller is None
            or caller.can_at(scopes.READ_PAGES, PageContext(site.pk, target_locale, target_path))
        ]
        result.append(PageLinks(legacy_id, locale, path, title, links))
    return result
