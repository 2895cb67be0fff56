"""Folder operations racing each other and page writes, on PostgreSQL with real threads.

Each thread posts through its own connection, as concurrent requests would. Whatever the
interleaving, every answer is a contract key (never ERR_UNEXPECTED), and the tree stays whole:
every item's parent folder exists, no folder is doubled, and every page has its one item.
"""

from __future__ import annotations

import pytest

from accounts import tokens
from pages.models import Page, TreeItem

from .concurrency_support import RACE_MARKS, slugs
from .concurrency_support import race as race_requests
from .page_edit_support import make_page
from .tree_support import (
    CREATE_FOLDER,
    DELETE_FOLDER,
    MOVE_FOLDER,
    RENAME_FOLDER,
    folder_at,
    site_id,
)

pytestmark = RACE_MARKS
CREATE_PAGE = """mutation ($siteId: UUID!, $path: String!) {
  createPage(siteId: $siteId, locale: "en", path: $path, title: "T", description: "",
             content: "x", editor: "markdown", publishState: published) {
    operation { slug }
  }
}"""


def race(token: str, requests: list[tuple[str, dict]]) -> list[str]:
    return slugs(race_requests(token, requests))


def assert_tree_whole() -> None:
    folders = set(TreeItem.objects.filter(type="folder").values_list("site_id", "locale", "path"))
    items = list(TreeItem.objects.values_list("site_id", "locale", "folder_path", "type", "path"))
    orphans = [i for i in items if i[2] and (i[0], i[1], i[2]) not in folders]
    assert orphans == []
    assert len(folders) == TreeItem.objects.filter(type="folder").count()
    pages = dict(Page.objects.values_list("pk", "path"))
    page_items = dict(TreeItem.objects.filter(type="page").values_list("pk", "path"))
    assert page_items == pages


@pytest.fixture
def token(admin) -> str:
    return tokens.issue_session_token(admin)


def test_one_folder_wins_a_path(token):
    create = {"siteId": site_id(), "locale": "en", "pathName": "guides", "title": "Guides"}
    slugs = race(token, [(CREATE_FOLDER, create)] * 8)
    assert sorted(slugs) == ["ERR_FOLDER_DUPLICATE"] * 7 + ["ok"]
    assert TreeItem.objects.filter(type="folder", path="guides").count() == 1


def test_pages_created_while_their_folder_is_renamed_keep_a_whole_tree(token):
    for round_number in range(3):
        make_page(f"area{round_number}/existing", tags=())
        folder = folder_at(f"area{round_number}")
        rename = {"folderId": str(folder.pk), "pathName": f"moved{round_number}", "title": "M"}
        creates = [
            (CREATE_PAGE, {"siteId": site_id(), "path": f"area{round_number}/new-{n}"})
            for n in range(5)
        ]
        slugs = race(token, [(RENAME_FOLDER, rename), *creates])
        assert slugs == ["ok"] * 6
        assert_tree_whole()
        # The pages are either under the renamed folder or under a folder made anew.
        paths = set(Page.objects.filter(title="T").values_list("path", flat=True))
        assert {p.split("/", 1)[1] for p in paths} >= {f"new-{n}" for n in range(5)}


def test_pages_created_while_their_folder_is_deleted_keep_a_whole_tree(token):
    make_page("doomed/old", tags=())
    folder = folder_at("doomed")
    creates = [(CREATE_PAGE, {"siteId": site_id(), "path": f"doomed/new-{n}"}) for n in range(5)]
    slugs = race(token, [(DELETE_FOLDER, {"folderId": str(folder.pk)}), *creates])
    assert slugs == ["ok"] * 6
    assert_tree_whole()
    assert not Page.objects.filter(path="doomed/old").exists()


def test_two_folders_moved_into_each_other_do_not_make_a_cycle(token):
    make_page("left/page", tags=())
    make_page("right/page", tags=())
    left, right = folder_at("left"), folder_at("right")
    slugs = race(
        token,
        [
            (MOVE_FOLDER, {"folderId": str(left.pk), "targetParentId": str(right.pk)}),
            (MOVE_FOLDER, {"folderId": str(right.pk), "targetParentId": str(left.pk)}),
        ],
    )
    assert sorted(slugs) == ["ERR_FOLDER_PARENT_INVALID", "ok"]
    assert_tree_whole()
    assert sorted(Page.objects.values_list("path", flat=True)) in (
        ["left/page", "left/right/page"],
        ["right/left/page", "right/page"],
    )


def test_a_rename_racing_pages_created_at_its_new_paths_answers_only_contract_keys(token):
    for round_number in range(3):
        names = [f"x{n}" for n in range(4)]
        for name in names:
            make_page(f"src{round_number}/{name}", tags=())
        folder = folder_at(f"src{round_number}")
        rename = {"folderId": str(folder.pk), "pathName": f"dst{round_number}", "title": "D"}
        creates = [
            (CREATE_PAGE, {"siteId": site_id(), "path": f"dst{round_number}/{name}"})
            for name in names
        ]
        slugs = race(token, [(RENAME_FOLDER, rename), *creates])
        renamed, created = slugs[0], slugs[1:]
        assert renamed in ("ok", "ERR_FOLDER_DUPLICATE", "ERR_PAGE_DUPLICATE_PATH")
        assert set(created) <= {"ok", "ERR_PAGE_DUPLICATE_PATH"}
        if renamed == "ok":  # the renamed pages took the paths first
            assert "ok" not in created
        assert_tree_whole()
