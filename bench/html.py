"""Page views as HTML: the floor's minimal page, and the check that a page view holds its rows.

For a GraphQL read the harness compares ``data`` with the floor's; for a page view it compares
what a browser gets: the page view's ``#page-content`` must hold the floor's render verbatim
(the stored, sanitised HTML, not rendered again) and its ``#page-title`` the floor's title.
Django-free, like the floor that uses it.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

# Elements that never have an end tag: they do not nest.
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def floor_page(title: str, render: str) -> bytes:
    """The least HTML a page view can answer: its title and the stored render, as is."""
    heading = escape(title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{heading}</title></head>\n<body><main>"
        f'<h1 id="page-title">{heading}</h1>\n<div id="page-content">{render}</div>'
        "</main></body></html>\n"
    ).encode()


class _Finder(HTMLParser):
    """Offsets of the content of the element whose id is ``element_id``."""

    def __init__(self, element_id: str) -> None:
        super().__init__(convert_charrefs=False)
        self.element_id = element_id
        self.tag: str | None = None
        self.depth = 0
        self.start: tuple[int, int] | None = None  # (line, column) after the start tag
        self.end: tuple[int, int] | None = None  # (line, column) of the end tag

    def handle_starttag(self, tag, attrs):
        if self.end is not None:
            return
        if self.tag is None:
            if dict(attrs).get("id") == self.element_id and tag not in _VOID:
                self.tag, self.depth = tag, 1
                line, column = self.getpos()
                self.start = (line, column + len(self.get_starttag_text() or ""))
        elif tag == self.tag:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.tag is not None and self.end is None and tag == self.tag:
            self.depth -= 1
            if self.depth == 0:
                self.end = self.getpos()


def inner_html(document: str, element_id: str) -> str | None:
    """The markup inside the element with this id, as written; None when there is none."""
    finder = _Finder(element_id)
    finder.feed(document)
    finder.close()
    if finder.start is None or finder.end is None:
        return None
    # The parser counts lines at "\n" only (not at every character splitlines() breaks at).
    line_starts = [0]
    found = document.find("\n")
    while found != -1:
        line_starts.append(found + 1)
        found = document.find("\n", found + 1)

    def offset(position: tuple[int, int]) -> int:
        return line_starts[position[0] - 1] + position[1]

    return document[offset(finder.start) : offset(finder.end)]


def page_view_problems(page: str, floor: str) -> list[str]:
    """Why ``page`` (a page view) does not hold the rows of ``floor`` (the floor's page)."""
    render = inner_html(floor, "page-content")
    title = inner_html(floor, "page-title")
    if render is None or title is None:
        return ["the floor's page has no #page-content or #page-title"]
    problems = []
    content = inner_html(page, "page-content")
    if content is None:
        problems.append("no #page-content element")
    elif render not in content:
        problems.append("#page-content does not hold the stored render verbatim")
    heading = inner_html(page, "page-title")
    if heading is None:
        problems.append("no #page-title element")
    elif title not in heading:
        problems.append(f"#page-title does not hold the title {title!r}")
    return problems
