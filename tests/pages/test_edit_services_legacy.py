"""What the page services offer the Wiki.js 2 adapter (API-v2.md §5.4, §5.5, §3.2), called
directly: the shared editor table, the inert private flag, whole publishing views, refusing
blank content and the title rule of moves."""

from datetime import UTC, datetime

import pytest

from pages import edits, services
from pages import validation as v
from pages.models import Page, PageHistory
from tests.api.page_edit_support import make_page, world
from wiki.errors import DomainError, ErrorKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """``make_page`` writes as an operator, attributed to the root administrator."""


@pytest.mark.parametrize(
    ("editor", "content_type"),
    [
        ("markdown", "markdown"),
        ("ckeditor", "html"),
        ("code", "html"),
        ("wysiwyg", "html"),
        ("asciidoc", "html"),
        ("api", "text"),
        ("CKEditor", "text"),
    ],
)
def test_editor_table(editor, content_type):
    assert v.content_type_for(editor) == content_type


def test_the_private_flag_is_kept_in_the_configuration_only():
    page = make_page(flags={services.LEGACY_IS_PRIVATE: True})
    assert page.config[services.LEGACY_IS_PRIVATE] is True
    assert page.config["showToc"] is True

    edits.update_page(None, page.pk, edits.PagePatch(flags={services.LEGACY_IS_PRIVATE: False}))
    assert Page.objects.get(pk=page.pk).config[services.LEGACY_IS_PRIVATE] is False

    edits.update_page(None, page.pk, edits.PagePatch(title="Other"))
    assert Page.objects.get(pk=page.pk).config[services.LEGACY_IS_PRIVATE] is False


def test_pages_written_without_the_flag_do_not_carry_it():
    assert services.LEGACY_IS_PRIVATE not in make_page().config


def test_blank_content_is_kept_unless_refused():
    page = make_page(content="Body")
    edits.update_page(None, page.pk, edits.PagePatch(content="  "))
    assert Page.objects.get(pk=page.pk).content == "Body"

    before = world()
    with pytest.raises(DomainError) as caught:
        edits.update_page(
            None, page.pk, edits.PagePatch(content=" ", title=""), blank_content_refused=True
        )
    assert (caught.value.key, caught.value.check) == (ErrorKey.INVALID_INPUT, v.CONTENT_CHECK)
    assert world() == before


def test_blank_content_is_refused_after_the_permission_check(admin, user):
    from accounts.authentication import user_caller

    page = make_page()
    with pytest.raises(DomainError) as caught:
        edits.update_page(
            user_caller(user), page.pk, edits.PagePatch(content=""), blank_content_refused=True
        )
    assert caught.value.key == ErrorKey.PAGE_UPDATE_FORBIDDEN


def test_blank_content_on_creation_names_its_check():
    with pytest.raises(DomainError) as caught:
        make_page(content="\n")
    assert (caught.value.key, caught.value.check) == (ErrorKey.INVALID_INPUT, v.CONTENT_CHECK)


def test_replacing_publish_dates_clears_the_missing_one():
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    page = make_page(publish_state="scheduled", publish_start_date=start, publish_end_date=end)

    # A plain patch leaves a date it does not name; a whole view clears it.
    edits.update_page(None, page.pk, edits.PagePatch(publish_state="draft"))
    row = Page.objects.get(pk=page.pk)
    assert (row.publish_state, row.publish_start_date, row.publish_end_date) == (
        "draft",
        start,
        end,
    )
    edits.update_page(
        None,
        page.pk,
        edits.PagePatch(publish_state="published", replace_publish_dates=True),
    )
    row = Page.objects.get(pk=page.pk)
    assert (row.publish_state, row.publish_start_date, row.publish_end_date) == (
        "published",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("title", "destination", "expected"),
    [
        ("intro", "guide/start", "start"),
        ("Intro", "guide/start", "Intro"),
        ("Something", "guide/start", "Something"),
    ],
)
def test_title_follows_the_path_when_it_was_the_last_segment(title, destination, expected):
    page = make_page("docs/intro", title=title)

    moved = edits.move_page(None, page.pk, "en", destination, title_follows_path=True)

    assert (moved.path, moved.title) == (destination, expected)
    version = PageHistory.objects.get(page_id=page.pk)
    assert (version.action, version.title) == ("moved", title)


def test_without_the_rule_a_move_keeps_the_title():
    page = make_page("docs/intro", title="intro")
    assert edits.move_page(None, page.pk, "en", "guide/start").title == "intro"


def test_a_given_title_wins_over_the_rule():
    page = make_page("docs/intro", title="intro")
    moved = edits.move_page(None, page.pk, "en", "guide/start", "Given", title_follows_path=True)
    assert moved.title == "Given"
