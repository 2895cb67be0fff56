"""The page side of the Wiki.js 2 import: tags, pages and their history (``PAGE_KINDS``).

Each batch is written in bulk (``wiki.bulk``) with the invariants the page services keep:
legacy ids as Wiki.js's ids, tags in the page's JSON list and in ``PageTag`` rows (counts
recounted at the end), a tree item per page under its folders (``pages.tree``'s rows), the
search columns (the trigger on PostgreSQL, ``search_content`` everywhere). A batch costs the
same few queries whatever its size: one read of each related source table, one of each target
table it matches against, one write of each table it changes.

A re-run matches rows by legacy id: a row an earlier run imported is updated when its source
row changed (compared on a few columns, never the content: Wiki.js moves ``updatedAt`` with
every change of a page, and never changes a version), and nothing is written twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from wiki import legacy_ids
from wiki.bulk import insert_instances, update_instances
from wiki.errors import DomainError

from ..models import Page, PageTag, Tag, TreeItem, TreeItemType, page_hash
from ..tree import ancestor_paths, folder_item, page_item
from ..validation import clean_tags
from .base import ImportContext, Kind
from .history_kind import HistoryKind
from .page_lookups import (
    COUNT_CHUNK,
    People,
    clean_tag_list,
    count_present,
    keep_statistics,
    recount_tags,
    source_tags,
)
from .page_mapping import Unmappable, map_state, rendering_of
from .source import parse_date

# The page columns compared to tell whether a source page changed since the last run.
COMPARED = (
    "locale",
    "path",
    "title",
    "description",
    "publish_state",
    "publish_start_date",
    "publish_end_date",
    "tags",
    "editor",
    "content_type",
    "author_id",
    "creator_id",
    "created_at",
    "updated_at",
    "scripts",
)
# What an update writes (the owner, set once, stays).
PAGE_UPDATED = (
    *COMPARED,
    "hash",
    "config",
    "content",
    "render",
    "toc",
    "search_content",
)
TREE_UPDATED = (
    "locale",
    "folder_path",
    "file_name",
    "path",
    "depth",
    "hash",
    "title",
    "tags",
    "meta",
    "created_at",
    "updated_at",
)


# --- Tags --------------------------------------------------------------------------------------
class TagKind(Kind):
    name = "tags"
    table = "tags"

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        names: dict[int, str] = {}
        for row in rows:
            try:
                (names[row["id"]],) = clean_tags([row["tag"] or ""])
            except (DomainError, ValueError):
                ctx.skip(self.name, row["id"], f"tag {row['tag']!r} is not a valid tag here")
        held = {tag.legacy_id: tag for tag in Tag.objects.filter(legacy_id__in=list(names))}
        named = {
            tag.tag: tag for tag in Tag.objects.filter(site=ctx.site, tag__in=list(names.values()))
        }
        new, renamed = [], []
        for row in rows:
            if row["id"] not in names:
                continue
            wikijs_id, name = row["id"], names[row["id"]]
            tag = held.get(wikijs_id)
            if tag is not None and not ctx.ledger.owned("tag", wikijs_id):
                ctx.adjust(self.name, wikijs_id, f"id {wikijs_id} is another tag's here")
                tag = None
            elif tag is not None:
                ctx.ledger.record("tag", wikijs_id)
                if tag.tag == name:
                    ctx.count(self.name, "unchanged")
                elif name in named:
                    ctx.skip(self.name, wikijs_id, f"renamed to {name!r}, a tag here already")
                else:
                    tag.tag = name
                    renamed.append(tag)
                    named[name] = tag
                    ctx.count(self.name, "updated")
                continue
            if name in named:
                ctx.adjust(
                    self.name, wikijs_id, f"{name!r} is a tag here already: its pages share it"
                )
                ctx.count(self.name, "unchanged")
                continue
            tag = Tag(site=ctx.site, tag=name)
            if ctx.ledger.usable("tag", wikijs_id) and wikijs_id not in held:
                tag.legacy_id = wikijs_id
                ctx.ledger.record("tag", wikijs_id)
            else:
                ctx.adjust(self.name, wikijs_id, f"id {wikijs_id} was used here: a new id")
            new.append(tag)
            named[name] = tag
            ctx.count(self.name, "created")
        fresh = [tag for tag in new if tag.legacy_id is None]
        for tag, legacy_id in zip(fresh, legacy_ids.allocate_many("tag", len(fresh)), strict=True):
            tag.legacy_id = legacy_id
        insert_instances(Tag, new)
        update_instances(Tag, renamed, ["tag", "updated_at"])

    def finish(self, ctx: ImportContext) -> None:
        recount_tags(ctx.site.pk)

    def target_total(self, ctx: ImportContext) -> int:
        """Tags are counted by name: one given a new id, or merged with a tag of the same
        name here, is there all the same."""
        present = 0
        for batch in ctx.source.batches(self.table, COUNT_CHUNK, columns=["id", "tag"]):
            names = set(clean_tag_list([row["tag"] or "" for row in batch], []))
            present += Tag.objects.filter(site=ctx.site, tag__in=names).count()
        return present


# --- Pages -------------------------------------------------------------------------------------
class PageKind(Kind):
    name = "pages"
    table = "pages"

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        site = ctx.site
        ids = [row["id"] for row in rows]
        people = People(r.get(c) for r in rows for c in ("authorId", "creatorId"))
        tags_of = source_tags(ctx, "pageTags", ids)
        existing = {
            page.legacy_id: page
            for page in Page.objects.filter(legacy_id__in=ids)
            .order_by()
            .only("pk", "legacy_id", "site_id", "config", *COMPARED)
        }
        depth = (site.config.get("defaults") or {}).get("tocDepth") or {"min": 1, "max": 2}
        drafts: list[tuple[dict, Page, list[str]]] = []
        for row in rows:
            notes: list[str] = []
            page = self._page(row, ctx, existing.get(row["id"]), people, tags_of, depth, notes)
            if page is not None:
                drafts.append((row, page, notes))
        drafts = self._without_conflicts(drafts, ctx)
        tag_rows = {
            tag.tag: tag
            for tag in Tag.objects.filter(
                site=site, tag__in={t for _, page, _ in drafts for t in page.tags}
            )
        }
        new, changed, links = [], [], []
        for row, page, notes in drafts:
            missing = [t for t in page.tags if t not in tag_rows]
            if missing:
                notes.append(f"tags {missing} are not tags here (see the tags' findings)")
                page.tags = [t for t in page.tags if t in tag_rows]
            before = existing.get(row["id"])
            unchanged = before is not None and all(
                getattr(before, f) == getattr(page, f) for f in COMPARED
            )
            if not unchanged:
                # Rendering is the costly part of a page: only for what is written.
                try:
                    page.render, page.toc, page.search_content = rendering_of(
                        row, page.content_type, depth
                    )
                except Unmappable as error:
                    ctx.skip(self.name, row["id"], str(error))
                    continue
            for note in notes:
                ctx.adjust(self.name, row["id"], note)
            ctx.ledger.record("page", row["id"])
            if unchanged:
                ctx.count(self.name, "unchanged")
                continue
            (new if before is None else changed).append(page)
            ctx.count(self.name, "created" if before is None else "updated")
            links += [PageTag(page_id=page.pk, tag_id=tag_rows[t].pk) for t in page.tags]
        if changed:
            PageTag.objects.filter(page_id__in=[p.pk for p in changed]).delete()
        insert_instances(Page, new)
        update_instances(Page, changed, PAGE_UPDATED)
        insert_instances(PageTag, links)
        self._tree(site, new, changed)
        keep_statistics(ctx, self.name, Page, PageTag, TreeItem)

    def _page(self, row, ctx, before, people, tags_of, depth, notes) -> Page | None:
        wikijs_id = row["id"]
        refusal = ctx.ledger.refusal("page", wikijs_id, held=before is not None, what="a page")
        if refusal:
            ctx.skip(self.name, wikijs_id, refusal)
            return None
        try:
            state = map_state(row, strict=True)
            fields = state.fields
            fields["config"] = {**fields["config"], "tocDepth": dict(depth)}
            created, updated = parse_date(row.get("createdAt")), parse_date(row.get("updatedAt"))
        except Unmappable as error:
            ctx.skip(self.name, wikijs_id, str(error))
            return None
        except ValueError as error:
            ctx.skip(self.name, wikijs_id, f"unreadable date: {error}")
            return None
        notes += state.adjustments
        author = people.get(row.get("authorId"), notes, "author")
        creator = people.get(row.get("creatorId") or row.get("authorId"), notes, "creator")
        if before is not None:
            config = {**before.config, **fields["config"]}
            if not row.get("isPrivate"):
                config.pop("legacyIsPrivate", None)
            fields["config"] = config
        return Page(
            id=before.pk if before else uuid.uuid4(),
            site=ctx.site,
            legacy_id=wikijs_id,
            hash=page_hash(fields["locale"], fields["path"]),
            tags=clean_tag_list(tags_of.get(wikijs_id, []), notes),
            author_id=author,
            creator_id=creator,
            owner_id=creator,
            created_at=created or updated,
            updated_at=updated or created,
            **fields,
        )

    def _without_conflicts(self, drafts: list, ctx: ImportContext) -> list:
        """Drop the pages whose (locale, path) another page holds, here or earlier in the
        batch (one query)."""
        paths = {page.path for _, page, _ in drafts}
        locales = {page.locale for _, page, _ in drafts}
        holders = {
            (locale, path): legacy_id
            for locale, path, legacy_id in Page.objects.filter(
                site=ctx.site, locale__in=locales, path__in=paths
            )
            .order_by()
            .values_list("locale", "path", "legacy_id")
        }
        kept = []
        for row, page, notes in drafts:
            place = (page.locale, page.path)
            holder = holders.get(place, page.legacy_id)
            if holder != page.legacy_id:
                who = f"page {holder}" if holder else "a page"
                ctx.skip(self.name, row["id"], f"{page.locale}/{page.path} is {who}'s here")
                continue
            holders[place] = page.legacy_id
            kept.append((row, page, notes))
        return kept

    @staticmethod
    def _tree(site, new: list[Page], changed: list[Page]) -> None:
        """The pages' items and the folders above them that are missing (two queries to
        find and number them, then the writes)."""
        wanted = {(p.locale, path): p for p in [*new, *changed] for path in ancestor_paths(p.path)}
        have = set()
        if wanted:
            have = set(
                TreeItem.objects.filter(
                    site=site,
                    type=TreeItemType.FOLDER,
                    locale__in={locale for locale, _ in wanted},
                    path__in={path for _, path in wanted},
                ).values_list("locale", "path")
            )
        folders = [
            folder_item(
                site.pk, locale, path, created_at=page.created_at, updated_at=page.created_at
            )
            for (locale, path), page in wanted.items()
            if (locale, path) not in have
        ]
        items = folders + [page_item(page) for page in new]
        numbers = legacy_ids.allocate_many(TreeItem.legacy_kind, len(items))
        for item, legacy_id in zip(items, numbers, strict=True):
            item.legacy_id = legacy_id
        insert_instances(TreeItem, items)
        update_instances(TreeItem, [page_item(page) for page in changed], TREE_UPDATED)

    def finish(self, ctx: ImportContext) -> None:
        recount_tags(ctx.site.pk)

    def target_total(self, ctx: ImportContext) -> int:
        return count_present(ctx, self.table, Page)


# In run order: pages link to tags, versions to pages.
PAGE_KINDS = [TagKind(), PageKind(), HistoryKind()]
