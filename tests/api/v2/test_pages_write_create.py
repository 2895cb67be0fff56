"""``pages.create`` on /graphql (API-v2.md §3.2, §5.4, §5.5), as the public clients send it."""

from datetime import UTC, datetime

import pytest

from accounts.models import User
from api.v2 import dialect
from api.v2.publishing import OPEN_END, OPEN_START
from pages.models import Page
from tests.factories import rule

from .pages_write_support import (
    FULL_ARGUMENTS,
    FULL_CREATE,
    MCP_CREATE,
    WIKIJSCMD_CREATE,
    make_page,
    on_graphql,
    refused,
    result,
    status,
)

pytestmark = pytest.mark.django_db

OK = (True, 0, "ok", "Page created successfully.")


def create(client, HTTP_HOST="testserver", **changes):  # noqa: N803 (a Django test header)
    return client(FULL_CREATE, {**FULL_ARGUMENTS, **changes}, HTTP_HOST=HTTP_HOST)


def test_wikijscmd_creates_a_published_markdown_page(v2_admin_key, admin):
    r = v2_admin_key(
        WIKIJSCMD_CREATE, {"content": "# Hi\n\nThere.", "path": "notes/today", "title": "Today"}
    )

    assert status(r, "create") == OK
    row = Page.objects.get()
    assert result(r, "create")["page"] == {
        "id": row.legacy_id,
        "path": "notes/today",
        "title": "Today",
        "__typename": "Page",
    }
    assert r.data["pages"]["__typename"] == "PageMutation"
    page = on_graphql(admin)(row.pk)
    assert page["publishState"] == "published"
    assert (page["publishStartDate"], page["publishEndDate"]) == (None, None)
    assert (page["editor"], page["contentType"], page["tags"]) == ("markdown", "markdown", [])
    assert page["render"].startswith('<h1 id="hi">Hi</h1>')
    assert row.config["legacyIsPrivate"] is False


def test_mcp_server_creates_with_named_operation_and_tags(v2_admin_key, admin):
    r = v2_admin_key(
        MCP_CREATE,
        {
            "path": "Guides/Start",
            "title": "Start",
            "content": "Go.",
            "description": "",
            "editor": "markdown",
            "locale": "en",
            "tags": ["Intro", None, "#intro", "guide"],
            "isPublished": True,
            "isPrivate": True,
        },
    )

    assert status(r, "create") == OK
    row = Page.objects.get()
    # Paths are lowercased (§5.6); null tags dropped, tags normalised (§5.9).
    assert result(r, "create")["page"] == {
        "id": row.legacy_id,
        "path": "guides/start",
        "title": "Start",
    }
    page = on_graphql(admin)(row.pk)
    assert page["tags"] == ["intro", "guide"]
    assert row.config["legacyIsPrivate"] is True


def test_full_create_maps_every_argument(v2_admin, admin):
    r = create(
        v2_admin,
        scriptCss="body { color: red; }",
        scriptJs="console.log(1)",
        publishStartDate="2024-01-01T00:00:00Z",
        publishEndDate="2099-01-01T10:00:00.000Z",
    )

    assert status(r, "create") == OK
    assert result(r, "create")["page"]["locale"] == "en"
    row = Page.objects.get()
    page = on_graphql(admin)(row.pk)
    assert page["description"] == "How to set up"
    assert page["tags"] == ["guide", "setup"]
    assert (page["scriptCss"], page["scriptJsLoad"]) == ("body { color: red; }", "console.log(1)")
    assert page["publishState"] == "scheduled"
    assert row.publish_start_date == datetime(2024, 1, 1, tzinfo=UTC)
    assert row.publish_end_date == datetime(2099, 1, 1, 10, tzinfo=UTC)
    assert (page["author"]["id"], page["creator"]["id"]) == (str(admin.pk), str(admin.pk))


@pytest.mark.parametrize(
    ("published", "start", "end", "stored"),
    [
        (True, "", "", ("published", None, None)),
        (True, "2024-05-01", "", ("scheduled", datetime(2024, 5, 1, tzinfo=UTC), OPEN_END)),
        (
            True,
            "",
            "2030-01-01T00:00:00+02:00",
            ("scheduled", OPEN_START, datetime(2029, 12, 31, 22, tzinfo=UTC)),
        ),
        (False, "2024-05-01", "", ("draft", datetime(2024, 5, 1, tzinfo=UTC), None)),
        (False, "", "", ("draft", None, None)),
    ],
)
def test_publishing_is_stored_as_the_domain_state(v2_admin, published, start, end, stored):
    r = create(v2_admin, isPublished=published, publishStartDate=start, publishEndDate=end)

    assert status(r, "create") == OK
    row = Page.objects.get()
    assert (row.publish_state, row.publish_start_date, row.publish_end_date) == stored


def test_absent_dates_and_scripts_are_unset(v2_admin):
    arguments = {k: v for k, v in FULL_ARGUMENTS.items() if not k.startswith(("publish", "script"))}

    assert status(v2_admin(FULL_CREATE, arguments), "create") == OK
    row = Page.objects.get()
    assert (row.publish_state, row.publish_start_date, row.publish_end_date) == (
        "published",
        None,
        None,
    )
    assert row.scripts == {"css": "", "jsLoad": "", "jsUnload": ""}


@pytest.mark.parametrize(
    ("editor", "content", "content_type", "render"),
    [
        ("ckeditor", "<h2>Hi</h2><script>x()</script>", "html", '<h2 id="hi">Hi</h2>'),
        ("code", "<p>a <b>b</b></p>", "html", "<p>a <b>b</b></p>"),
        ("markdown", "*hi*", "markdown", "<p><em>hi</em></p>\n"),
        ("api", "a < b", "text", "<pre>a &lt; b</pre>"),
    ],
)
def test_editor_decides_content_type(v2_admin, admin, editor, content, content_type, render):
    assert status(create(v2_admin, editor=editor, content=content), "create") == OK

    page = on_graphql(admin)(Page.objects.get().pk)
    assert (page["editor"], page["contentType"], page["render"]) == (editor, content_type, render)


def test_api_key_pages_are_the_root_administrators(v2_key_for, group_with):
    root = User.objects.create_superuser("root@example.com", "a-long-password")
    writers = group_with("write:pages", rules=[rule(roles=("read:pages", "write:pages"))])

    assert status(create(v2_key_for(writers)), "create") == OK
    row = Page.objects.select_related("author", "creator").get()
    assert (row.author, row.creator) == (root, root)
    assert root.legacy_id == 1


def test_user_pages_are_the_users(v2_admin, admin):
    assert status(create(v2_admin), "create") == OK
    row = Page.objects.get()
    assert (row.author_id, row.creator_id) == (admin.pk, admin.pk)


# --- Failures (R): exact class, code and message; nothing written ---------------------------


@pytest.mark.parametrize("path", ["docs/v1.0", "my page", "docs\\setup", "docs//setup", "./x"])
def test_precheck_refuses_illegal_characters(v2_admin, path):
    r = create(v2_admin, path=path)

    assert status(r, "create") == refused(dialect.PAGE_ILLEGAL_PATH)
    assert result(r, "create")["page"] is None
    assert not Page.objects.exists()


@pytest.mark.parametrize("path", ["", "en/docs", "docs/caf\u00e9", "_hidden/x", "a"])
def test_invalid_normalised_path_is_illegal(v2_admin, path):
    assert status(create(v2_admin, path=path), "create") == refused(dialect.PAGE_ILLEGAL_PATH)


def test_path_checks_come_before_the_permission_check(v2_key_for, group_with):
    writers = group_with("write:pages", rules=[rule(path="docs", roles=("write:pages",))])
    client = v2_key_for(writers)

    assert status(create(client, path="blog/v1.0"), "create") == refused(dialect.PAGE_ILLEGAL_PATH)
    assert status(create(client, path="blog/x y"), "create") == refused(dialect.PAGE_ILLEGAL_PATH)
    assert status(create(client, path="blog/caf\u00e9"), "create") == refused(
        dialect.PAGE_ILLEGAL_PATH
    )


def test_invalid_locale_is_input_invalid(v2_admin):
    assert status(create(v2_admin, locale="english"), "create") == refused(dialect.INPUT_INVALID)


def test_no_write_rule_at_the_location_is_create_forbidden(admin, v2_key_for, group_with):
    writers = group_with(
        "write:pages", rules=[rule(path="docs", roles=("read:pages", "write:pages"))]
    )
    client = v2_key_for(writers)

    r = create(client, path="blog/post")

    assert status(r, "create") == refused(dialect.PAGE_CREATE_FORBIDDEN)
    assert not Page.objects.exists()
    assert status(create(client, path="docs/post"), "create") == OK


def test_permission_is_checked_before_the_path_is_taken(admin, v2_key_for, group_with):
    make_page("blog/post")
    writers = group_with(
        "write:pages", rules=[rule(path="docs", roles=("read:pages", "write:pages"))]
    )

    r = create(v2_key_for(writers), path="blog/post", content=" ")

    assert status(r, "create") == refused(dialect.PAGE_CREATE_FORBIDDEN)


def test_existing_path_is_a_duplicate(v2_admin):
    make_page("docs/setup")

    r = create(v2_admin, path="/Docs/Setup/", content="")

    assert status(r, "create") == refused(dialect.PAGE_DUPLICATE_CREATE)
    assert Page.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"), [("title", "  "), ("title", "x" * 256), ("description", "d" * 256)]
)
def test_title_and_description_are_input_invalid(v2_admin, field, value):
    r = create(v2_admin, **{field: value}, content="")

    assert status(r, "create") == refused(dialect.INPUT_INVALID)


@pytest.mark.parametrize("content", ["", "  \n\t "])
def test_blank_content_is_empty_content(v2_admin, content):
    r = create(v2_admin, content=content, tags=["bad tag!"], publishStartDate="soon")

    assert status(r, "create") == refused(dialect.PAGE_EMPTY_CONTENT)
    assert not Page.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"publishStartDate": "next tuesday"},
        {"publishEndDate": "2024-13-45"},
        {"publishStartDate": "2024-06-01", "publishEndDate": "2024-05-01"},
        {"tags": ["ok", "not ok"]},
        {"editor": ""},
    ],
)
def test_dates_tags_and_editor_are_input_invalid(v2_admin, changes):
    r = create(v2_admin, **changes)

    assert status(r, "create") == refused(dialect.INPUT_INVALID)
    assert not Page.objects.exists()


def test_a_bad_date_does_not_hide_a_duplicate(v2_admin):
    make_page("docs/setup")

    r = create(v2_admin, publishStartDate="not a date")

    assert status(r, "create") == refused(dialect.PAGE_DUPLICATE_CREATE)
    assert Page.objects.count() == 1


def test_a_bad_date_after_good_checks_leaves_nothing(v2_admin):
    from pages.models import PageHistory, Tag, TreeItem

    r = create(v2_admin, publishEndDate="never")

    assert status(r, "create") == refused(dialect.INPUT_INVALID)
    assert (Page.objects.count(), Tag.objects.count(), PageHistory.objects.count()) == (0, 0, 0)
    assert not TreeItem.objects.exists()


def test_wrong_argument_types_fail_validation(v2_admin):
    # A client declaring the exact type is accepted (above); a nullable list is not.
    r = v2_admin(FULL_CREATE.replace("$tags: [String]!", "$tags: [String]"), FULL_ARGUMENTS)
    assert r.status == 400, r.body
    assert not Page.objects.exists()

    r = v2_admin(
        'mutation { pages { create(content: "x", description: "", editor: "markdown", '
        'isPublished: true, isPrivate: false, locale: "en", path: "a-b", tags: [], '
        'title: "t", publishStartDate: 5) { responseResult { succeeded } } } }'
    )
    assert r.status == 400, r.body


def test_a_guest_past_the_gate_is_refused_by_the_page_rules(admin, v2_anonymous):
    from accounts.models import GUESTS_GROUP_ID, Group

    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.permissions = [*guests.permissions, "write:pages"]
    guests.rules = [rule(path="docs", roles=("read:pages", "write:pages"))]
    guests.save()

    assert status(create(v2_anonymous, path="blog/x"), "create") == refused(
        dialect.PAGE_CREATE_FORBIDDEN
    )
    assert not Page.objects.exists()
    assert status(create(v2_anonymous, path="docs/x"), "create") == OK
    # A guest writes as the guest user (API.md §1.4).
    assert Page.objects.get().author.email == "guest@example.com"


def test_the_page_is_created_in_the_requests_site(v2_admin, settings):
    from wiki.models import Site

    settings.ALLOWED_HOSTS = ["testserver", "wiki.example.com", "other.example.com"]

    named = Site.objects.create(hostname="wiki.example.com", config={"title": "Team Wiki"})

    assert status(create(v2_admin, HTTP_HOST="wiki.example.com"), "create") == OK
    assert status(create(v2_admin, HTTP_HOST="other.example.com"), "create") == OK
    sites = sorted(Page.objects.values_list("site__hostname", flat=True))
    assert sites == ["*", "wiki.example.com"]
    assert Page.objects.filter(site=named).count() == 1


def test_without_a_site_for_the_request_the_creation_fails_generically(v2_admin):
    from wiki.models import Site

    Site.objects.filter(hostname="*").delete()

    r = create(v2_admin)

    assert status(r, "create") == refused(dialect.PAGE_GENERIC)
    assert not Page.objects.exists()
