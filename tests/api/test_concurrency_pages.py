"""Page writes racing each other on PostgreSQL (API.md §4.1.3, §4.2): one writer wins, the
others get the contract's key (never ERR_UNEXPECTED), and the tree keeps one item per page and
per folder.

Real threads, each with its own database connection, released together by a barrier. The rows
are committed for real; the serialized rollback puts the installation's rows back for the tests
that follow (as ``test_concurrent_updates_lose_no_version`` in test_update_page.py does).
"""

from collections import Counter

import pytest

from accounts import tokens
from pages.models import Page, PageHistory, TreeItem, TreeItemType
from tests.conftest import GraphQLResponse
from tests.factories import default_site

from .concurrency_support import RACE_MARKS, outcomes, race
from .page_edit_support import make_page

pytestmark = RACE_MARKS

WRITERS = 8
CREATE = """mutation ($siteId: UUID!, $path: String!, $title: String!, $alias: String) {
  createPage(siteId: $siteId, locale: "en", path: $path, title: $title, description: "",
             content: "# Race", editor: "markdown", publishState: published, alias: $alias) {
    operation { succeeded slug message } page { id } } }"""
UPDATE = """mutation ($id: UUID!, $patch: PageUpdateInput!) {
  updatePage(id: $id, patch: $patch) { operation { succeeded slug message } page { id } } }"""
MOVE = """mutation ($id: UUID!, $path: String!) {
  movePage(id: $id, destinationLocale: "en", destinationPath: $path) {
    operation { succeeded slug message } } }"""


@pytest.fixture
def token(admin) -> str:
    return tokens.issue_session_token(admin)


def winner(answers: list[GraphQLResponse], field: str) -> int:
    """The index of the one request that succeeded."""
    won = [n for n, answer in enumerate(answers) if answer.data[field]["operation"]["succeeded"]]
    assert len(won) == 1
    return won[0]


def tree_items(**filters) -> list[tuple[str, str]]:
    rows = TreeItem.objects.filter(**filters).values_list("type", "path")
    return sorted(rows)


def create_requests(paths: list[str], aliases: list[str | None] | None = None):
    aliases = aliases or [None] * len(paths)
    site = str(default_site().pk)
    return [
        (CREATE, {"siteId": site, "path": path, "title": f"Writer {n}", "alias": alias})
        for n, (path, alias) in enumerate(zip(paths, aliases, strict=True))
    ]


# --- createPage --------------------------------------------------------------------------------
def test_creates_on_one_path_leave_one_page_and_one_item_per_folder(token):
    answers = race(token, create_requests(["race/deep/page"] * WRITERS))
    assert outcomes(answers, "createPage") == {"ok": 1, "ERR_PAGE_DUPLICATE_PATH": WRITERS - 1}
    won = winner(answers, "createPage")
    page = Page.objects.get(path="race/deep/page")
    assert str(page.pk) == answers[won].data["createPage"]["page"]["id"]
    assert page.title == f"Writer {won}"
    for n, answer in enumerate(answers):
        if n != won:
            assert answer.data["createPage"]["page"] is None
    assert tree_items(path__startswith="race") == [
        ("folder", "race"),
        ("folder", "race/deep"),
        ("page", "race/deep/page"),
    ]
    assert TreeItem.objects.get(type=TreeItemType.PAGE, path="race/deep/page").pk == page.pk


def test_creates_below_one_new_folder_make_each_folder_once(token):
    paths = [f"fresh/shared/page-{n}" for n in range(WRITERS)]
    # Half of them also race for one path: the folders are still made once.
    paths += ["fresh/shared/same"] * (WRITERS // 2)
    answers = race(token, create_requests(paths))
    assert outcomes(answers, "createPage") == {
        "ok": WRITERS + 1,
        "ERR_PAGE_DUPLICATE_PATH": WRITERS // 2 - 1,
    }
    assert Page.objects.filter(path__startswith="fresh/").count() == WRITERS + 1
    pages = sorted(("page", path) for path in set(paths))
    assert tree_items(path__startswith="fresh") == [
        ("folder", "fresh"),
        ("folder", "fresh/shared"),
        *pages,
    ]
    assert set(TreeItem.objects.filter(type=TreeItemType.PAGE).values_list("pk", flat=True)) == (
        set(Page.objects.values_list("pk", flat=True))
    )


def test_creates_with_one_alias_leave_one_page_with_it(token):
    paths = [f"aliased/page-{n}" for n in range(WRITERS)]
    answers = race(token, create_requests(paths, ["shared-alias"] * WRITERS))
    assert outcomes(answers, "createPage") == {"ok": 1, "ERR_PAGE_DUPLICATE_ALIAS": WRITERS - 1}
    won = winner(answers, "createPage")
    assert list(Page.objects.values_list("path", "alias")) == [(paths[won], "shared-alias")]
    # The losers' pages, items and folders were all rolled back: one folder, one item.
    assert tree_items(path__startswith="aliased") == [
        ("folder", "aliased"),
        ("page", paths[won]),
    ]


# --- updatePage --------------------------------------------------------------------------------
def test_updates_setting_one_alias_on_different_pages_give_it_to_one(token):
    pages = [make_page(f"docs/alias-{n}", tags=()) for n in range(WRITERS)]
    patch = {"alias": "taken-once", "title": "Renamed"}
    answers = race(token, [(UPDATE, {"id": str(page.pk), "patch": patch}) for page in pages])
    assert outcomes(answers, "updatePage") == {"ok": 1, "ERR_PAGE_DUPLICATE_ALIAS": WRITERS - 1}
    won = pages[winner(answers, "updatePage")]
    assert list(Page.objects.filter(alias__isnull=False).values_list("pk", "alias")) == [
        (won.pk, "taken-once")
    ]
    # A refused update changes nothing: no version, the old title here and in the tree.
    assert list(PageHistory.objects.values_list("page_id", flat=True)) == [won.pk]
    titles = dict(Page.objects.values_list("pk", "title"))
    assert titles == {page.pk: "Renamed" if page == won else "Intro" for page in pages}
    assert dict(TreeItem.objects.filter(type=TreeItemType.PAGE).values_list("pk", "title")) == (
        titles
    )


# --- movePage ----------------------------------------------------------------------------------
def test_moves_to_one_destination_move_one_page(token):
    pages = [make_page(f"docs/move-{n}", tags=()) for n in range(WRITERS)]
    answers = race(token, [(MOVE, {"id": str(page.pk), "path": "landing/spot"}) for page in pages])
    assert outcomes(answers, "movePage") == {"ok": 1, "ERR_PAGE_DUPLICATE_PATH": WRITERS - 1}
    won = pages[winner(answers, "movePage")]
    paths = dict(Page.objects.values_list("pk", "path"))
    assert paths == {page.pk: "landing/spot" if page == won else page.path for page in pages}
    assert list(PageHistory.objects.values_list("page_id", "path")) == [(won.pk, won.path)]
    items = TreeItem.objects.filter(type=TreeItemType.PAGE)
    assert dict(items.values_list("pk", "path")) == paths
    assert tree_items(type=TreeItemType.FOLDER) == [("folder", "docs"), ("folder", "landing")]


def test_moves_and_creates_into_one_new_folder_make_it_once(token):
    pages = [make_page(f"docs/mover-{n}", tags=()) for n in range(WRITERS // 2)]
    site = str(default_site().pk)
    moves: list[tuple[str, dict]] = [
        (MOVE, {"id": str(page.pk), "path": f"arrivals/hall/moved-{n}"})
        for n, page in enumerate(pages)
    ]
    creates: list[tuple[str, dict]] = [
        (CREATE, {"siteId": site, "path": f"arrivals/hall/new-{n}", "title": "New"})
        for n in range(WRITERS // 2)
    ]
    answers = race(token, moves + creates)
    half = len(pages)
    assert outcomes(answers[:half], "movePage") == {"ok": half}
    assert outcomes(answers[half:], "createPage") == {"ok": half}
    folders = Counter(
        TreeItem.objects.filter(type=TreeItemType.FOLDER).values_list("path", flat=True)
    )
    assert folders == {"docs": 1, "arrivals": 1, "arrivals/hall": 1}
    assert TreeItem.objects.filter(path__startswith="arrivals/hall/").count() == WRITERS
