"""Reading the tree: ``tree``, ``folderById`` and ``folderByPath`` (API.md §4.2.1).

Items are filtered in SQL before ordering and paging: a page item by its page's visibility
(``read:pages`` and publish visibility, the very condition of ``pages``), a folder by
``read:pages`` at its full path with no tags. One query lists a whole level or subtree,
whatever its size; the children counts are a correlated count in the same statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts import scopes
from accounts.permissions import MATCH_NOTHING, Caller, PageContext
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site

from . import validation as v
from .models import Page, PageTag, TreeItem, TreeItemType
from .tree import ancestor_paths
from .visibility import PathRuleSql, readable_pages_q

MAX_LIMIT = 1000
MAX_DEPTH = 10
ORDER_COLUMNS = {
    "createdAt": "created_at",
    "fileName": "file_name",
    "title": "title",
    "updatedAt": "updated_at",
}


class FolderRuleSql(PathRuleSql):
    """Rule patterns as conditions on folder items: their full path, and no tags ever."""

    def distinct_paths(self) -> Iterable[str]:
        folders = TreeItem.objects.filter(type=TreeItemType.FOLDER)
        return folders.values_list("path", flat=True).distinct().iterator()

    def any_tag(self, tags: Sequence[str]) -> Q:
        return MATCH_NOTHING

    def all_tags(self, tags: Sequence[str]) -> Q:
        return MATCH_NOTHING


def visible_items_q(caller: Caller | None, now=None) -> Q | None:
    """Tree items the caller may see; None = every item (manage:system or trusted code).

    ``now`` is the instant publish windows are judged at (the present when not given)."""
    if caller is None or caller.policy.is_root:
        return None
    pages = readable_pages_q(caller, now)
    page_q = Q(Exists(Page.objects.filter(pk=OuterRef("pk")).filter(pages)))
    folder_q = caller.policy.filter_q(scopes.READ_PAGES, FolderRuleSql())
    return (Q(type=TreeItemType.PAGE) & page_q) | (Q(type=TreeItemType.FOLDER) & folder_q)


def with_children_count(queryset: QuerySet[TreeItem], caller: Caller | None) -> QuerySet:
    """Annotate ``children_count``: the direct children (folders and pages) the caller sees."""
    children = TreeItem.objects.filter(
        site_id=OuterRef("site_id"), locale=OuterRef("locale"), folder_path=OuterRef("path")
    )
    condition = visible_items_q(caller)
    if condition is not None:
        children = children.filter(condition)
    count = children.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return queryset.annotate(
        children_count=Coalesce(Subquery(count, output_field=IntegerField()), 0)
    )


@dataclass
class TreeQuery:
    """``tree`` arguments (API.md §4.2.1), as the API parsed them; None = the default."""

    site_id: uuid.UUID | str
    parent_id: uuid.UUID | None = None
    parent_path: str | None = None
    locale: str | None = None
    types: list[str] | None = None
    tags: list[str] | None = None
    limit: int | None = None
    offset: int | None = None
    order_by: str | None = None
    direction: str | None = None
    depth: int | None = None
    include_ancestors: bool = False
    include_root_folders: bool = False
    count_children: bool = field(default=False)


def _parent_path(raw: str) -> str | None:
    """A ``parentPath`` normalised like a page path; None when no folder can have it."""
    path = raw.strip().strip("/").lower()
    if path and not all(v.PATH_SEGMENT.fullmatch(s) for s in path.split("/")):
        return None
    return path


def list_tree(caller: Caller | None, query: TreeQuery) -> QuerySet[TreeItem]:
    """``tree``: the items below a parent, ordered by depth then the chosen order, paged."""
    parent_path_given = query.parent_id is None and query.parent_path is not None
    parent_path = _parent_path(query.parent_path) if parent_path_given else ""
    # The site, and whether a folder has the parent path, in one round trip.
    sites = Site.objects.filter(pk=query.site_id).order_by()
    if parent_path:
        folders = TreeItem.objects.filter(
            site_id=OuterRef("pk"), type=TreeItemType.FOLDER, path=parent_path
        )
        if query.locale is not None:
            folders = folders.filter(locale=query.locale)
        sites = sites.annotate(has_parent=Exists(folders))
    site = sites.values("pk", *(["has_parent"] if parent_path else [])).first()
    if site is None:
        raise DomainError(ErrorKey.INVALID_SITE)
    limit = MAX_LIMIT if query.limit is None else query.limit
    offset = query.offset or 0
    depth = 1 if query.depth is None else query.depth
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError(ErrorKey.INVALID_INPUT, f"limit must be within 1-{MAX_LIMIT}")
    if offset < 0:
        raise DomainError(ErrorKey.INVALID_INPUT, "offset must not be negative")
    if not 0 <= depth <= MAX_DEPTH:
        raise DomainError(ErrorKey.INVALID_INPUT, f"depth must be within 0-{MAX_DEPTH}")
    depth = depth or 1

    items = TreeItem.objects.filter(site_id=query.site_id)
    locale = query.locale
    # No such parent: an empty result, annotated like any other (the fast path reads it).
    nothing = False
    if query.parent_id is not None:
        parent = (
            TreeItem.objects.filter(
                pk=query.parent_id, site_id=query.site_id, type=TreeItemType.FOLDER
            )
            .only("path", "locale")
            .first()
        )
        if parent is None:
            raise DomainError(ErrorKey.INVALID_FOLDER)
        nothing = locale is not None and locale != parent.locale
        locale, parent_path = parent.locale, parent.path
    elif parent_path_given and parent_path != "":
        # An invalid path (None) names no folder; nor does one with no folder there.
        nothing = parent_path is None or not site["has_parent"]
        parent_path = parent_path or ""
    else:
        parent_path = ""
    if locale is not None:
        items = items.filter(locale=locale)

    base_depth = parent_path.count("/") + 1 if parent_path else 0
    if parent_path:
        below = Q(folder_path=parent_path) | Q(folder_path__startswith=parent_path + "/")
    else:
        below = Q()
    listed = below & Q(depth__lt=base_depth + depth)
    if query.types is not None:
        listed &= Q(type__in=list(query.types))
    wanted_tags = dict.fromkeys(
        t for t in (v.normalize_tag(x or "") for x in query.tags or ()) if t
    )
    for tag in wanted_tags:
        listed &= Q(Exists(PageTag.objects.filter(page_id=OuterRef("pk"), tag__tag=tag)))

    ancestors = ancestor_paths(parent_path + "/x") if parent_path else []
    extra = Q(pk__in=[])
    if query.include_ancestors and ancestors:
        extra |= Q(type=TreeItemType.FOLDER, path__in=ancestors)
    if query.include_root_folders:
        extra |= Q(type=TreeItemType.FOLDER, depth=0)
    items = items.filter(listed | extra)

    condition = visible_items_q(caller)
    if condition is not None:
        items = items.filter(condition)
    if query.count_children:
        items = with_children_count(items, caller)
    column = ORDER_COLUMNS.get(query.order_by or "title", "title")
    prefix = "-" if (query.direction or "asc") == "desc" else ""
    flagged = ancestors if query.include_ancestors else []
    items = items.annotate(
        is_ancestor=Case(
            When(Q(type=TreeItemType.FOLDER, path__in=flagged), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if nothing:
        items = items.none()
    return items.order_by("depth", f"{prefix}{column}", f"{prefix}id")[offset : offset + limit]


def _readable_folder(caller: Caller | None, folder: TreeItem | None) -> TreeItem:
    if folder is None:
        raise DomainError(ErrorKey.INVALID_FOLDER)
    if caller is not None:
        caller.require_at(
            scopes.READ_PAGES, PageContext(folder.site_id, folder.locale, folder.path, ())
        )
    folder.is_ancestor = False
    return folder


def _folders(caller: Caller | None, count_children: bool) -> QuerySet[TreeItem]:
    folders = TreeItem.objects.filter(type=TreeItemType.FOLDER)
    return with_children_count(folders, caller) if count_children else folders


def folder_by_id(
    caller: Caller | None, folder_id: uuid.UUID, *, count_children: bool = False
) -> TreeItem:
    """``folderById``: the folder, or ERR_INVALID_FOLDER; then read:pages at its path."""
    folder = _folders(caller, count_children).filter(pk=folder_id).first()
    return _readable_folder(caller, folder)


def folder_by_path(
    caller: Caller | None,
    site_id: uuid.UUID,
    locale: str,
    path: str,
    *,
    count_children: bool = False,
) -> TreeItem:
    """``folderByPath``: site, then the folder at the normalised path, then read:pages."""
    if not Site.objects.filter(pk=site_id).exists():
        raise DomainError(ErrorKey.INVALID_SITE)
    normalized = _parent_path(path or "")
    folder = None
    if normalized:
        folder = (
            _folders(caller, count_children)
            .filter(site_id=site_id, locale=(locale or "").strip().lower(), path=normalized)
            .first()
        )
    return _readable_folder(caller, folder)
