"""Reading the wiki in a browser: the home page, a page at its address, ``/i/<id>`` and tags.

Every view decides as the API does, through the same services: a page is found as
``pageByPath`` finds it and checked by ``page_for_reading`` (read:pages, and write:pages for
a page that is not effectively published); lists are ``pages`` (``list_pages``) and ``tree``
(``list_tree``) for the same caller. The page view serves the HTML stored when the page was
saved: nothing is rendered per request. Every answer carries the Content Security Policy
(pages/content_policy.py).
"""

from __future__ import annotations

import hashlib
import uuid

from django.db.models import Count
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_safe

from accounts import scopes
from wiki.errors import DomainError
from wiki.navigation import navigation_of
from wiki.text import uuid_or_none

from . import validation as v
from .browser import (
    Target,
    Visit,
    action_url,
    list_page_number,
    not_found,
    page_url,
    refused,
    render,
    split_target,
    visit,
)
from .content_policy import protect, with_content_policy
from .lookup import HOME, page_with_editor
from .models import Page, PageTag
from .navigation import sidebar_html, surroundings, table_of_contents, toc_html
from .navigation_menu import menu_html, menu_items
from .services import list_pages, page_for_reading
from .view_cache import CSRF_PLACEHOLDER, page_views
from .visibility import visible_to

# Columns the page view never shows: the source (the source view's) and the search text.
UNREAD_COLUMNS = ("content", "search_content", "history_data")
TAG_PAGE_SIZE = 50
MAX_TAGS_LISTED = 2000
# What ``page_for_reading`` looks at, and where the page lives.
READ_CHECK_COLUMNS = (
    "id",
    "site_id",
    "locale",
    "path",
    "tags",
    "publish_state",
    "publish_start_date",
    "publish_end_date",
)
# The largest integer id the database holds (legacy ids are 64-bit).
MAX_LEGACY_ID = 2**63 - 1


# --- Finding the page -------------------------------------------------------------------------
def _page_at(visit: Visit, target: Target) -> Page | None:
    """The page with ``author_name``: one query, compiled once per connection."""
    return page_with_editor(visit.site.pk, target.locale, target.path, without=UNREAD_COLUMNS)


def _readable(visit: Visit, page: Page | None) -> Page | HttpResponse:
    """The page, or the answer ``pageByPath``'s refusal becomes in a browser."""
    try:
        return page_for_reading(visit.caller, page)
    except DomainError as error:
        return refused(visit, error)


# --- The page view ----------------------------------------------------------------------------
@require_safe
@with_content_policy
def home(request: HttpRequest) -> HttpResponse:
    """``/``: the primary locale's ``home`` page, or a welcome page while there is none."""
    here = visit(request)
    kept, ticket = page_views.lookup(here)
    if kept is not None:
        return kept
    target = Target(here.primary_locale, HOME, False)
    page = _page_at(here, target)
    if page is None:
        return _welcome(here)
    return page_views.keep(here, ticket, _show(here, target, page))


@require_safe
@with_content_policy
def page_view(request: HttpRequest, target: str) -> HttpResponse:
    """``/<path>`` and ``/<locale>/<path>``: the page, read as ``pageByPath`` reads it."""
    moved = _with_slash(request, target)
    if moved is not None:
        return moved
    here = visit(request)
    kept, ticket = page_views.lookup(here)
    if kept is not None:
        return kept
    where = split_target(here.site, target)
    return page_views.keep(here, ticket, _show(here, where, _page_at(here, where)))


def _with_slash(request: HttpRequest, target: str) -> HttpResponse | None:
    """``/admin`` and the like: another route answers with a slash (APPEND_SLASH can no longer
    tell, since this view matches every path). No page can live there (API.md §4.1.1)."""
    # A leading slash would make "//host/" of the redirect: another site's address.
    if target.endswith("/") or target.startswith("/"):
        return None
    try:
        match = resolve(f"/{target}/")
    except Resolver404:
        return None
    if match.url_name == "page":
        return None
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{request.path}/" + (f"?{query}" if query else ""))


def _show(here: Visit, target: Target, page: Page | None) -> HttpResponse:
    if page is None:
        return not_found(here, target)
    readable = _readable(here, page)
    if isinstance(readable, HttpResponse):
        return readable
    config = _mapping(page.config)
    scripts = _mapping(page.scripts)
    own_css = str(scripts.get("css") or "")
    own_js = str(scripts.get("jsLoad") or "")
    # The site's navigation mode decides what the sidebar holds (wiki.navigation).
    navigation = navigation_of(here.site)
    show_sidebar = config.get("showSidebar", True) is not False
    crumbs, side = surroundings(here, page, with_sidebar=show_sidebar and navigation.shows_tree)
    menu = (
        menu_items(here, navigation, page.locale) if show_sidebar and navigation.shows_menu else []
    )
    toc = table_of_contents(page)
    context = {
        "page": page,
        "page_locale": page.locale,
        "canonical_url": page_url(here.site, page.locale, page.path),
        "toc": toc,
        "toc_html": toc_html(toc) if toc else "",
        "tags": _tags_shown(page, config),
        "crumbs": crumbs,
        "home_url": page_url(here.site, page.locale, HOME),
        "sidebar": side,
        "sidebar_html": sidebar_html(side) if side is not None else "",
        "menu_html": menu_html(here, page.locale, menu) if menu else "",
        "author_name": page.author_name,
        "actions": _actions(here, page),
        "style_url": _asset_url("_page-style", page, own_css, "css"),
        "script_url": _asset_url("_page-script", page, own_js, "js"),
        "is_published": page.is_effectively_published,
        # The sign-out form's token: put back per answer, so that the view can be kept.
        "csrf_token": CSRF_PLACEHOLDER,
    }
    response = render(here, "pages/page.html", context)
    return protect(response, own_styles=bool(own_css))


def _tags_shown(page: Page, config: dict) -> list[str]:
    if config.get("showTags", True) is False or not isinstance(page.tags, list):
        return []
    return [str(tag) for tag in page.tags if tag]


def _mapping(value) -> dict:
    """A JSON column read as settings: anything but an object (a hand edit) is no setting."""
    return value if isinstance(value, dict) else {}


def _actions(here: Visit, page: Page) -> dict[str, str | None]:
    """Links to what the visitor may do with the page, as the API would let them."""

    def allowed(*any_of: str) -> bool:
        return any(here.can_on(scope, page) for scope in any_of)

    return {
        "edit": action_url("e", page.locale, page.path) if allowed(scopes.WRITE_PAGES) else None,
        "history": (
            action_url("h", page.locale, page.path) if allowed(scopes.READ_HISTORY) else None
        ),
        "source": action_url("s", page.locale, page.path) if here.may_read_source(page) else None,
    }


def _asset_url(prefix: str, page: Page, text: str, extension: str) -> str | None:
    """The address of the page's own stylesheet or script; the digest changes with the text,
    so a browser never keeps an old one."""
    if not text.strip():
        return None
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"/{prefix}/{page.pk}.{extension}?v={digest}"


def _welcome(here: Visit) -> HttpResponse:
    """No home page yet: say so, and show whoever may write there how to create it."""
    create_url = None
    if here.can_at(scopes.WRITE_PAGES, here.primary_locale, HOME):
        create_url = action_url("e", here.primary_locale, HOME)
    return render(here, "pages/welcome.html", {"create_url": create_url})


# --- The page's own stylesheet and script -----------------------------------------------------
@require_safe
@with_content_policy
def page_style(request: HttpRequest, page_id: uuid.UUID) -> HttpResponse:
    """``scriptCss``, for whoever may read the page (set only by holders of write:styles)."""
    return _page_asset(request, page_id, "css", "text/css; charset=utf-8")


@require_safe
@with_content_policy
def page_script(request: HttpRequest, page_id: uuid.UUID) -> HttpResponse:
    """``scriptJsLoad``, for whoever may read the page (set only with write:scripts)."""
    return _page_asset(request, page_id, "jsLoad", "text/javascript; charset=utf-8")


def _page_asset(request: HttpRequest, page_id: uuid.UUID, key: str, kind: str) -> HttpResponse:
    here = visit(request)
    page = (
        Page.objects.filter(pk=page_id, site_id=here.site.pk)
        .only(*READ_CHECK_COLUMNS, "scripts")
        .order_by()
        .first()
    )
    try:
        page_for_reading(here.caller, page)
    except DomainError:
        # A stylesheet or script is no place for a sign-in page: nothing, whatever the reason.
        return HttpResponseNotFound("", content_type=kind)
    text = _mapping(page.scripts).get(key) or ""
    if not isinstance(text, str) or not text.strip():
        return HttpResponseNotFound("", content_type=kind)
    response = HttpResponse(text, content_type=kind)
    # Each request is checked again: no cache keeps it for someone who may no longer read it.
    response["Cache-Control"] = "private, no-cache"
    return response


# --- By id ------------------------------------------------------------------------------------
@require_safe
@with_content_policy
def by_id(request: HttpRequest, ref: str) -> HttpResponse:
    """``/i/<id>``: to the page's address, by its UUID or its integer (legacy) id.

    Answered as ``pageById`` answers: unknown → 404, not readable → forbidden (a guest signs
    in). A page of another site is unknown here: this site's addresses cannot show it.
    """
    here = visit(request)
    lookup = _id_lookup(ref)
    page = None
    if lookup is not None:
        pages = Page.objects.filter(site_id=here.site.pk, **lookup).only(*READ_CHECK_COLUMNS)
        page = next(iter(pages.order_by()[:1]), None)
    readable = _readable(here, page)
    if isinstance(readable, HttpResponse):
        return readable
    return HttpResponseRedirect(page_url(here.site, page.locale, page.path))


def _id_lookup(ref: str) -> dict | None:
    """``{"pk": UUID}`` or ``{"legacy_id": n}``; None when ``ref`` can name no page."""
    text = ref.strip()
    if text.isascii() and text.isdigit():
        number = int(text)
        return {"legacy_id": number} if 1 <= number <= MAX_LEGACY_ID else None
    page_id = uuid_or_none(text)
    return {"pk": page_id} if page_id is not None else None


# --- Tags -------------------------------------------------------------------------------------
@require_safe
@with_content_policy
def tags_index(request: HttpRequest) -> HttpResponse:
    """``/t``: the site's tags that the visitor finds on some page, with how many. One query."""
    here = visit(request)
    readable = visible_to(here.caller).filter(site_id=here.site.pk)
    rows = (
        PageTag.objects.filter(page__in=readable.values("pk"))
        .values("tag__tag")
        .annotate(pages=Count("page_id"))
        .order_by("tag__tag")[: MAX_TAGS_LISTED + 1]
    )
    tags = [{"tag": row["tag__tag"], "pages": row["pages"]} for row in rows]
    context = {"tags": tags[:MAX_TAGS_LISTED], "truncated": len(tags) > MAX_TAGS_LISTED}
    return render(here, "pages/tags.html", context)


@require_safe
@with_content_policy
def tag_pages(request: HttpRequest, tag: str) -> HttpResponse:
    """``/t/<tag>``: the pages carrying ``tag`` the visitor may read (``pages(tags:)``), by
    title, ``TAG_PAGE_SIZE`` at a time. One query for the list, whatever its length."""
    here = visit(request)
    wanted = _tag_or_none(tag)
    number = list_page_number(request.GET.get("page"))
    pages = []
    if wanted is not None:
        pages = list(
            list_pages(
                here.caller,
                tags=[wanted],
                site_id=here.site.pk,
                order_by="TITLE",
                limit=TAG_PAGE_SIZE + 1,
                offset=(number - 1) * TAG_PAGE_SIZE,
            )
        )
    has_next = len(pages) > TAG_PAGE_SIZE
    context = {
        "tag": wanted or v.normalize_tag(tag),
        "pages": [
            {
                "title": page.title,
                "description": page.description,
                "url": page_url(here.site, page.locale, page.path),
                "locale": page.locale,
                "updated_at": page.updated_at,
            }
            for page in pages[:TAG_PAGE_SIZE]
        ],
        "page_number": number,
        "previous_url": f"?page={number - 1}" if number > 1 else None,
        "next_url": f"?page={number + 1}" if has_next else None,
    }
    return render(here, "pages/tag.html", context)


def _tag_or_none(raw: str) -> str | None:
    """``raw`` as page tags are written (trimmed, lowercased, no ``#``); None when no page can
    carry it, so the database is never asked about it (a NUL would make PostgreSQL refuse)."""
    try:
        tags = v.clean_tags([raw])
    except DomainError:
        return None
    return tags[0] if tags else None
