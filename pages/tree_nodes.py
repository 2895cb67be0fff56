"""Wiki.js 2's tree of a site's locale: one node per full path (API-v2.md §5.8, ``pages.tree``).

The domain's tree (``pages.tree``) keeps a folder item per folder and a page item per page,
and every page has the folder items of all the paths above it. Wiki.js 2 derives one node per
path: a page and a folder at the same path are one node, a folder whenever something lies
below it. Nodes are read here from the tree items in two queries whatever the tree's size.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from accounts import scopes
from accounts.permissions import Caller, PageContext

from .models import TreeItem, TreeItemType, split_path
from .tree import ancestor_paths

FOLDERS, PAGES, ALL = "FOLDERS", "PAGES", "ALL"


@dataclass(frozen=True)
class TreeNode:
    id: int
    path: str
    depth: int
    title: str
    is_folder: bool
    parent: int
    page_id: int | None
    locale: str


def _normalized(path: str) -> str:
    return (path or "").strip().strip("/").lower()


def tree_nodes(
    caller: Caller | None,
    site_id: uuid.UUID,
    locale: str,
    *,
    mode: str = ALL,
    path: str | None = None,
    parent: int | None = None,
    include_ancestors: bool = False,
) -> list[TreeNode]:
    """One level of the tree (§3.1 ``tree``): its nodes passing ``mode``, plus the ancestors
    of the node at ``path`` when asked; readable ones only, folders first, then by title."""
    locale = (locale or "").strip().lower()
    items = TreeItem.objects.filter(site_id=site_id, locale=locale)
    at = _normalized(path or "")
    ancestors: list[str] = []
    if at and (parent is None or parent < 1):
        if not items.filter(path=at).exists():
            return []
        level = split_path(at)[0]
        if include_ancestors and level:
            ancestors = [*ancestor_paths(at)]
    elif parent is not None and parent >= 1:
        level = items.filter(legacy_id=parent).values_list("path", flat=True).first()
        if level is None:
            return []
    else:
        level = ""
    wanted = [level, *ancestors] if level else ancestors
    rows = list(
        items.filter(Q(folder_path=level) | Q(path__in=wanted)).values_list(
            "legacy_id", "type", "path", "title", "page__legacy_id"
        )
    )
    nodes = _nodes(rows, locale)
    parent_of = {node.path: node.id for node in nodes.values()}
    listed = [
        node
        for node in nodes.values()
        if split_path(node.path)[0] == level and node.path != level and _passes(node, mode)
    ]
    listed += [nodes[p] for p in ancestors if p in nodes]
    result = []
    for node in dict.fromkeys(listed):
        if caller is not None and not caller.can_at(
            scopes.READ_PAGES, PageContext(site_id, locale, node.path)
        ):
            continue
        above = split_path(node.path)[0]
        result.append(_with_parent(node, parent_of.get(above, 0) if above else 0))
    result.sort(key=lambda node: (not node.is_folder, node.title))
    return result


def _passes(node: TreeNode, mode: str) -> bool:
    if mode == FOLDERS:
        return node.is_folder
    if mode == PAGES:
        return node.page_id is not None
    return True


def _nodes(rows: Iterable[tuple], locale: str) -> dict[str, TreeNode]:
    """Folder and page items merged by path: the folder's id, the page's id and title."""
    folders: dict[str, tuple] = {}
    pages: dict[str, tuple] = {}
    for row in rows:
        (folders if row[1] == TreeItemType.FOLDER else pages)[row[2]] = row
    nodes = {}
    for node_path in dict.fromkeys([*folders, *pages]):
        folder, page = folders.get(node_path), pages.get(node_path)
        nodes[node_path] = TreeNode(
            id=(folder or page)[0],
            path=node_path,
            depth=node_path.count("/") + 1,
            title=(page or folder)[3],
            is_folder=folder is not None,
            parent=0,
            page_id=page[4] if page else None,
            locale=locale,
        )
    return nodes


def _with_parent(node: TreeNode, parent: int) -> TreeNode:
    return TreeNode(
        node.id,
        node.path,
        node.depth,
        node.title,
        node.is_folder,
        parent,
        node.page_id,
        node.locale,
    )
