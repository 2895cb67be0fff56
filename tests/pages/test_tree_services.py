"""The tree's upkeep, tested on the services: backfill, self-healing, and re-pathing a subtree
whose old and new paths overlap."""

from __future__ import annotations

import importlib

from django.apps import apps

from pages import edits, folders
from pages.models import Page, PageHistory, TreeItem
from tests.api.page_edit_support import make_page
from tests.factories import PageFactory

backfill_migration = importlib.import_module("pages.migrations.0006_tree_backfill")


def tree() -> list[tuple[str, str, str]]:
    return sorted(TreeItem.objects.values_list("type", "path", "title"))


def test_backfill_gives_old_pages_their_items_and_folders_once(db):
    first = PageFactory(path="guide/setup/linux", title="Linux")
    PageFactory(path="guide/faq", title="FAQ")
    PageFactory(path="home", title="Home")
    backfill_migration.backfill(apps, None)
    expected = [
        ("folder", "guide", "guide"),
        ("folder", "guide/setup", "setup"),
        ("page", "guide/faq", "FAQ"),
        ("page", "guide/setup/linux", "Linux"),
        ("page", "home", "Home"),
    ]
    assert tree() == expected
    item = TreeItem.objects.get(pk=first.pk)
    assert (item.page_id, item.folder_path, item.file_name, item.depth) == (
        first.pk,
        "guide/setup",
        "linux",
        2,
    )
    assert item.meta["contentType"] == first.content_type
    assert TreeItem.objects.filter(legacy_id__isnull=True).count() == 0
    backfill_migration.backfill(apps, None)  # a second run adds nothing
    assert tree() == expected


def test_a_page_written_before_the_tree_gets_its_item_on_the_next_update(admin):
    page = PageFactory(path="notes/old", title="Old")
    assert not TreeItem.objects.exists()
    edits.update_page(None, page.pk, edits.PagePatch(title="Renewed"))
    assert tree() == [("folder", "notes", "notes"), ("page", "notes/old", "Renewed")]


def test_the_item_goes_with_its_page_however_the_page_is_deleted(admin):
    page = make_page("docs/gone")
    Page.objects.filter(pk=page.pk).delete()  # not through the service
    assert tree() == [("folder", "docs", "docs")]


def test_a_subtree_whose_new_paths_are_its_old_ones_moves_without_a_clash(admin):
    """Moving cc/xx/cc to the root maps ccc/xxx/ccc/xxx/ccc/pp onto ccc/xxx/ccc/pp, which another
    moving page leaves in the same statement: rows are parked on unique values first.
    (A consistent tree refuses this move as ERR_FOLDER_DUPLICATE; here the folders ccc and
    ccc/xxx were lost by hand.)"""
    deep = make_page("ccc/xxx/ccc/xxx/ccc/pp", tags=())
    shallow = make_page("ccc/xxx/ccc/pp", tags=())
    TreeItem.objects.filter(type="folder", path__in=["ccc", "ccc/xxx"]).delete()
    moving = TreeItem.objects.get(type="folder", path="ccc/xxx/ccc")
    folders.move_folder(None, moving.pk, None)
    assert dict(Page.objects.values_list("pk", "path")) == {
        deep.pk: "ccc/xxx/ccc/pp",
        shallow.pk: "ccc/pp",
    }
    assert sorted(TreeItem.objects.values_list("type", "path")) == [
        ("folder", "ccc"),
        ("folder", "ccc/xxx"),
        ("folder", "ccc/xxx/ccc"),
        ("page", "ccc/pp"),
        ("page", "ccc/xxx/ccc/pp"),
    ]
    assert sorted(PageHistory.objects.values_list("action", "path")) == [
        ("moved", "ccc/xxx/ccc/pp"),
        ("moved", "ccc/xxx/ccc/xxx/ccc/pp"),
    ]


def test_rename_and_move_return_the_folder_as_it_now_is(admin):
    make_page("docs/guide/one", tags=())
    guide = TreeItem.objects.get(type="folder", path="docs/guide")
    renamed = folders.rename_folder(None, guide.pk, "manual", "Manual")
    assert (renamed.pk, renamed.path, renamed.title) == (guide.pk, "docs/manual", "Manual")
    moved = folders.move_folder(None, guide.pk, None)
    assert (moved.path, moved.folder_path, moved.depth) == ("manual", "", 0)
