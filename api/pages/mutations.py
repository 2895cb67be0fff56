"""Mutations of pages (API.md §4.1.3)."""

import graphene

from pages import services

from ..core.context import get_caller
from ..core.inputs import as_dict, enum_value
from ..core.operation import Outcome, WikiMutation
from ..core.scalars import UUID, Date
from .types import Page, PagePublishState, PageRelationInput, PageTocDepthInput

# Boolean arguments and the page setting each one sets.
FLAG_ARGUMENTS = {
    "allow_comments": "allowComments",
    "allow_contributions": "allowContributions",
    "allow_ratings": "allowRatings",
    "show_sidebar": "showSidebar",
    "show_tags": "showTags",
    "show_toc": "showToc",
    "is_browsable": "isBrowsable",
    "is_searchable": "isSearchable",
}


class CreatePage(WikiMutation):
    """Create a page at (site, locale, path)."""

    class Meta:
        name = "PageResponse"

    class Arguments:
        site_id = graphene.Argument(UUID, required=True, description="Site of the page.")
        locale = graphene.String(required=True, description="Locale code, e.g. en.")
        path = graphene.String(required=True, description="Path, e.g. docs/install.")
        title = graphene.String(required=True, description="Title.")
        description = graphene.String(required=True, description="Description (may be empty).")
        content = graphene.String(required=True, description="Source; must not be blank.")
        editor = graphene.String(required=True, description="markdown, asciidoc, wysiwyg, ...")
        publish_state = graphene.Argument(
            PagePublishState, required=True, description="Publish state."
        )
        publish_start_date = Date(description="Window start (required for scheduled).")
        publish_end_date = Date(description="Window end (required for scheduled).")
        alias = graphene.String(description="Short alias, unique per site.")
        icon = graphene.String(description="Icon name.")
        tags = graphene.List(graphene.NonNull(graphene.String), description="Tags.")
        relations = graphene.List(graphene.NonNull(PageRelationInput), description="Related links.")
        toc_depth = PageTocDepthInput(description="TOC heading levels (site default).")
        allow_comments = graphene.Boolean(description="Default true.")
        allow_contributions = graphene.Boolean(description="Default true.")
        allow_ratings = graphene.Boolean(description="Default true.")
        show_sidebar = graphene.Boolean(description="Default true.")
        show_tags = graphene.Boolean(description="Default true.")
        show_toc = graphene.Boolean(description="Default true.")
        is_browsable = graphene.Boolean(description="Default true.")
        is_searchable = graphene.Boolean(description="Default true.")
        script_css = graphene.String(description="Page CSS (kept with write:styles).")
        script_js_load = graphene.String(description="Load script (kept with write:scripts).")
        script_js_unload = graphene.String(description="Unload script (kept with write:scripts).")

    page = graphene.Field(Page, description="The created page.")
    success_message = "Page created successfully."

    @classmethod
    def perform(cls, root, info, **arguments) -> Outcome:
        data = services.PageInput(
            site_id=arguments["site_id"],
            locale=arguments["locale"],
            path=arguments["path"],
            title=arguments["title"],
            description=arguments["description"],
            content=arguments["content"],
            editor=arguments["editor"],
            publish_state=enum_value(arguments["publish_state"]),
            publish_start_date=arguments.get("publish_start_date"),
            publish_end_date=arguments.get("publish_end_date"),
            alias=arguments.get("alias"),
            icon=arguments.get("icon"),
            tags=arguments.get("tags") or [],
            relations=[as_dict(r) for r in arguments.get("relations") or []],
            toc_depth=as_dict(arguments.get("toc_depth")),
            flags={name: arguments.get(arg) for arg, name in FLAG_ARGUMENTS.items()},
            script_css=arguments.get("script_css"),
            script_js_load=arguments.get("script_js_load"),
            script_js_unload=arguments.get("script_js_unload"),
        )
        page = services.create_page(get_caller(info), data)
        return Outcome(payload={"page": page})


class PageMutations(graphene.ObjectType):
    create_page = CreatePage.Field(
        description="Create a page. Needs write:pages at the new location."
    )
