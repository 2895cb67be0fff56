"""``tree`` through /_graphql (API.md §4.2.1): parent, locale, types, tags, depth, ancestors,
root folders, ordering, paging and errors."""

from datetime import UTC, datetime, timedelta

import pytest

from pages.models import Page, TreeItem
from wiki.models import Site

from ..page_edit_support import make_page
from ..permission_support import assert_query_refused
from ..tree_support import (
    UNKNOWN,
    folder_at,
    listed,
    make_folder,
    tree,
)

pytestmark = pytest.mark.django_db


# --- Parent, locale, types, tags, depth -------------------------------------------------------
def test_root_lists_every_locale_by_title(wiki, admin_client):
    assert listed(tree(admin_client)) == ["accueil", "docs/", "docs", "empty/", "home", "team/"]


def test_locale_filter(wiki, admin_client):
    assert listed(tree(admin_client, locale="en")) == ["docs/", "docs", "empty/", "home", "team/"]
    assert listed(tree(admin_client, locale="fr")) == ["accueil"]
    assert listed(tree(admin_client, locale="de")) == []


def test_types_filter(wiki, admin_client):
    assert listed(tree(admin_client, locale="en", types=["folder"])) == [
        "docs/",
        "empty/",
        "team/",
    ]
    assert listed(tree(admin_client, types=["page"])) == ["accueil", "docs", "home"]
    assert listed(tree(admin_client, locale="en", types=["folder", "page"])) == listed(
        tree(admin_client, locale="en")
    )
    assert listed(tree(admin_client, types=["asset"])) == []


def test_tags_filter_needs_all_and_drops_folders(wiki, admin_client):
    assert listed(tree(admin_client, locale="en", depth=10, tags=["beta"])) == [
        "docs/intro",
        "docs/guide/install",
    ]
    assert listed(tree(admin_client, locale="en", depth=10, tags=["beta", "alpha"])) == [
        "docs/intro"
    ]
    assert listed(tree(admin_client, locale="en", depth=10, tags=["beta", "gamma"])) == []


def test_parent_path_is_normalized(wiki, admin_client):
    expected = ["docs/guide/", "docs/intro"]
    assert listed(tree(admin_client, locale="en", parentPath="docs")) == expected
    assert listed(tree(admin_client, locale="en", parentPath=" /Docs/ ")) == expected
    assert listed(tree(admin_client, locale="en", parentPath="docs/guide/deep")) == [
        "docs/guide/deep/leaf"
    ]


def test_parent_path_without_folder_is_empty(wiki, admin_client):
    assert listed(tree(admin_client, locale="en", parentPath="nowhere")) == []
    # A page is not a folder: "home" has no children.
    assert listed(tree(admin_client, locale="en", parentPath="home")) == []
    # The folder exists in en only.
    assert listed(tree(admin_client, locale="fr", parentPath="docs")) == []
    assert listed(tree(admin_client, locale="en", parentPath="empty")) == []


def test_parent_id(wiki, admin_client):
    guide = folder_at("docs/guide")
    assert listed(tree(admin_client, parentId=guide.pk)) == [
        "docs/guide/deep/",
        "docs/guide/install",
    ]
    # parentPath is ignored when parentId is given, even when it names another folder or is bad.
    assert listed(tree(admin_client, parentId=guide.pk, parentPath="team")) == [
        "docs/guide/deep/",
        "docs/guide/install",
    ]
    assert listed(tree(admin_client, parentId=folder_at("empty").pk)) == []


@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        (0, ["docs/guide/", "docs/intro"]),
        (1, ["docs/guide/", "docs/intro"]),
        (2, ["docs/guide/", "docs/intro", "docs/guide/deep/", "docs/guide/install"]),
        (3, ["docs/guide/", "docs/intro", "docs/guide/deep/", "docs/guide/install", *["docs/guide/deep/leaf"]]),
        (10, ["docs/guide/", "docs/intro", "docs/guide/deep/", "docs/guide/install", "docs/guide/deep/leaf"]),
    ],
)  # fmt: skip
def test_depth_counts_levels_below_the_parent(depth, expected, wiki, admin_client):
    assert listed(tree(admin_client, locale="en", parentPath="docs", depth=depth)) == expected


def test_depth_from_the_root(wiki, admin_client):
    assert listed(tree(admin_client, locale="en", depth=2)) == [
        "docs/",
        "docs",
        "empty/",
        "home",
        "team/",
        "docs/guide/",
        "docs/intro",
        "team/payroll",
    ]


# --- Ancestors and root folders ---------------------------------------------------------------
def _flags(r) -> list[tuple[str, bool | None]]:
    return [
        (path, item.get("isAncestor")) for path, item in zip(listed(r), r.data["tree"], strict=True)
    ]


def test_include_ancestors_flags_the_folders_down_to_the_parent(wiki, admin_client):
    r = tree(admin_client, locale="en", parentPath="docs/guide", includeAncestors=True)
    assert _flags(r) == [
        ("docs/", True),
        ("docs/guide/", True),
        ("docs/guide/deep/", False),
        ("docs/guide/install", None),
    ]
    # Without the flag, none.
    r = tree(admin_client, locale="en", parentPath="docs/guide")
    assert _flags(r) == [("docs/guide/deep/", False), ("docs/guide/install", None)]


def test_include_ancestors_at_the_root_adds_nothing(wiki, admin_client):
    r = tree(admin_client, locale="en", includeAncestors=True, types=["folder"])
    assert _flags(r) == [("docs/", False), ("empty/", False), ("team/", False)]


def test_include_root_folders(wiki, admin_client):
    r = tree(admin_client, locale="en", parentPath="docs/guide", includeRootFolders=True)
    assert _flags(r) == [
        ("docs/", False),
        ("empty/", False),
        ("team/", False),
        ("docs/guide/deep/", False),
        ("docs/guide/install", None),
    ]
    # Both: a root folder that is also an ancestor comes once, flagged.
    r = tree(
        admin_client,
        locale="en",
        parentPath="docs/guide",
        includeRootFolders=True,
        includeAncestors=True,
    )
    assert _flags(r) == [
        ("docs/", True),
        ("empty/", False),
        ("team/", False),
        ("docs/guide/", True),
        ("docs/guide/deep/", False),
        ("docs/guide/install", None),
    ]
    # At the root they are the root's own folders, listed once.
    r = tree(admin_client, locale="en", includeRootFolders=True)
    assert listed(r) == ["docs/", "docs", "empty/", "home", "team/"]


# --- Ordering ---------------------------------------------------------------------------------
def _at(days: int) -> datetime:
    return datetime(2024, 5, 1, 12, tzinfo=UTC) + timedelta(days=days)


@pytest.fixture
def sortable():
    """Children of ``sort`` whose four orders all differ, and a deeper item that sorts first.

    file name a b c d; title: b (alpha) c (bravo) a (charlie) d (delta);
    created: b d a c; updated: c a d b. ``sort/d/e`` (title "aaa") is older than all.
    """
    specs = {  # path: (title, created day, updated day)
        "sort/a": ("charlie", 3, 2),
        "sort/b": ("alpha", 1, 4),
        "sort/c": ("bravo", 4, 1),
        "sort/d/e": ("aaa", 0, 0),
    }
    for path, (title, created, updated) in specs.items():
        page = make_page(path, title=title, tags=())
        for model in (Page, TreeItem):
            model.objects.filter(pk=page.pk).update(
                created_at=_at(created), updated_at=_at(updated)
            )
    make_folder("sort/d", "delta")
    TreeItem.objects.filter(type="folder", path="sort/d").update(
        created_at=_at(2), updated_at=_at(3)
    )


@pytest.mark.parametrize(
    ("order_by", "ascending"),
    [
        ("fileName", ["sort/a", "sort/b", "sort/c", "sort/d/"]),
        ("title", ["sort/b", "sort/c", "sort/a", "sort/d/"]),
        ("createdAt", ["sort/b", "sort/d/", "sort/a", "sort/c"]),
        ("updatedAt", ["sort/c", "sort/a", "sort/d/", "sort/b"]),
    ],
)
def test_order_by_and_direction(order_by, ascending, sortable, admin_client):
    def run(**direction):
        return listed(
            tree(admin_client, locale="en", parentPath="sort", orderBy=order_by, **direction)
        )

    assert run() == ascending
    assert run(orderByDirection="asc") == ascending
    assert run(orderByDirection="desc") == ascending[::-1]
    # Depth first: the deeper item follows in both directions.
    assert run(depth=2) == [*ascending, "sort/d/e"]
    assert run(depth=2, orderByDirection="desc") == [*ascending[::-1], "sort/d/e"]


def test_default_order_is_title_ascending(sortable, admin_client):
    assert listed(tree(admin_client, locale="en", parentPath="sort")) == [
        "sort/b",
        "sort/c",
        "sort/a",
        "sort/d/",
    ]


def test_limit_and_offset_apply_after_ordering(sortable, admin_client):
    def run(**page):
        return listed(tree(admin_client, locale="en", parentPath="sort", depth=2, **page))

    assert run(limit=2) == ["sort/b", "sort/c"]
    assert run(limit=2, offset=2) == ["sort/a", "sort/d/"]
    assert run(offset=4) == ["sort/d/e"]
    assert run(offset=5) == []
    assert run(limit=1, offset=1, orderByDirection="desc") == ["sort/a"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"limit": 0},
        {"limit": -1},
        {"limit": 1001},
        {"offset": -1},
        {"depth": -1},
        {"depth": 11},
    ],
)
def test_bounds_are_invalid_input(arguments, wiki, admin_client, anonymous):
    for client in (admin_client, anonymous):
        assert_query_refused(tree(client, **arguments), "tree", "ERR_INVALID_INPUT")


@pytest.mark.parametrize("arguments", [{"limit": 1}, {"limit": 1000}, {"offset": 0}, {"depth": 10}])
def test_bounds_that_pass(arguments, wiki, admin_client):
    r = tree(admin_client, locale="en", **arguments)
    assert listed(r)[:1] == ["docs/"]


def test_many_items_are_capped_at_the_limit(admin_client):
    for n in range(12):
        make_folder(f"many/f{n:02d}")
    r = tree(admin_client, parentPath="many", limit=10, orderBy="fileName")
    assert listed(r) == [f"many/f{n:02d}/" for n in range(10)]


# --- Errors -----------------------------------------------------------------------------------
def test_unknown_site(wiki, admin_client, anonymous):
    for client in (admin_client, anonymous):
        assert_query_refused(tree(client, siteId=UNKNOWN), "tree", "ERR_INVALID_SITE")


def test_bad_parent_id(wiki, admin_client, anonymous):
    other = Site.objects.create(hostname="other.example.com")
    foreign = make_folder("docs", site=other)
    for parent in (UNKNOWN, wiki["intro"].pk, foreign.pk):
        for client in (admin_client, anonymous):
            r = tree(client, parentId=parent)
            assert_query_refused(r, "tree", "ERR_INVALID_FOLDER")
    # The other site's folder is fine with the other site.
    assert listed(tree(admin_client, siteId=str(other.pk), parentId=foreign.pk)) == []


def test_other_sites_items_are_not_listed(wiki, admin_client):
    other = Site.objects.create(hostname="other.example.com")
    make_folder("elsewhere", site=other)
    assert "elsewhere/" not in listed(tree(admin_client))
    assert listed(tree(admin_client, siteId=str(other.pk))) == ["elsewhere/"]
