"""The page-changing services called directly (pages.edits, pages.history, tag helpers)."""

import pytest

from pages import edits, history, services
from pages.models import Page, PageHistory
from tests.api.page_edit_support import linked, make_page, usage, world
from wiki.errors import DomainError, ErrorKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """``make_page`` writes as an operator, attributed to the root administrator."""


def test_update_by_an_operator_changes_only_the_patch():
    page = make_page()
    updated = edits.update_page(None, page.pk, edits.PagePatch(description="New"))
    assert (updated.description, updated.title, updated.tags) == ("New", "Intro", ["alpha", "beta"])
    assert PageHistory.objects.get(page_id=page.pk).description == "About"


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        (edits.PagePatch(title=""), ErrorKey.PAGE_TITLE_MISSING),
        (edits.PagePatch(alias="x y"), ErrorKey.PAGE_INVALID_ALIAS),
        (edits.PagePatch(publish_state="scheduled"), ErrorKey.PAGE_MISSING_SCHEDULED_DATES),
        (edits.PagePatch(toc_depth={"min": 4, "max": 1}), ErrorKey.PAGE_INVALID_TOC_DEPTH),
        (edits.PagePatch(tags=["no spaces"]), ErrorKey.INVALID_INPUT),
    ],
)
def test_update_refusals_leave_nothing(patch, key):
    page = make_page()
    before = world()
    with pytest.raises(DomainError) as caught:
        edits.update_page(None, page.pk, patch)
    assert caught.value.key == key
    assert world() == before


def test_a_failure_after_the_version_rolls_everything_back(monkeypatch):
    page = make_page()
    before = world()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(edits, "replace_tags", broken)
    with pytest.raises(RuntimeError):
        edits.update_page(None, page.pk, edits.PagePatch(title="New", tags=["gamma"]))
    assert world() == before


def test_replace_and_detach_keep_counts():
    one = make_page(tags=("alpha", "beta"))
    two = make_page("docs/two", tags=("beta",))
    services.replace_tags(one, ["alpha", "beta"], ["beta", "gamma", "delta"])
    assert usage() == {"alpha": 0, "beta": 2, "gamma": 1, "delta": 1}
    assert linked(one.pk) == {"beta", "gamma", "delta"}
    services.detach_tags(two, ["beta"])
    assert usage()["beta"] == 1
    assert linked(two.pk) == set()
    # A drifted count never goes below zero.
    services.detach_tags(two, ["alpha"])
    assert usage()["alpha"] == 0


def test_delete_and_restore_by_an_operator():
    page = make_page(title="First")
    edits.update_page(None, page.pk, edits.PagePatch(title="Second"))
    version = PageHistory.objects.get(page_id=page.pk)
    restored = edits.restore_page(None, page.pk, version.pk)
    assert restored.title == "First"
    edits.delete_page(None, page.pk)
    assert not Page.objects.filter(pk=page.pk).exists()
    assert list(
        PageHistory.objects.filter(page_id=page.pk)
        .order_by("legacy_id")
        .values_list("action", flat=True)
    ) == ["updated", "restored", "deleted"]
    # History of a deleted page is not readable: the page is gone.
    with pytest.raises(DomainError) as caught:
        history.history_trail(None, page.pk)
    assert caught.value.key == ErrorKey.PAGE_NOT_FOUND


def test_move_uses_the_path_rule():
    page = make_page()
    for bad in ("x/y", "admin/x", "_x", "de"):
        with pytest.raises(DomainError) as caught:
            edits.move_page(None, page.pk, "en", bad)
        assert caught.value.key == ErrorKey.INVALID_PATH
    assert edits.move_page(None, page.pk, "en", "Guide/Intro").path == "guide/intro"


def test_rerender_keeps_dates_and_author():
    page = make_page(content="# A")
    Page.objects.filter(pk=page.pk).update(render="", toc=[])
    before = Page.objects.get(pk=page.pk)
    after = edits.rerender_page(None, page.pk)
    stored = Page.objects.get(pk=page.pk)
    assert "A" in after.render
    assert stored.render == after.render
    assert (stored.updated_at, stored.author_id) == (before.updated_at, before.author_id)
