"""updatePage through /_graphql (API.md §4.1.1, §4.1.3): a true partial patch, every check in
the contract's order with nothing left behind, the history version, tags and permissions."""

import threading

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection

from accounts import scopes, tokens
from accounts.services import delegated_author
from pages.models import Page, PageHistory
from tests.conftest import GraphQLClient
from tests.factories import UserFactory, rule

from .concurrency_support import run_in_threads
from .page_edit_support import linked, make_page, page_row, usage, world
from .permission_support import (
    KINDS,
    assert_mutation_refused,
    assert_mutation_succeeded,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


UPDATE = """mutation ($id: UUID!, $patch: PageUpdateInput!) {
  updatePage(id: $id, patch: $patch) {
    operation { succeeded slug message }
    page { id title description icon alias content render tags tocDepth { min max }
           publishState isBrowsable showToc scriptCss scriptJsLoad password
           author { id } }
  } }"""
NIL = "00000000-0000-0000-0000-000000000000"
REL = "6f1c3c4e-1b7a-4a55-9c1e-0d1f2a3b4c5d"
LONG = "x" * 256
START, END = "2030-01-01T00:00:00.000Z", "2030-02-01T00:00:00.000Z"
# Columns every successful update sets whatever the patch says.
ALWAYS = {"author_id", "updated_at"}
RENDERED = {"render", "toc", "search_content"}


def update(client, page_id, patch):
    return client(UPDATE, {"id": str(page_id), "patch": patch})


def refused(client, page_id, patch, key):
    before = world()
    assert_mutation_refused(update(client, page_id, patch), "updatePage", key, "page")
    assert world() == before


# --- A true partial patch ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("patch", "columns"),
    [
        ({"title": " New title "}, {"title"}),
        ({"description": "Other"}, {"description"}),
        ({"icon": "las la-book"}, {"icon"}),
        ({"alias": "intro-page"}, {"alias"}),
        ({"content": "# Changed\n\nText."}, {"content"} | RENDERED),
        ({"publishState": "draft"}, {"publish_state"}),
        ({"publishStartDate": START}, {"publish_start_date"}),
        ({"publishEndDate": END}, {"publish_end_date"}),
        ({"tocDepth": {"min": 2, "max": 3}}, {"config"} | RENDERED),
        (
            {"relations": [{"id": REL, "position": "left", "label": "L", "target": "/x"}]},
            {"relations"},
        ),
        ({"tags": ["beta", "gamma"]}, {"tags"}),
        ({"allowComments": False}, {"config"}),
        ({"showToc": False}, {"config"}),
        ({"isBrowsable": False}, {"is_browsable"}),
        ({"isSearchable": False}, {"is_searchable"}),
        ({"scriptCss": "a{}"}, {"scripts"}),
        ({"scriptJsLoad": "go()"}, {"scripts"}),
        ({"scriptJsUnload": "stop()"}, {"scripts"}),
        ({"password": "s3cret"}, {"password"}),
        ({"reasonForChange": "why"}, set()),
        ({}, set()),
        # Absent and null are the same: nothing changes.
        ({"title": None, "content": None, "tags": None, "relations": None}, set()),
        # Blank content never replaces the source.
        ({"content": "  \n "}, set()),
    ],
)
def test_each_field_alone_changes_only_that_field(patch, columns, admin, admin_client):
    page = make_page(content="# Intro\n\n## Part\n\n### Deep\n\nHello.")
    Page.objects.filter(pk=page.pk).update(author=UserFactory())
    before = page_row(page.pk)
    payload = assert_mutation_succeeded(update(admin_client, page.pk, patch), "updatePage")
    after = page_row(page.pk)
    changed = {name for name in after if after[name] != before[name]}
    # render/toc may come out equal (same HTML), so they may, not must, differ.
    assert changed - RENDERED == (columns | ALWAYS) - RENDERED, patch
    assert after["author_id"] == admin.pk
    assert payload["page"]["id"] == str(page.pk)
    assert PageHistory.objects.filter(page_id=page.pk, action="updated").count() == 1


def test_patched_values_read_back(admin_client):
    page = make_page()
    r = update(
        admin_client,
        page.pk,
        {
            "title": " Install ",
            "alias": "inst",
            "content": "# Install\n\n## Steps",
            "tags": ["#Gamma", "alpha", "gamma"],
            "tocDepth": {"min": 1, "max": 1},
            "showToc": False,
            "scriptCss": "b{}",
            "password": "pw",
        },
    )
    page_out = assert_mutation_succeeded(r, "updatePage")["page"]
    assert page_out["title"] == "Install"
    assert page_out["alias"] == "inst"
    assert page_out["content"] == "# Install\n\n## Steps"
    assert "<h1" in page_out["render"]
    assert "Install" in page_out["render"]
    assert page_out["tags"] == ["gamma", "alpha"]
    assert page_out["tocDepth"] == {"min": 1, "max": 1}
    assert page_out["showToc"] is False
    assert page_out["scriptCss"] == "b{}"
    assert page_out["password"] == "********"
    stored = Page.objects.get(pk=page.pk)
    assert check_password("pw", stored.password)
    assert [item["label"] for item in stored.toc] == ["Install"]


def test_empty_strings_clear(admin_client):
    page = make_page(alias="old", script_css="a{}", script_js_load="x()")
    update(admin_client, page.pk, {"password": "pw"})
    r = update(admin_client, page.pk, {"alias": "", "scriptCss": "", "password": ""})
    assert assert_mutation_succeeded(r, "updatePage")["page"]["alias"] is None
    stored = Page.objects.get(pk=page.pk)
    assert (stored.alias, stored.password) == (None, None)
    assert stored.scripts == {"css": "", "jsLoad": "x()", "jsUnload": ""}


def test_keeping_its_own_alias_is_not_a_duplicate(admin_client):
    page = make_page(alias="intro")
    r = update(admin_client, page.pk, {"alias": " intro "})
    assert assert_mutation_succeeded(r, "updatePage")["page"]["alias"] == "intro"


def test_scheduling_needs_both_dates_in_the_patch(admin_client):
    page = make_page()
    r = update(
        admin_client,
        page.pk,
        {"publishState": "scheduled", "publishStartDate": START, "publishEndDate": END},
    )
    assert assert_mutation_succeeded(r, "updatePage")["page"]["publishState"] == "scheduled"


def test_a_date_alone_cannot_close_a_scheduled_window(admin_client):
    page = make_page()
    window = {"publishState": "scheduled", "publishStartDate": START, "publishEndDate": END}
    assert_mutation_succeeded(update(admin_client, page.pk, window), "updatePage")
    before = world()
    r = update(admin_client, page.pk, {"publishEndDate": START})
    assert_mutation_refused(r, "updatePage", "ERR_INVALID_INPUT", "page")
    assert world() == before
    r = update(admin_client, page.pk, {"publishStartDate": "2000-01-01T00:00:00Z"})
    assert assert_mutation_succeeded(r, "updatePage")["page"]["publishState"] == "scheduled"


# --- Checks in the contract's order -----------------------------------------------------------
def relation(**fields):
    return {"id": REL, "position": "center", "label": "L", "target": "/t", **fields}


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"title": ""}, "ERR_PAGE_TITLE_MISSING"),
        ({"title": "  "}, "ERR_PAGE_TITLE_MISSING"),
        ({"title": LONG}, "ERR_INVALID_INPUT"),
        ({"description": LONG}, "ERR_INVALID_INPUT"),
        ({"icon": LONG}, "ERR_INVALID_INPUT"),
        ({"alias": "a" * 256}, "ERR_PAGE_ALIAS_TOO_LONG"),
        ({"alias": "a b"}, "ERR_PAGE_INVALID_ALIAS"),
        ({"alias": "taken"}, "ERR_PAGE_DUPLICATE_ALIAS"),
        ({"publishState": "scheduled"}, "ERR_PAGE_MISSING_SCHEDULED_DATES"),
        (
            {"publishState": "scheduled", "publishStartDate": START},
            "ERR_PAGE_MISSING_SCHEDULED_DATES",
        ),
        (
            {"publishState": "scheduled", "publishStartDate": END, "publishEndDate": START},
            "ERR_INVALID_INPUT",
        ),
        ({"tocDepth": {"min": 0, "max": 2}}, "ERR_PAGE_INVALID_TOC_DEPTH"),
        ({"tocDepth": {"min": 3, "max": 2}}, "ERR_PAGE_INVALID_TOC_DEPTH"),
        ({"relations": [relation(label=" ")]}, "ERR_PAGE_RELATION_LABEL_MISSING"),
        ({"relations": [relation(label=LONG)]}, "ERR_PAGE_RELATION_LABEL_TOOLONG"),
        ({"relations": [relation(icon=LONG)]}, "ERR_PAGE_RELATION_ICON_INVALID"),
        ({"relations": [relation(target=" ")]}, "ERR_PAGE_RELATION_TARGET_INVALID"),
        ({"tags": ["ok", "bad tag"]}, "ERR_INVALID_INPUT"),
        # Two faults: the earlier check answers.
        ({"title": "", "alias": "a b"}, "ERR_PAGE_TITLE_MISSING"),
        ({"icon": LONG, "alias": "taken"}, "ERR_INVALID_INPUT"),
        ({"alias": "a b", "publishState": "scheduled"}, "ERR_PAGE_INVALID_ALIAS"),
        (
            {"publishState": "scheduled", "tocDepth": {"min": 9, "max": 9}},
            "ERR_PAGE_MISSING_SCHEDULED_DATES",
        ),
        (
            {"tocDepth": {"min": 9, "max": 9}, "relations": [relation(label="")]},
            "ERR_PAGE_INVALID_TOC_DEPTH",
        ),
        (
            {"relations": [relation(label="")], "tags": ["bad tag"]},
            "ERR_PAGE_RELATION_LABEL_MISSING",
        ),
    ],
)
def test_checks_in_order(patch, key, admin_client):
    make_page("docs/other", alias="taken")
    page = make_page()
    refused(admin_client, page.pk, {"content": "# Would change", **patch}, key)


def test_unknown_page(admin_client):
    make_page()
    refused(admin_client, NIL, {"title": "x"}, "ERR_PAGE_NOT_FOUND")


def test_not_found_comes_before_permission(anonymous, user_client):
    refused(anonymous, NIL, {"title": ""}, "ERR_PAGE_NOT_FOUND")
    refused(user_client, NIL, {"title": ""}, "ERR_PAGE_NOT_FOUND")


def test_permission_comes_before_input_checks(client_with):
    page = make_page()
    reader = client_with(rules=[rule(roles=[scopes.READ_PAGES])])
    refused(reader, page.pk, {"title": ""}, "ERR_PAGE_UPDATE_FORBIDDEN")


# --- History ----------------------------------------------------------------------------------
def test_the_replaced_state_is_archived(admin, admin_client):
    page = make_page(title="First", content="# One")
    original = Page.objects.get(pk=page.pk)
    r = update(admin_client, page.pk, {"title": "Second", "reasonForChange": "typo"})
    assert_mutation_succeeded(r, "updatePage")
    version = PageHistory.objects.get(page_id=page.pk)
    assert (version.action, version.reason) == ("updated", "typo")
    assert (version.title, version.content, version.path) == ("First", "# One", "docs/intro")
    assert version.tags == ["alpha", "beta"]
    assert version.author_id == original.author_id == delegated_author().pk
    assert version.version_date == original.updated_at
    assert version.affected_fields == ["title"]
    # The next update archives the state the first one produced, authored by the admin.
    assert_mutation_succeeded(update(admin_client, page.pk, {}), "updatePage")
    newest = PageHistory.objects.filter(page_id=page.pk).first()
    assert (newest.title, newest.author_id, newest.reason) == ("Second", admin.pk, None)


# --- Tags -------------------------------------------------------------------------------------
def test_tags_are_replaced_with_counts_kept(admin_client):
    first = make_page(tags=("alpha", "beta"))
    make_page("docs/other", tags=("beta",))
    assert usage() == {"alpha": 1, "beta": 2}
    r = update(admin_client, first.pk, {"tags": ["gamma", "beta"]})
    assert assert_mutation_succeeded(r, "updatePage")["page"]["tags"] == ["gamma", "beta"]
    assert usage() == {"alpha": 0, "beta": 2, "gamma": 1}
    assert linked(first.pk) == {"beta", "gamma"}
    assert_mutation_succeeded(update(admin_client, first.pk, {"tags": []}), "updatePage")
    assert usage() == {"alpha": 0, "beta": 1, "gamma": 0}
    assert linked(first.pk) == set()


@pytest.mark.parametrize("count", [1, 10])
def test_tag_replacement_costs_the_same_for_any_number(
    count, admin_client, django_assert_num_queries
):
    page = make_page(tags=[f"old-{n}" for n in range(count)])
    make_page("docs/other", tags=[f"new-{n}" for n in range(count // 2)])
    new = [f"new-{n}" for n in range(count)]
    # Caller (2), lock, version (id + row), the tags (7: the added tags' ids with new
    # vocabulary (4), links dropped, links added, one ordered update of the counts), the
    # author's row held (1), save, the tree item (1); the test's transaction turns each atomic block into a savepoint pair (4).
    with django_assert_num_queries(EXPECTED_UPDATE_QUERIES):
        assert_mutation_succeeded(update(admin_client, page.pk, {"tags": new}), "updatePage")
    assert linked(page.pk) == set(new)
    assert all(usage()[f"old-{n}"] == 0 for n in range(count))


EXPECTED_UPDATE_QUERIES = 19


# --- Authorship and permissions ---------------------------------------------------------------
def test_api_keys_write_as_the_delegated_author(admin_key_client):
    page = make_page()
    page.author = UserFactory()
    page.save()
    r = update(admin_key_client, page.pk, {"title": "By key"})
    assert assert_mutation_succeeded(r, "updatePage")["page"]["author"]["id"] == str(
        delegated_author().pk
    )


UPDATE_REFUSED = {
    "guest": "ERR_NOT_AUTHENTICATED",
    "user": "ERR_PAGE_UPDATE_FORBIDDEN",
    "key_without": "ERR_PAGE_UPDATE_FORBIDDEN",
}


@pytest.mark.parametrize("kind", KINDS)
def test_permission_matrix(kind, as_caller):
    page = make_page()
    client = as_caller(
        kind, rules=[rule(roles=[scopes.READ_PAGES]), rule(path="docs", roles=[scopes.WRITE_PAGES])]
    )
    if kind in UPDATE_REFUSED:
        refused(client, page.pk, {"title": "Changed"}, UPDATE_REFUSED[kind])
        return
    assert_mutation_succeeded(update(client, page.pk, {"title": "Changed"}), "updatePage")
    assert Page.objects.get(pk=page.pk).title == "Changed"


def test_a_denied_subtree_is_refused(client_with):
    inside = make_page("docs/private/plan")
    outside = make_page("docs/intro")
    writer = client_with(
        rules=[
            rule(path="docs", roles=[scopes.READ_PAGES, scopes.WRITE_PAGES]),
            rule("DENY", path="docs/private", roles=[scopes.WRITE_PAGES]),
        ]
    )
    refused(writer, inside.pk, {"title": "No"}, "ERR_PAGE_UPDATE_FORBIDDEN")
    assert_mutation_succeeded(update(writer, outside.pk, {"title": "Yes"}), "updatePage")


def test_scripts_without_permission_are_ignored(client_with):
    page = make_page(script_css="keep{}", script_js_load="keep()")
    writer = client_with(rules=[rule(path="docs", roles=[scopes.READ_PAGES, scopes.WRITE_PAGES])])
    r = update(writer, page.pk, {"scriptCss": "", "scriptJsLoad": "evil()", "title": "T"})
    assert_mutation_succeeded(r, "updatePage")
    stored = Page.objects.get(pk=page.pk)
    assert stored.title == "T"
    assert stored.scripts == {"css": "keep{}", "jsLoad": "keep()", "jsUnload": ""}
    # What was ignored is not named as changed on the version either.
    assert PageHistory.objects.get(page_id=page.pk).affected_fields == ["title"]


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
# Committed for real (the threads have their own connections); the serialized rollback puts
# the installation's rows back for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_updates_lose_no_version(admin):

    page = make_page()
    token = tokens.issue_session_token(admin)
    writers, results = 8, []
    barrier = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            barrier.wait()
            r = GraphQLClient(token)(UPDATE, {"id": str(page.pk), "patch": {"title": f"T{n}"}})
            results.append(r.data["updatePage"]["operation"]["slug"])
        finally:
            connection.close()

    run_in_threads(write, [(n,) for n in range(writers)])
    assert results == ["ok"] * writers
    titles = list(
        PageHistory.objects.filter(page_id=page.pk)
        .order_by("legacy_id")
        .values_list("title", flat=True)
    )
    final = Page.objects.get(pk=page.pk).title
    # Each version archives the state the previous writer left: the original, then every title
    # but the last one written, each exactly once.
    assert len(titles) == writers
    assert titles[0] == "Intro"
    assert sorted(titles[1:] + [final]) == sorted(f"T{n}" for n in range(writers))
