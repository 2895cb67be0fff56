"""createFolder and renameFolder through /_graphql (API.md §4.2.2): every check in the
contract's order with nothing left behind, and the effects on folders, pages and history."""

import pytest

from pages.models import Page, PageHistory, TreeItem
from tests.factories import rule

from ..page_edit_support import make_page
from ..permission_support import assert_mutation_succeeded
from ..tree_support import (
    CREATE_FOLDER,
    UNKNOWN,
    everything,
    folder_at,
    folders,
    make_folder,
    page_items,
    site_id,
)
from .support import (
    EN_FOLDERS,
    EN_PAGES,
    WRITE,
    folder_row,
    moved_versions,
    page_paths,
    refused,
    rename,
    resolve,
)

pytestmark = pytest.mark.django_db


# --- createFolder -----------------------------------------------------------------------------
def create(client, pathName, title="Title", **arguments):
    arguments.setdefault("siteId", site_id())
    arguments.setdefault("locale", "en")
    return client(CREATE_FOLDER, {"pathName": pathName, "title": title, **arguments})


def test_create_at_the_root(wiki, admin_client):
    assert_mutation_succeeded(create(admin_client, "guides", "  Guides  "), "createFolder")
    assert folder_row("guides") == ("", "guides", "Guides", "en", 0)
    assert folders("en") == sorted([*EN_FOLDERS, "guides"])
    assert page_paths() == EN_PAGES


def test_create_under_a_parent_path_makes_its_ancestors(wiki, admin_client):
    r = create(admin_client, "chapter", "Chapter One", parentPath=" /Handbook/Part_1/ ")
    assert_mutation_succeeded(r, "createFolder")
    assert folder_row("handbook") == ("", "handbook", "handbook", "en", 0)
    assert folder_row("handbook/part_1") == ("handbook", "part_1", "part_1", "en", 1)
    assert folder_row("handbook/part_1/chapter") == (
        "handbook/part_1",
        "chapter",
        "Chapter One",
        "en",
        2,
    )
    # Existing ancestors keep their titles.
    make_folder("docs", "Documentation")
    assert_mutation_succeeded(create(admin_client, "more", parentPath="docs/guide"), "createFolder")
    assert folder_at("docs").title == "Documentation"
    assert folder_at("docs/guide").title == "guide"
    assert folder_row("docs/guide/more") == ("docs/guide", "more", "Title", "en", 2)


def test_create_under_a_parent_id(wiki, admin_client):
    guide = folder_at("docs/guide")
    assert_mutation_succeeded(create(admin_client, "setup", parentId=str(guide.pk)), "createFolder")
    assert folder_row("docs/guide/setup") == ("docs/guide", "setup", "Title", "en", 2)
    # parentPath is not looked at when parentId is given.
    r = create(admin_client, "other", parentId=str(guide.pk), parentPath="a//b")
    assert_mutation_succeeded(r, "createFolder")
    assert folder_row("docs/guide/other")[0] == "docs/guide"


@pytest.mark.parametrize("name", ["en", "x", "login", "fr-ca", "9"])
def test_the_first_segment_rule_is_for_the_root_only(name, wiki, admin_client):
    assert_mutation_succeeded(create(admin_client, name, parentPath="docs"), "createFolder")
    assert folder_row(f"docs/{name}")[1] == name


def test_a_folder_may_share_a_page_path_and_other_locales_and_sites(
    wiki, admin_client, other_site_folder
):
    assert_mutation_succeeded(create(admin_client, "payroll", parentPath="team"), "createFolder")
    assert_mutation_succeeded(create(admin_client, "team", locale="fr"), "createFolder")
    assert_mutation_succeeded(
        create(admin_client, "team", locale="FR", parentPath="docs"), "createFolder"
    )
    other = str(other_site_folder.site_id)
    assert_mutation_succeeded(create(admin_client, "team", siteId=other), "createFolder")
    assert folders("en") == sorted([*EN_FOLDERS, "team/payroll"])
    assert folders("fr") == ["docs", "docs/team", "team"]
    assert page_paths() == EN_PAGES


def test_title_of_255_characters(wiki, admin_client):
    assert_mutation_succeeded(create(admin_client, "long", " " + "t" * 255 + " "), "createFolder")
    assert folder_at("long").title == "t" * 255


@pytest.mark.parametrize(
    ("arguments", "key"),
    [
        # 1. site, then locale
        ({"siteId": UNKNOWN}, "ERR_INVALID_SITE"),
        ({"siteId": UNKNOWN, "locale": "english", "pathName": "a_b"}, "ERR_INVALID_SITE"),
        ({"locale": "english"}, "ERR_INVALID_INPUT"),
        ({"locale": ""}, "ERR_INVALID_INPUT"),
        ({"locale": "e1"}, "ERR_INVALID_INPUT"),
        ({"locale": "english", "pathName": "a_b"}, "ERR_INVALID_INPUT"),
        # 2. pathName
        ({"pathName": "my_folder"}, "ERR_INVALID_PATH"),
        ({"pathName": ""}, "ERR_INVALID_PATH"),
        ({"pathName": "a/b"}, "ERR_INVALID_PATH"),
        ({"pathName": "a b"}, "ERR_INVALID_PATH"),
        ({"pathName": "a.b"}, "ERR_INVALID_PATH"),
        ({"pathName": "café"}, "ERR_INVALID_PATH"),
        ({"pathName": "en"}, "ERR_INVALID_PATH"),
        ({"pathName": "pt-br"}, "ERR_INVALID_PATH"),
        ({"pathName": "x"}, "ERR_INVALID_PATH"),
        ({"pathName": "login"}, "ERR_INVALID_PATH"),
        ({"pathName": "graphql"}, "ERR_INVALID_PATH"),
        ({"pathName": "a_b", "title": ""}, "ERR_INVALID_PATH"),
        # 3. title
        ({"title": ""}, "ERR_FOLDER_TITLE_INVALID"),
        ({"title": "   "}, "ERR_FOLDER_TITLE_INVALID"),
        ({"title": "a<b"}, "ERR_FOLDER_TITLE_INVALID"),
        ({"title": "a>b"}, "ERR_FOLDER_TITLE_INVALID"),
        ({"title": 'say "hi"'}, "ERR_FOLDER_TITLE_INVALID"),
        ({"title": "t" * 256}, "ERR_FOLDER_TITLE_INVALID"),
        ({"title": "<", "parentId": UNKNOWN}, "ERR_FOLDER_TITLE_INVALID"),
        # 4. parent
        ({"parentId": UNKNOWN}, "ERR_FOLDER_PARENT_INVALID"),
        ({"parentId": "@page"}, "ERR_FOLDER_PARENT_INVALID"),
        ({"parentId": "@fr"}, "ERR_FOLDER_PARENT_INVALID"),
        ({"parentId": "@other-site"}, "ERR_FOLDER_PARENT_INVALID"),
        ({"parentId": UNKNOWN, "pathName": "guide"}, "ERR_FOLDER_PARENT_INVALID"),
        ({"parentPath": "docs//guide"}, "ERR_INVALID_PATH"),
        ({"parentPath": "docs/a b"}, "ERR_INVALID_PATH"),
        ({"parentPath": "docs.guide"}, "ERR_INVALID_PATH"),
        ({"parentPath": "dócs"}, "ERR_INVALID_PATH"),
        ({"parentPath": "docs//guide", "pathName": "guide"}, "ERR_INVALID_PATH"),
        # 6. duplicate (5, permission, is tested below)
        ({"pathName": "docs"}, "ERR_FOLDER_DUPLICATE"),
        ({"pathName": "guide", "parentPath": "docs"}, "ERR_FOLDER_DUPLICATE"),
        ({"pathName": "guide", "parentPath": " /DOCS/ "}, "ERR_FOLDER_DUPLICATE"),
        ({"pathName": "deep", "parentId": "@docs/guide"}, "ERR_FOLDER_DUPLICATE"),
    ],
)
def test_create_checks_in_order(arguments, key, wiki, other_site_folder, admin_client):
    arguments = {k: resolve(v, wiki, other_site_folder) for k, v in arguments.items()}
    arguments.setdefault("pathName", "fresh")
    refused(lambda: create(admin_client, **arguments), "createFolder", key)


def test_create_permission_comes_after_validation_and_before_duplicates(
    wiki, anonymous, user_client, client_with
):
    refused(lambda: create(anonymous, "a_b"), "createFolder", "ERR_INVALID_PATH")
    refused(
        lambda: create(anonymous, "fresh", parentId=UNKNOWN),
        "createFolder",
        "ERR_FOLDER_PARENT_INVALID",
    )
    refused(lambda: create(anonymous, "fresh"), "createFolder", "ERR_NOT_AUTHENTICATED")
    refused(lambda: create(anonymous, "docs"), "createFolder", "ERR_NOT_AUTHENTICATED")
    refused(lambda: create(user_client, "docs"), "createFolder", "ERR_FORBIDDEN")
    # Judged at the new folder's full path.
    writer = client_with(rules=[rule(path="docs/guide", roles=[WRITE])])
    refused(lambda: create(writer, "fresh", parentPath="docs"), "createFolder", "ERR_FORBIDDEN")
    assert_mutation_succeeded(create(writer, "fresh", parentPath="docs/guide"), "createFolder")


# --- renameFolder -----------------------------------------------------------------------------
def test_rename_title_only(wiki, admin_client):
    before = everything()
    guide = folder_at("docs/guide")
    assert_mutation_succeeded(rename(admin_client, guide, "guide", " User Guide "), "renameFolder")
    assert folder_at("docs/guide").title == "User Guide"
    after = everything()
    assert {k: v for k, v in after.items() if k != "tree"} == {
        k: v for k, v in before.items() if k != "tree"
    }
    assert PageHistory.objects.count() == 0


def test_rename_re_paths_folders_and_pages(wiki, admin_client):
    docs = folder_at("docs")
    ids = {path: folder_at(path).pk for path in ("docs", "docs/guide", "docs/guide/deep")}
    assert_mutation_succeeded(rename(admin_client, docs, "manual", "Manual"), "renameFolder")
    assert folders("en") == ["docs2", "manual", "manual/guide", "manual/guide/deep", "team"]
    assert folder_row("manual") == ("", "manual", "Manual", "en", 0)
    assert folder_row("manual/guide/deep") == ("manual/guide", "deep", "deep", "en", 2)
    # The folders keep their ids.
    assert {p: folder_at(p.replace("docs", "manual", 1)).pk for p in ids} == ids
    # Pages below move; the page "docs", docs2 and fr's docs do not.
    assert page_paths() == {
        "docs": "Docs",
        "manual/intro": "Intro",
        "manual/guide/install": "Install",
        "manual/guide/deep/leaf": "Leaf",
        "docs2/other": "Other",
        "team/payroll": "Payroll",
    }
    assert page_paths("fr") == {"docs/bonjour": "Bonjour"}
    assert folders("fr") == ["docs"]
    # Their items follow (same ids) and each got a "moved" version of its old place.
    assert page_items() == {**page_paths(), "docs/bonjour": "Bonjour"}
    for name in ("intro", "install", "leaf"):
        page = Page.objects.get(pk=wiki[name].pk)
        assert TreeItem.objects.get(pk=page.pk).path == page.path
        assert page.hash != wiki[name].hash
        assert (page.alias, page.tags, page.content) == (
            wiki[name].alias,
            wiki[name].tags,
            wiki[name].content,
        )
    assert moved_versions() == {
        "docs/intro": "moved",
        "docs/guide/install": "moved",
        "docs/guide/deep/leaf": "moved",
    }
    version = PageHistory.objects.get(page_id=wiki["intro"].pk)
    assert (version.title, version.tags, version.locale) == ("Intro", ["alpha", "beta"], "en")


def test_rename_a_subfolder(wiki, admin_client):
    guide = folder_at("docs/guide")
    assert_mutation_succeeded(rename(admin_client, guide, "howto", "How to"), "renameFolder")
    assert folders("en") == ["docs", "docs/howto", "docs/howto/deep", "docs2", "team"]
    assert set(page_paths()) == {
        "docs",
        "docs/intro",
        "docs/howto/install",
        "docs/howto/deep/leaf",
        "docs2/other",
        "team/payroll",
    }
    assert sorted(moved_versions()) == ["docs/guide/deep/leaf", "docs/guide/install"]


def test_rename_onto_a_pages_path_is_allowed(wiki, admin_client):
    """A folder and a page may share a path: folder docs/guide may become docs/intro."""
    assert_mutation_succeeded(
        rename(admin_client, folder_at("docs/guide"), "intro"), "renameFolder"
    )
    assert "docs/intro/install" in page_paths()
    assert page_paths()["docs/intro"] == "Intro"


def test_rename_the_root_rule_applies_to_root_folders_only(wiki, admin_client):
    refused(
        lambda: rename(admin_client, folder_at("docs"), "en"), "renameFolder", "ERR_INVALID_PATH"
    )
    assert_mutation_succeeded(rename(admin_client, folder_at("docs/guide"), "en"), "renameFolder")
    assert "docs/en/install" in page_paths()


@pytest.mark.parametrize(
    ("folder", "path_name", "title", "key"),
    [
        (UNKNOWN, "fresh", "T", "ERR_INVALID_FOLDER"),
        ("@page", "fresh", "T", "ERR_INVALID_FOLDER"),
        (UNKNOWN, "a_b", "<", "ERR_INVALID_FOLDER"),
        ("@docs", "a_b", "T", "ERR_INVALID_PATH"),
        ("@docs", "", "T", "ERR_INVALID_PATH"),
        ("@docs", "a/b", "T", "ERR_INVALID_PATH"),
        ("@docs", "x", "T", "ERR_INVALID_PATH"),
        ("@docs", "login", "T", "ERR_INVALID_PATH"),
        ("@docs/guide", "a_b", "<", "ERR_INVALID_PATH"),
        ("@docs", "fresh", "", "ERR_FOLDER_TITLE_INVALID"),
        ("@docs", "fresh", "a>b", "ERR_FOLDER_TITLE_INVALID"),
        ("@docs", "docs", '"', "ERR_FOLDER_TITLE_INVALID"),
        ("@docs", "fresh", "t" * 256, "ERR_FOLDER_TITLE_INVALID"),
        ("@docs", "team", "<", "ERR_FOLDER_TITLE_INVALID"),
        ("@docs", "team", "T", "ERR_FOLDER_DUPLICATE"),
        ("@docs", "docs2", "T", "ERR_FOLDER_DUPLICATE"),
        ("@team", "docs", "T", "ERR_FOLDER_DUPLICATE"),
    ],
)  # fmt: skip
def test_rename_checks_in_order(folder, path_name, title, key, wiki, admin_client):
    folder_id = resolve(folder, wiki)
    refused(lambda: rename(admin_client, folder_id, path_name, title), "renameFolder", key)


def test_rename_with_a_sibling_folder_of_the_new_name(wiki, admin_client):
    make_folder("docs/howto")
    refused(
        lambda: rename(admin_client, folder_at("docs/guide"), "howto"),
        "renameFolder",
        "ERR_FOLDER_DUPLICATE",
    )
    # A folder of that name elsewhere is no sibling.
    make_folder("team/setup")
    assert_mutation_succeeded(
        rename(admin_client, folder_at("docs/guide"), "setup"), "renameFolder"
    )


def test_rename_collision_with_a_page_rolls_everything_back(wiki, admin_client):
    """A page already at a re-pathed place (its folder row gone, as an operator may leave it)."""
    make_page("manual/guide/install", title="Taken", tags=())
    TreeItem.objects.filter(type="folder", path__startswith="manual").delete()
    refused(
        lambda: rename(admin_client, folder_at("docs"), "manual"),
        "renameFolder",
        "ERR_PAGE_DUPLICATE_PATH",
    )


def test_rename_permission_before_duplicates(wiki, anonymous, user_client):
    refused(lambda: rename(anonymous, UNKNOWN, "fresh"), "renameFolder", "ERR_INVALID_FOLDER")
    refused(lambda: rename(anonymous, folder_at("docs"), "a_b"), "renameFolder", "ERR_INVALID_PATH")
    refused(
        lambda: rename(anonymous, folder_at("docs"), "team"),
        "renameFolder",
        "ERR_NOT_AUTHENTICATED",
    )
    refused(lambda: rename(user_client, folder_at("docs"), "team"), "renameFolder", "ERR_FORBIDDEN")
    refused(
        lambda: rename(user_client, folder_at("docs"), "docs", "New"),
        "renameFolder",
        "ERR_FORBIDDEN",
    )
