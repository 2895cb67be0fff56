"""The tree and folders (API.md §4.2): ``tree``, ``folderById``, ``folderByPath`` and the
folder mutations."""

from __future__ import annotations

import graphene
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

from pages import folder_copies, folders, tree_listing
from pages.models import TreeItem as TreeItemModel
from pages.models import TreeItemType as ItemType

from ..accounts.types import OrderByDirection
from ..core.context import get_caller
from ..core.execution import computed, fast_list
from ..core.inputs import enum_value
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from ..core.scalars import UUID, Date


class TreeItemType(graphene.Enum):
    asset = "asset"
    folder = "folder"
    page = "page"


class TreeOrderBy(graphene.Enum):
    createdAt = "createdAt"  # noqa: N815 - the contract's values
    fileName = "fileName"  # noqa: N815
    title = "title"
    updatedAt = "updatedAt"  # noqa: N815


class TreeItem(graphene.Interface):
    id = UUID(description="Item id (a page's item has the page's id).")
    folder_path = graphene.String(description='Path of the parent folder; "" at the root.')
    file_name = graphene.String(description="The item's own path segment.")
    title = graphene.String(description="Title.")

    @classmethod
    def resolve_type(cls, item, info):
        return TreeItemPage if item.type == ItemType.PAGE else TreeItemFolder


class TreeItemFolder(graphene.ObjectType):
    class Meta:
        interfaces = (TreeItem,)

    depth = graphene.Int(description="Segments in folderPath; 0 at the root.")
    children_count = graphene.Int(description="Direct children (folders and pages) you can see.")
    is_ancestor = graphene.Boolean(description="Listed because includeAncestors asked for it.")


def _from_meta(name: str, default=None):
    """A page item's field kept in its ``meta`` copy (pages.tree.page_meta)."""

    def read(meta):
        return (meta or {}).get(name, default)

    return read


# Fields of TreeItemPage read from ``meta``: the resolvers below, and the fast list path.
PAGE_META_FIELDS = {
    "description": _from_meta("description", ""),
    "editor": _from_meta("editor"),
    "pageType": _from_meta("contentType"),
}
TREE_ITEM_COLUMNS = {
    name: computed("meta", compute=read) for name, read in PAGE_META_FIELDS.items()
}


class TreeItemPage(graphene.ObjectType):
    class Meta:
        interfaces = (TreeItem,)

    depth = graphene.Int(description="Segments in folderPath; 0 at the root.")
    description = graphene.String(description="The page's description.")
    editor = graphene.String(description="The page's editor.")
    page_type = graphene.String(description="The page's content type.")
    created_at = Date(description="Page creation time.")
    updated_at = Date(description="Last change of the page.")

    @staticmethod
    def resolve_description(item, info):
        return PAGE_META_FIELDS["description"](item.meta)

    @staticmethod
    def resolve_editor(item, info):
        return PAGE_META_FIELDS["editor"](item.meta)

    @staticmethod
    def resolve_page_type(item, info):
        return PAGE_META_FIELDS["pageType"](item.meta)


class TreeItemAsset(graphene.ObjectType):
    """In the contract's schema; this server keeps no assets, so it is never returned."""

    class Meta:
        interfaces = (TreeItem,)

    depth = graphene.Int(description="Segments in folderPath.")
    file_size = graphene.Int(description="Bytes.")
    file_ext = graphene.String(description="Extension.")
    mime_type = graphene.String(description="MIME type.")
    created_at = Date(description="Creation time.")
    updated_at = Date(description="Last change.")


def selects_anywhere(info: graphene.ResolveInfo, name: str) -> bool:
    """Whether ``name`` is selected below this field, under any type condition.

    ``selected_fields`` collects for the interface only, which misses ``... on TreeItemFolder``.
    A false positive only costs the count; a false negative cannot happen.
    """
    pending = [node.selection_set for node in info.field_nodes if node.selection_set]
    seen: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    return True
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = info.fragments.get(selection.name.value)
                if fragment and fragment.name.value not in seen:
                    seen.add(fragment.name.value)
                    pending.append(fragment.selection_set)
    return False


class TreeQueries(graphene.ObjectType):
    tree = graphene.List(
        TreeItem,
        site_id=graphene.Argument(UUID, required=True, description="Site id."),
        parent_id=UUID(description="Folder whose children are listed."),
        parent_path=graphene.String(description="Parent folder path (when no parentId)."),
        locale=graphene.String(description="Only items of this locale."),
        types=graphene.List(TreeItemType, description="Only these item types."),
        tags=graphene.List(graphene.String, description="Items must carry all of these."),
        limit=graphene.Int(description="1-1000 (default 1000)."),
        offset=graphene.Int(description="Items skipped (default 0)."),
        order_by=TreeOrderBy(description="Sort field after depth (default title)."),
        order_by_direction=OrderByDirection(description="Sort direction (default asc)."),
        depth=graphene.Int(description="Levels below the parent, 0-10 (default 1; 0 = 1)."),
        include_ancestors=graphene.Boolean(description="Also the folders down to the parent."),
        include_root_folders=graphene.Boolean(description="Also every root folder."),
        description="Folders and pages below a folder, filtered by read:pages.",
    )
    folder_by_id = graphene.Field(
        TreeItemFolder,
        id=graphene.Argument(UUID, required=True, description="Folder id."),
        description="One folder. Needs read:pages at its path.",
    )
    folder_by_path = graphene.Field(
        TreeItemFolder,
        site_id=graphene.Argument(UUID, required=True, description="Site id."),
        locale=graphene.String(required=True, description="Locale code."),
        path=graphene.String(required=True, description="Full path of the folder."),
        description="One folder by path. Needs read:pages at its path.",
    )

    @staticmethod
    @fast_list(
        TreeItemModel,
        computed=TREE_ITEM_COLUMNS,
        discriminator=("type", {ItemType.FOLDER: "TreeItemFolder", ItemType.PAGE: "TreeItemPage"}),
    )
    def resolve_tree(root, info, site_id, **arguments):
        query = tree_listing.TreeQuery(
            site_id=site_id,
            parent_id=arguments.get("parent_id"),
            parent_path=arguments.get("parent_path"),
            locale=arguments.get("locale"),
            types=None
            if arguments.get("types") is None
            else [enum_value(t) for t in arguments["types"] if t is not None],
            tags=arguments.get("tags"),
            limit=arguments.get("limit"),
            offset=arguments.get("offset"),
            order_by=enum_value(arguments.get("order_by")),
            direction=enum_value(arguments.get("order_by_direction")),
            depth=arguments.get("depth"),
            include_ancestors=bool(arguments.get("include_ancestors")),
            include_root_folders=bool(arguments.get("include_root_folders")),
            count_children=selects_anywhere(info, "childrenCount"),
        )
        return tree_listing.list_tree(get_caller(info), query)

    @staticmethod
    def resolve_folder_by_id(root, info, id):
        return tree_listing.folder_by_id(
            get_caller(info), id, count_children=selects_anywhere(info, "childrenCount")
        )

    @staticmethod
    def resolve_folder_by_path(root, info, site_id, locale, path):
        return tree_listing.folder_by_path(
            get_caller(info),
            site_id,
            locale,
            path,
            count_children=selects_anywhere(info, "childrenCount"),
        )


class CreateFolder(WikiMutation):
    """Create a folder (and any missing folder above it)."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        site_id = graphene.Argument(UUID, required=True, description="Site id.")
        locale = graphene.String(required=True, description="Locale code.")
        parent_id = UUID(description="Parent folder id.")
        parent_path = graphene.String(description="Parent folder path (when no parentId).")
        path_name = graphene.String(required=True, description="Own segment: [a-z0-9-]+.")
        title = graphene.String(required=True, description='Title (1-255, no < > ").')

    success_message = "Folder created successfully."

    @classmethod
    def perform(cls, root, info, site_id, locale, path_name, title, **arguments) -> Outcome:
        folders.create_folder(
            get_caller(info),
            site_id,
            locale,
            path_name,
            title,
            parent_id=arguments.get("parent_id"),
            parent_path=arguments.get("parent_path"),
        )
        return Outcome()


class RenameFolder(WikiMutation):
    """Retitle a folder; a new name re-paths everything below it."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        folder_id = graphene.Argument(UUID, required=True, description="Folder id.")
        path_name = graphene.String(required=True, description="Own segment: [a-z0-9-]+.")
        title = graphene.String(required=True, description="Title.")

    success_message = "Folder renamed successfully."

    @classmethod
    def perform(cls, root, info, folder_id, path_name, title) -> Outcome:
        folders.rename_folder(get_caller(info), folder_id, path_name, title)
        return Outcome()


class MoveFolder(WikiMutation):
    """Move a folder and everything below it under another folder, or to the root."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        folder_id = graphene.Argument(UUID, required=True, description="Folder id.")
        target_parent_id = UUID(description="New parent folder; null = the root.")

    success_message = "Folder moved successfully."

    @classmethod
    def perform(cls, root, info, folder_id, target_parent_id=None) -> Outcome:
        folders.move_folder(get_caller(info), folder_id, target_parent_id)
        return Outcome()


class DuplicateFolder(WikiMutation):
    """Copy a folder with its folders and pages."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        folder_id = graphene.Argument(UUID, required=True, description="Folder to copy.")
        target_parent_id = UUID(description="Parent of the copy; null = the root.")
        target_path_name = graphene.String(required=True, description="The copy's segment.")
        target_title = graphene.String(required=True, description="The copy's title.")

    success_message = "Folder duplicated successfully."

    @classmethod
    def perform(
        cls, root, info, folder_id, target_path_name, target_title, target_parent_id=None
    ) -> Outcome:
        folder_copies.duplicate_folder(
            get_caller(info), folder_id, target_parent_id, target_path_name, target_title
        )
        return Outcome()


class DeleteFolder(WikiMutation):
    """Delete a folder, the folders below it and their pages (history kept)."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        folder_id = graphene.Argument(UUID, required=True, description="Folder id.")

    success_message = "Folder deleted successfully."

    @classmethod
    def perform(cls, root, info, folder_id) -> Outcome:
        folders.delete_folder(get_caller(info), folder_id)
        return Outcome()


class TreeMutations(graphene.ObjectType):
    create_folder = CreateFolder.Field(description="Create a folder. Needs write:pages there.")
    rename_folder = RenameFolder.Field(
        description="Rename a folder. A new name needs manage:pages at the old paths and "
        "write:pages at the new ones, for the folder and every page below it."
    )
    move_folder = MoveFolder.Field(
        description="Move a folder. Needs manage:pages at the old paths and write:pages at "
        "the new ones, for the folder and every page below it."
    )
    duplicate_folder = DuplicateFolder.Field(
        description="Copy a folder. Needs read access to every source item and write:pages "
        "at every destination."
    )
    delete_folder = DeleteFolder.Field(
        description="Delete a folder and its pages. Needs delete:pages at each."
    )
