"""Page types of the v2 dialect (API-v2.md §4.2) and the enums pages use (§4.7).

``Page`` renders a ``pages.models.Page`` (read with its author and creator when a field
needs them, ``selects_people``); ``PageListItem`` is completed by the fast list path from
columns (``PAGE_LIST_ITEM_COLUMNS``). Fields with a gate (§4.2) check it when selected.
"""

from __future__ import annotations

import hashlib
import json

import graphene

from accounts import scopes
from accounts.permissions import PageContext
from pages.models import PublishState, Tag

from ..core.context import get_caller, selected_fields
from ..core.execution import column, computed, constant
from .dialect import FORBIDDEN, V2Error
from .gates import SYSTEM, gated
from .publishing import V2Publishing, date_text
from .scalars import Date

# The v2 gate of most write-side fields of a page (§4.2).
WRITERS = (scopes.WRITE_PAGES, SYSTEM)
SOURCE_READERS = (scopes.READ_SOURCE, scopes.WRITE_PAGES, SYSTEM)

# Page fields that need the author's or creator's row, read with the page in the same query.
PEOPLE_FIELDS = frozenset(
    {"authorId", "authorName", "authorEmail", "creatorId", "creatorName", "creatorEmail"}
)


def selects_people(info: graphene.ResolveInfo) -> bool:
    """Whether a field returning a ``Page`` selects its author or creator."""
    return not selected_fields(info).isdisjoint(PEOPLE_FIELDS)


class PageTreeMode(graphene.Enum):
    FOLDERS = "FOLDERS"
    PAGES = "PAGES"
    ALL = "ALL"


def legacy_private(config) -> bool:
    """Wiki.js 2's inert ``isPrivate`` flag, kept in the page's configuration (§5.4)."""
    return bool((config or {}).get("legacyIsPrivate", False))


def v2_hash(locale: str, path: str) -> str:
    """Wiki.js 2's page hash of a non-private page: SHA-1 of ``<locale>|<path>|``."""
    return hashlib.sha1(f"{locale}|{path}|".encode(), usedforsecurity=False).hexdigest()


def toc_text(toc) -> str:
    """The domain's heading tree as Wiki.js 2's TOC JSON text (§5.9)."""

    def convert(entries):
        return [
            {
                "title": entry.get("label", ""),
                "anchor": "#" + str(entry.get("key", "")),
                "children": convert(entry.get("children") or []),
            }
            for entry in entries or []
            if isinstance(entry, dict)
        ]

    return json.dumps(convert(toc))


def _publishing(page) -> V2Publishing:
    return V2Publishing.of(page.publish_state, page.publish_start_date, page.publish_end_date)


class PageTag(graphene.ObjectType):
    id = graphene.Int(required=True)
    tag = graphene.String(required=True)
    title = graphene.String()
    created_at = Date(required=True)
    updated_at = Date(required=True)

    @staticmethod
    def resolve_id(tag, info):
        return tag.legacy_id

    @staticmethod
    def resolve_title(tag, info):
        return tag.tag


def page_tags(page) -> list:
    """The page's ``Tag`` rows, by tag (one query, kept on the page for a second selection)."""
    if not hasattr(page, "_v2_tags"):
        page._v2_tags = list(
            Tag.objects.filter(site_id=page.site_id, page_links__page_id=page.pk).order_by(
                "tag", "id"
            )
        )
    return page._v2_tags


def _person(role: str, read):
    """A resolver of the last editor's (``author``) or the creator's details, behind the
    writers' gate (§4.2)."""
    return staticmethod(gated(*WRITERS)(lambda page, info: read(getattr(page, role))))


class Page(graphene.ObjectType):
    id = graphene.Int(required=True)
    path = graphene.String(required=True)
    hash = graphene.String(required=True)
    title = graphene.String(required=True)
    description = graphene.String(required=True)
    is_private = graphene.Boolean(required=True)
    is_published = graphene.Boolean(required=True)
    private_ns = graphene.String(name="privateNS")
    publish_start_date = Date(required=True)
    publish_end_date = Date(required=True)
    tags = graphene.List(PageTag, required=True)
    content = graphene.String(required=True)
    render = graphene.String()
    toc = graphene.String()
    content_type = graphene.String(required=True)
    created_at = Date(required=True)
    updated_at = Date(required=True)
    editor = graphene.String(required=True)
    locale = graphene.String(required=True)
    script_css = graphene.String()
    script_js = graphene.String()
    author_id = graphene.Int(required=True)
    author_name = graphene.String(required=True)
    author_email = graphene.String(required=True)
    creator_id = graphene.Int(required=True)
    creator_name = graphene.String(required=True)
    creator_email = graphene.String(required=True)

    @staticmethod
    def resolve_id(page, info):
        return page.legacy_id

    @staticmethod
    def resolve_hash(page, info):
        return v2_hash(page.locale, page.path)

    @staticmethod
    @gated(*WRITERS)
    def resolve_is_private(page, info):
        return legacy_private(page.config)

    @staticmethod
    @gated(*WRITERS)
    def resolve_is_published(page, info):
        return _publishing(page).is_published

    @staticmethod
    @gated(*WRITERS)
    def resolve_private_ns(page, info):
        return None

    @staticmethod
    @gated(*WRITERS)
    def resolve_publish_start_date(page, info):
        return date_text(_publishing(page).start)

    @staticmethod
    @gated(*WRITERS)
    def resolve_publish_end_date(page, info):
        return date_text(_publishing(page).end)

    @staticmethod
    def resolve_tags(page, info):
        return page_tags(page)

    @staticmethod
    @gated(*SOURCE_READERS)
    def resolve_content(page, info):
        # Past the gate, the page rules still decide (§2.5): the source needs read:source,
        # write:pages or manage:pages at the page, as on /_graphql.
        caller = get_caller(info)
        ctx = PageContext.of(page)
        if not any(caller.can_at(scope, ctx) for scope in scopes.PAGE_SOURCE_ANY):
            raise V2Error(FORBIDDEN)
        return page.content

    @staticmethod
    def resolve_toc(page, info):
        return toc_text(page.toc)

    @staticmethod
    @gated(*WRITERS)
    def resolve_editor(page, info):
        return page.editor

    @staticmethod
    def resolve_script_css(page, info):
        return (page.scripts or {}).get("css", "") or ""

    @staticmethod
    def resolve_script_js(page, info):
        return (page.scripts or {}).get("jsLoad", "") or ""

    resolve_author_id = _person("author", lambda user: user.legacy_id)
    resolve_author_name = _person("author", lambda user: user.name or "")
    resolve_author_email = _person("author", lambda user: user.email or "")
    resolve_creator_id = _person("creator", lambda user: user.legacy_id)
    resolve_creator_name = _person("creator", lambda user: user.name or "")
    resolve_creator_email = _person("creator", lambda user: user.email or "")


class PageListItem(graphene.ObjectType):
    id = graphene.Int(required=True)
    path = graphene.String(required=True)
    locale = graphene.String(required=True)
    title = graphene.String()
    description = graphene.String()
    content_type = graphene.String(required=True)
    is_published = graphene.Boolean(required=True)
    is_private = graphene.Boolean(required=True)
    private_ns = graphene.String(name="privateNS")
    created_at = Date(required=True)
    updated_at = Date(required=True)
    tags = graphene.List(graphene.String)

    @staticmethod
    def resolve_id(page, info):
        return page.legacy_id

    @staticmethod
    def resolve_is_published(page, info):
        return page.publish_state != PublishState.DRAFT

    @staticmethod
    def resolve_is_private(page, info):
        return legacy_private(page.config)

    @staticmethod
    def resolve_private_ns(page, info):
        return None


# The resolvers above as the fast list path computes them from columns (api/core/execution.py).
PAGE_LIST_ITEM_COLUMNS = {
    "id": column("legacy_id"),
    "isPublished": computed("publish_state", compute=lambda state: state != PublishState.DRAFT),
    "isPrivate": computed("config", compute=legacy_private),
    "privateNS": constant(None),
    "tags": computed("tags", compute=lambda tags: list(tags or [])),
}
# The columns a list item may read (the normal path reads them all, never the content).
PAGE_LIST_ITEM_FIELDS = (
    "id",
    "legacy_id",
    "site_id",
    "locale",
    "path",
    "title",
    "description",
    "content_type",
    "publish_state",
    "tags",
    "config",
    "created_at",
    "updated_at",
)


class PageSearchResult(graphene.ObjectType):
    id = graphene.String(required=True)
    title = graphene.String(required=True)
    description = graphene.String(required=True)
    path = graphene.String(required=True)
    locale = graphene.String(required=True)

    @staticmethod
    def resolve_id(hit, info):
        return str(hit.legacy_id)

    @staticmethod
    def resolve_description(hit, info):
        return hit.description or ""


class PageSearchResponse(graphene.ObjectType):
    results = graphene.List(PageSearchResult, required=True)
    suggestions = graphene.List(graphene.String, required=True)
    total_hits = graphene.Int(required=True)


class PageTreeItem(graphene.ObjectType):
    id = graphene.Int(required=True)
    path = graphene.String(required=True)
    depth = graphene.Int(required=True)
    title = graphene.String(required=True)
    is_private = graphene.Boolean(required=True)
    is_folder = graphene.Boolean(required=True)
    private_ns = graphene.String(name="privateNS")
    parent = graphene.Int()
    page_id = graphene.Int()
    locale = graphene.String(required=True)

    @staticmethod
    def resolve_is_private(node, info):
        return False

    @staticmethod
    def resolve_private_ns(node, info):
        return None


class PageLinkItem(graphene.ObjectType):
    id = graphene.Int(required=True)
    path = graphene.String(required=True)
    title = graphene.String(required=True)
    links = graphene.List(graphene.String, required=True)

    @staticmethod
    def resolve_id(item, info):
        return item.legacy_id

    @staticmethod
    def resolve_path(item, info):
        return f"{item.locale}/{item.path}"


class PageHistory(graphene.ObjectType):
    version_id = graphene.Int(required=True)
    version_date = Date(required=True)
    author_id = graphene.Int(required=True)
    author_name = graphene.String(required=True)
    action_type = graphene.String(required=True)
    value_before = graphene.String()
    value_after = graphene.String()

    @staticmethod
    def resolve_version_id(entry, info):
        return entry.version_legacy_id

    @staticmethod
    def resolve_author_id(entry, info):
        return entry.author_legacy_id

    @staticmethod
    def resolve_author_name(entry, info):
        return entry.author_name or ""


class PageHistoryResult(graphene.ObjectType):
    trail = graphene.List(PageHistory)
    total = graphene.Int(required=True)


class _ArchivedState:
    """Resolvers that a version (``PageVersion``) and a page compared for conflicts
    (``PageConflictLatest``) share: both carry the last editor, text fields and tags."""

    @staticmethod
    def resolve_author_id(row, info):
        return str(row.author.legacy_id)  # text in both types (§4.2)

    @staticmethod
    def resolve_author_name(row, info):
        return row.author.name or ""

    @staticmethod
    def resolve_description(row, info):
        return row.description or ""

    @staticmethod
    def resolve_is_published(row, info):
        return _publishing(row).is_published

    @staticmethod
    def resolve_tags(row, info):
        return list(row.tags or [])


class PageVersion(_ArchivedState, graphene.ObjectType):
    action = graphene.String(required=True)
    author_id = graphene.String(required=True)
    author_name = graphene.String(required=True)
    content = graphene.String(required=True)
    content_type = graphene.String(required=True)
    created_at = Date(required=True)
    version_date = Date(required=True)
    description = graphene.String(required=True)
    editor = graphene.String(required=True)
    is_private = graphene.Boolean(required=True)
    is_published = graphene.Boolean(required=True)
    locale = graphene.String(required=True)
    page_id = graphene.Int(required=True)
    path = graphene.String(required=True)
    publish_end_date = Date(required=True)
    publish_start_date = Date(required=True)
    tags = graphene.List(graphene.String, required=True)
    title = graphene.String(required=True)
    version_id = graphene.Int(required=True)

    @staticmethod
    def resolve_is_private(version, info):
        return False

    @staticmethod
    def resolve_page_id(version, info):
        return version.v2_page_id

    @staticmethod
    def resolve_publish_start_date(version, info):
        return date_text(_publishing(version).start)

    @staticmethod
    def resolve_publish_end_date(version, info):
        return date_text(_publishing(version).end)

    @staticmethod
    def resolve_version_id(version, info):
        return version.legacy_id


class PageConflictLatest(_ArchivedState, graphene.ObjectType):
    id = graphene.Int(required=True)
    author_id = graphene.String(required=True)
    author_name = graphene.String(required=True)
    content = graphene.String(required=True)
    created_at = Date(required=True)
    description = graphene.String(required=True)
    is_published = graphene.Boolean(required=True)
    locale = graphene.String(required=True)
    path = graphene.String(required=True)
    tags = graphene.List(graphene.String)
    title = graphene.String(required=True)
    updated_at = Date(required=True)

    @staticmethod
    def resolve_id(page, info):
        return page.legacy_id

    @staticmethod
    def resolve_description(page, info):
        return page.description or ""

    @staticmethod
    def resolve_tags(page, info):
        return list(page.tags or [])
