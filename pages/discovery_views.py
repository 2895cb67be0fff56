"""``/robots.txt`` and ``/sitemap.xml``: what search engines are told, from the site's settings.

Both answer for the site of the request's ``Host`` (the site config's ``robots`` and
``sitemap``, API.md §4.7), so each site of a multi-site wiki speaks for itself.

The sitemap lists public pages only: those the Guests group may read, whoever asks (a signed-in
administrator's request lists no more than a crawler's), effectively published, searchable and
without a page password; with their absolute addresses on the request's host and their last
change. It is read in keyset batches and streamed, and past ``SITEMAP_PAGE_SIZE`` pages (the
protocol's own limit: 50,000 addresses a file) ``/sitemap.xml`` becomes a sitemap index of
``/sitemap.xml?page=N`` files, so neither the server's memory nor any one file grows with
the wiki.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from xml.sax.saxutils import escape

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from accounts.authentication import guest_caller

from .browser import Visit, not_found, page_url, visit
from .models import Page, published_q
from .visibility import visible_to

SITEMAP_PAGE_SIZE = 50_000  # the sitemap protocol's limit of addresses in one file
BATCH = 2_000  # rows read from the database at a time while streaming
# Where a crawler has no business: the actions on pages, search results (endless and
# duplicate), the admin, the API, and the signed-in person's own pages. None of these prefixes
# can start a page path (API.md §4.1.1: single characters and a leading "_" are the server's;
# "admin" is a reserved word), so no page is hidden from crawlers by them.
DISALLOWED = ("/e/", "/h/", "/s/", "/d/", "/_search", "/admin/", "/_graphql", "/_profile")
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
XMLNS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _page_size() -> int:
    """Addresses per sitemap file (a setting only so that tests can make it small)."""
    return max(1, int(getattr(settings, "SITEMAP_PAGE_SIZE", SITEMAP_PAGE_SIZE)))


def _robots(site) -> dict:
    robots = site.config.get("robots")
    return robots if isinstance(robots, dict) else {}


def _sitemap_on(site) -> bool:
    return bool(site.config.get("sitemap", True))


def _origin(request: HttpRequest) -> str:
    """``https://host`` of this request (its host checked by ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/").rstrip("/")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawl everything but the actions; or nothing, when the site says not to index."""
    current = visit(request)
    lines = ["User-agent: *"]
    if _robots(current.site).get("index", True):
        lines += [f"Disallow: {prefix}" for prefix in DISALLOWED]
        if _sitemap_on(current.site):
            lines += ["", f"Sitemap: {_origin(request)}/sitemap.xml"]
    else:
        # robots.txt says nothing of following links; "index: false" is a site kept out of
        # search engines, so crawlers are kept out altogether (and no sitemap is offered).
        lines.append("Disallow: /")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def public_pages(visit: Visit) -> QuerySet[Page]:
    """The site's pages anyone may read without signing in, in address order."""
    # The guest, not the visit's caller: the sitemap is the same for whoever fetches it.
    readable = visible_to(guest_caller(), Page.objects.filter(site=visit.site))
    # visible_to lets a guest with write:pages see drafts: a sitemap never lists them.
    return readable.filter(
        published_q(), Q(password__isnull=True) | Q(password=""), is_searchable=True
    ).order_by("locale", "path")


@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """The public pages' addresses; a sitemap index when they are too many for one file."""
    current = visit(request)
    if not _sitemap_on(current.site):
        return not_found(current)
    pages = public_pages(current)
    size = _page_size()
    raw_number = request.GET.get("page")
    if raw_number is None:
        files = math.ceil(pages.count() / size)
        if files > 1:
            return _xml_response(_index(_origin(request), files))
        return _xml_response(_urlset(current, pages, _origin(request), 0, size))
    # ASCII digits: str.isdigit also accepts "²", which int() refuses.
    if not (raw_number.isascii() and raw_number.isdigit() and len(raw_number) <= 6):
        return not_found(current)
    number = int(raw_number)
    files = math.ceil(pages.count() / size)
    if not 1 <= number <= files:
        return not_found(current)
    return _xml_response(_urlset(current, pages, _origin(request), (number - 1) * size, size))


def _xml_response(chunks: Iterator[str]) -> StreamingHttpResponse:
    return StreamingHttpResponse(chunks, content_type="application/xml; charset=utf-8")


def _index(origin: str, files: int) -> Iterator[str]:
    yield XML_HEAD + f"<sitemapindex {XMLNS}>\n"
    for number in range(1, files + 1):
        loc = escape(f"{origin}/sitemap.xml?page={number}")
        yield f"  <sitemap><loc>{loc}</loc></sitemap>\n"
    yield "</sitemapindex>\n"


def _urlset(visit: Visit, pages: QuerySet[Page], origin: str, start: int, count: int):
    yield XML_HEAD + f"<urlset {XMLNS}>\n"
    for locale, path, updated_at in _rows(pages, start, count):
        loc = escape(origin + page_url(visit.site, locale, path))
        lastmod = updated_at.replace(microsecond=0).isoformat()
        yield f"  <url><loc>{loc}</loc><lastmod>{lastmod}</lastmod></url>\n"
    yield "</urlset>\n"


def _rows(pages: QuerySet[Page], start: int, count: int):
    """``count`` rows from ``start``: one OFFSET to get there, then keyset batches on the
    (site, locale, path) unique index, so no batch rescans the rows before it."""
    columns = ("locale", "path", "updated_at")
    batch = list(pages.values_list(*columns)[start : start + min(BATCH, count)])
    left = count
    while batch:
        yield from batch
        left -= len(batch)
        if left <= 0 or len(batch) < BATCH:
            return
        locale, path, _ = batch[-1]
        after = Q(locale__gt=locale) | Q(locale=locale, path__gt=path)
        batch = list(pages.filter(after).values_list(*columns)[: min(BATCH, left)])
