"""moveFolder, duplicateFolder and deleteFolder through /_graphql (API.md §4.2.2): every check
in the contract's order with nothing left behind, and the effects on folders, pages, history
and tags."""

import pytest

from pages.models import Page, PageHistory, TreeItem
from tests.factories import rule

from ..page_edit_support import make_page, usage
from ..permission_support import assert_mutation_succeeded
from ..tree_support import (
    DELETE_FOLDER,
    DUPLICATE_FOLDER,
    MOVE_FOLDER,
    UNKNOWN,
    folder_at,
    folders,
    make_folder,
    page_items,
)
from .support import (
    DELETE,
    EN_FOLDERS,
    MANAGE,
    READ,
    WRITE,
    folder_row,
    moved_versions,
    page_paths,
    refused,
    rename,
    resolve,
)

pytestmark = pytest.mark.django_db


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
