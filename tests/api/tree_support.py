"""Queries, folders and snapshots shared by the tests of the tree and the folder operations
(API.md §4.2)."""

from __future__ import annotations

from pages.models import TreeItem, TreeItemType
from pages.tree import ancestor_paths, ensure_folders
from tests.conftest import GraphQLClient, GraphQLResponse
from tests.factories import default_site

from .page_edit_support import world

NIL = "00000000-0000-0000-0000-000000000000"
UNKNOWN = "12345678-1234-4234-8234-123456789012"
OPERATION = "operation { succeeded slug message }"

TREE_ARGS = {
    "siteId": "UUID!",
    "parentId": "UUID",
    "parentPath": "String",
    "locale": "String",
    "types": "[TreeItemType]",
    "tags": "[String]",
    "limit": "Int",
    "offset": "Int",
    "orderBy": "TreeOrderBy",
    "orderByDirection": "OrderByDirection",
    "depth": "Int",
    "includeAncestors": "Boolean",
    "includeRootFolders": "Boolean",
}
ITEM_FIELDS = """__typename id folderPath fileName title
  ... on TreeItemFolder { depth childrenCount isAncestor }
  ... on TreeItemPage { depth description editor pageType createdAt updatedAt }"""
TREE = (
    "query ("
    + ", ".join(f"${name}: {kind}" for name, kind in TREE_ARGS.items())
    + ") { tree("
    + ", ".join(f"{name}: ${name}" for name in TREE_ARGS)
    + ") { "
    + ITEM_FIELDS
    + " } }"
)
FOLDER_FIELDS = "__typename id folderPath fileName title depth childrenCount isAncestor"
FOLDER_BY_ID = "query ($id: UUID!) { folderById(id: $id) { " + FOLDER_FIELDS + " } }"
FOLDER_BY_PATH = (
    "query ($siteId: UUID!, $locale: String!, $path: String!) {"
    " folderByPath(siteId: $siteId, locale: $locale, path: $path) { " + FOLDER_FIELDS + " } }"
)
CREATE_FOLDER = (
    "mutation ($siteId: UUID!, $locale: String!, $parentId: UUID, $parentPath: String,"
    " $pathName: String!, $title: String!) { createFolder(siteId: $siteId, locale: $locale,"
    " parentId: $parentId, parentPath: $parentPath, pathName: $pathName, title: $title) { "
    + OPERATION
    + " } }"
)
RENAME_FOLDER = (
    "mutation ($folderId: UUID!, $pathName: String!, $title: String!) {"
    " renameFolder(folderId: $folderId, pathName: $pathName, title: $title) { " + OPERATION + " } }"
)
MOVE_FOLDER = (
    "mutation ($folderId: UUID!, $targetParentId: UUID) {"
    " moveFolder(folderId: $folderId, targetParentId: $targetParentId) { " + OPERATION + " } }"
)
DUPLICATE_FOLDER = (
    "mutation ($folderId: UUID!, $targetParentId: UUID, $targetPathName: String!,"
    " $targetTitle: String!) { duplicateFolder(folderId: $folderId,"
    " targetParentId: $targetParentId, targetPathName: $targetPathName,"
    " targetTitle: $targetTitle) { " + OPERATION + " } }"
)
DELETE_FOLDER = (
    "mutation ($folderId: UUID!) { deleteFolder(folderId: $folderId) { " + OPERATION + " } }"
)


def site_id() -> str:
    return str(default_site().pk)


def tree(client: GraphQLClient, **arguments) -> GraphQLResponse:
    """``tree`` with only the given arguments (the others omitted); siteId defaults to ``*``."""
    arguments.setdefault("siteId", site_id())
    return client(TREE, {k: str(v) if k == "parentId" else v for k, v in arguments.items()})


def listed(r: GraphQLResponse) -> list[str]:
    """The items' full paths in answer order, folders marked with a trailing ``/``."""
    assert (r.status, r.errors) == (200, []), r.body
    out = []
    for item in r.data["tree"]:
        path = f"{item['folderPath']}/{item['fileName']}".lstrip("/")
        out.append(path + "/" if item["__typename"] == "TreeItemFolder" else path)
    return out


def make_folder(path: str, title: str | None = None, *, locale: str = "en", site=None) -> TreeItem:
    """The folder at ``path`` and its ancestors, as the page services create them."""
    site_pk = (site or default_site()).pk
    ensure_folders(site_pk, locale, [*ancestor_paths(path), path])
    folder = folder_at(path, locale=locale, site=site)
    if title is not None:
        folder.title = title
        folder.save(update_fields=["title"])
    return folder


def folder_at(path: str, *, locale: str = "en", site=None) -> TreeItem:
    return TreeItem.objects.get(
        site=site or default_site(), locale=locale, type=TreeItemType.FOLDER, path=path
    )


def folders(locale: str | None = None) -> list[str]:
    """Every folder's full path in the default site (of ``locale`` if given), sorted."""
    rows = TreeItem.objects.filter(site=default_site(), type=TreeItemType.FOLDER)
    if locale:
        rows = rows.filter(locale=locale)
    return sorted(rows.values_list("path", flat=True))


def page_items() -> dict[str, str]:
    """Page items: full path -> title."""
    return dict(TreeItem.objects.filter(type=TreeItemType.PAGE).values_list("path", "title"))


def everything() -> dict:
    """``world()`` plus every tree item: what a refused folder operation must leave as it was."""
    return {**world(), "tree": list(TreeItem.objects.order_by("pk").values())}
