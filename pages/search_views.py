"""The search page, ``/_search``: ``searchPages`` (API.md §4.1.2) in a browser.

The page calls ``pages.search.search_pages`` with the visit's caller, exactly as the API's
resolver does with the request's caller, so a person finds in a browser exactly the pages the
API would give them: same candidates, same permission filtering in SQL before the page of
results is cut, same order. The filters are the contract's (``path`` prefix, ``locale``,
``tags``, order); results come 25 to a page (the API's default limit).

What the API refuses is refused here with a clear message and HTTP 400, never a 500: NUL
characters (the API's own answer), and bounds the API has no need to state because its
documents are bounded (search text over ``MAX_QUERY_CHARS``, more than ``MAX_VALUES`` tags or
locales, a path filter over a page path's length). The search text is bounded because
PostgreSQL's ``websearch_to_tsquery`` nests one level per word and overflows its stack on
tens of thousands of words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from wiki.errors import DomainError

from . import search
from .browser import MAX_LIST_PAGE, Visit, list_page_number, page_url, render, visit
from .content_policy import with_content_policy
from .search import SearchHit

PAGE_SIZE = search.DEFAULT_LIMIT
MAX_QUERY_CHARS = 255  # the search boxes' maxlength: only a hand-made address sends more
MAX_PATH_CHARS = 255  # a page path is never longer
MAX_VALUES = 10  # tags or locales in one search: each tag is one more join
NUL_MESSAGE = "NUL characters (\\u0000) are not allowed."
# Sort choices of the page: (value, label, direction). Titles read A to Z; the rest best first.
SORTS = (
    ("relevancy", "Best match", "desc"),
    ("title", "Title", "asc"),
    ("updatedAt", "Last updated", "desc"),
)
_DIRECTIONS = {value: direction for value, _label, direction in SORTS}


class SearchRefused(Exception):
    """A search the page will not run; the message is shown to the person."""


@dataclass(frozen=True)
class SearchRequest:
    """What the address asks for, read leniently where nothing can go wrong."""

    query: str = ""
    path: str = ""
    locales: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sort: str = "relevancy"
    page: int = 1

    @property
    def has_filters(self) -> bool:
        return bool(self.path or self.locales or self.tags)

    def params(self, **changes) -> str:
        """This search's address parameters, with ``changes`` (for the pager's links)."""
        values = {
            "q": self.query,
            "path": self.path,
            "locale": list(self.locales),
            "tag": ",".join(self.tags),
            "sort": "" if self.sort == "relevancy" else self.sort,
            "page": self.page if self.page > 1 else "",
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", [], None)}, doseq=True)


def read_request(data: QueryDict) -> SearchRequest:
    """The search ``data`` asks for; ``SearchRefused`` when the API would refuse it."""
    values = [value for key in data for value in data.getlist(key)]
    if any("\x00" in value for value in values):
        raise SearchRefused(NUL_MESSAGE)
    query = data.get("q", "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise SearchRefused(
            f"The search text is too long ({len(query)} characters); "
            f"the limit is {MAX_QUERY_CHARS}."
        )
    words = sum(len(terms) for terms in search.parse_terms(query))
    if words > search.MAX_QUERY_TERMS:
        raise SearchRefused(
            f"The search has too many words ({words}); the limit is {search.MAX_QUERY_TERMS}."
        )
    path = data.get("path", "").strip()
    if len(path) > MAX_PATH_CHARS:
        raise SearchRefused(f"The path filter is too long; the limit is {MAX_PATH_CHARS}.")
    locales = _distinct(data.getlist("locale"))
    # Tags come one per parameter or comma-separated in one (the form's field), like the editor's.
    tags = _distinct(tag for raw in data.getlist("tag") for tag in raw.split(","))
    for name, chosen in (("tags", tags), ("locales", locales)):
        if len(chosen) > MAX_VALUES:
            raise SearchRefused(f"Too many {name} ({len(chosen)}); the limit is {MAX_VALUES}.")
        if any(len(value) > MAX_PATH_CHARS for value in chosen):
            raise SearchRefused(f"One of the {name} is too long.")
    sort = data.get("sort", "")
    return SearchRequest(
        query=query,
        path=path,
        locales=locales,
        tags=tags,
        sort=sort if sort in _DIRECTIONS else "relevancy",
        page=list_page_number(data.get("page")),
    )


def _distinct(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


# --- The highlight: verified before it is marked safe -----------------------------------------
_MARK = re.compile(r"(</?b>)")
# What html.escape leaves of text: no markup, only the entities it writes.
_ESCAPED_TEXT = re.compile(r"(?:[^<>&]|&(?:amp|lt|gt|quot|#x27);)*")


def verified_highlight(highlight: str | None) -> SafeString | str | None:
    """The service's excerpt as HTML, when it is what ``search.safe_headline`` promises:
    escaped text and balanced, unnested ``<b>…</b>`` marks, nothing else.

    Anything else comes back as a plain string, which the template escapes: a bug in the
    service can then spoil an excerpt's looks but never inject markup.
    """
    if not highlight:
        return None
    inside = False
    for position, part in enumerate(_MARK.split(highlight)):
        if position % 2:  # the split keeps the marks at odd positions
            opens = part == "<b>"
            if opens == inside:
                return highlight
            inside = opens
        elif not _ESCAPED_TEXT.fullmatch(part):
            return highlight
    if inside:
        return highlight
    # Safe: just checked to be escaped text with balanced <b></b> marks and nothing else.
    return mark_safe(highlight)  # noqa: S308


# --- The view ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResultRow:
    url: str
    title: str
    description: str
    locale: str
    path: str
    tags: list[tuple[str, str]]  # (tag, its /t/ address)
    updated_at: object
    highlight: SafeString | str | None


@dataclass
class Outcome:
    """What the template shows: nothing searched yet, a refusal, or a page of results."""

    request: SearchRequest = field(default_factory=SearchRequest)
    searched: bool = False
    error: str | None = None
    results: list[ResultRow] = field(default_factory=list)
    total: int = 0


def _row(visit: Visit, hit: SearchHit) -> ResultRow:
    return ResultRow(
        url=page_url(visit.site, hit.locale, hit.path),
        title=hit.title,
        description=hit.description,
        locale=hit.locale,
        path=hit.path,
        tags=[(tag, "/t/" + quote(tag, safe="")) for tag in hit.tags],
        updated_at=hit.updated_at,
        highlight=verified_highlight(hit.highlight),
    )


def _run(visit: Visit, wanted: SearchRequest) -> Outcome:
    # As the API's resolve_search_pages: the caller, the site, the contract's arguments.
    found = search.search_pages(
        visit.caller,
        visit.site.pk,
        wanted.query,
        path=wanted.path or None,
        locales=list(wanted.locales) or None,
        tags=list(wanted.tags) or None,
        order_by=wanted.sort,
        direction=_DIRECTIONS[wanted.sort],
        offset=(wanted.page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    rows = [_row(visit, hit) for hit in found.results]
    return Outcome(request=wanted, searched=True, results=rows, total=found.total_hits)


@with_content_policy
@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    """The form, and the results when there is something to search for."""
    current = visit(request)
    status = 200
    try:
        wanted = read_request(request.GET)
    except SearchRefused as refusal:
        outcome, status = Outcome(error=str(refusal)), 400
    else:
        outcome = Outcome(request=wanted)
        # An empty search would list every page (the API's meaning of an empty query): only
        # when the person asked for it with a filter, not on merely opening the page.
        if wanted.query or wanted.has_filters:
            try:
                outcome = _run(current, wanted)
            except DomainError as error:
                outcome, status = Outcome(request=wanted, error=_refusal_text(error)), 400
    return render(current, "pages/search.html", _context(current, outcome), status=status)


def _refusal_text(error: DomainError) -> str:
    return f"This search cannot be run ({error.key.value})."


def _context(visit: Visit, outcome: Outcome) -> dict:
    wanted = outcome.request
    last_page = max(1, math.ceil(outcome.total / PAGE_SIZE))
    first = (wanted.page - 1) * PAGE_SIZE + 1
    active = (visit.site.config.get("locales") or {}).get("active") or []
    return {
        "page_locale": visit.primary_locale,
        "search_query": wanted.query,
        "wanted": wanted,
        "outcome": outcome,
        "sorts": SORTS,
        "site_locales": [loc for loc in active if isinstance(loc, str)],
        "first": first,
        "last": first + len(outcome.results) - 1,
        "previous_url": (
            "?" + wanted.params(page=_page_param(min(wanted.page - 1, last_page)))
            if outcome.searched and wanted.page > 1
            else None
        ),
        "next_url": (
            "?" + wanted.params(page=wanted.page + 1)
            if outcome.searched and wanted.page < min(last_page, MAX_LIST_PAGE)
            else None
        ),
        "page_count": last_page,
    }


def _page_param(number: int) -> int | str:
    return number if number > 1 else ""
