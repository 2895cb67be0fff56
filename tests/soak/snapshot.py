"""The soak database's pages, versions, tree and tags, read with psycopg after the run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import psycopg

from pages.models import Page, PageHistory, PageTag, Tag, TreeItem

from .verify import PageRow, TreeRow, VersionRow
from .workload import PageState


def _state(content: str, title: str, tags) -> PageState:
    return PageState(content, title, tuple(sorted(tags or [])))


@dataclass
class Snapshot:
    pages: list[PageRow]
    versions: dict[str, list[VersionRow]]  # page id -> versions, oldest first
    tree: list[TreeRow]
    links: list[tuple[str, str]]  # (page id, tag)
    usage: dict[str, int]  # tag -> usage_count
    version_order_problems: list[str]

    @classmethod
    def read(cls, conn: psycopg.Connection) -> Snapshot:
        pages = [
            PageRow(str(pid), str(site), locale, path, _state(content, title, tags))
            for pid, site, locale, path, content, title, tags in conn.execute(
                f"SELECT id, site_id, locale, path, content, title, tags FROM {Page._meta.db_table}"  # noqa: S608
            )
        ]
        versions: dict[str, list[VersionRow]] = defaultdict(list)
        legacy: dict[str, list[int]] = defaultdict(list)
        # Oldest first as the trail orders them (API.md §4.1.2: by versionDate).
        for pid, action, content, title, tags, path, legacy_id in conn.execute(
            f"SELECT page_id, action, content, title, tags, path, legacy_id "  # noqa: S608
            f"FROM {PageHistory._meta.db_table} ORDER BY page_id, version_date, legacy_id"
        ):
            versions[str(pid)].append(
                VersionRow(str(pid), action, _state(content, title, tags), path)
            )
            legacy[str(pid)].append(legacy_id)
        # Versions are written in the order their page changed: the legacy ids (handed out at
        # write time) must agree with the dates, or the trail would show another order.
        order_problems = [
            f"page {pid}: versions by date have legacy ids {ids}"
            for pid, ids in legacy.items()
            if ids != sorted(ids)
        ]
        tree = [
            TreeRow(
                str(iid),
                str(pid) if pid else None,
                str(site),
                locale,
                kind,
                folder_path,
                file_name,
                path,
                depth,
                title,
                tuple(tags or []),
            )
            for iid, pid, site, locale, kind, folder_path, file_name, path, depth, title, tags in conn.execute(
                "SELECT id, page_id, site_id, locale, type, folder_path, file_name, path, depth,"  # noqa: S608
                f" title, tags FROM {TreeItem._meta.db_table}"
            )
        ]
        links = [
            (str(pid), tag)
            for pid, tag in conn.execute(
                f"SELECT l.page_id, t.tag FROM {PageTag._meta.db_table} l "  # noqa: S608
                f"JOIN {Tag._meta.db_table} t ON t.id = l.tag_id"
            )
        ]
        usage = dict(conn.execute(f"SELECT tag, usage_count FROM {Tag._meta.db_table}").fetchall())  # noqa: S608
        return cls(pages, dict(versions), tree, links, usage, order_problems)
