"""Mutations of pages (API.md §4.1.3)."""

import graphene

from pages import edits, services

from ..core.context import get_caller
from ..core.inputs import as_dict, enum_value
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from ..core.scalars import UUID, Date
from .types import Page, PagePublishState, PageRelationInput, PageTocDepthInput, PageUpdateInput

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


def _patch(raw) -> edits.PagePatch:
    """``PageUpdateInput`` as the service's patch; fields the client left out stay ``None``."""
    given = as_dict(raw) or {}
    relations = given.get("relations")
    return edits.PagePatch(
        title=given.get("title"),
        description=given.get("description"),
        icon=given.get("icon"),
        alias=given.get("alias"),
        content=given.get("content"),
        publish_state=given.get("publish_state"),
        publish_start_date=given.get("publish_start_date"),
        publish_end_date=given.get("publish_end_date"),
        toc_depth=as_dict(given.get("toc_depth")),
        relations=None if relations is None else [as_dict(r) for r in relations],
        tags=given.get("tags"),
        flags={name: given.get(arg) for arg, name in FLAG_ARGUMENTS.items()},
        script_css=given.get("script_css"),
        script_js_load=given.get("script_js_load"),
        script_js_unload=given.get("script_js_unload"),
        password=given.get("password"),
        reason_for_change=given.get("reason_for_change"),
    )


class UpdatePage(WikiMutation):
    """Change some fields of a page; the others stay as they are."""

    class Meta:
        output = CreatePage  # the same PageResponse {operation, page}

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="Page id.")
        patch = graphene.Argument(
            PageUpdateInput, required=True, description="Fields to change; absent = unchanged."
        )

    success_message = "Page updated successfully."

    @classmethod
    def perform(cls, root, info, id, patch) -> Outcome:
        page = edits.update_page(get_caller(info), id, _patch(patch))
        return Outcome(payload={"page": page})


class MovePage(WikiMutation):
    """Move a page to another locale and path, optionally retitling it."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="Page id.")
        destination_locale = graphene.String(required=True, description="Locale code.")
        destination_path = graphene.String(required=True, description="Path rule of createPage.")
        title = graphene.String(description="New title (optional).")

    success_message = "Page moved successfully."

    @classmethod
    def perform(cls, root, info, id, destination_locale, destination_path, title=None) -> Outcome:
        edits.move_page(get_caller(info), id, destination_locale, destination_path, title)
        return Outcome()


class DeletePage(WikiMutation):
    """Delete a page; its history is kept."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="Page id.")

    success_message = "Page deleted successfully."

    @classmethod
    def perform(cls, root, info, id) -> Outcome:
        edits.delete_page(get_caller(info), id)
        return Outcome()


class RestorePage(WikiMutation):
    """Bring back a version's content and settings; path, locale, alias and tags stay."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        page_id = graphene.Argument(UUID, required=True, description="Page id.")
        version_id = graphene.Argument(UUID, required=True, description="Version of that page.")

    success_message = "Page restored successfully."

    @classmethod
    def perform(cls, root, info, page_id, version_id) -> Outcome:
        edits.restore_page(get_caller(info), page_id, version_id)
        return Outcome()


class RerenderPage(WikiMutation):
    """Render a page again from its stored content."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="Page id.")

    success_message = "Page rendered successfully."

    @classmethod
    def perform(cls, root, info, id) -> Outcome:
        edits.rerender_page(get_caller(info), id)
        return Outcome()


class PageMutations(graphene.ObjectType):
    create_page = CreatePage.Field(
        description="Create a page. Needs write:pages at the new location."
    )
    update_page = UpdatePage.Field(
        description="Change some fields of a page (a version is archived). Needs write:pages."
    )
    move_page = MovePage.Field(
        description="Move a page. Needs manage:pages at it and write:pages at the destination."
    )
    delete_page = DeletePage.Field(description="Delete a page. Needs delete:pages at it.")
    restore_page = RestorePage.Field(
        description="Restore a version of a page. Needs write:pages at the page."
    )
    rerender_page = RerenderPage.Field(
        description="Render a page again from its source. Needs write:pages at the page."
    )
