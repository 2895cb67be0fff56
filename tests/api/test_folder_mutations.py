"""Folder mutations through /_graphql (API.md §4.2.2): every check in the contract's order with
nothing left behind, and the effects on folders, pages, history and tags."""

import pytest

from accounts import scopes
from pages.models import Page, PageHistory, TreeItem
from tests.factories import rule
from wiki.models import Site

from .page_edit_support import make_page, usage
from .permission_support import assert_mutation_refused, assert_mutation_succeeded
from .tree_support import (
    CREATE_FOLDER,
    DELETE_FOLDER,
    DUPLICATE_FOLDER,
    MOVE_FOLDER,
    RENAME_FOLDER,
    UNKNOWN,
    everything,
    folder_at,
    folders,
    make_folder,
    page_items,
    site_id,
)

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
MANAGE, DELETE = scopes.MANAGE_PAGES, scopes.DELETE_PAGES
# Pages and folders below ``docs`` in en, decoys that only look related, and fr's own ``docs``.
EN_FOLDERS = ["docs", "docs/guide", "docs/guide/deep", "docs2", "team"]
EN_PAGES = {
    "docs": "Docs",
    "docs/intro": "Intro",
    "docs/guide/install": "Install",
    "docs/guide/deep/leaf": "Leaf",
    "docs2/other": "Other",
    "team/payroll": "Payroll",
}


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


@pytest.fixture
def wiki():
    pages = {
        "docs": make_page("docs", title="Docs", tags=()),
        "intro": make_page("docs/intro", title="Intro", tags=("alpha", "beta"), alias="intro"),
        "install": make_page("docs/guide/install", title="Install", tags=("beta",)),
        "leaf": make_page("docs/guide/deep/leaf", title="Leaf", tags=()),
        "other": make_page("docs2/other", title="Other", tags=()),
        "payroll": make_page("team/payroll", title="Payroll", tags=()),
        "bonjour": make_page("docs/bonjour", title="Bonjour", tags=(), locale="fr"),
    }
    assert folders("en") == EN_FOLDERS
    return pages


@pytest.fixture
def other_site_folder():
    return make_folder("docs", site=Site.objects.create(hostname="other.example.com"))


def refused(thunk, field, key):
    """Call with a thunk so that the world is captured before the request runs."""
    before = everything()
    assert_mutation_refused(thunk(), field, key)
    assert everything() == before


def page_paths(locale="en") -> dict[str, str]:
    return dict(Page.objects.filter(locale=locale).values_list("path", "title"))


def moved_versions() -> dict[str, str]:
    """Archived path -> action, for every version written."""
    return dict(PageHistory.objects.values_list("path", "action"))


# Symbolic ids, resolved once the fixture exists.
def resolve(value, wiki, other_site_folder=None):
    if not isinstance(value, str) or not value.startswith("@"):
        return value
    name = value[1:]
    if name == "page":
        return str(wiki["intro"].pk)
    if name == "fr":
        return str(folder_at("docs", locale="fr").pk)
    if name == "other-site":
        return str(other_site_folder.pk)
    return str(folder_at(name).pk)


# --- createFolder -----------------------------------------------------------------------------
def create(client, pathName, title="Title", **arguments):
    arguments.setdefault("siteId", site_id())
    arguments.setdefault("locale", "en")
    return client(CREATE_FOLDER, {"pathName": pathName, "title": title, **arguments})


def folder_row(path, locale="en"):
    folder = folder_at(path, locale=locale)
    return (folder.folder_path, folder.file_name, folder.title, folder.locale, folder.depth)


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
def rename(client, folder, pathName, title="Title"):
    folder_id = folder if isinstance(folder, str) else str(folder.pk)
    return client(RENAME_FOLDER, {"folderId": folder_id, "pathName": pathName, "title": title})


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


# --- moveFolder -------------------------------------------------------------------------------
def move(client, folder, target):
    folder_id = folder if isinstance(folder, str) else str(folder.pk)
    target_id = target if target is None or isinstance(target, str) else str(target.pk)
    return client(MOVE_FOLDER, {"folderId": folder_id, "targetParentId": target_id})


def test_move_to_the_root(wiki, admin_client):
    guide = folder_at("docs/guide")
    assert_mutation_succeeded(move(admin_client, guide, None), "moveFolder")
    assert folders("en") == ["docs", "docs2", "guide", "guide/deep", "team"]
    assert folder_row("guide") == ("", "guide", "guide", "en", 0)
    assert folder_at("guide").pk == guide.pk
    assert set(page_paths()) == {
        "docs",
        "docs/intro",
        "guide/install",
        "guide/deep/leaf",
        "docs2/other",
        "team/payroll",
    }
    assert moved_versions() == {"docs/guide/install": "moved", "docs/guide/deep/leaf": "moved"}
    assert page_items()["guide/deep/leaf"] == "Leaf"


def test_move_into_another_folder(wiki, admin_client):
    assert_mutation_succeeded(
        move(admin_client, folder_at("docs"), folder_at("team")), "moveFolder"
    )
    assert folders("en") == [
        "docs2",
        "team",
        "team/docs",
        "team/docs/guide",
        "team/docs/guide/deep",
    ]
    assert folder_row("team/docs/guide/deep") == ("team/docs/guide", "deep", "deep", "en", 3)
    assert set(page_paths()) == {
        "docs",
        "team/docs/intro",
        "team/docs/guide/install",
        "team/docs/guide/deep/leaf",
        "docs2/other",
        "team/payroll",
    }
    assert sorted(moved_versions()) == ["docs/guide/deep/leaf", "docs/guide/install", "docs/intro"]
    assert page_paths("fr") == {"docs/bonjour": "Bonjour"}


@pytest.mark.parametrize(
    ("folder", "target", "key"),
    [
        (UNKNOWN, None, "ERR_INVALID_FOLDER"),
        ("@page", None, "ERR_INVALID_FOLDER"),
        (UNKNOWN, UNKNOWN, "ERR_INVALID_FOLDER"),
        ("@docs/guide", UNKNOWN, "ERR_FOLDER_PARENT_INVALID"),
        ("@docs/guide", "@page", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs/guide", "@docs/guide", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs", "@docs/guide/deep", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs", "@docs/guide", "ERR_FOLDER_PARENT_INVALID"),
        ("@team", "@fr", "ERR_FOLDER_PARENT_INVALID"),
        ("@team", "@other-site", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs2", "@team", "ERR_FOLDER_DUPLICATE"),
        ("@docs/guide/deep", None, "ERR_FOLDER_DUPLICATE"),
    ],
)  # fmt: skip
def test_move_checks_in_order(folder, target, key, wiki, other_site_folder, admin_client):
    make_folder("team/docs2")
    make_folder("deep")
    folder_id = resolve(folder, wiki, other_site_folder)
    target_id = resolve(target, wiki, other_site_folder)
    refused(lambda: move(admin_client, folder_id, target_id), "moveFolder", key)


def test_move_collision_with_a_page_rolls_everything_back(wiki, admin_client):
    make_page("team/guide/install", title="Taken", tags=())
    TreeItem.objects.filter(type="folder", path="team/guide").delete()
    refused(
        lambda: move(admin_client, folder_at("docs/guide"), folder_at("team")),
        "moveFolder",
        "ERR_PAGE_DUPLICATE_PATH",
    )


def test_move_permission_after_the_target_and_before_duplicates(wiki, anonymous, user_client):
    guide = folder_at("docs/guide")
    refused(lambda: move(anonymous, guide, guide), "moveFolder", "ERR_FOLDER_PARENT_INVALID")
    refused(
        lambda: move(anonymous, guide, folder_at("team")), "moveFolder", "ERR_NOT_AUTHENTICATED"
    )
    make_folder("team/guide")
    refused(
        lambda: move(anonymous, guide, folder_at("team")), "moveFolder", "ERR_NOT_AUTHENTICATED"
    )
    refused(lambda: move(user_client, guide, folder_at("team")), "moveFolder", "ERR_FORBIDDEN")


# --- duplicateFolder --------------------------------------------------------------------------
def duplicate(client, folder, target, path_name, title="Copy"):
    folder_id = folder if isinstance(folder, str) else str(folder.pk)
    target_id = target if target is None or isinstance(target, str) else str(target.pk)
    variables = {
        "folderId": folder_id,
        "targetParentId": target_id,
        "targetPathName": path_name,
        "targetTitle": title,
    }
    return client(DUPLICATE_FOLDER, variables)


COPIED = (
    "title",
    "description",
    "icon",
    "content",
    "render",
    "toc",
    "tags",
    "editor",
    "content_type",
    "publish_state",
    "publish_start_date",
    "publish_end_date",
    "config",
    "relations",
    "scripts",
    "is_browsable",
    "is_searchable",
)


def test_duplicate_copies_folders_and_pages(wiki, make_user, client_for, group_with):
    writer = make_user(groups=[group_with(rules=[rule(roles=[READ, WRITE])])])
    client = client_for(writer)
    before_usage = usage()
    originals = {p.path: p for p in Page.objects.all()}
    rows = {p.pk: Page.objects.filter(pk=p.pk).values().get() for p in originals.values()}
    r = duplicate(client, folder_at("docs/guide"), folder_at("team"), "guide-copy", " Copy ")
    assert_mutation_succeeded(r, "duplicateFolder")
    assert folders("en") == sorted([*EN_FOLDERS, "team/guide-copy", "team/guide-copy/deep"])
    assert folder_row("team/guide-copy") == ("team", "guide-copy", "Copy", "en", 1)
    assert folder_row("team/guide-copy/deep") == ("team/guide-copy", "deep", "deep", "en", 2)
    assert folder_at("team/guide-copy").pk != folder_at("docs/guide").pk
    # The originals are untouched.
    assert {pk: Page.objects.filter(pk=pk).values().get() for pk in rows} == rows
    assert Page.objects.count() == len(rows) + 2
    for source, copy_path in (
        ("docs/guide/install", "team/guide-copy/install"),
        ("docs/guide/deep/leaf", "team/guide-copy/deep/leaf"),
    ):
        original, copy = originals[source], Page.objects.get(locale="en", path=copy_path)
        assert copy.pk != original.pk
        assert {f: getattr(copy, f) for f in COPIED} == {f: getattr(original, f) for f in COPIED}
        assert copy.alias is None
        assert (copy.creator_id, copy.author_id, copy.owner_id) == (writer.pk,) * 3
        assert TreeItem.objects.get(pk=copy.pk).path == copy_path
        assert not PageHistory.objects.filter(page_id=copy.pk).exists()
        assert set(copy.tag_links.values_list("tag__tag", flat=True)) == set(original.tags)
    assert PageHistory.objects.count() == 0
    assert usage() == {**before_usage, "beta": before_usage["beta"] + 1}


def test_duplicate_drops_aliases_and_may_go_to_the_root(wiki, admin, admin_client):
    assert_mutation_succeeded(
        duplicate(admin_client, folder_at("docs"), None, "docs-copy"), "duplicateFolder"
    )
    copy = Page.objects.get(path="docs-copy/intro")
    assert (copy.alias, Page.objects.get(pk=wiki["intro"].pk).alias) == (None, "intro")
    assert (copy.creator_id, copy.author_id) == (admin.pk, admin.pk)
    assert folders("en") == sorted(
        [*EN_FOLDERS, "docs-copy", "docs-copy/guide", "docs-copy/guide/deep"]
    )
    assert usage() == {"alpha": 2, "beta": 4}


def test_duplicate_by_api_key_is_attributed_to_the_root_administrator(
    wiki, admin, admin_key_client
):
    assert_mutation_succeeded(
        duplicate(admin_key_client, folder_at("docs/guide"), None, "guide-copy"), "duplicateFolder"
    )
    copy = Page.objects.get(path="guide-copy/install")
    assert (copy.creator_id, copy.author_id) == (admin.pk, admin.pk)


@pytest.mark.parametrize(
    ("folder", "target", "path_name", "title", "key"),
    [
        (UNKNOWN, None, "fresh", "T", "ERR_INVALID_FOLDER"),
        ("@page", None, "fresh", "T", "ERR_INVALID_FOLDER"),
        (UNKNOWN, UNKNOWN, "a_b", "<", "ERR_INVALID_FOLDER"),
        ("@docs/guide", None, "a_b", "T", "ERR_INVALID_PATH"),
        ("@docs/guide", None, "", "T", "ERR_INVALID_PATH"),
        ("@docs/guide", None, "en", "T", "ERR_INVALID_PATH"),
        ("@docs/guide", None, "x", "T", "ERR_INVALID_PATH"),
        ("@docs/guide", UNKNOWN, "a_b", "<", "ERR_INVALID_PATH"),
        ("@docs/guide", None, "fresh", "", "ERR_FOLDER_TITLE_INVALID"),
        ("@docs/guide", None, "fresh", "<b>", "ERR_FOLDER_TITLE_INVALID"),
        ("@docs/guide", None, "fresh", "t" * 256, "ERR_FOLDER_TITLE_INVALID"),
        ("@docs/guide", UNKNOWN, "fresh", '"', "ERR_FOLDER_TITLE_INVALID"),
        ("@docs/guide", UNKNOWN, "fresh", "T", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs/guide", "@page", "fresh", "T", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs/guide", "@fr", "fresh", "T", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs/guide", "@other-site", "fresh", "T", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs/guide", "@docs/guide/deep", "fresh", "T", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs", "@docs/guide", "guide", "T", "ERR_FOLDER_PARENT_INVALID"),
        ("@docs/guide", None, "team", "T", "ERR_FOLDER_DUPLICATE"),
        ("@docs/guide", "@docs", "guide", "T", "ERR_FOLDER_DUPLICATE"),
    ],
)
def test_duplicate_checks_in_order(
    folder, target, path_name, title, key, wiki, other_site_folder, admin_client
):
    folder_id = resolve(folder, wiki, other_site_folder)
    target_id = resolve(target, wiki, other_site_folder)
    refused(
        lambda: duplicate(admin_client, folder_id, target_id, path_name, title),
        "duplicateFolder",
        key,
    )


def test_duplicate_collision_with_a_page_rolls_everything_back(wiki, admin_client):
    make_page("copy/deep/leaf", title="Taken", tags=())
    TreeItem.objects.filter(type="folder", path__startswith="copy").delete()
    refused(
        lambda: duplicate(admin_client, folder_at("docs/guide"), None, "copy"),
        "duplicateFolder",
        "ERR_PAGE_DUPLICATE_PATH",
    )


def test_duplicate_permission_before_duplicates(wiki, anonymous, user_client):
    guide = folder_at("docs/guide")
    refused(
        lambda: duplicate(anonymous, guide, guide, "fresh"),
        "duplicateFolder",
        "ERR_FOLDER_PARENT_INVALID",
    )
    refused(
        lambda: duplicate(anonymous, guide, None, "fresh"),
        "duplicateFolder",
        "ERR_NOT_AUTHENTICATED",
    )
    refused(
        lambda: duplicate(anonymous, guide, None, "team"),
        "duplicateFolder",
        "ERR_NOT_AUTHENTICATED",
    )
    refused(lambda: duplicate(user_client, guide, None, "team"), "duplicateFolder", "ERR_FORBIDDEN")


# --- deleteFolder -----------------------------------------------------------------------------
def delete(client, folder):
    folder_id = folder if isinstance(folder, str) else str(folder.pk)
    return client(DELETE_FOLDER, {"folderId": folder_id})


def test_delete_removes_pages_and_folders_below(wiki, admin_client):
    assert usage() == {"alpha": 1, "beta": 2}
    assert_mutation_succeeded(delete(admin_client, folder_at("docs")), "deleteFolder")
    assert folders("en") == ["docs2", "team"]
    assert folders("fr") == ["docs"]
    assert page_paths() == {"docs": "Docs", "docs2/other": "Other", "team/payroll": "Payroll"}
    assert page_paths("fr") == {"docs/bonjour": "Bonjour"}
    assert page_items() == {
        "docs": "Docs",
        "docs2/other": "Other",
        "team/payroll": "Payroll",
        "docs/bonjour": "Bonjour",
    }
    assert usage() == {"alpha": 0, "beta": 0}
    versions = {v.page_id: (v.action, v.path) for v in PageHistory.objects.all()}
    assert versions == {
        wiki["intro"].pk: ("deleted", "docs/intro"),
        wiki["install"].pk: ("deleted", "docs/guide/install"),
        wiki["leaf"].pk: ("deleted", "docs/guide/deep/leaf"),
    }


def test_delete_a_subfolder_and_an_empty_folder(wiki, admin_client):
    assert_mutation_succeeded(delete(admin_client, folder_at("docs/guide")), "deleteFolder")
    assert folders("en") == ["docs", "docs2", "team"]
    assert set(page_paths()) == {"docs", "docs/intro", "docs2/other", "team/payroll"}
    assert usage() == {"alpha": 1, "beta": 1}
    make_folder("empty")
    assert_mutation_succeeded(delete(admin_client, folder_at("empty")), "deleteFolder")
    assert folders("en") == ["docs", "docs2", "team"]


def test_delete_checks(wiki, admin_client, anonymous, user_client, client_with):
    for client in (admin_client, anonymous):
        refused(lambda c=client: delete(c, UNKNOWN), "deleteFolder", "ERR_INVALID_FOLDER")
        refused(
            lambda c=client: delete(c, str(wiki["intro"].pk)), "deleteFolder", "ERR_INVALID_FOLDER"
        )
    docs = folder_at("docs")
    refused(lambda: delete(anonymous, docs), "deleteFolder", "ERR_NOT_AUTHENTICATED")
    refused(lambda: delete(user_client, docs), "deleteFolder", "ERR_FORBIDDEN")
    # One page below may not be deleted: nothing is.
    deleter = client_with(
        rules=[
            rule(path="docs", roles=[DELETE]),
            rule("DENY", "EXACT", "docs/guide/deep/leaf", roles=[DELETE]),
        ]
    )
    refused(lambda: delete(deleter, docs), "deleteFolder", "ERR_FORBIDDEN")


def test_delete_by_another_user_leaves_other_users_pages(wiki, client_with):
    deleter = client_with(rules=[rule(path="docs", roles=[DELETE])])
    assert_mutation_succeeded(delete(deleter, folder_at("docs")), "deleteFolder")
    assert set(page_paths()) == {"docs", "docs2/other", "team/payroll"}
    assert sorted(PageHistory.objects.values_list("action", flat=True)) == ["deleted"] * 3


def test_re_pathed_pages_change_like_a_move(wiki, admin, make_user, client_for, group_with):
    """Author = caller, updatedAt = now; the version keeps the archived author and date."""
    mover = make_user(groups=[group_with(rules=[rule(roles=[READ, WRITE, MANAGE])])])
    before = Page.objects.get(pk=wiki["install"].pk)
    assert_mutation_succeeded(
        rename(client_for(mover), folder_at("docs/guide"), "howto"), "renameFolder"
    )
    after = Page.objects.get(pk=wiki["install"].pk)
    assert (after.path, after.author_id, after.creator_id) == (
        "docs/howto/install",
        mover.pk,
        admin.pk,
    )
    assert after.updated_at > before.updated_at
    version = PageHistory.objects.get(page_id=before.pk)
    assert (version.action, version.path, version.author_id, version.version_date) == (
        "moved",
        "docs/guide/install",
        admin.pk,
        before.updated_at,
    )
    assert_mutation_succeeded(move(client_for(mover), folder_at("docs/howto"), None), "moveFolder")
    assert Page.objects.get(pk=before.pk).path == "howto/install"
    assert list(
        PageHistory.objects.filter(page_id=before.pk)
        .order_by("created_at")
        .values_list("path", "author_id")
    ) == [("docs/guide/install", admin.pk), ("docs/howto/install", mover.pk)]
