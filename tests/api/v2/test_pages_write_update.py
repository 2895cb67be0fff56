"""``pages.update`` on /graphql (API-v2.md §3.2): partial, atomic, moving when asked."""

from datetime import UTC, datetime

import pytest

from api.v2 import dialect
from api.v2.publishing import OPEN_END
from pages.models import Page, PageHistory
from tests.api.page_edit_support import linked, world
from tests.factories import rule

from .pages_write_support import (
    FULL_UPDATE,
    MCP_UPDATE,
    WIKIJSCMD_UPDATE,
    make_page,
    on_graphql,
    refused,
    result,
    status,
)

pytestmark = pytest.mark.django_db

OK = (True, 0, "ok", "Page has been updated.")

PARTIAL_UPDATE = """
mutation ($id: Int!, $content: String) {
    pages { update(id: $id, content: $content) {
        responseResult { succeeded errorCode slug message }
        page { id path title locale }
    } }
}
"""


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` and API-key writes belong to the root administrator."""


def row(page) -> Page:
    return Page.objects.get(pk=page.pk)


def test_wikijscmd_update_resends_everything(v2_admin_key, admin):
    page = make_page("docs/intro", tags=("alpha",), title="Intro")

    r = v2_admin_key(
        WIKIJSCMD_UPDATE,
        {"id": page.legacy_id, "content": "# New\n\nText.", "path": "docs/intro", "title": "New"},
    )

    assert status(r, "update") == OK
    assert result(r, "update")["page"] == {
        "id": page.legacy_id,
        "path": "docs/intro",
        "title": "New",
        "__typename": "Page",
    }
    read = on_graphql(admin)(page.pk)
    assert (read["title"], read["content"], read["description"]) == ("New", "# New\n\nText.", "")
    assert read["tags"] == []  # tags: [] clears, as in Wiki.js 2
    assert read["publishState"] == "published"
    assert read["render"].startswith('<h1 id="new">New</h1>')
    assert list(PageHistory.objects.filter(page_id=page.pk).values_list("action", flat=True)) == [
        "updated"
    ]


def test_mcp_update_with_empty_tags_clears_them(v2_admin_key):
    page = make_page("docs/intro", tags=("alpha", "beta"))

    r = v2_admin_key(
        MCP_UPDATE,
        {
            "id": page.legacy_id,
            "content": "Changed",
            "description": "About",
            "editor": "markdown",
            "isPrivate": False,
            "isPublished": True,
            "locale": "en",
            "path": "docs/intro",
            "tags": [],
            "title": "Intro",
        },
    )

    assert status(r, "update") == OK
    assert result(r, "update")["page"] == {
        "id": page.legacy_id,
        "path": "docs/intro",
        "title": "Intro",
    }
    assert (row(page).content, row(page).tags, linked(page.pk)) == ("Changed", [], set())


def test_full_argument_update_maps_everything(v2_admin, admin):
    page = make_page("docs/intro", tags=("alpha",))

    r = v2_admin(
        FULL_UPDATE,
        {
            "id": page.legacy_id,
            "content": "Body",
            "description": "Desc",
            "editor": "ckeditor",
            "isPublished": True,
            "isPrivate": True,
            "locale": "en",
            "path": "docs/intro",
            "publishStartDate": "2024-03-01T08:00:00.000Z",
            "publishEndDate": "",
            "scriptCss": "p { margin: 0; }",
            "scriptJs": "run()",
            "tags": ["Gamma", None, "delta"],
            "title": "Titled",
        },
    )

    assert status(r, "update") == OK
    stored = row(page)
    assert (stored.publish_state, stored.publish_start_date, stored.publish_end_date) == (
        "scheduled",
        datetime(2024, 3, 1, 8, tzinfo=UTC),
        OPEN_END,
    )
    assert stored.config["legacyIsPrivate"] is True
    read = on_graphql(admin)(page.pk)
    assert (read["title"], read["description"], read["content"]) == ("Titled", "Desc", "Body")
    assert read["editor"] == "markdown"  # update never changes the editor (§5.5)
    assert read["tags"] == ["gamma", "delta"]
    assert (read["scriptCss"], read["scriptJsLoad"]) == ("p { margin: 0; }", "run()")


def test_partial_update_changes_only_the_content(v2_admin_key):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    page = make_page(
        "docs/intro",
        tags=("alpha",),
        publish_state="scheduled",
        publish_start_date=start,
        publish_end_date=OPEN_END,
        script_css="b {}",
        script_js_load="go()",
        flags={"legacyIsPrivate": True},
    )
    before = row(page)

    r = v2_admin_key(PARTIAL_UPDATE, {"id": page.legacy_id, "content": "Only this"})

    assert status(r, "update") == OK
    after = row(page)
    assert after.content == "Only this"
    unchanged = (
        "title",
        "description",
        "tags",
        "publish_state",
        "publish_start_date",
        "publish_end_date",
        "scripts",
        "config",
        "path",
        "locale",
        "editor",
    )
    assert {n: getattr(after, n) for n in unchanged} == {n: getattr(before, n) for n in unchanged}


def test_null_arguments_leave_values_unchanged(v2_admin):
    page = make_page("docs/intro", tags=("alpha",))
    before = row(page)

    r = v2_admin(FULL_UPDATE, {"id": page.legacy_id, "title": None, "tags": None, "content": None})

    assert status(r, "update") == OK
    assert (row(page).title, row(page).tags, row(page).content) == (
        before.title,
        before.tags,
        before.content,
    )


@pytest.mark.parametrize(
    ("arguments", "stored"),
    [
        # The open end is "unset" in the v2 view, and a draft stores dates as the view has them.
        ({"isPublished": False}, ("draft", datetime(2024, 1, 1, tzinfo=UTC), None)),
        ({"publishStartDate": ""}, ("published", None, None)),
        (
            {"publishEndDate": "2031-01-01"},
            ("scheduled", datetime(2024, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)),
        ),
    ],
)
def test_publishing_merges_over_the_current_view(v2_admin, arguments, stored):
    page = make_page(
        publish_state="scheduled",
        publish_start_date=datetime(2024, 1, 1, tzinfo=UTC),
        publish_end_date=OPEN_END,
    )

    assert status(v2_admin(FULL_UPDATE, {"id": page.legacy_id, **arguments}), "update") == OK
    after = row(page)
    assert (after.publish_state, after.publish_start_date, after.publish_end_date) == stored


def test_a_changed_path_moves_the_page_with_the_title_rule(v2_admin, admin):
    page = make_page("docs/intro", title="intro")

    r = v2_admin(FULL_UPDATE, {"id": page.legacy_id, "path": "Guide/Start", "content": "New"})

    assert status(r, "update") == OK
    assert result(r, "update")["page"] == {
        "id": page.legacy_id,
        "path": "guide/start",
        "title": "start",
        "locale": "en",
    }
    read = on_graphql(admin)(page.pk)
    assert (read["path"], read["title"], read["content"]) == ("guide/start", "start", "New")
    actions = PageHistory.objects.filter(page_id=page.pk).order_by("legacy_id")
    assert list(actions.values_list("action", flat=True)) == ["updated", "moved"]


def test_a_changed_locale_moves_the_page(v2_admin):
    page = make_page("docs/intro", title="Intro")

    r = v2_admin(FULL_UPDATE, {"id": page.legacy_id, "locale": "DE"})

    assert status(r, "update") == OK
    assert result(r, "update")["page"]["locale"] == "de"
    assert (row(page).locale, row(page).path, row(page).title) == ("de", "docs/intro", "Intro")


def test_same_path_after_normalisation_is_no_move(v2_admin):
    page = make_page("docs/intro")

    r = v2_admin(FULL_UPDATE, {"id": page.legacy_id, "path": "/Docs/Intro/", "locale": "en"})

    assert status(r, "update") == OK
    assert list(PageHistory.objects.values_list("action", flat=True)) == ["updated"]


# --- Failures (R) ----------------------------------------------------------------------------


@pytest.mark.parametrize("legacy_id", [999, 0, -1])
def test_unknown_id_is_invalid_page_id(v2_admin, legacy_id):
    make_page()
    r = v2_admin(PARTIAL_UPDATE, {"id": legacy_id, "content": "x"})

    assert status(r, "update") == refused("Invalid Page Id")
    assert result(r, "update")["page"] is None


def test_no_write_rule_at_the_page_is_update_forbidden(v2_key_for, group_with):
    page = make_page("blog/post")
    writers = group_with(
        "write:pages", rules=[rule(path="docs", roles=("read:pages", "write:pages"))]
    )
    client = v2_key_for(writers)
    before = world()

    r = client(PARTIAL_UPDATE, {"id": page.legacy_id, "content": ""})

    assert status(r, "update") == refused(dialect.PAGE_UPDATE_FORBIDDEN)
    assert world() == before


@pytest.mark.parametrize("content", ["", "   "])
def test_blank_content_is_empty_content(v2_admin, content):
    page = make_page()
    before = world()

    r = v2_admin(FULL_UPDATE, {"id": page.legacy_id, "content": content, "title": ""})

    assert status(r, "update") == refused(dialect.PAGE_EMPTY_CONTENT)
    assert world() == before


@pytest.mark.parametrize(
    "arguments",
    [
        {"title": " "},
        {"description": "d" * 256},
        {"tags": ["bad tag"]},
        {"publishStartDate": "yesterday"},
        {"publishStartDate": "2030-01-01", "publishEndDate": "2029-01-01"},
    ],
)
def test_other_validation_is_input_invalid(v2_admin, arguments):
    page = make_page()
    before = world()

    r = v2_admin(FULL_UPDATE, {"id": page.legacy_id, **arguments})

    assert status(r, "update") == refused(dialect.INPUT_INVALID)
    assert world() == before


def test_a_bad_date_does_not_hide_the_permission_check(v2_key_for, group_with):
    page = make_page("blog/post")
    writers = group_with(
        "write:pages", rules=[rule(path="docs", roles=("read:pages", "write:pages"))]
    )

    r = v2_key_for(writers)(FULL_UPDATE, {"id": page.legacy_id, "publishEndDate": "never"})

    assert status(r, "update") == refused(dialect.PAGE_UPDATE_FORBIDDEN)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"path": "docs/v1.0"}, dialect.PAGE_ILLEGAL_PATH),
        ({"path": "docs//x"}, dialect.PAGE_ILLEGAL_PATH),
        ({"path": "en/x"}, dialect.PAGE_ILLEGAL_PATH),
        ({"locale": "nowhere"}, dialect.INPUT_INVALID),
        ({"path": "docs/taken"}, dialect.PAGE_PATH_COLLISION),
        ({"locale": "en", "path": "docs/taken"}, dialect.PAGE_PATH_COLLISION),
    ],
)
def test_a_failed_move_part_undoes_the_update(v2_admin, arguments, error):
    page = make_page("docs/intro", content="Old")
    make_page("docs/taken")
    before = world()

    r = v2_admin(FULL_UPDATE, {"id": page.legacy_id, "content": "New", "title": "T", **arguments})

    assert status(r, "update") == refused(error)
    assert world() == before
    assert row(page).content == "Old"


def test_a_move_without_move_rights_is_move_forbidden_and_undone(v2_key_for, group_with):
    page = make_page("docs/intro", content="Old")
    # May write docs/ but manage nothing: the update part passes, the move part does not.
    writers = group_with(
        "write:pages", rules=[rule(path="docs", roles=("read:pages", "write:pages"))]
    )
    client = v2_key_for(writers)
    before = world()

    r = client(FULL_UPDATE, {"id": page.legacy_id, "content": "New", "path": "docs/elsewhere"})

    assert status(r, "update") == refused(dialect.PAGE_MOVE_FORBIDDEN)
    assert world() == before


def test_update_is_seen_on_the_other_endpoint_with_authorship(v2_key_for, group_with, admin):
    page = make_page("docs/intro")
    writers = group_with("write:pages", rules=[rule(roles=("read:pages", "write:pages"))])

    r = v2_key_for(writers)(PARTIAL_UPDATE, {"id": page.legacy_id, "content": "By key"})

    assert status(r, "update") == OK
    read = on_graphql(admin)(page.pk)
    assert (read["content"], read["author"]["id"]) == ("By key", str(admin.pk))


def test_the_move_part_applies_the_title_rule_to_the_updated_title(v2_admin):
    page = make_page("docs/intro", title="Intro")

    r = v2_admin(FULL_UPDATE, {"id": page.legacy_id, "title": "intro", "path": "guide/start"})

    assert status(r, "update") == OK
    assert result(r, "update")["page"]["title"] == "start"


def test_a_guest_past_the_gate_is_refused_by_the_page_rules(v2_anonymous):
    from accounts.models import GUESTS_GROUP_ID, Group

    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.permissions = [*guests.permissions, "write:pages"]
    guests.rules = [rule(path="docs", roles=("read:pages", "write:pages"))]
    guests.save()
    page = make_page("blog/post")
    open_page = make_page("docs/open")
    before = world()

    r = v2_anonymous(PARTIAL_UPDATE, {"id": page.legacy_id, "content": "x"})

    assert status(r, "update") == refused(dialect.PAGE_UPDATE_FORBIDDEN)
    assert world() == before
    r = v2_anonymous(FULL_UPDATE, {"id": open_page.legacy_id, "path": "blog/moved"})
    assert status(r, "update") == refused(dialect.PAGE_MOVE_FORBIDDEN)
    assert world() == before
    r = v2_anonymous(PARTIAL_UPDATE, {"id": open_page.legacy_id, "content": "By a guest"})
    assert status(r, "update") == OK
