"""The site's static menu in the page view's sidebar (API-v2.md §3.7, ``navigation``).

The site's navigation mode decides what the sidebar shows: the folder tree (``TREE``), the
static menu of the page's locale (``STATIC``), both (``MIXED``) or nothing (``NONE``). Menu
items come from Wiki.js 2 clients, so they are untrusted: a link leads only to an address on
this site (``/...``) or to an http(s) URL, anything else is shown as text, and every label and
address goes through ``escape``.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.navigation import visible_menu_items
from wiki.navigation import MenuItem, Navigation

from .browser import Visit, page_url
from .lookup import HOME

LINK = "link"
HEADER = "header"
DIVIDER = "divider"
NEW_WINDOW = "externalblank"


def safe_href(target: str | None) -> str | None:
    """``target`` when it is a site-relative address or an http(s) URL, else None.

    ``//host`` and ``/\\host`` are other sites to a browser; whitespace and control characters
    are refused rather than guessed at (a browser strips some of them from a scheme).
    """
    text = (target or "").strip()
    if not text or any(ord(char) < 33 or ord(char) == 127 for char in text) or "\\" in text:
        return None
    if text.startswith("/"):
        return None if text.startswith("//") else text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return text
    return None


def item_href(visit: Visit, locale: str, item: MenuItem) -> str | None:
    """Where a link item leads, by Wiki.js 2's target types; None when nowhere safe."""
    target = (item.target or "").strip()
    kind = (item.target_type or "").lower()
    if kind == "home":
        return page_url(visit.site, locale, HOME)
    if kind == "search":
        return "/_search?" + urlencode({"q": target}) if target else "/_search"
    if kind == "tag":
        return f"/t/{quote(target, safe='')}" if target else None
    return safe_href(target)


def menu_items(visit: Visit, navigation: Navigation, locale: str) -> list[MenuItem]:
    """The items of the locale's menu the visitor sees (``visibilityGroups``)."""
    return visible_menu_items(navigation, locale, visit.caller.user)


def menu_html(visit: Visit, locale: str, items: list[MenuItem]) -> SafeString:
    """The lines of ``#site-menu``: links, headers and dividers; other kinds are left out."""
    lines = []
    for item in items:
        kind = item.kind.lower()
        label = escape(item.label or "")
        if kind == HEADER:
            lines.append(f'<li><span class="menu-header">{label}</span></li>')
        elif kind == DIVIDER:
            lines.append('<li class="menu-divider"><hr></li>')
        elif kind == LINK:
            href = item_href(visit, locale, item)
            if href is None:
                lines.append(f"<li><span>{label}</span></li>")
                continue
            extra = ""
            if (item.target_type or "").lower() == NEW_WINDOW:
                extra = ' target="_blank" rel="noopener noreferrer"'
            text = label or escape(href)
            lines.append(f'<li><a href="{escape(href)}"{extra}>{text}</a></li>')
    return mark_safe("".join(lines))  # noqa: S308 - every value above went through escape()
