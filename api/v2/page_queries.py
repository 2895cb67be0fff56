"""``PageQuery``: the read side of the ``pages`` namespace (API-v2.md §3.1).

Each field passes its gate (§2.5), converts its arguments (legacy ids, the request's site),
calls the domain (``pages.services``, ``pages.lookup``, ``pages.history``, ``pages.search``,
``pages.tree_nodes``, ``pages.links``) and raises its failures as G errors (§2.4).
"""

from __future__ import annotations

import graphene

from accounts import scopes
from pages import history, links, lookup, search, services, tree_nodes
from pages.models import Page as PageModel
from wiki.errors import DomainError, ErrorKey
from wiki.sites import request_hostname, site_for_request, site_id_subquery

from ..core.cost import HISTORY_DEFAULT, capped_limit, list_cap
from ..core.execution import fast_list
from ..core.inputs import enum_value

# The sort enums are /_graphql's: the same names and values in both contracts (§4.7).
from ..pages.types import PageOrderBy, PageOrderByDirection
from .dialect import (
    INPUT_INVALID,
    PAGE_GENERIC,
    PAGE_HISTORY_FORBIDDEN,
    PAGE_UPDATE_FORBIDDEN,
    PAGE_VIEW_FORBIDDEN,
    V2Error,
    raising,
)
from .gates import SYSTEM, gate
from .page_types import (
    PAGE_LIST_ITEM_COLUMNS,
    PAGE_LIST_ITEM_FIELDS,
    Page,
    PageConflictLatest,
    PageHistoryResult,
    PageLinkItem,
    PageListItem,
    PageSearchResponse,
    PageTag,
    PageTreeItem,
    PageTreeMode,
    PageVersion,
    selects_people,
)
from .scalars import Date, parse_date_argument

READERS = (SYSTEM, scopes.READ_PAGES)
HISTORY_READERS = (SYSTEM, scopes.READ_HISTORY)
EDITORS = (scopes.WRITE_PAGES, scopes.MANAGE_PAGES, SYSTEM)
SEARCH_CAP = 100  # Wiki.js 2's default maximum of search results


def _refused(error_class) -> dict:
    """A page-level refusal rendered as ``error_class`` (a guest's too, §2.5)."""
    return {ErrorKey.FORBIDDEN: error_class, ErrorKey.NOT_AUTHENTICATED: error_class}


VIEW_REFUSED = _refused(PAGE_VIEW_FORBIDDEN)
HISTORY_REFUSED = {**_refused(PAGE_HISTORY_FORBIDDEN), ErrorKey.INVALID_INPUT: INPUT_INVALID}
UPDATE_REFUSED = _refused(PAGE_UPDATE_FORBIDDEN)


def request_site(info):
    """The request's site (API.md §4.7); none serving the request fails like ERR_UNEXPECTED."""
    site = site_for_request(info.context)
    if site is None:
        raise DomainError(ErrorKey.INVALID_SITE)
    return site


def normalized_path(path: str | None) -> str:
    """§3.1 ``singleByPath``: trimmed, leading and trailing ``/`` removed, lowercased."""
    return (path or "").strip().strip("/").lower()


def _positive(value: int | None) -> int | None:
    return value if value is not None and value >= 1 else None


class PageQuery(graphene.ObjectType):
    single = graphene.Field(Page, id=graphene.Int(required=True))
    single_by_path = graphene.Field(
        Page, path=graphene.String(required=True), locale=graphene.String(required=True)
    )
    list = graphene.Field(
        graphene.NonNull(graphene.List(graphene.NonNull(PageListItem))),
        limit=graphene.Int(),
        order_by=PageOrderBy(),
        order_by_direction=PageOrderByDirection(),
        tags=graphene.List(graphene.NonNull(graphene.String)),
        locale=graphene.String(),
        creator_id=graphene.Int(),
        author_id=graphene.Int(),
    )
    search = graphene.Field(
        graphene.NonNull(PageSearchResponse),
        query=graphene.String(required=True),
        path=graphene.String(),
        locale=graphene.String(),
    )
    tree = graphene.List(
        PageTreeItem,
        path=graphene.String(),
        parent=graphene.Int(),
        mode=graphene.Argument(graphene.NonNull(PageTreeMode)),
        locale=graphene.String(required=True),
        include_ancestors=graphene.Boolean(),
    )
    links = graphene.List(PageLinkItem, locale=graphene.String(required=True))
    history = graphene.Field(
        PageHistoryResult,
        id=graphene.Int(required=True),
        offset_page=graphene.Int(),
        offset_size=graphene.Int(),
    )
    version = graphene.Field(
        PageVersion,
        page_id=graphene.Int(required=True),
        version_id=graphene.Int(required=True),
    )
    tags = graphene.List(PageTag, required=True)
    search_tags = graphene.List(
        graphene.String, required=True, query=graphene.String(required=True)
    )
    check_conflicts = graphene.Boolean(
        required=True,
        id=graphene.Int(required=True),
        checkout_date=graphene.Argument(graphene.NonNull(Date)),
    )
    conflict_latest = graphene.Field(
        graphene.NonNull(PageConflictLatest), id=graphene.Int(required=True)
    )

    @staticmethod
    @raising(generic=PAGE_GENERIC, overrides=VIEW_REFUSED)
    def resolve_single(root, info, id):
        caller = gate(info, scopes.READ_PAGES, SYSTEM)
        return services.get_page_by_legacy_id(caller, id, with_people=selects_people(info))

    @staticmethod
    @raising(generic=PAGE_GENERIC, overrides=VIEW_REFUSED)
    def resolve_single_by_path(root, info, path, locale):
        caller = gate(info, scopes.READ_PAGES, SYSTEM)
        pages = PageModel.objects.filter(
            site_id=site_id_subquery(request_hostname(info.context)),
            locale=(locale or "").strip().lower(),
            path=normalized_path(path),
        ).order_by()
        if selects_people(info):
            pages = pages.select_related("author", "creator")
        page = next(iter(pages[:1]), None)
        if page is None:
            request_site(info)  # no site serving the request is no "not found" (§2.8)
        return services.page_for_reading(caller, page)

    @staticmethod
    @fast_list(PageModel, computed=PAGE_LIST_ITEM_COLUMNS)
    @raising(generic=PAGE_GENERIC)
    def resolve_list(root, info, **arguments):
        caller = gate(info, *READERS)
        locale = arguments.get("locale")
        return services.list_pages(
            caller,
            # Bounded by the server whatever the client asks, as /_graphql's ``pages``
            # (docs/api-v2/pages-read.md, "Limits").
            limit=capped_limit(arguments.get("limit")),
            order_by=enum_value(arguments.get("order_by")) or "ID",
            direction=enum_value(arguments.get("order_by_direction")) or "ASC",
            tags=arguments.get("tags"),
            locale=locale.strip().lower() if locale is not None else None,
            creator_legacy_id=_positive(arguments.get("creator_id")),
            author_legacy_id=_positive(arguments.get("author_id")),
            site_id=site_id_subquery(request_hostname(info.context)),
            fields=PAGE_LIST_ITEM_FIELDS,
            by_legacy_id=True,
        )

    @staticmethod
    @raising(generic=PAGE_GENERIC)
    def resolve_search(root, info, query, path=None, locale=None):
        caller = gate(info, *READERS)
        site = request_site(info)
        hits = search.search_with_substrings(
            caller,
            site.pk,
            query,
            path=path or None,
            locale=(locale or "").strip().lower() or None,
            limit=SEARCH_CAP,
        )
        return PageSearchResponse(results=hits, suggestions=[], total_hits=len(hits))

    @staticmethod
    @raising(generic=PAGE_GENERIC)
    def resolve_tree(root, info, mode, locale, path=None, parent=None, include_ancestors=None):
        caller = gate(info, *READERS)
        site = request_site(info)
        nodes = tree_nodes.tree_nodes(
            caller,
            site.pk,
            locale,
            mode=enum_value(mode),
            path=path,
            parent=parent,
            include_ancestors=bool(include_ancestors),
        )
        return nodes[: list_cap()]

    @staticmethod
    @raising(generic=PAGE_GENERIC)
    def resolve_links(root, info, locale):
        caller = gate(info, *READERS)
        return links.page_links(caller, request_site(info).pk, locale, limit=list_cap())

    @staticmethod
    @raising(generic=PAGE_GENERIC, overrides=HISTORY_REFUSED)
    def resolve_history(root, info, id, offset_page=None, offset_size=None):
        caller = gate(info, *HISTORY_READERS)
        page_id = history.page_id_for_legacy_id(id)
        if (offset_page or 0) < 0 or (offset_size or 0) < 0:
            # Existence and permission come first (§3.1): the trail checks both.
            history.history_trail(caller, page_id, 0, 1)
            raise V2Error(INPUT_INVALID)
        # Wiki.js 2 has no bound; the server's list cap keeps one answer bounded.
        size = min(offset_size or HISTORY_DEFAULT, list_cap())
        return history.history_trail(caller, page_id, offset_page or 0, size)

    @staticmethod
    @raising(generic=PAGE_GENERIC, overrides=HISTORY_REFUSED)
    def resolve_version(root, info, page_id, version_id):
        caller = gate(info, *HISTORY_READERS)
        version = history.get_version_by_legacy_ids(caller, page_id, version_id)
        if version is not None:
            version.v2_page_id = page_id
        return version

    @staticmethod
    @raising(generic=PAGE_GENERIC)
    def resolve_tags(root, info):
        caller = gate(info, *READERS)
        return lookup.readable_tags(caller, request_site(info).pk)

    @staticmethod
    @raising(generic=PAGE_GENERIC)
    def resolve_search_tags(root, info, query):
        caller = gate(info, *READERS)
        return lookup.search_readable_tags(caller, request_site(info).pk, query)

    @staticmethod
    @raising(generic=PAGE_GENERIC, overrides=UPDATE_REFUSED)
    def resolve_check_conflicts(root, info, id, checkout_date):
        caller = gate(info, *EDITORS)
        page = services.page_for_conflicts(caller, id)
        checkout = parse_date_argument(checkout_date)
        if checkout is None:
            raise V2Error(INPUT_INVALID)
        return page.updated_at > checkout

    @staticmethod
    @raising(generic=PAGE_GENERIC, overrides=VIEW_REFUSED)
    def resolve_conflict_latest(root, info, id):
        caller = gate(info, *EDITORS)
        return services.page_for_conflicts(caller, id)
