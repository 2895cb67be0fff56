"""``tree`` items and their fields, permission filtering, ``folderById`` and ``folderByPath``
through /_graphql (API.md §4.2.1, §4.2.3), and how page writes keep the tree right (§4.1.3)."""

import pytest
from django.utils import timezone

from accounts.models import USERS_GROUP_ID, Group
from pages.models import Page
from tests.factories import rule

from ..page_edit_support import make_page
from ..permission_support import assert_mutation_succeeded, assert_query_refused
from ..tree_support import (
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
from .support import DAY, WRITE, iso

pytestmark = pytest.mark.django_db


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
