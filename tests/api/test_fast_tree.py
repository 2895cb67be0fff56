"""``tree`` on the fast list path answers exactly what normal execution answers.

The tree lists an interface, so the fast path plans each concrete type apart and picks a
plan per row by its item type; every subset of each type's fields is compared here,
through fragments, aliases and directives, for several argument sets and callers.
"""

from __future__ import annotations

import itertools
import random

import pytest

from pages import folders
from tests.factories import default_site

from .fast_list_support import VARIABLES, assert_valid, compare, decorated, document, execute_both
from .page_edit_support import make_page

INTERFACE_FIELDS = ["id", "folderPath", "fileName", "title"]
FOLDER_FIELDS = ["depth", "childrenCount", "isAncestor"]
PAGE_FIELDS = ["depth", "description", "editor", "pageType", "createdAt", "updatedAt"]


def combinations(fields: list[str]) -> list[list[str]]:
    return [
        list(c) for size in range(len(fields) + 1) for c in itertools.combinations(fields, size)
    ]


@pytest.fixture
def site_id(admin):
    make_page("docs/guide/install", title="Install", tags=["setup"], description="How to")
    make_page(
        "docs/guide/upgrade",
        title="Upgrade",
        tags=["setup", "ops"],
        editor="wysiwyg",
        content="<p>x</p>",
    )
    make_page("docs/faq", title="FAQ", tags=[], publish_state="draft")
    make_page("docs/private/plans", title="Plans", tags=["secret"])
    make_page("about", title="About", tags=[])
    site = default_site()
    folders.create_folder(None, site.pk, "en", "empty", "An empty one", parent_path="docs")
    folders.create_folder(None, site.pk, "en", "news", "News")
    return str(site.pk)


def roots(site_id: str) -> list[str]:
    base = f'siteId: "{site_id}"'
    return [
        f'tree({base}, parentPath: "docs", depth: 3, includeAncestors: true)',
        f"tree({base}, includeRootFolders: true, depth: 10)",
        f'tree({base}, parentPath: "docs/guide", includeAncestors: true, includeRootFolders: true)',
        f'tree({base}, depth: 4, orderBy: updatedAt, orderByDirection: desc, locale: "en")',
        f'tree({base}, depth: 4, types: [page], tags: ["setup"], offset: 1, limit: 5)',
        f'tree({base}, parentPath: "no/such/folder")',
    ]


def selection(interface: list[str], folder: list[str], page: list[str], rng, tag: str):
    chosen = decorated(interface or ["id"], "TreeItem", rng, tag)
    extra = []
    if folder:
        extra.append(f"... on TreeItemFolder {{ {' '.join(folder)} }}")
    if page:
        extra.append(f"... on TreeItemPage {{ {tag}_p: {page[0]} {' '.join(page[1:])} }}")
    chosen.text = " ".join([chosen.text, *extra])
    return chosen


def run(client, site_id: str, seed: int = 0) -> int:
    rng = random.Random(seed)
    # Every subset of each type's fields, paired (the two types' fields are independent).
    folder_sets, page_sets = combinations(FOLDER_FIELDS), combinations(PAGE_FIELDS)
    cases = [(folder_sets[n % len(folder_sets)], page) for n, page in enumerate(page_sets)]
    variants = roots(site_id)
    interfaces = combinations(INTERFACE_FIELDS)
    total = 0
    for start in range(0, len(cases), 48):
        batch = []
        for offset, (folder, page) in enumerate(cases[start : start + 48]):
            number = start + offset
            tag = f"t{number}"
            fields = interfaces[number % len(interfaces)]
            batch.append(
                (tag, variants[number % len(variants)], selection(fields, folder, page, rng, tag))
            )
        query = document(batch)
        if start == 0:
            assert_valid(query)
        outcome = execute_both(client, query, VARIABLES)
        assert "errors" not in outcome["body"], outcome["body"]
        assert outcome["fast_lists"] == len(batch)
        total += len(batch)
    return total


def test_every_field_combination_as_administrator(admin_client, site_id):
    assert run(admin_client, site_id) == 64


def test_every_field_combination_as_a_limited_reader(client_with, site_id):
    from tests.factories import rule

    reader = client_with(
        rules=[
            rule(path=""),
            rule(mode="DENY", path="docs/private"),
            rule(mode="DENY", match="TAG", path="ops"),
        ]
    )
    assert run(reader, site_id, seed=1) == 64


def test_the_endpoint_answers_alike(admin_client, site_id, monkeypatch):
    query = f"""{{
      tree(siteId: "{site_id}", parentPath: "docs", depth: 2, includeAncestors: true) {{
        __typename id fileName ... on TreeItemFolder {{ childrenCount isAncestor }}
        ... on TreeItemPage {{ pageType createdAt }}
      }}
    }}"""
    fast, _ = compare(admin_client, query, monkeypatch)
    assert fast.fast_lists == 1
    names = [(item["__typename"], item["fileName"]) for item in fast.body["data"]["tree"]]
    assert names == [
        ("TreeItemFolder", "docs"),
        ("TreeItemFolder", "empty"),
        ("TreeItemPage", "faq"),
        ("TreeItemFolder", "guide"),
        ("TreeItemFolder", "private"),
        ("TreeItemPage", "install"),
        ("TreeItemPage", "plans"),
        ("TreeItemPage", "upgrade"),
    ]
