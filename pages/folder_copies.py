"""Copying a folder with everything below it: ``duplicateFolder`` (API.md §4.2.2)."""

from __future__ import annotations

import uuid
from collections import Counter

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import scopes
from accounts.permissions import Caller, PageContext
from accounts.services import author_for, hold_author
from wiki import legacy_ids
from wiki.errors import DomainError, ErrorKey

from .folders import (
    BATCH,
    Subtree,
    clean_folder_title,
    clean_path_name,
    context_at,
    folder_exists,
    get_folder,
    shift_tag_usage,
    target_parent_path,
)
from .models import Page, PageTag, Tag, TreeItem, TreeItemType, join_path, page_hash
from .tree import ancestor_paths, ensure_folders, folder_item, page_item

# What a duplicated page does not copy: who and when, its alias (unique per site), history.
_NOT_COPIED = {"id", "legacy_id", "alias", "path", "hash", "author", "creator", "owner"}
_NOT_COPIED |= {"created_at", "updated_at", "history_data", "rating_score", "rating_count"}


def _require_copy(caller: Caller | None, subtree: Subtree, new_root: str) -> None:
    """read:pages at every source item, write:pages at every destination (API.md §3.5).

    A page is read as ``pageById`` reads it (an unpublished one needs write:pages), and its
    raw source must be readable (read:source, write:pages or manage:pages): the copy hands
    its source to the caller, who could not otherwise read it.
    """
    if caller is None:
        return
    for item in subtree.items:
        if item.type == TreeItemType.FOLDER:
            caller.require_at(scopes.READ_PAGES, context_at(item))
            caller.require_at(
                scopes.WRITE_PAGES, context_at(item, subtree.moved(item.path, new_root))
            )
    for page in subtree.pages:
        source = context_at(subtree.folder, page.path, page.tags or ())
        caller.require_at(scopes.READ_PAGES, source)
        if not page.is_effectively_published:
            caller.require_at(scopes.WRITE_PAGES, source)
        if not any(caller.can_at(scope, source) for scope in scopes.PAGE_SOURCE_ANY):
            raise DomainError(caller.forbidden_key, f"needs read:source at {page.path}")
        destination = context_at(
            subtree.folder, subtree.moved(page.path, new_root), page.tags or ()
        )
        caller.require_at(scopes.WRITE_PAGES, destination)


def _copied_scripts(caller: Caller | None, ctx: PageContext, scripts: dict | None) -> dict:
    """Scripts and styles are copied only where the caller may write them (§4.1.1)."""
    scripts = {"css": "", "jsLoad": "", "jsUnload": "", **(scripts or {})}
    if caller is not None and not caller.can_at(scopes.WRITE_STYLES, ctx):
        scripts["css"] = ""
    if caller is not None and not caller.can_at(scopes.WRITE_SCRIPTS, ctx):
        scripts["jsLoad"] = scripts["jsUnload"] = ""
    return scripts


@transaction.atomic
def duplicate_folder(
    caller: Caller | None,
    folder_id: uuid.UUID,
    target_parent_id: uuid.UUID | None,
    target_path_name: str,
    target_title: str,
) -> TreeItem:
    """``duplicateFolder``: a copy of the folder, its folders and its pages (new ids)."""
    folder = get_folder(folder_id)
    name = clean_path_name(target_path_name, at_root=target_parent_id is None)
    title = clean_folder_title(target_title)
    base = target_parent_path(folder, target_parent_id)
    new_root = join_path(base, name)
    subtree = Subtree.of(folder, lock=False)
    subtree.check_lengths(new_root)
    _require_copy(caller, subtree, new_root)
    if folder_exists(folder.site_id, folder.locale, new_root):
        raise DomainError(ErrorKey.FOLDER_DUPLICATE)
    destinations = [subtree.moved(page.path, new_root) for page in subtree.pages]
    for start in range(0, len(destinations), BATCH):
        if Page.objects.filter(
            site_id=folder.site_id,
            locale=folder.locale,
            path__in=destinations[start : start + BATCH],
        ).exists():
            raise DomainError(ErrorKey.PAGE_DUPLICATE_PATH)

    now, author = timezone.now(), hold_author(author_for(caller))
    ensure_folders(folder.site_id, folder.locale, ancestor_paths(new_root))
    folders = [item for item in subtree.items if item.type == TreeItemType.FOLDER]
    folder_ids = legacy_ids.allocate_many(TreeItem.legacy_kind, len(folders))
    copies = [
        folder_item(
            item.site_id,
            item.locale,
            subtree.moved(item.path, new_root),
            title if item.pk == folder.pk else item.title,
            legacy_id=legacy_id,
            created_at=now,
            updated_at=now,
        )
        for item, legacy_id in zip(folders, folder_ids, strict=True)
    ]
    pages = _copied_pages(caller, subtree, new_root, author, now)
    # A concurrent request may take a destination between the checks and the writes.
    try:
        with transaction.atomic():
            TreeItem.objects.bulk_create(copies, batch_size=BATCH)
    except IntegrityError as exc:
        raise DomainError(ErrorKey.FOLDER_DUPLICATE) from exc
    try:
        with transaction.atomic():
            Page.objects.bulk_create(pages, batch_size=200)
    except IntegrityError as exc:
        raise DomainError(ErrorKey.PAGE_DUPLICATE_PATH) from exc
    _copy_tag_links(folder.site_id, pages)
    item_ids = legacy_ids.allocate_many(TreeItem.legacy_kind, len(pages))
    TreeItem.objects.bulk_create(
        [page_item(page, legacy_id=i) for page, i in zip(pages, item_ids, strict=True)],
        batch_size=BATCH,
    )
    return copies[0]


def _copied_pages(caller, subtree: Subtree, new_root: str, author, now) -> list[Page]:
    fields = [f.attname for f in Page._meta.concrete_fields if f.name not in _NOT_COPIED]
    ids = legacy_ids.allocate_many(Page.legacy_kind, len(subtree.pages))
    pages = []
    for source, legacy_id in zip(subtree.pages, ids, strict=True):
        path = subtree.moved(source.path, new_root)
        copy = Page(**{name: getattr(source, name) for name in fields})
        copy.id, copy.legacy_id, copy.alias = uuid.uuid4(), legacy_id, None
        copy.path, copy.hash = path, page_hash(source.locale, path)
        copy.author = copy.creator = copy.owner = author
        copy.created_at = copy.updated_at = now
        copy.scripts = _copied_scripts(caller, PageContext.of(copy), source.scripts)
        pages.append(copy)
    return pages


def _copy_tag_links(site_id, pages: list[Page]) -> None:
    """The copies carry their sources' tags: links, and usage counts raised accordingly."""
    usage = Counter(tag for page in pages for tag in page.tags or ())
    if not usage:
        return
    vocabulary = Tag.objects.filter(site_id=site_id, tag__in=list(usage))
    ids = dict(vocabulary.values_list("tag", "pk"))
    missing = [tag for tag in usage if tag not in ids]
    if missing:  # a source's tag list named a tag the vocabulary lost (rows edited by hand)
        legacy = legacy_ids.allocate_many(Tag.legacy_kind, len(missing))
        Tag.objects.bulk_create(
            [
                Tag(site_id=site_id, tag=t, legacy_id=i)
                for t, i in zip(missing, legacy, strict=True)
            ],
            ignore_conflicts=True,
        )
        ids = dict(vocabulary.values_list("tag", "pk"))
    PageTag.objects.bulk_create(
        [PageTag(page=page, tag_id=ids[tag]) for page in pages for tag in page.tags or ()],
        batch_size=BATCH,
    )
    shift_tag_usage(site_id, usage, 1)
