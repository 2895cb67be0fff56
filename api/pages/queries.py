"""Root query fields of pages (API.md §4.1.2)."""

import graphene

from pages import history, services
from pages.models import Page as PageModel
from wiki.errors import DomainError, ErrorKey

from ..core.context import get_caller
from ..core.cost import capped_limit, list_cap
from ..core.execution import fast_list
from ..core.inputs import enum_value
from ..core.scalars import UUID
from .types import (
    PAGE_LIST_ITEM_COLUMNS,
    Page,
    PageHistoryResult,
    PageListItem,
    PageOrderBy,
    PageOrderByDirection,
    PageVersion,
    selects_people,
)


class PageQueries(graphene.ObjectType):
    pages = graphene.List(
        PageListItem,
        limit=graphene.Int(
            description=(
                "Most items returned, after permission filtering; absent or < 1 = the "
                "server's list cap (GRAPHQL_MAX_LIST_ITEMS, 1000 unless configured), "
                "which also bounds larger values."
            )
        ),
        offset=graphene.Int(description="Items skipped after permission filtering (default 0)."),
        order_by=PageOrderBy(description="Sort field (default ID)."),
        order_by_direction=PageOrderByDirection(description="Sort direction (default ASC)."),
        tags=graphene.List(
            graphene.NonNull(graphene.String), description="Pages must carry all of these."
        ),
        locale=graphene.String(description="Exact locale."),
        creator_id=UUID(description="Pages created by this user."),
        author_id=UUID(description="Pages last edited by this user (either, with creatorId)."),
        site_id=UUID(description="Only pages of this site."),
        description="Pages the caller may read, published or editable by the caller.",
    )
    page_by_id = graphene.Field(
        Page,
        id=graphene.Argument(UUID, required=True, description="Page id."),
        password=graphene.String(description="Page password (accepted, no effect yet)."),
        description="One page. Needs read:pages at the page (write:pages if unpublished).",
    )
    page_history_by_id = graphene.Field(
        PageHistoryResult,
        id=graphene.Argument(UUID, required=True, description="Page id."),
        offset_page=graphene.Int(description="Zero-based page of the trail (default 0)."),
        offset_size=graphene.Int(
            description="Versions per page (default 100; at most the server's list cap, 1000)."
        ),
        description="A page's versions, newest first. Needs read:history at the page.",
    )
    page_version_by_id = graphene.Field(
        PageVersion,
        page_id=graphene.Argument(UUID, required=True, description="Page id."),
        version_id=graphene.Argument(UUID, required=True, description="Version id."),
        description="One archived version of a page (null if not its). Needs read:history.",
    )

    @staticmethod
    @fast_list(PageModel, computed=PAGE_LIST_ITEM_COLUMNS)
    def resolve_pages(root, info, **arguments):
        return services.list_pages(
            get_caller(info),
            # Bounded by the server whatever the client asks (docs/api.md, Limits).
            limit=capped_limit(arguments.get("limit")),
            offset=arguments.get("offset"),
            order_by=enum_value(arguments.get("order_by")) or "ID",
            direction=enum_value(arguments.get("order_by_direction")) or "ASC",
            tags=arguments.get("tags"),
            locale=arguments.get("locale"),
            creator_id=arguments.get("creator_id"),
            author_id=arguments.get("author_id"),
            site_id=arguments.get("site_id"),
        )

    @staticmethod
    def resolve_page_by_id(root, info, id, password=None):
        return services.get_page(get_caller(info), id, with_people=selects_people(info))

    @staticmethod
    def resolve_page_history_by_id(root, info, id, offset_page=None, offset_size=None):
        if offset_size is not None and offset_size > list_cap():
            raise DomainError(ErrorKey.INVALID_INPUT, f"offsetSize must be <= {list_cap()}")
        return history.history_trail(get_caller(info), id, offset_page, offset_size)

    @staticmethod
    def resolve_page_version_by_id(root, info, page_id, version_id):
        return history.get_version(get_caller(info), page_id, version_id)
