"""Wiki.js 2 page values in this server's terms: the fields a page and a version share.

``map_state`` turns a row of ``pages`` or ``pageHistory`` into the domain's columns, with the
same rules the v2 API applies to a Wiki.js 2 client's writes (API-v2.md §5.4-§5.6): the path
rule of ``pages.validation``, the publishing table of ``pages.publishing``, the editor table of
§5.5, ``isPrivate`` kept as ``config.legacyIsPrivate``. What it had to change is returned as
reasons for ``ctx.adjust``; what it cannot import raises ``Unmappable`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wiki.errors import DomainError

from ..models import default_page_config, default_scripts
from ..publishing import LegacyPublishing
from ..rendering import render, slugify_heading
from ..services import LEGACY_IS_PRIVATE
from ..validation import (
    CONTENT_TYPE_BY_EDITOR,
    MAX_TEXT,
    content_type_for,
    normalize_locale,
    normalize_path,
)
from .source import parse_date

# The editor Wiki.js 2 would have used for a content type, for rows that name none (pages
# written before 2.0's editors were recorded).
EDITOR_BY_CONTENT_TYPE = {"markdown": "markdown", "html": "ckeditor", "asciidoc": "asciidoc"}
# Every heading level, to read the anchors of an imported rendering.
ALL_LEVELS = {"min": 1, "max": 6}


class Unmappable(Exception):
    """The row cannot be imported; the message says why, for people."""


@dataclass
class State:
    """The domain's columns for one Wiki.js page state, and what was changed to get them."""

    fields: dict[str, Any]
    adjustments: list[str] = field(default_factory=list)


def map_path(locale_code: Any, raw_path: Any, *, strict: bool) -> tuple[str, str, list[str]]:
    """``(locale, path, adjustments)``. A version keeps a path the rule refuses (lowercased,
    as it was: it is a record), a page (``strict``) cannot."""
    notes: list[str] = []
    try:
        locale = normalize_locale(locale_code or "en")
    except DomainError as error:
        if strict:
            raise Unmappable(f"locale {locale_code!r} is not a locale code here") from error
        locale = str(locale_code or "en").lower()[:10]
    raw = str(raw_path or "")
    try:
        path = normalize_path(raw)
    except DomainError as error:
        if strict:
            raise Unmappable(f"path {raw!r} refused by the path rule: {error.detail}") from error
        return locale, raw.strip().strip("/").lower()[:255], notes
    if path != raw:
        notes.append(f"path {raw!r} stored as {path!r} (paths are lowercase, without edge slashes)")
    return locale, path, notes


def map_editor(editor_key: Any, content_type: Any) -> tuple[str, str, list[str]]:
    """``(editor, content_type, adjustments)`` per API-v2.md §5.5."""
    editor = str(editor_key or "").strip()
    notes: list[str] = []
    if not editor:
        editor = EDITOR_BY_CONTENT_TYPE.get(str(content_type or ""), "markdown")
        notes.append(f"no editor recorded: {editor!r}, from its content type {content_type!r}")
    elif editor not in CONTENT_TYPE_BY_EDITOR:
        notes.append(
            f"editor {editor!r} has no equivalent here: kept, its content is text "
            "(shown with the rendering Wiki.js made; an edit here renders it as plain text)"
        )
    return editor[:64], content_type_for(editor), notes


def map_publishing(row: dict[str, Any]) -> tuple[str, datetime | None, datetime | None, list]:
    notes: list[str] = []
    dates = []
    for column in ("publishStartDate", "publishEndDate"):
        try:
            dates.append(parse_date(row.get(column)))
        except ValueError:
            dates.append(None)
            notes.append(f"{column} {row.get(column)!r} is not a date: left unset")
    view = LegacyPublishing(bool(row.get("isPublished")), dates[0], dates[1])
    try:
        state, start, end = view.stored()
    except DomainError:
        # A window that closes before it opens: Wiki.js never showed the page.
        state, start, end = LegacyPublishing(False, dates[0], dates[1]).stored()
        notes.append("its publishing window ends before it starts: imported as a draft")
    return state, start, end, notes


def _text(row: dict[str, Any], column: str, notes: list[str], fallback: str = "") -> str:
    value = str(row.get(column) or "").strip() or fallback
    if len(value) > MAX_TEXT:
        notes.append(f"{column} longer than {MAX_TEXT} characters: cut")
        value = value[:MAX_TEXT]
    return value


def scripts_of(extra: Any) -> dict[str, str]:
    """Wiki.js 2.5's ``extra`` (``{js, css}``) as the page's scripts."""
    scripts = default_scripts()
    if isinstance(extra, dict):
        scripts["css"] = str(extra.get("css") or "")
        scripts["jsLoad"] = str(extra.get("js") or "")
    return scripts


def map_state(row: dict[str, Any], *, strict: bool) -> State:
    """The columns a page and a version share (everything but ids, people and dates)."""
    locale, path, notes = map_path(row.get("localeCode"), row.get("path"), strict=strict)
    editor, content_type, editor_notes = map_editor(row.get("editorKey"), row.get("contentType"))
    state, start, end, publishing_notes = map_publishing(row)
    notes += editor_notes + publishing_notes
    title = _text(row, "title", notes, fallback=path.rsplit("/", 1)[-1] or "untitled")
    config = default_page_config()
    if row.get("isPrivate"):
        config[LEGACY_IS_PRIVATE] = True
    fields = {
        "locale": locale,
        "path": path,
        "title": title,
        "description": _text(row, "description", notes),
        "publish_state": state,
        "publish_start_date": start,
        "publish_end_date": end,
        "config": config,
        "content": str(row.get("content") or ""),
        "editor": editor,
        "content_type": content_type,
        "scripts": scripts_of(row.get("extra")),
    }
    return State(fields, notes)


def rendering_of(row: dict[str, Any], content_type: str, toc_depth: dict) -> tuple[str, list, str]:
    """``(render, toc, search text)`` of a page row.

    Wiki.js's own rendering is kept (its renderers, diagrams and the like have no equivalent
    here), sanitised and anchored by this server's renderer, since Wiki.js lets an administrator
    turn its sanitiser off; its TOC is converted, with the anchors the headings now carry. A
    row without a rendering is rendered here. ``Unmappable`` when neither can be shown.
    """
    source_html = str(row.get("render") or "")
    try:
        if not source_html.strip():
            rendered = render(str(row.get("content") or ""), content_type, toc_depth)
            return rendered.html, rendered.toc, rendered.text
        rendered = render(source_html, "html", ALL_LEVELS)
    except DomainError as error:
        raise Unmappable(f"its content cannot be shown here: {error.detail}") from error
    toc = row.get("toc")
    if not isinstance(toc, list):
        return rendered.html, _cut_levels(rendered.toc, toc_depth), rendered.text
    return rendered.html, toc_from_wikijs(toc, _flatten(rendered.toc)), rendered.text


def _flatten(toc: list[dict]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in toc:
        found.append((slugify_heading(entry["label"]), entry["key"]))
        found += _flatten(entry["children"])
    return found


def _cut_levels(toc: list[dict], depth: dict, level: int = 1) -> list[dict]:
    """``toc`` (every level) limited to the page's depth setting, as the renderer builds it."""
    kept: list[dict] = []
    for entry in toc:
        children = _cut_levels(entry["children"], depth, level + 1)
        if depth["min"] <= level <= depth["max"]:
            kept.append({**entry, "children": children})
        else:
            kept += children
    return kept


def toc_from_wikijs(entries: list, headings: list[tuple[str, str]]) -> list[dict]:
    """Wiki.js's TOC (``[{title, anchor, children}]``) as the domain's (``{label, key,
    children}``): the inverse of the v2 layer's ``toc_text``. Each entry takes the anchor of the
    next heading of the rendering with the same text, so that its link lands; Wiki.js's own
    anchor when none matches."""
    cursor = 0

    def convert(items: list) -> list[dict]:
        nonlocal cursor
        converted = []
        for item in items:
            if not isinstance(item, dict):
                continue
            label = str(item.get("title") or "")
            key = str(item.get("anchor") or "").lstrip("#")
            wanted = slugify_heading(label)
            for index in range(cursor, len(headings)):
                if headings[index][0] == wanted:
                    key, cursor = headings[index][1], index + 1
                    break
            children = item.get("children")
            converted.append(
                {
                    "label": label,
                    "key": key,
                    "children": convert(children if isinstance(children, list) else []),
                }
            )
        return converted

    return convert(entries)
