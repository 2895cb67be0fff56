"""Root queries that find pages: by path, by alias, by text; and the tag vocabulary (§4.1.2)."""

import graphene

from pages import lookup, search

from ..accounts.types import OrderByDirection
from ..core.context import get_caller
from ..core.inputs import enum_value
from ..core.scalars import UUID, Date
from .types import Page, PagePublishState, selects_people


class PageSearchSort(graphene.Enum):
    relevancy = "relevancy"
    title = "title"
    updatedAt = "updatedAt"  # noqa: N815 - the contract's value


class PageSearchResult(graphene.ObjectType):
    id = UUID(description="Page id.")
    title = graphene.String(description="Title.")
    description = graphene.String(description="Description.")
    icon = graphene.String(description="Icon name.")
    locale = graphene.String(description="Locale code.")
    path = graphene.String(description="Path.")
    tags = graphene.List(graphene.String, description="Tags.")
    updated_at = Date(description="Last change.")
    relevancy = graphene.Float(description="Higher is better; null when the query is empty.")
    highlight = graphene.String(
        description="Excerpt of the text, matches in <b>…</b>, all else escaped; or null."
    )


class PageSearchResponse(graphene.ObjectType):
    results = graphene.List(PageSearchResult, description="This page of results.")
    total_hits = graphene.Int(description="All matching pages, before offset and limit.")


class PageAliasPath(graphene.ObjectType):
    id = UUID(description="Page id.")
    path = graphene.String(description='Path, "<locale>/" first when the site namespaces.')


class PageTag(graphene.ObjectType):
    id = UUID(description="Tag id.")
    tag = graphene.String(description="Normalised tag.")
    usage_count = graphene.Int(description="Pages of the site carrying the tag now.")
    site_id = UUID(description="Site of the vocabulary.")
    created_at = Date(description="When first used.")
    updated_at = Date(description="Last change.")


class SearchQueries(graphene.ObjectType):
    page_by_path = graphene.Field(
        Page,
        site_id=graphene.Argument(UUID, required=True, description="Site id."),
        path=graphene.String(
            required=True,
            description="Path, parsed leniently: an optional locale first, empty = home.",
        ),
        password=graphene.String(description="Page password (accepted, no effect yet)."),
        description="One page by path. Needs read:pages (write:pages if unpublished).",
    )
    path_from_alias = graphene.Field(
        PageAliasPath,
        site_id=graphene.Argument(UUID, required=True, description="Site id."),
        alias=graphene.String(required=True, description="Alias, case-sensitive."),
        description="The page carrying an alias. Needs read:pages at the page.",
    )
    search_pages = graphene.Field(
        PageSearchResponse,
        site_id=graphene.Argument(UUID, required=True, description="Site id."),
        query=graphene.String(
            required=True, description="Search text (websearch syntax); empty = every page."
        ),
        query_locale=graphene.String(
            description="Language the query is parsed in (default: the site's primary locale)."
        ),
        path=graphene.String(description="Only pages whose path starts with this."),
        locale=graphene.List(graphene.String, description="Only pages in one of these locales."),
        tags=graphene.List(graphene.String, description="Pages must carry all of these."),
        editor=graphene.String(description="Exact editor."),
        publish_state=PagePublishState(description="Exact stored publish state."),
        order_by=PageSearchSort(description="Sort (default relevancy; title for no query)."),
        order_by_direction=OrderByDirection(description="Sort direction (default desc)."),
        offset=graphene.Int(description="Results skipped (default 0; not negative)."),
        limit=graphene.Int(description="Most results returned, 1-100 (default 25)."),
        description="Searchable pages the caller may read that match the query.",
    )
    tags = graphene.List(
        PageTag,
        site_id=graphene.Argument(UUID, required=True, description="Site id."),
        description="The site's tag vocabulary by tag, with usage counts.",
    )

    @staticmethod
    def resolve_page_by_path(root, info, site_id, path, password=None):
        return lookup.get_page_by_path(
            get_caller(info), site_id, path, with_people=selects_people(info)
        )

    @staticmethod
    def resolve_path_from_alias(root, info, site_id, alias):
        return lookup.path_from_alias(get_caller(info), site_id, alias)

    @staticmethod
    def resolve_search_pages(root, info, site_id, query, **arguments):
        return search.search_pages(
            get_caller(info),
            site_id,
            query,
            query_locale=arguments.get("query_locale"),
            path=arguments.get("path"),
            locales=arguments.get("locale"),
            tags=arguments.get("tags"),
            editor=arguments.get("editor"),
            publish_state=enum_value(arguments.get("publish_state")),
            order_by=enum_value(arguments.get("order_by")) or "relevancy",
            direction=enum_value(arguments.get("order_by_direction")) or "desc",
            offset=arguments.get("offset"),
            limit=arguments.get("limit"),
        )

    @staticmethod
    def resolve_tags(root, info, site_id):
        return lookup.site_tags(site_id)
