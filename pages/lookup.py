"""Finding pages by where they live: ``pageByPath``, ``pathFromAlias`` and ``tags`` (API.md §4.1.2)."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, F, Q

from accounts import scopes
from accounts.permissions import AccessPolicy, Caller, PageContext, RuleMatch
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site
from wiki.prepared import PreparedQuery, PreparedRow

from .models import Page, PageTag, Tag
from .services import page_for_reading
from .visibility import visible_to

HOME = "home"
LOCALE_SEGMENT = re.compile(r"^[a-z]{2}(-[a-z]{2})?$", re.IGNORECASE)
# Control characters (C0, DEL, C1) and the characters no path may hold (Wiki.js's list).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f\\"|<>:*?]')
_DOTS = re.compile(r"\.\.+")


@dataclass(frozen=True)
class ParsedPath:
    locale: str | None  # None: the site's primary locale
    path: str


def parse_path(raw: str) -> ParsedPath:
    """The lenient parsing of ``pageByPath`` (API.md §4.1.2): never an error.

    URL-decoded, trimmed, one leading ``/`` removed, unsafe characters removed, ``//`` and
    ``..`` sequences removed (as Wiki.js removes them: ``a//b`` reads ``ab``), empty segments
    dropped; ``home`` when nothing is left. A leading ``_`` segment is dropped when another
    follows; a leading locale-like segment becomes the locale.
    """
    text = unquote(raw or "").strip()
    if text.startswith("/"):
        text = text[1:]
    text = _UNSAFE.sub("", text)
    text = _DOTS.sub("", text.replace("//", ""))
    segments = [segment for segment in text.split("/") if segment.strip()]
    if not segments:
        segments = [HOME]
    if len(segments) >= 2 and segments[0].startswith("_"):
        segments.pop(0)
    locale = None
    if LOCALE_SEGMENT.match(segments[0]):
        locale = segments.pop(0).lower()
        if not segments:
            segments = [HOME]
    return ParsedPath(locale, "/".join(segments).lower())


class _PreparedPageAt:
    """The page at (site, locale, path), its query compiled once per connection and thread.

    ``wiki.prepared.PreparedRow`` does this for rows found by their primary key; this finds
    the stand-ins of three values among the compiled parameters instead of one, and builds
    the instance the same way (the compiler's converters, then ``Model.from_db``).
    """

    _SITE = uuid.UUID("5e471ae1-0000-4000-8000-00000000517e")
    _LOCALE = "\x00locale"  # NUL never reaches a query: no request can send these
    _PATH = "\x00path"

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, site_id: uuid.UUID, locale: str, path: str) -> Page | None:
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled[0] is not connection:
            compiled = self._local.compiled = self._compile(connection)
        _, compiler, sql, params, positions, converters, init_list = compiled
        params = list(params)
        params[positions[0]] = _site_field().get_db_prep_value(site_id, connection)
        params[positions[1]] = locale
        params[positions[2]] = path
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return Page.from_db(DEFAULT_DB_ALIAS, init_list, row[: len(init_list)])

    def _compile(self, connection):
        queryset = Page.objects.filter(site_id=self._SITE, locale=self._LOCALE, path=self._PATH)
        compiler = queryset.order_by()[:1].query.get_compiler(using=DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        site = _site_field().get_db_prep_value(self._SITE, connection)
        positions = []
        for stand_in in (site, self._LOCALE, self._PATH):
            found = [i for i, value in enumerate(params) if value == stand_in]
            if len(found) != 1:
                raise ValueError("each value must appear once in the prepared query")
            positions.append(found[0])
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        init_list = [column[0].target.attname for column in compiler.select]
        return (
            connection,
            compiler,
            sql,
            tuple(params),
            positions,
            compiler.get_converters(fields),
            init_list,
        )


def _site_field():
    return Page._meta.get_field("site").target_field


_PAGE_AT = _PreparedPageAt()


def page_with_editor(
    site_id: uuid.UUID, locale: str, path: str, *, without: tuple[str, ...] = ()
) -> Page | None:
    """The page at (site, locale, path) with ``author_name``, its last editor's name ("" when
    none), leaving out the ``without`` columns: one query, compiled once per connection."""
    pages = _PAGE_WITH_EDITOR.run(
        ("page-with-editor", without),
        lambda site, loc, at: (
            Page.objects.defer(*without)
            .filter(site_id=site, locale=loc, path=at)
            .annotate(author_name=F("author__name"))
            .order_by()[:1]
        ),
        (site_id, locale, path),
    )
    if not pages:
        return None
    page = pages[0]
    page.author_name = page.author_name or ""
    return page


_PAGE_WITH_EDITOR = PreparedQuery(limit=8)


def find_site(site_id: uuid.UUID | str) -> Site:
    site = _SITE.get(site_id)
    if site is None:
        raise DomainError(ErrorKey.INVALID_SITE)
    return site


_SITE = PreparedRow(lambda pk: Site.objects.filter(pk=pk))


def get_page_by_path(
    caller: Caller | None, site_id: uuid.UUID, raw_path: str, *, with_people: bool = True
) -> Page:
    """``pageByPath``: site exists, then the checks of ``pageById`` (``page_for_reading``)."""
    site = find_site(site_id)
    parsed = parse_path(raw_path)
    locale = parsed.locale or site.primary_locale.lower()
    if not with_people:
        return page_for_reading(caller, _PAGE_AT.get(site.pk, locale, parsed.path))
    pages = Page.objects.select_related("author", "creator").filter(
        site_id=site.pk, locale=locale, path=parsed.path
    )
    return page_for_reading(caller, next(iter(pages.order_by()[:1]), None))


def roles_at_path(caller: Caller, site_id: uuid.UUID, raw_path: str) -> list[str]:
    """``userPermissionsAtPath``: the page roles ``canAt`` grants at a location (API.md §4.3.1).

    Any caller may ask. The path is read as ``pageByPath`` reads it; the tags are those of the
    page there, if there is one, and are looked up only when a tag rule could use them.
    """
    site = find_site(site_id)
    parsed = parse_path(raw_path)
    locale = parsed.locale or site.primary_locale.lower()
    tags: tuple[str, ...] = ()
    if _reads_tags(caller.policy):
        stored = (
            Page.objects.filter(site_id=site.pk, locale=locale, path=parsed.path)
            .order_by()
            .values_list("tags", flat=True)
            .first()
        )
        tags = tuple(stored or ())
    return caller.policy.roles_at(PageContext(site.pk, locale, parsed.path, tags))


def _reads_tags(policy: AccessPolicy) -> bool:
    return not policy.is_root and any(
        rule.match in (RuleMatch.TAG, RuleMatch.TAGALL) for rule in policy.rules
    )


@dataclass(frozen=True)
class AliasPath:
    id: uuid.UUID
    path: str


def path_from_alias(caller: Caller | None, site_id: uuid.UUID, alias: str) -> AliasPath:
    """``pathFromAlias``: alias given, site exists, a page has it, the caller may read it."""
    alias = (alias or "").strip()
    if not alias:
        raise DomainError(ErrorKey.PAGE_ALIAS_MISSING)
    site = find_site(site_id)
    row = (
        Page.objects.filter(site_id=site.pk, alias=alias)
        .order_by()
        .values_list("id", "locale", "path", "tags")
        .first()
    )
    if row is None:
        raise DomainError(ErrorKey.PAGE_ALIAS_NOT_FOUND)
    page_id, locale, path, tags = row
    if caller is not None:
        caller.require_at(scopes.READ_PAGES, PageContext(site.pk, locale, path, tuple(tags or ())))
    if site.config.get("localeNamespacing") is True:
        path = f"{locale}/{path}"
    return AliasPath(page_id, path)


@dataclass(frozen=True)
class TagUsage:
    id: uuid.UUID
    tag: str
    usage_count: int
    site_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


def site_tags(site_id: uuid.UUID) -> list[TagUsage]:
    """``tags``: the site's vocabulary by tag, each with the pages carrying it now.

    Counted from the page-tag links rather than read from ``usage_count``, so the figure is
    right whichever write path last changed a page's tags.
    """
    site = find_site(site_id)
    rows = (
        Tag.objects.filter(site_id=site.pk)
        .annotate(pages=Count("page_links__page", filter=Q(page_links__page__site_id=site.pk)))
        .order_by("tag", "id")
        .values_list("id", "tag", "pages", "site_id", "created_at", "updated_at")
    )
    return [TagUsage(*row) for row in rows]


def readable_tags(caller: Caller | None, site_id: uuid.UUID) -> list[Tag]:
    """The site's tags carried by at least one page the caller may read, by tag: one query."""
    carried = _readable_links(caller, site_id)
    return list(Tag.objects.filter(site_id=site_id, pk__in=carried).order_by("tag", "id"))


def search_readable_tags(
    caller: Caller | None, site_id: uuid.UUID, text: str, *, limit: int = 5
) -> list[str]:
    """Tags of readable pages containing ``text`` (trimmed, any case), sorted, at most ``limit``."""
    carried = _readable_links(caller, site_id)
    tags = Tag.objects.filter(site_id=site_id, pk__in=carried)
    wanted = (text or "").strip()
    if wanted:
        tags = tags.filter(tag__icontains=wanted)
    return list(tags.order_by("tag").values_list("tag", flat=True)[:limit])


def _readable_links(caller: Caller | None, site_id: uuid.UUID):
    pages = visible_to(caller) if caller is not None else Page.objects.all()
    pages = pages.filter(site_id=site_id).values("pk")
    return PageTag.objects.filter(page_id__in=pages).values("tag_id")
