"""The seeded wiki's tree and history: what the services would have written, row for row."""

import pytest
from django.db import connection

from bench.operations import BY_KEY
from bench.seed import Seeder
from pages.models import Page, PageHistory, TreeItem, TreeItemType, page_hash
from pages.tree import add_page_item
from tests.conftest import GraphQLClient
from wiki.models import LegacyIdCounter

from .test_harness import call_floor

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the seeder writes with COPY"
)

# Everything a tree item holds but its own identity and dates: folders get fresh ids and
# timestamps wherever they are made; a page's item has the page's id and dates either way.
COMPARED = (
    "type", "site_id", "locale", "folder_path", "file_name", "path", "depth", "title",
    "hash", "navigation_mode", "navigation_id", "tags", "meta", "page_id",
)  # fmt: skip


def tree_rows() -> list[tuple]:
    rows = TreeItem.objects.order_by("type", "path").values_list(*COMPARED)
    return [tuple(repr(value) for value in row) for row in rows]


def page_item_dates() -> dict:
    items = TreeItem.objects.filter(type=TreeItemType.PAGE)
    return {row[0]: row[1:] for row in items.values_list("id", "created_at", "updated_at")}


@pytest.fixture
def seeder(db, monkeypatch) -> Seeder:
    # Several chunks, and a top-up: folders seen in one chunk are not written again later.
    monkeypatch.setattr("bench.seed.CHUNK", 10)
    seeder = Seeder()
    seeder.base()
    seeder.pages_up_to(25)
    seeder.folders = None  # a later run of the seeder knows the folders from the database
    seeder.pages_up_to(40)
    return seeder


def test_the_seeded_tree_is_the_one_the_services_build(seeder):
    seeded, dates = tree_rows(), page_item_dates()
    pages = list(Page.objects.order_by("created_at", "pk"))
    assert len(pages) == 40
    assert len(dates) == 40
    assert {page.pk: (page.created_at, page.updated_at) for page in pages} == dates
    folders = {path for page in pages for path in ancestor_folders(page.path)}
    assert len(seeded) == 40 + len(folders)

    TreeItem.objects.all().delete()
    for page in pages:
        add_page_item(page)
    assert tree_rows() == seeded
    assert page_item_dates() == dates


def ancestor_folders(path: str) -> list[str]:
    segments = path.split("/")
    return ["/".join(segments[:n]) for n in range(1, len(segments))]


def test_seeded_tree_items_have_their_own_legacy_ids(seeder):
    ids = list(TreeItem.objects.values_list("legacy_id", flat=True))
    assert None not in ids
    assert len(set(ids)) == len(ids)
    assert LegacyIdCounter.objects.get(kind="treeitem").last_value >= max(ids)
    for item in TreeItem.objects.all():
        assert item.hash == page_hash(item.locale, item.path)
        assert item.depth == (item.folder_path.count("/") + 1 if item.folder_path else 0)


def test_sampled_pages_get_a_history_once(seeder):
    facts = seeder.facts("test")
    assert len(facts.page_ids) == 40
    versions = PageHistory.objects.filter(page_id__in=facts.page_ids)
    written = versions.count()
    assert 3 * 40 <= written <= 5 * 40
    assert seeder.facts("again").page_ids == facts.page_ids
    assert versions.count() == written
    ids = list(PageHistory.objects.values_list("legacy_id", flat=True))
    assert len(set(ids)) == len(ids) == written
    assert LegacyIdCounter.objects.get(kind="pagehistory").last_value >= max(ids)


def test_a_seeded_history_reads_as_edits_after_one_move(seeder):
    facts = seeder.facts("test")
    client = GraphQLClient(seeder.api_key_token)
    operation = BY_KEY["pageHistoryById"]
    for variables in operation.variables(facts)[:5]:
        page = Page.objects.get(pk=variables["id"])
        answer = client(operation.document, variables).data["pageHistoryById"]
        kinds = [entry["actionType"] for entry in answer["trail"]]
        assert answer["total"] == len(kinds)
        assert kinds == ["edit"] * (len(kinds) - 2) + ["move", "initial"]
        move = answer["trail"][-2]
        assert move["valueAfter"] == page.path
        assert move["valueBefore"] == page.path.rpartition("/")[0] + f"/draft-{page.legacy_id}"
        assert call_floor(operation, {"variables": variables}) == {
            "data": {"pageHistoryById": answer}
        }


def test_the_tree_floor_lists_a_folders_children_by_title(seeder):
    facts = seeder.facts("test")
    operation = BY_KEY["tree"]
    variables = operation.variables(facts)
    assert 1 <= len(variables) <= 16
    for sample in variables:
        rows = call_floor(operation, {"variables": sample})["data"]["tree"]
        children = TreeItem.objects.filter(folder_path=sample["parentPath"], locale="en")
        assert rows == [
            {"id": str(pk), "folderPath": sample["parentPath"], "fileName": name, "title": title}
            for pk, name, title in children.order_by("title", "pk").values_list(
                "pk", "file_name", "title"
            )
        ]
        assert rows


def test_updates_go_to_other_pages_than_the_ones_read(seeder):
    facts = seeder.facts("test")
    assert len(facts.edit_page_ids) == len(facts.page_ids) == 40  # a tiny wiki: the same
    seeder.pages_up_to(200)
    facts = seeder.facts("test")
    assert len(facts.edit_page_ids) == len(facts.page_ids) == 64
    assert not set(facts.edit_page_ids) & set(facts.page_ids)
