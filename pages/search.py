"""``searchPages`` (API.md §4.1.2): full-text search over the pages a caller may read.

On PostgreSQL the pages table carries a ``search_vector`` column that a trigger keeps current
on every insert and on every update of the title, description, search text, locale or
password (migration ``0004_page_search``), so every write path (services, admin, import,
bench seeding with COPY) updates the index in its own transaction without knowing about it.
The vector weighs the title (A) over the description (B) over the rendered text (C), each
parsed with the text search configuration of the page's locale (``wiki_search_config``);
queries use ``websearch_to_tsquery`` with the configuration of ``queryLocale``.

Elsewhere (SQLite) a simpler fallback answers with the same API: case-insensitive substring
match of every query term over title, description and text, and a simple score.

Both filter by permission in SQL (``visible_to``) before offset and limit, and both build
the highlight the same safe way: everything escaped, only the ``<b>``/``</b>`` added here
are markup.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL

from accounts.permissions import Caller
from wiki.errors import DomainError, ErrorKey

from . import validation as v
from .lookup import find_site
from .models import DEFAULT_ICON, Page, PublishState, published_q
from .visibility import visible_to

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
SORTS = ("relevancy", "title", "updatedAt")
# Bounds on what one search may ask for: every word is three more text conditions and every
# tag one more join, so an unbounded query made a statement PostgreSQL could not even plan
# (20,000 words overflowed its stack). Far above what a person or a script searches for.
MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 20
MAX_FILTER_TAGS = 20
MAX_FILTER_LOCALES = 50

# Locale (its language part) → PostgreSQL text search configuration; anything else 'simple'.
# The migration builds ``wiki_search_config()`` from this map (only configurations the
# server has).
LOCALE_CONFIGS = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nb": "norwegian",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}

# ts_headline marks matches with these private-use characters (removed from the text first),
# so that the excerpt can be escaped as a whole and only then given its <b> tags.
START, STOP = "\ue000", "\ue001"
HEADLINE_OPTIONS = (
    f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)
FALLBACK_EXCERPT = 200  # characters around the first match (SQLite)


@dataclass(frozen=True)
class SearchHit:
    id: uuid.UUID
    title: str
    description: str
    icon: str
    locale: str
    path: str
    tags: list[str]
    updated_at: datetime
    relevancy: float | None
    highlight: str | None
    legacy_id: int | None = None  # API-v2.md §1.6


@dataclass(frozen=True)
class SearchResults:
    results: list[SearchHit]
    total_hits: int


def search_pages(
    caller: Caller | None,
    site_id: uuid.UUID,
    query: str,
    *,
    query_locale: str | None = None,
    path: str | None = None,
    locales: Sequence[str | None] | None = None,
    tags: Sequence[str | None] | None = None,
    editor: str | None = None,
    publish_state: str | None = None,
    order_by: str = "relevancy",
    direction: str = "desc",
    offset: int | None = None,
    limit: int | None = None,
) -> SearchResults:
    """Checks in the contract's order (site, offset, limit), then one query for the page."""
    site = find_site(site_id)
    offset = 0 if offset is None else offset
    limit = DEFAULT_LIMIT if limit is None else limit
    if offset < 0:
        raise DomainError(ErrorKey.INVALID_INPUT, "offset must not be negative")
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError(ErrorKey.INVALID_INPUT, f"limit must be within 1-{MAX_LIMIT}")
    if order_by not in SORTS:
        raise DomainError(ErrorKey.INVALID_INPUT, "unknown orderBy")
    text = (query or "").strip()
    _check_bounds(text, locales, tags)
    query_locale = (query_locale or "").strip().lower() or site.primary_locale.lower()

    candidates = _candidates(caller, site.pk, path, locales, tags, editor, publish_state)
    search = _PostgresSearch if connection.vendor == "postgresql" else _FallbackSearch
    engine = search(text, query_locale)
    matching = engine.filter(candidates)
    if not text and order_by == "relevancy":
        order_by = "title"
    column = {"relevancy": "relevancy", "title": "title", "updatedAt": "updated_at"}[order_by]
    descending = direction.lower() != "asc"
    ordering = F(column).desc() if descending else F(column).asc()
    tie = F("id").desc() if descending else F("id").asc()
    rows = list(
        engine.annotate(matching)
        .annotate(total_hits=Window(Count("id")))
        .order_by(ordering, tie)
        .values_list(*engine.columns)[offset : offset + limit]
    )
    if rows:
        total = rows[0][engine.columns.index("total_hits")]
    else:
        # Past the last page (or nothing found): the window had no row to report on.
        total = matching.count() if offset else 0
    return SearchResults(
        [engine.hit(dict(zip(engine.columns, row, strict=True))) for row in rows], total
    )


def _candidates(caller, site_id, path, locales, tags, editor, publish_state) -> QuerySet[Page]:
    """Searchable pages (isSearchable, effectively published) the caller may read."""
    pages = visible_to(caller) if caller is not None else Page.objects.all()
    pages = pages.filter(published_q(), site_id=site_id, is_searchable=True)
    prefix = (path or "").strip().lstrip("/").lower()
    if prefix:
        pages = pages.filter(path__startswith=prefix)
    wanted_locales = [loc.strip().lower() for loc in locales or () if loc and loc.strip()]
    if wanted_locales:
        pages = pages.filter(locale__in=wanted_locales)
    # Normalised like page tags; a tag no page can carry matches nothing.
    for tag in dict.fromkeys(t for t in (v.normalize_tag(x or "") for x in tags or ()) if t):
        pages = pages.filter(tag_links__tag__tag=tag)
    if editor is not None:
        pages = pages.filter(editor=editor)
    if publish_state is not None:
        pages = pages.filter(publish_state=PublishState(publish_state).value)
    return pages


RESULT_COLUMNS = (
    "id",
    "title",
    "description",
    "icon",
    "locale",
    "path",
    "tags",
    "updated_at",
    "legacy_id",
)


class _PostgresSearch:
    columns = (*RESULT_COLUMNS, "relevancy", "headline", "total_hits")

    def __init__(self, text: str, query_locale: str) -> None:
        self.text = text
        self.tsquery = ("websearch_to_tsquery(wiki_search_config(%s), %s)", [query_locale, text])

    def filter(self, pages: QuerySet[Page]) -> QuerySet[Page]:
        if not self.text:
            return pages
        sql, params = self.tsquery
        # Constant SQL around parameters: the query text and locale are never interpolated.
        matches = RawSQL(f'"pages_page"."search_vector" @@ {sql}', params, BooleanField())  # noqa: S611
        return pages.filter(matches)

    def annotate(self, pages: QuerySet[Page]) -> QuerySet[Page]:
        if not self.text:
            return pages.annotate(
                relevancy=Value(None, FloatField()), headline=Value(None, TextField())
            )
        sql, params = self.tsquery
        # Password-protected pages are matched on title and description only (their vector
        # holds no text), and their text must not leak through the excerpt either. A subquery
        # by id, so that PostgreSQL runs it for the rows kept only, after sorting rows that do
        # not carry the text (otherwise every matching text went through the sort).
        headline = (
            "(SELECT ts_headline(wiki_search_config(h.locale), CASE WHEN"  # noqa: S608 - constant
            " COALESCE(h.password, '') = '' THEN translate(h.search_content, %s, '')"
            f" ELSE '' END, {sql}, %s) FROM pages_page AS h"
            ' WHERE h.id = "pages_page"."id")'
        )
        return pages.annotate(
            relevancy=RawSQL(  # noqa: S611 - constant SQL, values as parameters
                f'ts_rank("pages_page"."search_vector", {sql})', params, FloatField()
            ),
            headline=RawSQL(  # noqa: S611 - constant SQL, values as parameters
                headline, [START + STOP, *params, HEADLINE_OPTIONS], TextField()
            ),
        )

    def hit(self, row: dict) -> SearchHit:
        return _hit(row, safe_headline(row["headline"]))


def safe_headline(headline: str | None) -> str | None:
    """ts_headline's excerpt as safe HTML: escaped, then the match marks made ``<b>``."""
    if not headline or START not in headline:
        return None
    escaped = html.escape(" ".join(headline.split()), quote=False)
    return escaped.replace(START, "<b>").replace(STOP, "</b>")


def _hit(row: dict, highlight: str | None) -> SearchHit:
    relevancy = row["relevancy"]
    return SearchHit(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        icon=row["icon"] or DEFAULT_ICON,
        locale=row["locale"],
        path=row["path"],
        tags=list(row["tags"] or ()),
        updated_at=row["updated_at"],
        relevancy=None if relevancy is None else max(float(relevancy), 0.0),
        highlight=highlight,
        legacy_id=row["legacy_id"],
    )


# --- Fallback (SQLite) ------------------------------------------------------------------------
_TERM = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


def _check_bounds(text: str, locales, tags) -> None:
    """``ERR_INVALID_INPUT`` for a search larger than any real one (``MAX_*`` above)."""
    if len(text) > MAX_QUERY_CHARS:
        raise DomainError(ErrorKey.INVALID_INPUT, f"query longer than {MAX_QUERY_CHARS} characters")
    wanted, excluded = parse_terms(text)
    if len(wanted) + len(excluded) > MAX_QUERY_TERMS:
        raise DomainError(ErrorKey.INVALID_INPUT, f"query has more than {MAX_QUERY_TERMS} terms")
    if len(tags or ()) > MAX_FILTER_TAGS:
        raise DomainError(ErrorKey.INVALID_INPUT, f"more than {MAX_FILTER_TAGS} tags")
    if len(locales or ()) > MAX_FILTER_LOCALES:
        raise DomainError(ErrorKey.INVALID_INPUT, f"more than {MAX_FILTER_LOCALES} locales")


_EDGE = re.compile(r"^\W+|\W+$")


def parse_terms(text: str) -> tuple[list[str], list[str]]:
    """The websearch syntax, simplified: ``"phrases"``, ``-excluded`` words, the rest ANDed."""
    wanted, excluded = [], []
    for match in _TERM.finditer(text):
        negated, term = (match[1], match[2]) if match[2] is not None else (match[3], match[4])
        term = " ".join(_EDGE.sub("", term).split()).lower()
        if not term or (term == "or" and match[2] is None):
            continue
        (excluded if negated else wanted).append(term)
    return list(dict.fromkeys(wanted)), list(dict.fromkeys(excluded))


class _FallbackSearch:
    columns = (*RESULT_COLUMNS, "relevancy", "search_content", "password", "total_hits")
    # Weights of a term found in the title, the description and the text.
    WEIGHTS = (("title", 4.0), ("description", 2.0), ("search_content", 1.0))

    def __init__(self, text: str, query_locale: str) -> None:
        self.text = text
        self.wanted, self.excluded = parse_terms(text)

    @staticmethod
    def _in(column: str, term: str) -> Q:
        found = Q(**{f"{column}__icontains": term})
        if column == "search_content":  # a page password keeps the text out of search
            found &= Q(password__isnull=True) | Q(password="")
        return found

    def _found(self, term: str) -> Q:
        return (
            self._in("title", term)
            | self._in("description", term)
            | self._in("search_content", term)
        )

    def filter(self, pages: QuerySet[Page]) -> QuerySet[Page]:
        if not self.text:
            return pages
        if not self.wanted and not self.excluded:
            return pages.none()  # only punctuation: nothing to match, as websearch finds none
        for term in self.wanted:
            pages = pages.filter(self._found(term))
        for term in self.excluded:
            pages = pages.exclude(self._found(term))
        return pages

    def annotate(self, pages: QuerySet[Page]) -> QuerySet[Page]:
        if not self.text or not self.wanted:
            relevancy = Value(None if not self.text else 0.0, FloatField())
            return pages.annotate(relevancy=relevancy)
        total = sum(weight for _, weight in self.WEIGHTS) * len(self.wanted)
        score = Value(0.0, FloatField())
        for term in self.wanted:
            for column, weight in self.WEIGHTS:
                score = score + Case(
                    When(self._in(column, term), then=Value(weight)),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
        return pages.annotate(relevancy=score / Value(total))

    def hit(self, row: dict) -> SearchHit:
        text = "" if row["password"] else row["search_content"] or ""
        return _hit(row, excerpt(text, self.wanted) if self.text else None)


def excerpt(text: str, terms: Sequence[str]) -> str | None:
    """About ``FALLBACK_EXCERPT`` characters around the first match, terms in ``<b>``."""
    if not terms:
        return None
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    # As on PostgreSQL, where these mark the matches: the text never shows them.
    text = " ".join(text.replace(START, " ").replace(STOP, " ").split())
    first = pattern.search(text)
    if first is None:
        return None
    start = max(0, first.start() - FALLBACK_EXCERPT // 4)
    end = min(len(text), start + FALLBACK_EXCERPT)
    window = text[start:end]
    parts, position = [], 0
    for match in pattern.finditer(window):
        parts.append(html.escape(window[position : match.start()], quote=False))
        parts.append(f"<b>{html.escape(match.group(), quote=False)}</b>")
        position = match.end()
    parts.append(html.escape(window[position:], quote=False))
    return ("… " if start else "") + "".join(parts) + (" …" if end < len(text) else "")


def search_with_substrings(
    caller: Caller | None,
    site_id: uuid.UUID,
    query: str,
    *,
    path: str | None = None,
    locale: str | None = None,
    limit: int = MAX_LIMIT,
) -> list[SearchHit]:
    """The shared search, then pages whose title, description or path contains ``query``.

    Wiki.js 2's built-in search matches substrings (API-v2.md §3.1 ``pages.search``); the
    full-text hits come first, by relevancy, then the pages only a substring finds, by title.
    Same candidates as ``search_pages`` (searchable, published, readable); at most ``limit``
    (≤ 100) in all, in two queries.
    """
    text = (query or "").strip()
    locales = [locale] if locale and locale.strip() else None
    found = search_pages(caller, site_id, text, path=path, locales=locales, limit=limit).results
    if not text or len(found) >= limit:
        return found
    known = [hit.id for hit in found]
    extra = (
        _candidates(caller, site_id, path, locales, None, None, None)
        .filter(Q(title__icontains=text) | Q(description__icontains=text) | Q(path__icontains=text))
        .exclude(pk__in=known)
        .order_by("title", "id")
        .values(*RESULT_COLUMNS)[: limit - len(found)]
    )
    return found + [_hit({**row, "relevancy": None}, None) for row in extra]
