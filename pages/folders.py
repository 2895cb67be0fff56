"""Folder operations: create, rename, move, duplicate and delete (API.md §4.2.2).

Each runs its checks in the contract's order inside one transaction, so a refusal leaves no
trace. Renaming or moving a folder re-paths every page below it exactly as ``movePage`` would
(a ``moved`` history version each); deleting one deletes its pages as ``deletePage`` would.
Work is done in bulk statements over the folder's subtree: the cost grows with the subtree,
never with the rest of the wiki.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import scopes
from accounts.permissions import Caller, PageContext
from accounts.services import author_for, hold_author
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site

from . import validation as v
from .history import record_versions
from .models import (
    HistoryAction,
    Page,
    TreeItem,
    TreeItemType,
    join_path,
    page_hash,
    split_path,
)
from .services import change_tag_usage
from .tree import ancestor_paths, ensure_folders, folder_item, page_meta

FOLDER_NAME = re.compile(r"^[a-z0-9-]+$")
FORBIDDEN_TITLE_CHARACTERS = frozenset('<>"')
BATCH = 500


def clean_path_name(raw: str | None, *, at_root: bool) -> str:
    """A folder's own segment; at the root it also obeys the first-segment rule (§4.1.1)."""
    name = (raw or "").strip()
    if not FOLDER_NAME.fullmatch(name) or len(name) > v.MAX_PATH:
        raise DomainError(ErrorKey.INVALID_PATH, f"bad folder name {name!r}")
    if at_root and (reason := v.reserved_first_segment(name)):
        raise DomainError(ErrorKey.INVALID_PATH, f"reserved first segment {name!r}: {reason}")
    return name


def clean_folder_title(raw: str | None) -> str:
    title = (raw or "").strip()
    if not 1 <= len(title) <= v.MAX_TEXT or FORBIDDEN_TITLE_CHARACTERS & set(title):
        raise DomainError(ErrorKey.FOLDER_TITLE_INVALID)
    return title


def clean_parent_path(raw: str | None) -> str:
    """A ``parentPath``: normalised like a page path, each segment ``[a-z0-9_-]+``.

    Its first segment obeys the first-segment rule too, since a missing parent is created as
    a root folder, and no page could live below a reserved one.
    """
    path = (raw or "").strip().strip("/").lower()
    if not path:
        return ""
    segments = path.split("/")
    if len(path) > v.MAX_PATH or not all(v.PATH_SEGMENT.fullmatch(s) for s in segments):
        raise DomainError(ErrorKey.INVALID_PATH, f"bad parent path {path!r}")
    if reason := v.reserved_first_segment(segments[0]):
        raise DomainError(ErrorKey.INVALID_PATH, f"reserved first segment: {reason}")
    return path


def context_at(item: TreeItem, path: str | None = None, tags: Iterable[str] = ()) -> PageContext:
    return PageContext(item.site_id, item.locale, item.path if path is None else path, tuple(tags))


def get_folder(folder_id: uuid.UUID, *, lock: bool = False) -> TreeItem:
    folders = TreeItem.objects.filter(pk=folder_id, type=TreeItemType.FOLDER).order_by("pk")
    # ``of=self`` and no default ordering: a join would lock the site's row too, and with it
    # every page write of the site (their foreign key checks share-lock it).
    folder = (folders.select_for_update(of=("self",)) if lock else folders).first()
    if folder is None:
        raise DomainError(ErrorKey.INVALID_FOLDER)
    return folder


def target_parent_path(folder: TreeItem, target_id: uuid.UUID | None) -> str:
    """The full path of a target parent: a folder of the same site and locale, not inside
    ``folder`` (nor ``folder`` itself); ``""`` for the root."""
    if target_id is None:
        return ""
    target = (
        TreeItem.objects.filter(
            pk=target_id, type=TreeItemType.FOLDER, site_id=folder.site_id, locale=folder.locale
        )
        .only("path")
        .first()
    )
    if target is None or target.pk == folder.pk or target.path.startswith(folder.path + "/"):
        raise DomainError(ErrorKey.FOLDER_PARENT_INVALID)
    return target.path


def folder_exists(site_id, locale: str, path: str) -> bool:
    return TreeItem.objects.filter(
        site_id=site_id, locale=locale, type=TreeItemType.FOLDER, path=path
    ).exists()


@transaction.atomic
def create_folder(
    caller: Caller | None,
    site_id: uuid.UUID | str,
    locale: str,
    path_name: str,
    title: str,
    *,
    parent_id: uuid.UUID | None = None,
    parent_path: str | None = None,
) -> TreeItem:
    """``createFolder``; missing ancestors of the parent path are created (titled by name)."""
    if not Site.objects.filter(pk=site_id).exists():
        raise DomainError(ErrorKey.INVALID_SITE)
    locale = v.normalize_locale(locale)
    at_root = parent_id is None and not (parent_path or "").strip().strip("/")
    name = clean_path_name(path_name, at_root=at_root)
    title = clean_folder_title(title)
    if parent_id is not None:
        parent = TreeItem.objects.filter(
            pk=parent_id, type=TreeItemType.FOLDER, site_id=site_id, locale=locale
        ).first()
        if parent is None:
            raise DomainError(ErrorKey.FOLDER_PARENT_INVALID)
        base = parent.path
    else:
        base = clean_parent_path(parent_path)
    path = join_path(base, name)
    if len(path) > v.MAX_PATH:
        raise DomainError(ErrorKey.INVALID_PATH, "longer than 255")
    if caller is not None:
        caller.require_at(scopes.WRITE_PAGES, PageContext(site_id, locale, path, ()))
    if folder_exists(site_id, locale, path):
        raise DomainError(ErrorKey.FOLDER_DUPLICATE)
    ensure_folders(site_id, locale, ancestor_paths(path))
    folder = folder_item(site_id, locale, path, title)
    try:
        with transaction.atomic():
            folder.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent request created it first
        raise DomainError(ErrorKey.FOLDER_DUPLICATE) from exc
    return folder


@dataclass
class Subtree:
    """A folder with everything below it: the pages (full rows) and the tree items."""

    folder: TreeItem
    pages: list[Page]
    items: list[TreeItem]  # the folder itself, descendant folders and page items

    @classmethod
    def of(cls, folder: TreeItem, *, lock: bool) -> Subtree:
        prefix = folder.path + "/"
        pages = Page.objects.filter(
            site_id=folder.site_id, locale=folder.locale, path__startswith=prefix
        ).order_by("path")
        items = TreeItem.objects.filter(site_id=folder.site_id, locale=folder.locale).filter(
            Q(pk=folder.pk) | Q(folder_path=folder.path) | Q(folder_path__startswith=prefix)
        )
        if lock:
            pages = pages.select_for_update(of=("self",))
            items = items.select_for_update(of=("self",))
        return cls(folder, list(pages), list(items.order_by("depth", "path")))

    def moved(self, path: str, new_root: str) -> str:
        """Where ``path`` (the folder's or one below it) lands when the folder becomes ``new_root``."""
        return new_root + path[len(self.folder.path) :]

    def check_lengths(self, new_root: str) -> None:
        paths = [p.path for p in self.pages] + [i.path for i in self.items]
        longest = max(map(len, paths), default=len(self.folder.path))
        if (
            len(new_root) > v.MAX_PATH
            or longest - len(self.folder.path) + len(new_root) > v.MAX_PATH
        ):
            raise DomainError(ErrorKey.INVALID_PATH, "a path below would exceed 255 characters")

    def check_page_collisions(self, new_root: str) -> None:
        """ERR_PAGE_DUPLICATE_PATH when a page outside the subtree holds a destination path."""
        moving = {page.pk for page in self.pages}
        destinations = [self.moved(page.path, new_root) for page in self.pages]
        for start in range(0, len(destinations), BATCH):
            holders = Page.objects.filter(
                site_id=self.folder.site_id,
                locale=self.folder.locale,
                path__in=destinations[start : start + BATCH],
            ).values_list("pk", flat=True)
            if any(pk not in moving for pk in holders):
                raise DomainError(ErrorKey.PAGE_DUPLICATE_PATH)


def _require_repath(caller: Caller | None, subtree: Subtree, new_root: str) -> None:
    """manage:pages at the old place and write:pages at the new one, for the folder and
    every page below it (API.md §3.5)."""
    if caller is None:
        return
    folder = subtree.folder
    caller.require_at(scopes.MANAGE_PAGES, context_at(folder))
    caller.require_at(scopes.WRITE_PAGES, context_at(folder, new_root))
    for page in subtree.pages:
        tags = page.tags or ()
        caller.require_at(scopes.MANAGE_PAGES, context_at(folder, page.path, tags))
        caller.require_at(
            scopes.WRITE_PAGES, context_at(folder, subtree.moved(page.path, new_root), tags)
        )


def _bulk_update_unique(model, rows: list, fields: list[str], clash: bool, park) -> None:
    """``bulk_update`` that cannot trip a unique constraint half way: when new and old values
    overlap, every row is first parked on a value of its own (``park(row)``)."""
    if clash:
        parked = [park(row) for row in rows]
        model.objects.bulk_update(parked, [fields[0]], batch_size=BATCH)
    model.objects.bulk_update(rows, fields, batch_size=BATCH)


def _repath(caller: Caller | None, subtree: Subtree, new_root: str, title: str) -> TreeItem:
    """Move the folder to ``new_root`` (its full path), its pages and items with it.

    Returns the folder as it now is."""
    folder, now, author = subtree.folder, timezone.now(), hold_author(author_for(caller))
    record_versions(subtree.pages, HistoryAction.MOVED, affected=["path"])
    old_paths = {page.path for page in subtree.pages}
    pages_by_id = {}
    for page in subtree.pages:
        page.path = subtree.moved(page.path, new_root)
        page.hash = page_hash(page.locale, page.path)
        page.author, page.updated_at = author, now
        pages_by_id[page.pk] = page
    try:
        with transaction.atomic():
            _bulk_update_unique(
                Page,
                subtree.pages,
                ["path", "hash", "author", "updated_at"],
                clash=bool(old_paths & {page.path for page in subtree.pages}),
                park=lambda page: Page(pk=page.pk, path=f"~{page.pk}"),
            )
    except IntegrityError as exc:  # a concurrent request created a page at a new path
        raise DomainError(ErrorKey.PAGE_DUPLICATE_PATH) from exc
    old_keys = {(i.folder_path, i.file_name, i.type) for i in subtree.items}
    for item in subtree.items:
        path = subtree.moved(item.path, new_root)
        item.folder_path, item.file_name = split_path(path)
        item.path, item.depth, item.hash = path, path.count("/"), page_hash(item.locale, path)
        if item.pk == folder.pk:
            item.title, item.updated_at = title, now
        elif item.pk in pages_by_id:
            item.meta, item.updated_at = page_meta(pages_by_id[item.pk]), now
    new_keys = {(i.folder_path, i.file_name, i.type) for i in subtree.items}
    try:
        with transaction.atomic():
            _bulk_update_unique(
                TreeItem,
                subtree.items,
                [
                    "folder_path",
                    "file_name",
                    "path",
                    "depth",
                    "hash",
                    "title",
                    "meta",
                    "updated_at",
                ],
                clash=bool(old_keys & new_keys),
                park=lambda item: TreeItem(pk=item.pk, folder_path=f"~{item.pk}"),
            )
    except IntegrityError as exc:  # a concurrent request created the destination folder
        raise DomainError(ErrorKey.FOLDER_DUPLICATE) from exc
    ensure_folders(folder.site_id, folder.locale, ancestor_paths(new_root))
    return next(item for item in subtree.items if item.pk == folder.pk)


@transaction.atomic
def rename_folder(caller: Caller | None, folder_id: uuid.UUID, path_name: str, title: str):
    """``renameFolder``: a new title, and with a new name the whole subtree re-pathed."""
    folder = get_folder(folder_id, lock=True)
    name = clean_path_name(path_name, at_root=folder.depth == 0)
    title = clean_folder_title(title)
    if name == folder.file_name:
        if caller is not None:
            caller.require_at(scopes.WRITE_PAGES, context_at(folder))
        folder.title, folder.updated_at = title, timezone.now()
        folder.save(update_fields=["title", "updated_at"])
        return folder
    new_root = join_path(folder.folder_path, name)
    subtree = Subtree.of(folder, lock=True)
    subtree.check_lengths(new_root)
    _require_repath(caller, subtree, new_root)
    if folder_exists(folder.site_id, folder.locale, new_root):
        raise DomainError(ErrorKey.FOLDER_DUPLICATE)
    subtree.check_page_collisions(new_root)
    return _repath(caller, subtree, new_root, title)


@transaction.atomic
def move_folder(caller: Caller | None, folder_id: uuid.UUID, target_parent_id: uuid.UUID | None):
    """``moveFolder``: the folder and its subtree go under another folder (None = the root)."""
    # Both rows are locked, in one order, before either is read: two moves of A into B and
    # of B into A then run one after the other, and the second sees B inside A.
    ids = [folder_id] if target_parent_id is None else [folder_id, target_parent_id]
    locked = TreeItem.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    list(locked.values_list("pk", flat=True))
    folder = get_folder(folder_id)
    base = target_parent_path(folder, target_parent_id)
    new_root = join_path(base, folder.file_name)
    if not base and (reason := v.reserved_first_segment(folder.file_name)):
        raise DomainError(ErrorKey.INVALID_PATH, f"cannot be a root folder: {reason}")
    if new_root == folder.path:  # already there: nothing moves, nothing is archived
        _require_repath(caller, Subtree(folder, [], []), new_root)
        return folder
    subtree = Subtree.of(folder, lock=True)
    subtree.check_lengths(new_root)
    _require_repath(caller, subtree, new_root)
    if folder_exists(folder.site_id, folder.locale, new_root):
        raise DomainError(ErrorKey.FOLDER_DUPLICATE)
    subtree.check_page_collisions(new_root)
    return _repath(caller, subtree, new_root, folder.title)


def shift_tag_usage(site_id, usage: Counter, sign: int) -> None:
    """Raise (sign 1) or lower (sign -1) each tag's usage count by how many pages gained or
    lost it: one statement, the rows locked in the one order every tag write uses."""
    change_tag_usage(site_id, {tag: sign * count for tag, count in usage.items()})


@transaction.atomic
def delete_folder(caller: Caller | None, folder_id: uuid.UUID) -> None:
    """``deleteFolder``: every page below is deleted as by ``deletePage``, then the folders."""
    folder = get_folder(folder_id, lock=True)
    subtree = Subtree.of(folder, lock=True)
    if caller is not None:
        caller.require_at(scopes.DELETE_PAGES, context_at(folder))
        for page in subtree.pages:
            caller.require_at(scopes.DELETE_PAGES, context_at(folder, page.path, page.tags or ()))
    record_versions(subtree.pages, HistoryAction.DELETED)
    dropped = Counter(tag for page in subtree.pages for tag in page.tags or ())
    shift_tag_usage(folder.site_id, dropped, -1)
    page_ids = [page.pk for page in subtree.pages]
    for start in range(0, len(page_ids), BATCH):
        # Their tag links and tree items go with them (cascades).
        Page.objects.filter(pk__in=page_ids[start : start + BATCH]).delete()
    folder_ids = [item.pk for item in subtree.items if item.type == TreeItemType.FOLDER]
    for start in range(0, len(folder_ids), BATCH):
        TreeItem.objects.filter(pk__in=folder_ids[start : start + BATCH]).delete()
