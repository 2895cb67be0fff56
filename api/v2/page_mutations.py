"""``PageMutation`` of the v2 dialect (API-v2.md §3.2): Wiki.js 2's page writes.

Each operation checks its gate, converts the arguments (legacy ids, the publishing flag and
``Date`` strings, ``scriptJs``), calls the domain service of API.md and renders the outcome in
the v2 dialect: failures go into ``responseResult`` (R), with the error class each operation
gives a domain key (§2.6). The business rules, including the order of the checks, stay the
services'; the adapter only adds Wiki.js 2's path pre-check.
"""

from __future__ import annotations

import graphene
from django.db import transaction

from accounts import scopes
from pages import edits, services
from pages import validation as v
from pages.models import Page as PageRow
from pages.models import PageHistory
from wiki.errors import ErrorKey
from wiki.sites import site_for_request

from .dialect import (
    PAGE_CREATE_FORBIDDEN,
    PAGE_DELETE_FORBIDDEN,
    PAGE_DUPLICATE_CREATE,
    PAGE_GENERIC,
    PAGE_MOVE_FORBIDDEN,
    PAGE_NOT_FOUND,
    PAGE_PATH_COLLISION,
    PAGE_RESTORE_FORBIDDEN,
    PAGE_UPDATE_FORBIDDEN,
    DefaultResponse,
    ResponseStatus,
    V2Error,
    reporting,
)
from .gates import SYSTEM, gate
from .page_types import Page
from .page_writes import (
    deferred,
    in_domain_order,
    new_publishing,
    precheck_path,
    rendered,
    updated_publishing,
)
from .scalars import Date

WRITERS = (scopes.WRITE_PAGES, scopes.MANAGE_PAGES, SYSTEM)

# The class each operation gives a domain key where §2.6's table leaves it to the operation.
CREATE_ERRORS = {
    ErrorKey.FORBIDDEN: PAGE_CREATE_FORBIDDEN,
    ErrorKey.NOT_AUTHENTICATED: PAGE_CREATE_FORBIDDEN,
    ErrorKey.PAGE_DUPLICATE_PATH: PAGE_DUPLICATE_CREATE,
}
UPDATE_ERRORS = {
    ErrorKey.PAGE_NOT_FOUND: "Invalid Page Id",
    ErrorKey.PAGE_UPDATE_FORBIDDEN: PAGE_UPDATE_FORBIDDEN,
    ErrorKey.NOT_AUTHENTICATED: PAGE_UPDATE_FORBIDDEN,
}
MOVE_ERRORS = {
    ErrorKey.FORBIDDEN: PAGE_MOVE_FORBIDDEN,
    ErrorKey.NOT_AUTHENTICATED: PAGE_MOVE_FORBIDDEN,
    ErrorKey.PAGE_DUPLICATE_PATH: PAGE_PATH_COLLISION,
}
DELETE_ERRORS = {
    ErrorKey.FORBIDDEN: PAGE_DELETE_FORBIDDEN,
    ErrorKey.NOT_AUTHENTICATED: PAGE_DELETE_FORBIDDEN,
}
RESTORE_ERRORS = {
    ErrorKey.PAGE_UPDATE_FORBIDDEN: PAGE_RESTORE_FORBIDDEN,
    ErrorKey.NOT_AUTHENTICATED: PAGE_RESTORE_FORBIDDEN,
}


class PageResponse(graphene.ObjectType):
    """The outcome of ``create`` and ``update`` (§4.2)."""

    response_result = graphene.Field(ResponseStatus, required=True)
    page = graphene.Field(Page, description="The page written; null on failure.")


def _page_pk(legacy_id: int):
    """The UUID of the page with this legacy id, else ``PageNotFound``."""
    pk = PageRow.objects.filter(legacy_id=legacy_id).values_list("pk", flat=True).first()
    if pk is None:
        raise V2Error(PAGE_NOT_FOUND)
    return pk


@reporting(
    "Page created successfully.", generic=PAGE_GENERIC, overrides=CREATE_ERRORS, output=PageResponse
)
def resolve_create(
    root,
    info,
    content,
    description,
    editor,
    is_published,
    is_private,
    locale,
    path,
    tags,
    title,
    publish_end_date=None,
    publish_start_date=None,
    script_css=None,
    script_js=None,
):
    caller = gate(info, *WRITERS)
    precheck_path(path)
    site = site_for_request(info.context)
    publishing = deferred(
        lambda: new_publishing(is_published, publish_start_date, publish_end_date)
    )

    def create(stored):
        state, start, end = stored
        data = services.PageInput(
            site_id=site.pk if site else None,
            locale=locale,
            path=path,
            title=title,
            description=description,
            content=content,
            editor=editor,
            publish_state=state,
            publish_start_date=start,
            publish_end_date=end,
            tags=list(tags),
            flags={services.LEGACY_IS_PRIVATE: is_private},
            script_css=script_css or "",
            script_js_load=script_js or "",
        )
        with rendered(CREATE_ERRORS):
            return services.create_page(caller, data)

    return {"page": in_domain_order(publishing, create)}


@reporting(
    "Page has been updated.", generic=PAGE_GENERIC, overrides=UPDATE_ERRORS, output=PageResponse
)
def resolve_update(root, info, id, **given):
    """Omitted or null arguments leave their values unchanged (§3.2, Contract); a changed
    locale or path moves the page afterwards, in the same transaction."""
    caller = gate(info, *WRITERS)
    with transaction.atomic():
        page = (
            PageRow.objects.select_for_update(of=("self",))
            .filter(legacy_id=id)
            .order_by("pk")
            .first()
        )
        if page is None:
            raise V2Error("Invalid Page Id")
        publishing = updated_publishing(page, given)
        patch = edits.PagePatch(
            title=given.get("title"),
            description=given.get("description"),
            content=given.get("content"),
            tags=given.get("tags"),
            flags={services.LEGACY_IS_PRIVATE: given.get("is_private")},
            script_css=given.get("script_css"),
            script_js_load=given.get("script_js"),
        )
        if publishing is not None and publishing.value is not None:
            state, start, end = publishing.value
            patch.publish_state = state
            patch.publish_start_date, patch.publish_end_date = start, end
            patch.replace_publish_dates = True
        with rendered(UPDATE_ERRORS):
            page = edits.update_page(caller, page.pk, patch, blank_content_refused=True)
        if publishing is not None and publishing.failure is not None:
            raise publishing.failure  # after the service's own checks: §2.8's order
        page = _moved_if_asked(caller, page, given.get("locale"), given.get("path"))
    return {"page": page}


def _moved_if_asked(caller, page: PageRow, locale: str | None, path: str | None) -> PageRow:
    """The move part of ``update``: as ``move`` when locale or path differs from the page's."""
    if locale is None and path is None:
        return page
    with rendered(MOVE_ERRORS):
        if path is not None:
            precheck_path(path)
            path = v.normalize_path(path)
        locale = v.normalize_locale(locale) if locale is not None else None
        destination = (locale or page.locale, path or page.path)
        if destination == (page.locale, page.path):
            return page
        return edits.move_page(caller, page.pk, *destination, title_follows_path=True)


@reporting("Page has been moved.", generic=PAGE_GENERIC, overrides=MOVE_ERRORS)
def resolve_move(root, info, id, destination_path, destination_locale):
    caller = gate(info, scopes.MANAGE_PAGES, SYSTEM)
    page_id = _page_pk(id)
    precheck_path(destination_path)
    edits.move_page(caller, page_id, destination_locale, destination_path, title_follows_path=True)


@reporting("Page has been deleted.", generic=PAGE_GENERIC, overrides=DELETE_ERRORS)
def resolve_delete(root, info, id):
    caller = gate(info, scopes.DELETE_PAGES, SYSTEM)
    edits.delete_page(caller, _page_pk(id))


@reporting("Page rendered successfully.", generic=PAGE_GENERIC)
def resolve_render(root, info, id):
    """Render and TOC rebuilt from the content: no history version, ``updatedAt`` kept."""
    caller = gate(info, SYSTEM)
    edits.rerender_page(caller, _page_pk(id))


@reporting("Page version restored successfully.", generic=PAGE_GENERIC, overrides=RESTORE_ERRORS)
def resolve_restore(root, info, page_id, version_id):
    """Domain ``restorePage``: path, locale and tags stay (§5.11)."""
    caller = gate(info, *WRITERS)
    page_pk = _page_pk(page_id)
    # An unknown version id reaches the service as "no version", so that it is reported in
    # the service's order (after the permission check).
    version_pk = (
        PageHistory.objects.filter(legacy_id=version_id).values_list("pk", flat=True).first()
    )
    edits.restore_page(caller, page_pk, version_pk)


@reporting("Pages Cache has been flushed successfully.", generic=PAGE_GENERIC)
def resolve_flush_cache(root, info):
    """A no-op kept for compatibility: this server keeps no page cache."""
    gate(info, SYSTEM)


@reporting("Page tree rebuilt successfully.", generic=PAGE_GENERIC)
def resolve_rebuild_tree(root, info):
    """A no-op kept for compatibility: the tree is kept current by every page write."""
    gate(info, SYSTEM)


def _id(description: str = "Page id (legacy integer id).") -> graphene.Int:
    return graphene.Int(required=True, description=description)


class PageMutation(graphene.ObjectType):
    """Page writes (§3.2). Failures are reported in ``responseResult``; gates raise."""

    create = graphene.Field(
        PageResponse,
        resolver=resolve_create,
        description="Create a page. Gate: write:pages, manage:pages or manage:system.",
        args={
            "content": graphene.String(required=True, description="Source; must not be blank."),
            "description": graphene.String(
                required=True, description="Description (may be empty)."
            ),
            "editor": graphene.String(
                required=True, description="markdown, ckeditor, code, wysiwyg, asciidoc, ..."
            ),
            "is_published": graphene.Boolean(
                required=True, description="Published (with the dates)."
            ),
            "is_private": graphene.Boolean(required=True, description="Inert flag, echoed only."),
            "locale": graphene.String(required=True, description="Locale code, e.g. en."),
            "path": graphene.String(
                required=True, description="Path without locale, e.g. docs/setup."
            ),
            "publish_end_date": Date(description='End of publication; "" or absent: none.'),
            "publish_start_date": Date(description='Start of publication; "" or absent: none.'),
            "script_css": graphene.String(description="Page CSS (kept with write:styles)."),
            "script_js": graphene.String(description="Page script (kept with write:scripts)."),
            "tags": graphene.List(
                graphene.String, required=True, description="Tags; nulls dropped."
            ),
            "title": graphene.String(required=True, description="Title."),
        },
    )
    update = graphene.Field(
        PageResponse,
        resolver=resolve_update,
        description=(
            "Change a page; omitted arguments stay. A new locale or path also moves it. "
            "Gate: write:pages, manage:pages or manage:system."
        ),
        args={
            "id": _id(),
            "content": graphene.String(description="Source; blank is refused."),
            "description": graphene.String(description="Description."),
            "editor": graphene.String(description="Ignored: the editor never changes."),
            "is_private": graphene.Boolean(description="Inert flag, echoed only."),
            "is_published": graphene.Boolean(description="Published (with the dates)."),
            "locale": graphene.String(description="Locale; a different one moves the page."),
            "path": graphene.String(description="Path; a different one moves the page."),
            "publish_end_date": Date(description='End of publication; "" clears.'),
            "publish_start_date": Date(description='Start of publication; "" clears.'),
            "script_css": graphene.String(description='Page CSS; "" clears (with write:styles).'),
            "script_js": graphene.String(
                description='Page script; "" clears (with write:scripts).'
            ),
            "tags": graphene.List(
                graphene.String, description="Replaces the tags; [] removes all."
            ),
            "title": graphene.String(description="Title."),
        },
    )
    move = graphene.Field(
        DefaultResponse,
        resolver=resolve_move,
        description="Move a page. Gate: manage:pages or manage:system.",
        id=_id(),
        destination_path=graphene.String(required=True, description="Destination path."),
        destination_locale=graphene.String(required=True, description="Destination locale."),
    )
    delete = graphene.Field(
        DefaultResponse,
        resolver=resolve_delete,
        description="Delete a page; its history stays. Gate: delete:pages or manage:system.",
        id=_id(),
    )
    render = graphene.Field(
        DefaultResponse,
        resolver=resolve_render,
        description="Render a page again from its source. Gate: manage:system.",
        id=_id(),
    )
    restore = graphene.Field(
        DefaultResponse,
        resolver=resolve_restore,
        description=(
            "Restore a version's content and settings. "
            "Gate: write:pages, manage:pages or manage:system."
        ),
        page_id=_id(),
        version_id=_id("Version id (legacy integer id)."),
    )
    flush_cache = graphene.Field(
        DefaultResponse,
        resolver=resolve_flush_cache,
        description="No-op (no page cache). Gate: manage:system.",
    )
    rebuild_tree = graphene.Field(
        DefaultResponse,
        resolver=resolve_rebuild_tree,
        description="No-op (the tree is always current). Gate: manage:system.",
    )
