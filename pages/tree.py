"""Keeping the tree current as pages change (API.md §4.2, "The tree").

Every page write calls one of the functions here inside its own transaction, so the tree never
lags behind the pages and is never rebuilt: a page added, moved or deleted touches its own
tree item and looks up (and, when missing, creates) the folders above it; nothing else. The
statement count of each function is fixed whatever the size of the wiki.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from wiki import legacy_ids
from wiki.locking import key_share

from .models import Page, TreeItem, TreeItemType, page_hash, split_path


def ancestor_paths(path: str) -> list[str]:
    """The full paths of the folders above ``path``: ``"a/b/c"`` -> ``["a", "a/b"]``."""
    segments = path.split("/")[:-1]
    return ["/".join(segments[: index + 1]) for index in range(len(segments))]


def folder_item(site_id, locale: str, path: str, title: str | None = None, **fields) -> TreeItem:
    """An unsaved folder item at ``path`` with every derived column set."""
    folder_path, file_name = split_path(path)
    return TreeItem(
        site_id=site_id,
        locale=locale,
        type=TreeItemType.FOLDER,
        folder_path=folder_path,
        file_name=file_name,
        path=path,
        depth=path.count("/"),
        title=title or file_name,
        hash=page_hash(locale, path),
        **fields,
    )


def ensure_folders(site_id, locale: str, paths: Iterable[str]) -> list[str]:
    """Create the folders of ``paths`` that are missing (title = their segment name).

    One query when they all exist; three more (ids, insert) when some are missing. A
    concurrent writer creating the same folder wins quietly (its row stays, ours is skipped).
    Returns the paths that were missing.
    """
    wanted = list(dict.fromkeys(p for p in paths if p))
    if not wanted:
        return []
    existing = _locked_folder_paths(site_id, locale, wanted)
    missing = [path for path in wanted if path not in existing]
    if missing:
        ids = legacy_ids.allocate_many(TreeItem.legacy_kind, len(missing))
        now = timezone.now()
        TreeItem.objects.bulk_create(
            [
                folder_item(
                    site_id, locale, path, legacy_id=legacy_id, created_at=now, updated_at=now
                )
                for path, legacy_id in zip(missing, ids, strict=True)
            ],
            ignore_conflicts=True,
        )
    return missing


def _locked_folder_paths(site_id, locale: str, paths: list[str]) -> set[str]:
    """Which of ``paths`` are folders, holding them until commit with a key-share lock.

    A folder being renamed, moved or deleted is locked FOR UPDATE by its operation, which
    this lock waits for (and the other way round), so a page is never placed under a folder
    that is going away; concurrent page writes under one folder do not wait for each other.
    The rows are locked by path, parents first, as those operations lock a subtree (the folder,
    then what is below it): locked in scan order, a page write could hold a subfolder while
    waiting for the folder a deleteFolder held, which then waited for that subfolder.
    """
    folders = TreeItem.objects.filter(
        site_id=site_id, locale=locale, type=TreeItemType.FOLDER, path__in=paths
    ).values_list("path", flat=True)
    return set(key_share(folders.order_by("path")))


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def page_meta(page: Page) -> dict:
    """The copy of a page's listing fields its tree item keeps (API.md §5 "Tree item")."""
    return {
        "description": page.description or "",
        "editor": page.editor,
        "contentType": page.content_type,
        "authorId": str(page.author_id) if page.author_id else None,
        "creatorId": str(page.creator_id) if page.creator_id else None,
        "publishState": page.publish_state,
        "publishStartDate": _iso(page.publish_start_date),
        "publishEndDate": _iso(page.publish_end_date),
        "isBrowsable": page.is_browsable,
    }


def _page_item_columns(page: Page) -> dict:
    folder_path, file_name = split_path(page.path)
    return {
        "site_id": page.site_id,
        "locale": page.locale,
        "folder_path": folder_path,
        "file_name": file_name,
        "path": page.path,
        "depth": page.path.count("/"),
        "hash": page_hash(page.locale, page.path),
        "title": page.title,
        "tags": list(page.tags or []),
        "meta": page_meta(page),
        "created_at": page.created_at,
        "updated_at": page.updated_at,
    }


def page_item(page: Page, **fields) -> TreeItem:
    """An unsaved item for ``page`` (same id), every column derived from the page."""
    columns = _page_item_columns(page)
    return TreeItem(id=page.pk, page_id=page.pk, type=TreeItemType.PAGE, **columns, **fields)


def add_page_item(page: Page) -> None:
    """A new page's item, under its folders (created when missing)."""
    ensure_folders(page.site_id, page.locale, ancestor_paths(page.path))
    page_item(page).save(force_insert=True)


def sync_page_item(page: Page) -> None:
    """Bring the page's item up to date (title, tags, copy of fields, and its place).

    One UPDATE when the page stays where it was; the folders of a new place are ensured
    first. A page that has no item yet (written before the tree existed) gets one.
    """
    if not TreeItem.objects.filter(pk=page.pk).update(**_page_item_columns(page)):
        add_page_item(page)


def move_page_item(page: Page) -> None:
    """After a move: the item is re-placed; the folders it left stay (API.md §4.1.3)."""
    ensure_folders(page.site_id, page.locale, ancestor_paths(page.path))
    sync_page_item(page)
