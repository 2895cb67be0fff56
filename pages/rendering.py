"""Turn page source into safe HTML, a table of contents and plain search text (§4.1.1)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt

_markdown = (
    MarkdownIt("commonmark", {"html": True, "linkify": False})
    .enable("table")
    .enable("strikethrough")
)
_HEADING = re.compile(r"<h([1-6])(?: [^>]*)?>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_SPACE = re.compile(r"[\s_-]+")
_ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "code": {"class"},
    "th": {"align", "style"},
    "td": {"align", "style"},
}


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    text: str = ""


def slugify_heading(text: str) -> str:
    slug = _SLUG_DROP.sub("", text.lower()).strip()
    return _SLUG_SPACE.sub("-", slug).strip("-") or "section"


def _anchor_headings(source_html: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Give every heading a unique id; return the headings as (level, label, key)."""
    used: set[str] = set()
    suffixes: dict[str, int] = {}
    headings: list[tuple[int, str, str]] = []

    def replace(match: re.Match) -> str:
        level, inner = int(match.group(1)), match.group(2)
        label = html.unescape(_TAGS.sub("", inner)).strip()
        base = key = slugify_heading(label)
        # "Steps", "Steps 1", "Steps" must not give two "steps-1" anchors.
        while key in used:
            suffixes[base] = suffixes.get(base, 0) + 1
            key = f"{base}-{suffixes[base]}"
        used.add(key)
        headings.append((level, label, key))
        return f'<h{level} id="{key}">{inner}</h{level}>'

    return _HEADING.sub(replace, source_html), headings


def build_toc(headings: list[tuple[int, str, str]], low: int, high: int) -> list[dict]:
    """Nest headings of levels ``low..high`` into ``{label, key, children}`` trees."""
    roots: list[dict] = []
    stack: list[tuple[int, dict]] = []
    for level, label, key in headings:
        if not low <= level <= high:
            continue
        node = {"label": label, "key": key, "children": []}
        while stack and stack[-1][0] >= level:
            stack.pop()
        (stack[-1][1]["children"] if stack else roots).append(node)
        stack.append((level, node))
    return roots


def render(content: str, content_type: str, toc_depth: dict[str, int] | None = None) -> Rendered:
    if content_type == "markdown":
        raw_html = _markdown.render(content)
    elif content_type == "html":
        raw_html = content
    else:
        raw_html = f"<pre>{html.escape(content)}</pre>"
    # Raw HTML inside markdown passes the parser, so sanitising comes after rendering.
    safe = nh3.clean(raw_html, attributes=_ALLOWED_ATTRIBUTES, link_rel="noopener noreferrer")
    anchored, headings = _anchor_headings(safe)
    depth = toc_depth or {"min": 1, "max": 2}
    text = " ".join(html.unescape(_TAGS.sub(" ", anchored)).split())
    return Rendered(anchored, build_toc(headings, depth["min"], depth["max"]), text)
