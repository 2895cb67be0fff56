"""Root queries that find pages: by path, by alias; and the tag vocabulary (§4.1.2)."""

import graphene

from pages import lookup

from ..core.context import get_caller, selected_fields
from ..core.scalars import UUID, Date
from .types import Page

# Page fields whose users are read with the page, in the same query.
PEOPLE_FIELDS = frozenset({"author", "creator"})


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
    tags = graphene.List(
        PageTag,
        site_id=graphene.Argument(UUID, required=True, description="Site id."),
        description="The site's tag vocabulary by tag, with usage counts.",
    )

    @staticmethod
    def resolve_page_by_path(root, info, site_id, path, password=None):
        people = not selected_fields(info).isdisjoint(PEOPLE_FIELDS)
        return lookup.get_page_by_path(get_caller(info), site_id, path, with_people=people)

    @staticmethod
    def resolve_path_from_alias(root, info, site_id, alias):
        return lookup.path_from_alias(get_caller(info), site_id, alias)

    @staticmethod
    def resolve_tags(root, info, site_id):
        return lookup.site_tags(site_id)
