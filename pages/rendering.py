"""Turn page source into safe HTML, a table of contents and plain search text (§4.1.1).

Every content type ends in the same sanitiser (nh3, an HTML5 parser with an allow-list), so
Markdown, HTML-editor content and text are held to one rule:

- only the tags of ``ALLOWED_TAGS``, only the attributes of ``ALLOWED_ATTRIBUTES`` (``"*"``: on
  any tag): no script, style, iframe, object, embed, form, SVG or MathML, no event handler
  attribute, no author-chosen ``id`` (headings get theirs from the renderer);
- links and sources (``href``, ``src``, ``cite``) only with a relative address or a scheme of
  nh3's list; ``javascript:``, ``vbscript:`` and ``data:`` never, whatever the case, entities or
  control characters, with one exception: an ``<img src>`` may hold a raster image inline
  (``data:image/png|jpeg|gif|webp``, the list markdown-it's own link check allows), since an image
  cannot run script and the HTML editors paste screenshots that way. ``data:image/svg+xml`` is not
  allowed: opened on its own an SVG document can script.
- ``style`` only on table cells and only ``text-align`` (what Markdown tables produce); a class
  only on ``<code>`` and only ``language-*`` (what fenced code produces), so page content cannot
  borrow the site's own classes or positioning to dress up as its interface.
"""

from __future__ import annotations

import html
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import nh3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from markdown_it import MarkdownIt

from wiki.errors import DomainError, ErrorKey

_markdown = (
    MarkdownIt("commonmark", {"html": True, "linkify": False})
    .enable("table")
    .enable("strikethrough")
)
_HEADING = re.compile(r"<h([1-6])(?: [^>]*)?>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_SPACE = re.compile(r"[\s_-]+")

ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    # nh3's implicit default for every tag, spelled out: Markdown link titles need ``title``.
    "*": {"lang", "title"},
    # Headings get their id from the renderer alone (unique, derived from the label).
    **{tag: set() for tag in _HEADINGS},
    "code": {"class"},
    "th": {*nh3.ALLOWED_ATTRIBUTES["th"], "style"},
    "td": {*nh3.ALLOWED_ATTRIBUTES["td"], "style"},
}
# Scheme-checked by nh3 for href/src; "data" is let through to _filter_attribute, which keeps it
# only for inline raster images.
_URL_SCHEMES = frozenset(nh3.ALLOWED_URL_SCHEMES) | {"data"}
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
_NEVER_SCHEMES = frozenset({"javascript", "vbscript", "data"})
_INLINE_IMAGE = re.compile(r"data:image/(?:gif|png|jpeg|webp)[;,]")
# As the WHATWG URL parser reads an address: leading and trailing C0 controls and spaces
# dropped, tabs and newlines removed anywhere, then a scheme is letters, digits, "+", "-", ".".
_URL_EDGE = "".join(map(chr, range(0x21)))
_URL_INSIDE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_TEXT_ALIGN = re.compile(r"\s*text-align\s*:\s*(left|right|center|justify)\s*;?\s*", re.IGNORECASE)
_CODE_CLASS = re.compile(r"language-[\w+#.-]+")


def _url_allowed(tag: str, attribute: str, value: str) -> bool:
    address = _URL_INSIDE.sub("", value.strip(_URL_EDGE)).lower()
    scheme = _SCHEME.match(address)
    if scheme is None or scheme.group(1) not in _NEVER_SCHEMES:
        return True
    return (tag, attribute) == ("img", "src") and _INLINE_IMAGE.match(address) is not None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """The value rules nh3's allow-list cannot express; None drops the attribute."""
    if attribute in _URL_ATTRIBUTES:
        # nh3 already refused unknown schemes on href/src; this adds cite and the data: rule.
        return value if _url_allowed(tag, attribute, value) else None
    if attribute == "style":
        align = _TEXT_ALIGN.fullmatch(value)
        return f"text-align:{align.group(1).lower()}" if align else None
    if attribute == "class":
        classes = [name for name in value.split() if _CODE_CLASS.fullmatch(name)]
        return " ".join(classes) or None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=set(_URL_SCHEMES),
    link_rel="noopener noreferrer",
)


# How deep HTML may nest before sanitising. nh3's HTML5 parser checks, at each block start tag
# (div, section, blockquote ...), whether a <p> is open, by walking the stack of open elements:
# nested N deep that is O(N^2) (20,000 nested divs, 100 KB, take seconds; 1 MB minutes). No
# page nests anywhere near this deep; Chromium's parser stops nesting at 512 too.
MAX_HTML_NESTING = 512
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
# Elements that never nest in the parser's stack: void ones, and those whose start tag closes
# an open one of their kind (<p><p>, <li><li> ...), so counting them would overstate the depth.
_FLAT_ELEMENTS = frozenset(
    "area base br col embed hr img input link meta source track wbr "
    "p li dt dd option optgroup tr td th thead tbody tfoot rb rp rt rtc caption colgroup".split()
)


def nesting_depth(raw_html: str) -> int:
    """The deepest nesting of elements in ``raw_html``, as the HTML parser will build it.

    Linear: an end tag closes the innermost open element of its name and everything opened
    after it, as the parser does; an end tag with no open element of its name is ignored, as
    the parser ignores it (so ``<div></x>`` repeated still counts as nesting). ``<div/>`` opens
    a div, as in the parser: a closing slash counts only inside SVG and MathML.
    """
    stack: list[str] = []
    open_counts: dict[str, int] = {}
    deepest = 0
    for closing, name, self_closing in _TAG_TOKEN.findall(raw_html):
        name = name.lower()
        if name in _FLAT_ELEMENTS:
            continue
        if self_closing and (open_counts.get("svg") or open_counts.get("math")):
            continue
        if not closing:
            stack.append(name)
            open_counts[name] = open_counts.get(name, 0) + 1
            deepest = max(deepest, len(stack))
        elif open_counts.get(name):
            while stack:
                popped = stack.pop()
                open_counts[popped] -= 1
                if popped == name:
                    break
    return deepest


def sanitize(raw_html: str) -> str:
    """The one sanitiser of rendered page HTML (the rule is in this module's docstring)."""
    return _cleaner.clean(raw_html)


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    text: str = ""


def slugify_heading(text: str) -> str:
    slug = _SLUG_DROP.sub("", text.lower()).strip()
    return _SLUG_SPACE.sub("-", slug).strip("-") or "section"


def _anchor_headings(source_html: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Give every heading a unique id; return the headings as (level, label, key).

    Only for sanitised HTML: the sanitiser's serialiser escapes ``<`` and ``>`` in text and in
    attribute values, so every ``<hN`` left is a real tag and the pattern cannot be steered into
    rewriting an attribute value (tests/pages/test_rendering.py holds it to that).
    """
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


DEFAULT_RENDER_SECONDS = 10.0


def _render_budget() -> float:
    """``PAGE_RENDER_SECONDS``; the default where no Django settings are configured (the
    bench's rendering processes import this module alone)."""
    try:
        return float(settings.PAGE_RENDER_SECONDS)
    except ImproperlyConfigured:
        return DEFAULT_RENDER_SECONDS


class _OutOfTime(Exception):
    """The render's time budget ran out (``_time_budget``)."""


@contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """Raise ``_OutOfTime`` inside the block once ``seconds`` of wall time have passed.

    Markdown parsing is linear, but some inputs cost some 50 µs a character (``![`` repeated,
    ``[a](``, ``a**``): within the 5 MB body limit one save could hold a worker for minutes. A
    timer signal interrupts the parser wherever it is. Signals reach only the main thread, so
    the budget holds where requests run there (gunicorn's sync workers, Celery's prefork
    children, ``manage.py``) and is skipped elsewhere (threaded servers), as it is when some
    other code already runs a timer.
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render(content: str, content_type: str, toc_depth: dict[str, int] | None = None) -> Rendered:
    """Render ``content`` of a content type (``markdown``, ``html``, anything else is text);
    ``ERR_INVALID_INPUT`` for content that takes longer than ``PAGE_RENDER_SECONDS``."""
    budget = _render_budget()
    try:
        with _time_budget(budget):
            anchored, headings = _render_html(content, content_type)
    except _OutOfTime:
        raise DomainError(
            ErrorKey.INVALID_INPUT, f"the content takes longer than {budget:g} s to render"
        ) from None
    depth = toc_depth or {"min": 1, "max": 2}
    return Rendered(
        anchored, build_toc(headings, depth["min"], depth["max"]), search_text(anchored)
    )


def search_text(rendered_html: str) -> str:
    """The words of rendered HTML, as search indexes them (``Page.search_content``)."""
    return " ".join(html.unescape(_TAGS.sub(" ", rendered_html)).split())


def _render_html(content: str, content_type: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The source as sanitised HTML with its headings anchored, and the headings."""
    if content_type == "markdown":
        raw_html = _markdown.render(content)
    elif content_type == "html":
        raw_html = content
    else:
        raw_html = f"<pre>{html.escape(content)}</pre>"
    if nesting_depth(raw_html) > MAX_HTML_NESTING:
        raise DomainError(
            ErrorKey.INVALID_INPUT, f"the content nests HTML more than {MAX_HTML_NESTING} deep"
        )
    # Raw HTML inside markdown passes the parser, so sanitising comes after rendering.
    return _anchor_headings(sanitize(raw_html))
