"""Page input rules (API.md §4.1.1). Each function returns the clean value or raises."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from wiki.errors import DomainError, ErrorKey

from .models import DEFAULT_ICON, PublishState

LOCALE_CODE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")
PATH_SEGMENT = re.compile(r"^[a-z0-9_-]+$")  # one segment of a page or parent-folder path
_ALIAS = re.compile(r"^[A-Za-z0-9_-]+$")
_TAG = re.compile(r"^[a-z0-9\-\u3400-\u4dbf\u4e00-\u9fff]+$")
MAX_TEXT = 255
MAX_PATH = 255
MAX_RELATION_TARGET = 1024
RELATION_POSITIONS = ("left", "center", "right")
# Known editors and the content type each produces; any other editor stores text. ``ckeditor``
# (Wiki.js 2's visual editor) and ``code`` (its raw HTML editor) write HTML: without them, HTML
# written by Wiki.js 2 tools would be shown as escaped text (API-v2.md §5.5).
CONTENT_TYPE_BY_EDITOR = {
    "markdown": "markdown",
    "asciidoc": "html",
    "wysiwyg": "html",
    "ckeditor": "html",
    "code": "html",
}


# First path segments that the server's own routes use (§4.1.1, the list Wiki.js 2 reserves plus
# this server's admin and probes). A page there would be hidden by a route, so the path rule
# refuses them; the browser URL configuration imports this one list rather than repeating it.
# Single characters (``/e/``, ``/h/``, ``/s/``, ``/d/``, ``/i/``, ``/t/`` ...) are reserved by
# length instead, and addresses starting with ``_`` or ``.`` (``/_graphql``, ``/.well-known``) by
# the character rules, so neither needs listing.
RESERVED_PATH_WORDS = frozenset(
    {
        "login",
        "logout",
        "register",
        "verify",
        "login-reset",
        "admin",
        "graphql",
        "healthz",
        "readyz",
        "static",
        "favicons",
        "fonts",
        "img",
        "js",
        "svg",
    }
)
MIN_FIRST_SEGMENT = 2


def reserved_first_segment(segment: str) -> str | None:
    """Why a lowercase first segment cannot start a page path, or None when it can."""
    if len(segment) < MIN_FIRST_SEGMENT:
        return "single characters are kept for the server's routes"
    if segment.startswith("_"):
        return "a leading underscore is kept for the server's routes"
    if LOCALE_CODE.fullmatch(segment):
        return "it would be read as a locale code"
    if segment in RESERVED_PATH_WORDS:
        return "a route of the server uses it"
    return None


def normalize_path(raw: str | None) -> str:
    """Trim, strip leading/trailing slashes, lowercase; ERR_INVALID_PATH when not valid."""
    path = (raw or "").strip().strip("/").lower()
    if not path or len(path) > MAX_PATH:
        raise DomainError(ErrorKey.INVALID_PATH, "empty or too long")
    segments = path.split("/")
    # fullmatch: with match, "$" would also accept a segment ending in a newline.
    if not all(PATH_SEGMENT.fullmatch(segment) for segment in segments):
        raise DomainError(ErrorKey.INVALID_PATH, f"bad segment in {path!r}")
    reason = reserved_first_segment(segments[0])
    if reason:
        raise DomainError(
            ErrorKey.INVALID_PATH, f"reserved first segment {segments[0]!r}: {reason}"
        )
    return path


def normalize_locale(raw: str | None) -> str:
    locale = (raw or "").strip().lower()
    if not LOCALE_CODE.fullmatch(locale):
        raise DomainError(ErrorKey.INVALID_INPUT, f"bad locale {raw!r}")
    return locale


def clean_alias(raw: str | None) -> str | None:
    """Trimmed; empty means no alias. Uniqueness is checked by the service."""
    alias = (raw or "").strip()
    if not alias:
        return None
    if len(alias) > MAX_TEXT:
        raise DomainError(ErrorKey.PAGE_ALIAS_TOO_LONG)
    if not _ALIAS.fullmatch(alias):
        raise DomainError(ErrorKey.PAGE_INVALID_ALIAS)
    return alias


def clean_title(raw: str | None) -> str:
    title = (raw or "").strip()
    if not title:
        raise DomainError(ErrorKey.PAGE_TITLE_MISSING)
    if len(title) > MAX_TEXT:
        raise DomainError(ErrorKey.INVALID_INPUT, "title longer than 255")
    return title


def clean_short_text(raw: str | None, what: str) -> str:
    value = (raw or "").strip()
    if len(value) > MAX_TEXT:
        raise DomainError(ErrorKey.INVALID_INPUT, f"{what} longer than 255")
    return value


def clean_icon(raw: str | None) -> str:
    return clean_short_text(raw, "icon") or DEFAULT_ICON


# The ``check`` of a blank-content refusal (Wiki.js 2 names it PageEmptyContent).
CONTENT_CHECK = "content"


def check_content(content: str | None) -> str:
    if content is None or not content.strip():
        raise DomainError(ErrorKey.INVALID_INPUT, "content is blank", check=CONTENT_CHECK)
    return content


def check_schedule(
    state: str, start: datetime | None, end: datetime | None
) -> tuple[datetime | None, datetime | None]:
    if state == PublishState.SCHEDULED:
        if start is None or end is None:
            raise DomainError(ErrorKey.PAGE_MISSING_SCHEDULED_DATES)
        if end <= start:
            raise DomainError(ErrorKey.INVALID_INPUT, "publishEndDate must follow publishStartDate")
    return start, end


def clean_toc_depth(raw: dict[str, Any] | None) -> dict[str, int] | None:
    if raw is None:
        return None
    low, high = raw.get("min"), raw.get("max")
    if not all(isinstance(v, int) and 1 <= v <= 6 for v in (low, high)) or low > high:
        raise DomainError(ErrorKey.PAGE_INVALID_TOC_DEPTH)
    return {"min": low, "max": high}


def clean_relations(raw: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    relations = []
    for item in raw or ():
        label = (item.get("label") or "").strip()
        if not label:
            raise DomainError(ErrorKey.PAGE_RELATION_LABEL_MISSING)
        if len(label) > MAX_TEXT:
            raise DomainError(ErrorKey.PAGE_RELATION_LABEL_TOOLONG)
        icon = (item.get("icon") or "").strip()
        if len(icon) > MAX_TEXT:
            raise DomainError(ErrorKey.PAGE_RELATION_ICON_INVALID)
        target = (item.get("target") or "").strip()
        if not target or len(target) > MAX_RELATION_TARGET:
            raise DomainError(ErrorKey.PAGE_RELATION_TARGET_INVALID)
        position = str(item.get("position") or "")
        if position not in RELATION_POSITIONS:
            raise DomainError(ErrorKey.INVALID_INPUT, f"bad relation position {position!r}")
        relations.append(
            {
                "id": str(uuid.UUID(str(item.get("id")))),
                "position": position,
                "label": label,
                "caption": (item.get("caption") or "").strip(),
                "icon": icon,
                "target": target,
            }
        )
    return relations


def normalize_tag(raw: str) -> str:
    return raw.strip().lower().replace("#", "")


def clean_tags(raw: list[str | None] | None) -> list[str]:
    """Trim, lowercase, drop ``#`` and empties, de-duplicate keeping the first occurrence."""
    tags: dict[str, None] = {}  # ordered, and a linear-time membership test
    for entry in raw or ():
        tag = normalize_tag(entry or "")
        if not tag or tag in tags:
            continue
        if not _TAG.fullmatch(tag) or len(tag) > MAX_TEXT:
            raise DomainError(ErrorKey.INVALID_INPUT, f"bad tag {tag!r}")
        tags[tag] = None
    return list(tags)


def content_type_for(editor: str) -> str:
    return CONTENT_TYPE_BY_EDITOR.get(editor, "text")


def clean_editor(raw: str | None) -> str:
    editor = (raw or "").strip()
    if not editor or len(editor) > 64:
        raise DomainError(ErrorKey.INVALID_INPUT, "editor must be 1-64 characters")
    return editor
