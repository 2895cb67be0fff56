"""GraphQL types of pages (API.md §4.1.4)."""

import graphene

from accounts import scopes
from accounts.permissions import PageContext
from pages.models import DEFAULT_ICON, effectively_published
from pages.models import TreeItem as TreeItemModel
from wiki.errors import DomainError

from ..accounts.types import User
from ..core.context import get_caller, selected_fields
from ..core.execution import computed, constant
from ..core.scalars import JSON, UUID, Date


class PagePublishState(graphene.Enum):
    draft = "draft"
    published = "published"
    scheduled = "scheduled"


class PageOrderBy(graphene.Enum):
    CREATED = "CREATED"
    ID = "ID"
    PATH = "PATH"
    TITLE = "TITLE"
    UPDATED = "UPDATED"


class PageOrderByDirection(graphene.Enum):
    ASC = "ASC"
    DESC = "DESC"


class PageRelationPosition(graphene.Enum):
    left = "left"
    center = "center"
    right = "right"


class NavigationMode(graphene.Enum):
    inherit = "inherit"
    override = "override"
    overrideExact = "overrideExact"
    hide = "hide"
    hideExact = "hideExact"


class PageTocDepth(graphene.ObjectType):
    min = graphene.Int(description="Shallowest heading level listed (1-6).")
    max = graphene.Int(description="Deepest heading level listed (1-6).")


class PageRelation(graphene.ObjectType):
    id = UUID(description="Relation id.")
    position = PageRelationPosition(description="left, center or right.")
    label = graphene.String(description="Link text.")
    caption = graphene.String(description="Secondary text.")
    icon = graphene.String(description="Icon.")
    target = graphene.String(description="Link target.")

    @staticmethod
    def resolve_id(relation, info):
        return relation.get("id")

    @staticmethod
    def resolve_position(relation, info):
        return relation.get("position")

    @staticmethod
    def resolve_label(relation, info):
        return relation.get("label")

    @staticmethod
    def resolve_caption(relation, info):
        return relation.get("caption", "")

    @staticmethod
    def resolve_icon(relation, info):
        return relation.get("icon", "")

    @staticmethod
    def resolve_target(relation, info):
        return relation.get("target")


def _config_flag(name: str):
    def resolve(page, info):
        return bool((page.config or {}).get(name, True))

    return resolve


# Page fields whose users are read with the page, in the same query.
PEOPLE_FIELDS = frozenset({"author", "creator"})


def selects_people(info: graphene.ResolveInfo) -> bool:
    """Whether a field returning a ``Page`` selects its author or creator."""
    return not selected_fields(info).isdisjoint(PEOPLE_FIELDS)


class Page(graphene.ObjectType):
    id = UUID(description="Page id.")
    site_id = UUID(description="Site the page belongs to.")
    locale = graphene.String(description="Locale code, lowercase.")
    path = graphene.String(description="Path without leading slash, lowercase.")
    hash = graphene.String(description="Opaque identifier derived from locale and path.")
    alias = graphene.String(description="Short alias, unique per site; null when none.")
    title = graphene.String(description="Title.")
    description = graphene.String(description="Short description.")
    icon = graphene.String(description="Icon name.")
    content = graphene.String(
        description="Raw source. Needs read:source, write:pages or manage:pages."
    )
    content_type = graphene.String(description="markdown, html or text.")
    editor = graphene.String(description="Editor used.")
    render = graphene.String(description="Rendered, sanitised HTML.")
    toc = graphene.List(JSON, description="Heading tree: {label, key, children}.")
    toc_depth = graphene.Field(PageTocDepth, description="Heading levels in the TOC.")
    tags = graphene.List(graphene.String, description="Tags.")
    relations = graphene.List(PageRelation, description="Related links.")
    publish_state = PagePublishState(description="draft, published or scheduled.")
    publish_start_date = Date(description="Start of the scheduled window.")
    publish_end_date = Date(description="End of the scheduled window.")
    is_browsable = graphene.Boolean(description="Listed when browsing.")
    is_searchable = graphene.Boolean(description="Found by search.")
    allow_comments = graphene.Boolean(description="Comments allowed.")
    allow_contributions = graphene.Boolean(description="Contributions allowed.")
    allow_ratings = graphene.Boolean(description="Ratings allowed.")
    show_sidebar = graphene.Boolean(description="Sidebar shown.")
    show_tags = graphene.Boolean(description="Tags shown.")
    show_toc = graphene.Boolean(description="TOC shown.")
    script_css = graphene.String(description="Page CSS.")
    script_js_load = graphene.String(description="Script run on load.")
    script_js_unload = graphene.String(description="Script run on unload.")
    password = graphene.String(description='"********" when a page password is set, else "".')
    navigation_id = UUID(description="Navigation menu of the tree entry.")
    navigation_mode = NavigationMode(description="Navigation mode of the tree entry.")
    author = graphene.Field(User, description="Last editor.")
    creator = graphene.Field(User, description="Creator.")
    created_at = Date(description="Creation time.")
    updated_at = Date(description="Last change.")

    resolve_allow_comments = staticmethod(_config_flag("allowComments"))
    resolve_allow_contributions = staticmethod(_config_flag("allowContributions"))
    resolve_allow_ratings = staticmethod(_config_flag("allowRatings"))
    resolve_show_sidebar = staticmethod(_config_flag("showSidebar"))
    resolve_show_tags = staticmethod(_config_flag("showTags"))
    resolve_show_toc = staticmethod(_config_flag("showToc"))

    @staticmethod
    def resolve_icon(page, info):
        return page.icon or DEFAULT_ICON

    @staticmethod
    def resolve_content(page, info):
        caller = get_caller(info)
        ctx = PageContext.of(page)
        if not any(caller.can_at(scope, ctx) for scope in scopes.PAGE_SOURCE_ANY):
            raise DomainError(caller.forbidden_key, "content needs read:source")
        return page.content

    @staticmethod
    def resolve_toc_depth(page, info):
        depth = (page.config or {}).get("tocDepth") or {"min": 1, "max": 2}
        return PageTocDepth(min=depth.get("min", 1), max=depth.get("max", 2))

    @staticmethod
    def resolve_script_css(page, info):
        return (page.scripts or {}).get("css", "")

    @staticmethod
    def resolve_script_js_load(page, info):
        return (page.scripts or {}).get("jsLoad", "")

    @staticmethod
    def resolve_script_js_unload(page, info):
        return (page.scripts or {}).get("jsUnload", "")

    @staticmethod
    def resolve_password(page, info):
        return "********" if page.password else ""

    @staticmethod
    def resolve_navigation_id(page, info):
        return _navigation(page)[0]

    @staticmethod
    def resolve_navigation_mode(page, info):
        return _navigation(page)[1]


def _navigation(page) -> tuple:
    """The page's tree item's navigation settings, read once per page and only when asked."""
    if not hasattr(page, "_navigation"):
        row = TreeItemModel.objects.filter(pk=page.pk).values_list(
            "navigation_id", "navigation_mode"
        )
        page._navigation = row.first() or (None, "inherit")
    return page._navigation


class PageListItem(graphene.ObjectType):
    id = UUID(description="Page id.")
    path = graphene.String(description="Path.")
    locale = graphene.String(description="Locale code.")
    title = graphene.String(description="Title.")
    description = graphene.String(description="Description.")
    content_type = graphene.String(description="markdown, html or text.")
    is_published = graphene.Boolean(description="Effectively published now.")
    is_private = graphene.Boolean(description="Always false.")
    private_ns = graphene.String(name="privateNS", description="Always null.")
    created_at = Date(description="Creation time.")
    updated_at = Date(description="Last change.")
    tags = graphene.List(graphene.String, description="Tags.")

    @staticmethod
    def resolve_is_published(page, info):
        return page.is_effectively_published

    @staticmethod
    def resolve_is_private(page, info):
        return False

    @staticmethod
    def resolve_private_ns(page, info):
        return None


# The resolvers above as the fast list path computes them from columns (api/core/execution.py).
PAGE_LIST_ITEM_COLUMNS = {
    "isPublished": computed(
        "publish_state", "publish_start_date", "publish_end_date", compute=effectively_published
    ),
    "isPrivate": constant(False),
    "privateNS": constant(None),
}


class PageRelationInput(graphene.InputObjectType):
    id = graphene.Field(UUID, required=True, description="Relation id.")
    position = graphene.Field(PageRelationPosition, required=True, description="Placement.")
    label = graphene.String(required=True, description="Link text.")
    caption = graphene.String(description="Secondary text.")
    icon = graphene.String(description="Icon.")
    target = graphene.String(required=True, description="Link target.")


class PageTocDepthInput(graphene.InputObjectType):
    min = graphene.Int(required=True, description="Shallowest level (1-6).")
    max = graphene.Int(required=True, description="Deepest level (1-6).")


class PageUpdateInput(graphene.InputObjectType):
    """``updatePage`` patch: every field optional; absent or null leaves the value as it is."""

    alias = graphene.String(description='Short alias, unique per site; "" clears it.')
    allow_comments = graphene.Boolean(description="Comments allowed.")
    allow_contributions = graphene.Boolean(description="Contributions allowed.")
    allow_ratings = graphene.Boolean(description="Ratings allowed.")
    content = graphene.String(description="New source; replaces the content only when not blank.")
    description = graphene.String(description="Description (at most 255).")
    icon = graphene.String(description="Icon name.")
    is_browsable = graphene.Boolean(description="Listed when browsing.")
    is_searchable = graphene.Boolean(description="Found by search.")
    password = graphene.String(description='Page password, stored hashed; "" clears it.')
    publish_end_date = Date(description="End of the scheduled window.")
    publish_start_date = Date(description="Start of the scheduled window.")
    publish_state = PagePublishState(description="scheduled needs both dates in this patch.")
    reason_for_change = graphene.String(description="Recorded on the history version.")
    relations = graphene.List(
        graphene.NonNull(PageRelationInput), description="Related links (replace the list)."
    )
    script_js_load = graphene.String(description='Load script (write:scripts); "" clears.')
    script_js_unload = graphene.String(description='Unload script (write:scripts); "" clears.')
    script_css = graphene.String(description='Page CSS (write:styles); "" clears.')
    show_sidebar = graphene.Boolean(description="Sidebar shown.")
    show_tags = graphene.Boolean(description="Tags shown.")
    show_toc = graphene.Boolean(description="TOC shown.")
    tags = graphene.List(graphene.NonNull(graphene.String), description="Tags (replace the list).")
    title = graphene.String(description="Title (1-255 characters).")
    toc_depth = PageTocDepthInput(description="TOC heading levels.")


class PageHistory(graphene.ObjectType):
    """One entry of a page's history trail (``pages.history.TrailEntry``)."""

    version_id = UUID(description="Version id.")
    version_date = Date(description="When the archived state was written (its updatedAt).")
    author_id = UUID(description="Author of the archived state.")
    author_name = graphene.String(description="That author's name.")
    action_type = graphene.String(description="initial, edit or move.")
    value_before = graphene.String(description="For a move: the older path.")
    value_after = graphene.String(description="For a move: this version's path.")


class PageHistoryResult(graphene.ObjectType):
    trail = graphene.List(PageHistory, description="Versions, newest first, one page of them.")
    total = graphene.Int(description="Number of versions of the page.")


class PageVersion(graphene.ObjectType):
    """An archived state of a page (``pages.models.PageHistory``)."""

    version_id = UUID(description="Version id.")
    page_id = UUID(description="Page id.")
    action = graphene.String(description="What superseded it: updated, moved, deleted, restored.")
    author_id = UUID(description="Author of the archived state.")
    author_name = graphene.String(description="That author's name.")
    content = graphene.String(description="Source.")
    content_type = graphene.String(description="markdown, html or text.")
    render = graphene.String(description="Rendered HTML.")
    editor = graphene.String(description="Editor.")
    title = graphene.String(description="Title.")
    description = graphene.String(description="Description.")
    locale = graphene.String(description="Locale code.")
    path = graphene.String(description="Path.")
    tags = graphene.List(graphene.String, description="Tags.")
    is_published = graphene.Boolean(description="The archived state was published.")
    is_private = graphene.Boolean(description="Always false.")
    publish_start_date = Date(description="Start of the scheduled window.")
    publish_end_date = Date(description="End of the scheduled window.")
    created_at = Date(description="When it was archived.")
    version_date = Date(description="The archived state's updatedAt.")

    @staticmethod
    def resolve_version_id(version, info):
        return version.pk

    @staticmethod
    def resolve_author_name(version, info):
        return version.author.name

    @staticmethod
    def resolve_tags(version, info):
        return list(version.tags or [])

    @staticmethod
    def resolve_is_published(version, info):
        return version.publish_state == "published"

    @staticmethod
    def resolve_is_private(version, info):
        return False
