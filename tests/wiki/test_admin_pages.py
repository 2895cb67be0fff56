"""The pages admin: create, edit and delete through the page services; list, search, access."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry

from pages.edits import PagePatch, update_page
from pages.models import HistoryAction, Page, PageHistory, Tag, TreeItem
from tests.factories import PageFactory
from wiki.models import Site

from .admin_support import assert_sent_to_login, logged_in
from .page_admin_support import (
    ADD,
    CHANGELIST,
    change_url,
    create_data,
    delete_url,
    docs_writer_rules,
    edit_data,
    form_errors,
    messages_of,
    move_url,
    restore_url,
    service_page,
    versions_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _root_administrator(admin):
    """Pages made by a trusted operator are attributed to the root administrator."""


# --- Create -----------------------------------------------------------------------------------
def test_create_goes_through_create_page(admin_http, admin):
    response = admin_http.post(ADD, create_data())

    page = Page.objects.get(path="guides/install")
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert (page.locale, page.title, page.alias, page.description) == (
        "en",
        "Installing",
        "install",
        "Step by step",
    )
    assert page.content == "# Install\n\nRun **it**."
    assert page.render.startswith('<h1 id="install"')
    assert "<strong>it</strong>" in page.render
    assert page.tags == ["setup", "guide"]
    assert (page.author, page.creator, page.owner) == (admin, admin, admin)
    item = TreeItem.objects.get(pk=page.pk)
    assert (item.type, item.path, item.title) == ("page", "guides/install", "Installing")
    assert TreeItem.objects.filter(type="folder", path="guides").exists()
    assert set(Tag.objects.filter(usage_count=1).values_list("tag", flat=True)) == {
        "setup",
        "guide",
    }
    assert LogEntry.objects.filter(object_id=str(page.pk), action_flag=ADDITION).count() == 1


def test_create_with_scheduled_dates(admin_http):
    response = admin_http.post(
        ADD,
        create_data(
            publish_state="scheduled",
            publish_start_date_0="2030-01-01",
            publish_start_date_1="08:00:00",
            publish_end_date_0="2030-02-01",
            publish_end_date_1="18:30:00",
        ),
    )

    assert response.status_code == 302
    page = Page.objects.get(path="guides/install")
    assert page.publish_state == "scheduled"
    assert page.publish_start_date.isoformat() == "2030-01-01T08:00:00+00:00"
    assert page.publish_end_date.isoformat() == "2030-02-01T18:30:00+00:00"
    assert page.is_effectively_published is False


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({"path": "guide"}, "path", "ERR_PAGE_DUPLICATE_PATH"),
        ({"path": "admin/settings"}, "path", "ERR_INVALID_PATH"),
        ({"path": "has space"}, "path", "ERR_INVALID_PATH"),
        ({"alias": "taken"}, "alias", "ERR_PAGE_DUPLICATE_ALIAS"),
        ({"alias": "no/slash"}, "alias", "ERR_PAGE_INVALID_ALIAS"),
        ({"publish_state": "scheduled"}, "publish_state", "ERR_PAGE_MISSING_SCHEDULED_DATES"),
        ({"title": "  "}, "title", "ERR_PAGE_TITLE_MISSING"),
        ({"locale": "english"}, "locale", "ERR_INVALID_INPUT"),
        ({"content": " "}, "content", "ERR_INVALID_INPUT"),
        ({"tags": "ok, not ok!"}, "tags", "ERR_INVALID_INPUT"),
    ],
)
def test_create_refusals_are_form_errors_and_change_nothing(admin_http, overrides, field, key):
    service_page("guide", alias="taken")
    before = (Page.objects.count(), TreeItem.objects.count(), Tag.objects.count())

    response = admin_http.post(ADD, create_data(**overrides))

    assert response.status_code == 200
    errors = form_errors(response)
    assert list(errors) == [field]
    assert errors[field][0].startswith(f"{key}: ")
    assert (Page.objects.count(), TreeItem.objects.count(), Tag.objects.count()) == before


def test_duplicate_path_message_is_in_plain_words(admin_http):
    service_page("guide")

    response = admin_http.post(ADD, create_data(path="guide"))

    assert form_errors(response)["path"] == [
        "ERR_PAGE_DUPLICATE_PATH: a page already exists at this locale and path."
    ]
    assert "a page already exists at this locale and path" in response.content.decode()


def test_create_keeps_scripts_for_the_root_administrator(admin_http):
    admin_http.post(ADD, create_data(script_css="p {}", script_js_load="go()"))

    page = Page.objects.get(path="guides/install")
    assert page.scripts == {"css": "p {}", "jsLoad": "go()", "jsUnload": ""}


# --- Edit -------------------------------------------------------------------------------------
def test_edit_changes_only_the_changed_fields_and_writes_one_version(admin_http, admin, user):
    page = service_page(author=user)
    before = Page.objects.get(pk=page.pk)

    response = admin_http.post(
        change_url(page), edit_data(page, title="Guide, revised", reason_for_change="typo")
    )

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "Guide, revised"
    assert page.author == admin
    assert page.creator == user
    for name in ("content", "render", "description", "alias", "tags", "publish_state", "scripts"):
        assert getattr(page, name) == getattr(before, name), name
    version = PageHistory.objects.get(page_id=page.pk)
    assert (version.action, version.affected_fields, version.reason) == (
        HistoryAction.UPDATED,
        ["title"],
        "typo",
    )
    assert (version.title, version.author) == ("Guide", user)
    assert TreeItem.objects.get(pk=page.pk).title == "Guide, revised"
    entry = LogEntry.objects.get(object_id=str(page.pk), action_flag=CHANGE)
    assert entry.get_change_message() == "Changed Title."


def test_edit_of_content_tags_and_publishing(admin_http):
    page = service_page()

    admin_http.post(
        change_url(page),
        edit_data(
            page,
            content="# New\r\n\r\nText.",
            tags="two, three",
            alias="",
            publish_state="draft",
        ),
    )

    page.refresh_from_db()
    assert page.content == "# New\n\nText."
    assert page.render.startswith('<h1 id="new"')
    assert page.tags == ["two", "three"]
    assert page.publish_state == "draft"
    assert dict(Tag.objects.values_list("tag", "usage_count")) == {"one": 0, "two": 1, "three": 1}
    version = PageHistory.objects.get(page_id=page.pk)
    assert sorted(version.affected_fields) == ["content", "publishState", "tags"]


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({"alias": "taken"}, "alias", "ERR_PAGE_DUPLICATE_ALIAS"),
        ({"publish_state": "scheduled"}, "publish_state", "ERR_PAGE_MISSING_SCHEDULED_DATES"),
        ({"title": ""}, "title", "ERR_PAGE_TITLE_MISSING"),
    ],
)
def test_edit_refusals_are_form_errors_and_change_nothing(admin_http, overrides, field, key):
    service_page("other", alias="taken")
    page = service_page()
    before = Page.objects.values().get(pk=page.pk)

    response = admin_http.post(change_url(page), edit_data(page, **overrides))

    assert response.status_code == 200
    assert form_errors(response)[field][0].startswith(f"{key}: ")
    assert Page.objects.values().get(pk=page.pk) == before
    assert not PageHistory.objects.filter(page_id=page.pk).exists()


# --- Delete -----------------------------------------------------------------------------------
def test_delete_goes_through_delete_page_and_keeps_history(admin_http):
    page = service_page()

    confirm = admin_http.get(delete_url(page))
    response = admin_http.post(delete_url(page), {"post": "yes"})

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert not Page.objects.filter(pk=page.pk).exists()
    assert not TreeItem.objects.filter(pk=page.pk).exists()
    version = PageHistory.objects.get(page_id=page.pk)
    assert (version.action, version.path, version.title) == ("deleted", "guide", "Guide")
    assert dict(Tag.objects.values_list("tag", "usage_count")) == {"one": 0, "two": 0}
    assert LogEntry.objects.filter(object_id=str(page.pk), action_flag=DELETION).count() == 1


def test_bulk_delete_confirms_then_deletes_each_page_through_the_service(admin_http):
    first, second = service_page("first"), service_page("second")
    kept = service_page("kept")
    chosen = {"action": "delete_pages", "_selected_action": [str(first.pk), str(second.pk)]}

    confirm = admin_http.post(CHANGELIST, chosen)
    assert confirm.status_code == 200
    assert b"Delete multiple pages" in confirm.content
    assert Page.objects.count() == 3  # the confirmation page deletes nothing

    done = admin_http.post(CHANGELIST, {**chosen, "post": "yes"}, follow=True)

    assert list(Page.objects.values_list("pk", flat=True)) == [kept.pk]
    assert set(PageHistory.objects.values_list("page_id", "action")) == {
        (first.pk, "deleted"),
        (second.pk, "deleted"),
    }
    assert "Deleted 2 of 2 pages." in messages_of(done)
    assert b'value="delete_selected"' not in admin_http.get(CHANGELIST).content


def test_bulk_delete_reports_each_refused_page(staff_http):
    http = staff_http(rules=docs_writer_rules("write:pages", "delete:pages"))
    allowed, refused = service_page("docs/old"), service_page("private/old")
    chosen = {"action": "delete_pages", "_selected_action": [str(allowed.pk), str(refused.pk)]}

    done = http.post(CHANGELIST, {**chosen, "post": "yes"}, follow=True)

    assert list(Page.objects.values_list("path", flat=True)) == ["private/old"]
    assert messages_of(done) == [
        "“en/private/old”: ERR_FORBIDDEN: your groups' page rules do not allow this here "
        "(needs delete:pages at en/private/old).",
        "Deleted 1 of 2 pages.",
    ]
    assert list(PageHistory.objects.values_list("path", flat=True)) == ["docs/old"]
    assert not LogEntry.objects.filter(object_id=str(refused.pk)).exists()


# --- List and search --------------------------------------------------------------------------
def test_changelist_shows_the_columns_and_filters(admin_http):
    Site.objects.create(hostname="wiki.example.com")  # a site filter needs two sites
    service_page("guide", title="Live guide")
    service_page("later", title="Draft page", publish_state="draft")

    response = admin_http.get(CHANGELIST)
    drafts = admin_http.get(CHANGELIST, {"live": "no"})

    text = response.content.decode()
    for header in ("Site", "Locale", "Path", "Title", "Publish state", "Live", "Updated at"):
        assert f">{header}</" in text or f">{header.lower()}</" in text, header
    assert "Live guide" in text
    assert "Draft page" in text
    assert [p.path for p in drafts.context["cl"].result_list] == ["later"]
    for name in ("site__id__exact", "locale", "publish_state__exact", "live", "editor"):
        assert f"?{name}=" in text, name


def test_search_covers_title_path_and_content(admin_http):
    service_page("alpha", title="Alpha", content="Mentions the zebracorn once.")
    service_page("beta", title="Beta", content="Nothing here.")

    def found(term):
        response = admin_http.get(CHANGELIST, {"q": term})
        return [page.path for page in response.context["cl"].result_list]

    assert found("zebracorn") == ["alpha"]
    assert found("Beta") == ["beta"]
    assert found("alph") == ["alpha"]
    assert found("nowhere") == []


# --- Who may use it ---------------------------------------------------------------------------
def test_non_staff_cannot_reach_any_page_admin_url(client, user):
    page = service_page()
    update_page(None, page.pk, PagePatch(description="Changed"))
    version = PageHistory.objects.get(page_id=page.pk)
    urls = [
        CHANGELIST,
        ADD,
        change_url(page),
        delete_url(page),
        versions_url(page),
        restore_url(page, version),
        move_url(page),
    ]
    plain = logged_in(user)

    for url in urls:
        assert_sent_to_login(url, client, plain)
        for http in (client, plain):
            assert http.post(url, {"post": "yes", "title": "Hacked"}).status_code == 302
    page.refresh_from_db()
    assert (page.title, page.description) == ("Guide", "Changed")
    assert PageHistory.objects.filter(page_id=page.pk).count() == 1


def test_staff_without_page_editing_rules_is_refused(staff_http):
    page = PageFactory()
    http = staff_http("manage:users")

    assert http.get(CHANGELIST).status_code == 403
    assert http.get(change_url(page)).status_code == 403
    assert http.post(ADD, create_data()).status_code == 403
    assert b"/admin/pages/page/" not in http.get("/admin/").content
    assert not Page.objects.filter(path="guides/install").exists()


def test_page_rules_decide_for_a_limited_editor(staff_http):
    http = staff_http(rules=docs_writer_rules("write:pages"))
    elsewhere = service_page("private/policy")

    index = http.get("/admin/")
    created = http.post(ADD, create_data(path="docs/new", alias="", script_js_load="x()"))
    refused = http.post(ADD, create_data(path="private/new", alias=""))
    view_only = http.get(change_url(elsewhere))
    change = http.post(change_url(elsewhere), edit_data(elsewhere, title="Hacked"))
    delete = http.post(delete_url(service_page("docs/old")), {"post": "yes"})

    assert CHANGELIST.encode() in index.content
    assert created.status_code == 302
    page = Page.objects.get(path="docs/new")
    assert page.author == created.wsgi_request.user
    assert page.scripts["jsLoad"] == ""  # write:scripts not granted: silently dropped
    assert refused.status_code == 200
    assert form_errors(refused)["__all__"][0].startswith("ERR_FORBIDDEN: ")
    assert not Page.objects.filter(path="private/new").exists()
    assert view_only.status_code == 200
    form = view_only.context["adminform"].form
    assert all(field.disabled for field in form.fields.values())
    assert "content" not in form.fields  # no read:source there
    assert b'name="_save"' not in view_only.content
    assert change.status_code == 403
    assert delete.status_code == 403
    elsewhere.refresh_from_db()
    assert elsewhere.title == "Guide"
    assert Page.objects.filter(path="docs/old").exists()
