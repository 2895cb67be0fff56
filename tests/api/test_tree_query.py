"""The ``tree``, ``folderById`` and ``folderByPath`` queries through /_graphql (API.md §4.2.1,
§4.2.3), and how page writes keep the tree right (§4.1.3)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts import scopes
from accounts.models import USERS_GROUP_ID, Group
from pages.models import Page, TreeItem
from tests.factories import rule
from wiki.models import Site

from .page_edit_support import make_page
from .permission_support import assert_mutation_succeeded, assert_query_refused
from .tree_support import (
    FOLDER_BY_ID,
    FOLDER_BY_PATH,
    UNKNOWN,
    folder_at,
    folders,
    listed,
    make_folder,
    page_items,
    site_id,
    tree,
)

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


def iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


@pytest.fixture
def wiki():
    """Pages (titles lowercase, so no collation decides an order) and their folders.

    en: docs (page), docs/intro [alpha beta], docs/guide/install [beta], docs/guide/deep/leaf,
    team/payroll, home, and the explicit empty folder ``empty``; fr: accueil.
    """
    pages = {
        "docs": make_page("docs", title="docs page", tags=()),
        "intro": make_page("docs/intro", title="intro", tags=("alpha", "beta")),
        "install": make_page(
            "docs/guide/install", title="install", tags=("beta",), editor="asciidoc"
        ),
        "leaf": make_page("docs/guide/deep/leaf", title="leaf", tags=()),
        "payroll": make_page("team/payroll", title="payroll", tags=()),
        "home": make_page("home", title="home", tags=()),
        "accueil": make_page("accueil", title="accueil", tags=(), locale="fr"),
    }
    make_folder("empty", "empty folder")
    return pages


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


# --- Item types and fields --------------------------------------------------------------------
def test_item_types_and_fields(wiki, admin_client):
    r = tree(admin_client, locale="en", parentPath="docs", depth=2)
    items = {(i["folderPath"], i["fileName"]): i for i in r.data["tree"]}
    guide, intro = folder_at("docs/guide"), Page.objects.get(path="docs/intro")
    install = Page.objects.get(path="docs/guide/install")
    assert items[("docs", "guide")] == {
        "__typename": "TreeItemFolder",
        "id": str(guide.pk),
        "folderPath": "docs",
        "fileName": "guide",
        "title": "guide",
        "depth": 1,
        "childrenCount": 2,
        "isAncestor": False,
    }
    assert items[("docs", "intro")] == {
        "__typename": "TreeItemPage",
        "id": str(intro.pk),
        "folderPath": "docs",
        "fileName": "intro",
        "title": "intro",
        "depth": 1,
        "description": "About",
        "editor": "markdown",
        "pageType": "markdown",
        "createdAt": iso(intro.created_at),
        "updatedAt": iso(intro.updated_at),
    }
    assert items[("docs/guide", "install")] | {} == {
        "__typename": "TreeItemPage",
        "id": str(install.pk),
        "folderPath": "docs/guide",
        "fileName": "install",
        "title": "install",
        "depth": 2,
        "description": "About",
        "editor": "asciidoc",
        "pageType": "html",
        "createdAt": iso(install.created_at),
        "updatedAt": iso(install.updated_at),
    }


def test_children_count_counts_direct_folders_and_pages(wiki, admin_client):
    r = tree(admin_client, locale="en", types=["folder"], depth=10)
    counts = {
        f"{i['folderPath']}/{i['fileName']}".lstrip("/"): i["childrenCount"] for i in r.data["tree"]
    }
    assert counts == {
        "docs": 2,  # guide, intro (not the page "docs", which is its sibling)
        "empty": 0,
        "team": 1,
        "docs/guide": 2,  # deep, install
        "docs/guide/deep": 1,
    }


def test_root_items_have_depth_zero_and_empty_folder_path(wiki, admin_client):
    r = tree(admin_client, locale="en")
    assert {(i["folderPath"], i["depth"]) for i in r.data["tree"]} == {("", 0)}


# --- Permission filtering ---------------------------------------------------------------------
def test_guests_see_nothing_by_default(wiki, anonymous):
    assert listed(tree(anonymous, depth=10)) == []


def test_deny_rule_hides_a_folder_and_its_pages(wiki, client_with):
    client = client_with(rules=[rule("DENY", "START", "team")])
    assert listed(tree(client, locale="en")) == ["docs/", "docs", "empty/", "home"]
    assert "team/payroll" not in listed(tree(client, locale="en", depth=10))
    assert listed(tree(client, locale="en", parentPath="team")) == []


def test_deny_exact_on_a_page_keeps_its_folder(wiki, client_with):
    client = client_with(rules=[rule("DENY", "EXACT", "docs/guide/install")])
    assert listed(tree(client, locale="en", parentPath="docs/guide")) == ["docs/guide/deep/"]


@pytest.fixture
def unpublished(wiki):
    now = timezone.now()
    make_page("docs/draft", title="draft", tags=(), publish_state="draft")
    make_page(
        "docs/now",
        title="now",
        tags=(),
        publish_state="scheduled",
        publish_start_date=now - DAY,
        publish_end_date=now + DAY,
    )
    make_page(
        "docs/later",
        title="later",
        tags=(),
        publish_state="scheduled",
        publish_start_date=now + DAY,
        publish_end_date=now + 2 * DAY,
    )
    make_page(
        "docs/gone",
        title="gone",
        tags=(),
        publish_state="scheduled",
        publish_start_date=now - 2 * DAY,
        publish_end_date=now - DAY,
    )


def test_unpublished_pages_only_for_writers(unpublished, user_client, client_with, admin_client):
    everything = ["docs/draft", "docs/gone", "docs/guide/", "docs/intro", "docs/later", "docs/now"]
    assert listed(tree(user_client, locale="en", parentPath="docs")) == [
        "docs/guide/",
        "docs/intro",
        "docs/now",
    ]
    writer = client_with(rules=[rule(path="docs", roles=[WRITE])])
    assert listed(tree(writer, locale="en", parentPath="docs")) == everything
    assert listed(tree(admin_client, locale="en", parentPath="docs")) == everything


def test_folders_are_judged_at_their_path_without_tags(wiki, make_user, client_for, group_with):
    # Only a tag rule lets this caller read: tagged pages show, no folder does.
    Group.objects.filter(pk=USERS_GROUP_ID).update(rules=[])
    client = client_for(make_user(groups=[group_with(rules=[rule(match="TAG", path="alpha")])]))
    assert listed(tree(client, locale="en", depth=10)) == ["docs/intro"]
    # A START rule on docs/guide opens that folder, its subfolders and pages, not docs.
    client = client_for(make_user(groups=[group_with(rules=[rule(path="docs/guide")])]))
    assert listed(tree(client, locale="en", depth=10)) == [
        "docs/guide/",
        "docs/guide/deep/",
        "docs/guide/install",
        "docs/guide/deep/leaf",
    ]


def test_tag_deny_hides_tagged_pages_only(wiki, client_with):
    client = client_with(rules=[rule("DENY", "TAG", "beta")])
    assert listed(tree(client, locale="en", parentPath="docs", depth=2)) == [
        "docs/guide/",
        "docs/guide/deep/",
    ]
    client = client_with(rules=[rule("DENY", "TAGALL", "beta alpha")])
    assert listed(tree(client, locale="en", parentPath="docs", depth=2)) == [
        "docs/guide/",
        "docs/guide/deep/",
        "docs/guide/install",
    ]


def test_filtering_happens_before_limit(wiki, client_with):
    client = client_with(rules=[rule("DENY", "START", "docs")])
    assert listed(tree(client, locale="en", limit=2)) == ["empty/", "home"]
    assert listed(tree(client, locale="en", limit=2, offset=1)) == ["home", "team/"]


# --- folderById / folderByPath ----------------------------------------------------------------
def _folder(path, title, depth, children):
    folder = folder_at(path)
    folder_path, _, file_name = path.rpartition("/")
    return {
        "__typename": "TreeItemFolder",
        "id": str(folder.pk),
        "folderPath": folder_path,
        "fileName": file_name,
        "title": title,
        "depth": depth,
        "childrenCount": children,
        "isAncestor": False,
    }


def test_folder_by_id(wiki, user_client, admin_client):
    guide = folder_at("docs/guide")
    for client in (user_client, admin_client):
        r = client(FOLDER_BY_ID, {"id": str(guide.pk)})
        assert r.errors == [], r.body
        assert r.data == {"folderById": _folder("docs/guide", "guide", 1, 2)}


def test_folder_by_path(wiki, user_client):
    expected = {"folderByPath": _folder("docs/guide", "guide", 1, 2)}
    for path in ("docs/guide", " /Docs/Guide/ "):
        r = user_client(FOLDER_BY_PATH, {"siteId": site_id(), "locale": "en", "path": path})
        assert r.errors == [], r.body
        assert r.data == expected
    r = user_client(FOLDER_BY_PATH, {"siteId": site_id(), "locale": "en", "path": "empty"})
    assert r.data == {"folderByPath": _folder("empty", "empty folder", 0, 0)}


def test_folder_by_id_errors(wiki, user_client, anonymous, client_with):
    for bad in (UNKNOWN, str(wiki["intro"].pk)):
        for client in (user_client, anonymous):
            assert_query_refused(
                client(FOLDER_BY_ID, {"id": bad}), "folderById", "ERR_INVALID_FOLDER"
            )
    team = {"id": str(folder_at("team").pk)}
    assert_query_refused(anonymous(FOLDER_BY_ID, team), "folderById", "ERR_NOT_AUTHENTICATED")
    denied = client_with(rules=[rule("DENY", "START", "team")])
    assert_query_refused(denied(FOLDER_BY_ID, team), "folderById", "ERR_FORBIDDEN")


def test_folder_by_path_errors(wiki, user_client, anonymous, client_with):
    def by_path(client, path, locale="en", site=None):
        return client(FOLDER_BY_PATH, {"siteId": site or site_id(), "locale": locale, "path": path})

    for client in (user_client, anonymous):
        assert_query_refused(
            by_path(client, "docs", site=UNKNOWN), "folderByPath", "ERR_INVALID_SITE"
        )
        for path, locale in (
            ("nowhere", "en"),
            ("home", "en"),
            ("docs", "fr"),
            ("docs/intro", "en"),
        ):
            r = by_path(client, path, locale)
            assert_query_refused(r, "folderByPath", "ERR_INVALID_FOLDER")
    assert_query_refused(by_path(anonymous, "team"), "folderByPath", "ERR_NOT_AUTHENTICATED")
    denied = client_with(rules=[rule("DENY", "START", "team")])
    assert_query_refused(by_path(denied, "team"), "folderByPath", "ERR_FORBIDDEN")
    assert by_path(denied, "docs").errors == []


# --- Page writes keep the tree right ----------------------------------------------------------
CREATE_PAGE = """mutation ($siteId: UUID!, $path: String!, $title: String!) {
  createPage(siteId: $siteId, locale: "en", path: $path, title: $title, description: "d",
             content: "# x", editor: "markdown", publishState: published) {
    operation { succeeded slug message } page { id } } }"""
MOVE_PAGE = """mutation ($id: UUID!, $path: String!) {
  movePage(id: $id, destinationLocale: "en", destinationPath: $path) {
    operation { succeeded slug message } } }"""
UPDATE_PAGE = """mutation ($id: UUID!, $title: String!) {
  updatePage(id: $id, patch: {title: $title}) { operation { succeeded slug message } } }"""
DELETE_PAGE = (
    """mutation ($id: UUID!) { deletePage(id: $id) { operation { succeeded slug message } } }"""
)


def test_page_writes_keep_the_tree(admin_client):
    r = admin_client(CREATE_PAGE, {"siteId": site_id(), "path": "abc/cde/ef", "title": "Page"})
    page_id = assert_mutation_succeeded(r, "createPage")["page"]["id"]
    # The missing ancestors are created, titled by their segment.
    assert folders() == ["abc", "abc/cde"]
    r = tree(admin_client, locale="en", depth=3)
    assert listed(r) == ["abc/", "abc/cde/", "abc/cde/ef"]
    assert [(i["id"], i["title"]) for i in r.data["tree"]] == [
        (str(folder_at("abc").pk), "abc"),
        (str(folder_at("abc/cde").pk), "cde"),
        (page_id, "Page"),
    ]

    r = admin_client(MOVE_PAGE, {"id": page_id, "path": "xyz/zwq/ef"})
    assert_mutation_succeeded(r, "movePage")
    # The old folders stay; the new ones are created with their segment as title.
    assert folders() == ["abc", "abc/cde", "xyz", "xyz/zwq"]
    assert listed(tree(admin_client, locale="en", parentPath="abc/cde")) == []
    moved = tree(admin_client, locale="en", parentPath="xyz/zwq").data["tree"]
    assert [(i["id"], i["fileName"], i["title"]) for i in moved] == [(page_id, "ef", "Page")]
    assert folder_at("xyz/zwq").title == "zwq"

    r = admin_client(UPDATE_PAGE, {"id": page_id, "title": "Renamed"})
    assert_mutation_succeeded(r, "updatePage")
    assert page_items() == {"xyz/zwq/ef": "Renamed"}
    assert [i["title"] for i in tree(admin_client, parentPath="xyz/zwq").data["tree"]] == [
        "Renamed"
    ]

    r = admin_client(DELETE_PAGE, {"id": page_id})
    assert_mutation_succeeded(r, "deletePage")
    assert page_items() == {}
    assert listed(tree(admin_client, locale="en", parentPath="xyz/zwq")) == []
    assert folders() == ["abc", "abc/cde", "xyz", "xyz/zwq"]


def test_a_page_under_an_existing_folder_keeps_its_title(admin_client):
    make_folder("guide", "The Guide")
    r = admin_client(CREATE_PAGE, {"siteId": site_id(), "path": "guide/start", "title": "Start"})
    assert_mutation_succeeded(r, "createPage")
    assert folder_at("guide").title == "The Guide"
    assert folders() == ["guide"]
