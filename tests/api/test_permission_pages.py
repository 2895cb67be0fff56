"""Permissions of the page operations (API.md §3.4, §3.5, §4.1.2-4.1.4).

``pages`` filters, ``pageById`` and ``createPage`` refuse per caller kind, ``Page.content`` is
a field error without source permission, and ``Page.author`` hides details from callers who
may not read users.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import scopes
from accounts.models import GUESTS_GROUP_ID, Group
from pages.models import Page
from tests.factories import PageFactory, default_site, rule

from .permission_support import (
    KINDS,
    REFUSED,
    assert_mutation_refused,
    assert_mutation_succeeded,
    assert_query_refused,
    snapshot,
)

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
PAGES = "{ pages(orderBy: PATH) { path isPublished } }"
PAGES_LIMITED = "query ($limit: Int, $offset: Int) { pages(orderBy: PATH, limit: $limit, offset: $offset) { path } }"
PAGE_BY_ID = "query ($id: UUID!) { pageById(id: $id) { id path title publishState } }"
PAGE_CONTENT = "query ($id: UUID!) { pageById(id: $id) { id path title render content } }"
PAGE_AUTHOR = """query ($id: UUID!) { pageById(id: $id) {
  author { id name email isActive groups { name } } creator { id name email } } }"""
CREATE_PAGE = """mutation ($path: String!, $siteId: UUID!, $tags: [String!]) {
  createPage(siteId: $siteId, locale: "en", path: $path, title: "New page", description: "",
             content: "# New", editor: "markdown", publishState: published, tags: $tags) {
    operation { succeeded slug message } page { path } } }"""
# Reads everywhere, writes below docs: what the granting group holds in these tests.
READ_ALL_WRITE_DOCS = [rule(roles=[READ]), rule(path="docs", roles=[WRITE])]
DAY = timedelta(days=1)


@pytest.fixture
def wiki(admin):
    now = timezone.now()

    def page(path, state="published", **fields):
        return PageFactory(path=path, publish_state=state, author=admin, **fields)

    return {
        "intro": page("docs/intro"),
        "draft": page("docs/draft", "draft"),
        "payroll": page("team/payroll"),
        "team-draft": page("team/draft", "draft"),
        "now": page(
            "news/now", "scheduled", publish_start_date=now - DAY, publish_end_date=now + DAY
        ),
        "later": page(
            "news/later", "scheduled", publish_start_date=now + DAY, publish_end_date=now + 2 * DAY
        ),
    }


def open_to_guests(roles=(READ,)) -> None:
    Group.objects.filter(pk=GUESTS_GROUP_ID).update(rules=[rule(roles=list(roles))])


PUBLISHED = ["docs/intro", "news/now", "team/payroll"]
EXPECTED_PAGES = {
    "guest": [],
    "user": PUBLISHED,
    "user_with": ["docs/draft", *PUBLISHED],
    "key_without": PUBLISHED,
    "key_with": ["docs/draft", *PUBLISHED],
    "admin": ["docs/draft", "docs/intro", "team/draft", "team/payroll", "news/later", "news/now"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_pages(kind, as_caller, wiki):
    r = as_caller(kind, rules=READ_ALL_WRITE_DOCS)(PAGES)
    assert (r.status, r.errors) == (200, [])
    paths = [p["path"] for p in r.data["pages"]]
    assert paths == sorted(EXPECTED_PAGES[kind])
    published = {p["path"]: p["isPublished"] for p in r.data["pages"]}
    assert all(published[path] is (path in PUBLISHED) for path in paths)


def test_pages_filters_before_limit_and_offset(wiki, make_user, client_for, group_with):
    denied = group_with(rules=[rule("DENY", "START", "docs")])
    client = client_for(make_user(groups=[denied]))
    r = client(PAGES_LIMITED, {"limit": 1})
    assert r.data == {"pages": [{"path": "news/now"}]}
    r = client(PAGES_LIMITED, {"limit": 5, "offset": 1})
    assert r.data == {"pages": [{"path": "team/payroll"}]}


def test_pages_for_guests_follow_the_guests_group(wiki, anonymous):
    open_to_guests()
    assert [p["path"] for p in anonymous(PAGES).data["pages"]] == PUBLISHED
    Group.objects.filter(pk=GUESTS_GROUP_ID).update(
        rules=[rule(roles=[READ]), rule("DENY", "START", "team"), rule(roles=[WRITE], path="team")]
    )
    assert [p["path"] for p in anonymous(PAGES).data["pages"]] == ["docs/intro", "news/now"]


@pytest.mark.parametrize("kind", KINDS)
def test_page_by_id(kind, as_caller, wiki):
    draft = wiki["draft"]
    r = as_caller(kind, rules=READ_ALL_WRITE_DOCS)(PAGE_BY_ID, {"id": str(draft.pk)})
    if kind in REFUSED:
        assert_query_refused(r, "pageById", REFUSED[kind])
        return
    assert r.errors == []
    assert r.data == {
        "pageById": {
            "id": str(draft.pk),
            "path": "docs/draft",
            "title": draft.title,
            "publishState": "draft",
        }
    }


def test_page_by_id_checks_existence_then_read_then_publish(
    wiki, user_client, anonymous, client_with
):
    missing = {"id": "12345678-1234-4234-8234-123456789012"}
    for client in (anonymous, user_client):
        r = client(PAGE_BY_ID, missing)
        assert_query_refused(r, "pageById", "ERR_PAGE_NOT_FOUND")
    # Published: any user reads it; the guest is told to authenticate.
    assert user_client(PAGE_BY_ID, {"id": str(wiki["intro"].pk)}).errors == []
    assert_query_refused(
        anonymous(PAGE_BY_ID, {"id": str(wiki["intro"].pk)}), "pageById", "ERR_NOT_AUTHENTICATED"
    )
    # A DENY rule on the path.
    hr_denied = client_with(rules=[rule("DENY", "START", "team")])
    assert_query_refused(
        hr_denied(PAGE_BY_ID, {"id": str(wiki["payroll"].pk)}), "pageById", "ERR_FORBIDDEN"
    )
    # Scheduled pages: inside the window readable, outside only for writers.
    assert user_client(PAGE_BY_ID, {"id": str(wiki["now"].pk)}).errors == []
    assert_query_refused(
        user_client(PAGE_BY_ID, {"id": str(wiki["later"].pk)}), "pageById", "ERR_FORBIDDEN"
    )
    # A guest who may read but not write gets NOT_AUTHENTICATED for an unpublished page.
    open_to_guests()
    assert anonymous(PAGE_BY_ID, {"id": str(wiki["intro"].pk)}).errors == []
    assert_query_refused(
        anonymous(PAGE_BY_ID, {"id": str(wiki["draft"].pk)}), "pageById", "ERR_NOT_AUTHENTICATED"
    )


def test_write_without_read_does_not_open_a_page(wiki, make_user, client_for, group_with):
    writer = client_for(
        make_user(
            groups=[
                group_with(rules=[rule("DENY", "START", "docs"), rule(path="docs", roles=[WRITE])])
            ]
        )
    )
    assert_query_refused(
        writer(PAGE_BY_ID, {"id": str(wiki["draft"].pk)}), "pageById", "ERR_FORBIDDEN"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_create_page(kind, as_caller):
    site = default_site()
    client = as_caller(kind, rules=[rule(path="docs", roles=[WRITE])])
    before = snapshot()
    r = client(CREATE_PAGE, {"path": "docs/new", "siteId": str(site.pk)})
    if kind in REFUSED:
        assert_mutation_refused(r, "createPage", REFUSED[kind], "page")
        assert snapshot() == before
        return
    payload = assert_mutation_succeeded(r, "createPage")
    assert payload["page"] == {"path": "docs/new"}
    assert Page.objects.filter(site=site, locale="en", path="docs/new").count() == 1


def test_create_page_is_judged_at_the_new_location(client_with):
    site = str(default_site().pk)
    client = client_with(rules=[rule(path="docs", roles=[WRITE])])
    r = client(CREATE_PAGE, {"path": "team/new", "siteId": site})
    assert_mutation_refused(r, "createPage", "ERR_FORBIDDEN", "page")
    assert not Page.objects.exists()
    # Tag rules see the input tags (normalised).
    tagged = client_with(rules=[rule(match="TAG", path="public", roles=[WRITE])])
    r = tagged(CREATE_PAGE, {"path": "team/other", "siteId": site, "tags": ["internal"]})
    assert_mutation_refused(r, "createPage", "ERR_FORBIDDEN", "page")
    r = tagged(CREATE_PAGE, {"path": "team/other", "siteId": site, "tags": ["internal", "#Public"]})
    assert_mutation_succeeded(r, "createPage")
    assert list(Page.objects.values_list("path", "tags")) == [
        ("team/other", ["internal", "public"])
    ]


# --- Page.content -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("roles", "readable"),
    [
        ([], False),
        ([scopes.READ_SOURCE], True),
        ([WRITE], True),
        ([scopes.MANAGE_PAGES], True),
        ([scopes.READ_HISTORY, scopes.DELETE_PAGES, scopes.REVIEW_PAGES], False),
    ],
)
def test_page_content_needs_source_permission(roles, readable, wiki, client_with):
    rules = [rule(path="docs", roles=roles)] if roles else []
    client = client_with(rules=rules)
    page = wiki["intro"]
    r = client(PAGE_CONTENT, {"id": str(page.pk)})
    expected = {
        "id": str(page.pk),
        "path": "docs/intro",
        "title": page.title,
        "render": page.render,
    }
    assert r.status == 200
    if readable:
        assert r.errors == []
        assert r.data == {"pageById": {**expected, "content": page.content}}
        return
    assert r.data == {"pageById": {**expected, "content": None}}
    assert [(e["message"], e["path"]) for e in r.errors] == [
        ("ERR_FORBIDDEN", ["pageById", "content"])
    ]


def test_page_content_for_guests_keys_and_admins(
    wiki, anonymous, api_key_for, group_with, admin_client
):
    page_id = {"id": str(wiki["intro"].pk)}
    open_to_guests()
    r = anonymous(PAGE_CONTENT, page_id)
    assert r.data["pageById"]["content"] is None
    assert r.data["pageById"]["path"] == "docs/intro"
    assert [(e["message"], e["path"]) for e in r.errors] == [
        ("ERR_NOT_AUTHENTICATED", ["pageById", "content"])
    ]
    reader = api_key_for(group_with(rules=[rule(roles=[READ])]))
    r = reader(PAGE_CONTENT, page_id)
    assert [(e["message"], e["path"]) for e in r.errors] == [
        ("ERR_FORBIDDEN", ["pageById", "content"])
    ]
    source = api_key_for(group_with(rules=[rule(roles=[READ, scopes.READ_SOURCE])]))
    assert source(PAGE_CONTENT, page_id).data["pageById"]["content"] == wiki["intro"].content
    assert admin_client(PAGE_CONTENT, page_id).data["pageById"]["content"] == wiki["intro"].content


# --- Page.author / creator --------------------------------------------------------------------
def test_page_author_details_need_permission_to_read_users(
    wiki, admin, make_user, client_for, group_with, api_key_for, admin_client, client_with
):
    page_id = {"id": str(wiki["intro"].pk)}
    hidden = {
        "id": str(admin.pk),
        "name": admin.name,
        "email": None,
        "isActive": None,
        "groups": None,
    }
    r = client_for(make_user())(PAGE_AUTHOR, page_id)
    assert r.errors == []
    assert r.data == {
        "pageById": {
            "author": hidden,
            "creator": {"id": str(admin.pk), "name": admin.name, "email": None},
        }
    }
    r = api_key_for(group_with(rules=[rule(roles=[READ])]))(PAGE_AUTHOR, page_id)
    assert r.data["pageById"]["author"] == hidden
    shown = {
        "id": str(admin.pk),
        "name": admin.name,
        "email": admin.email,
        "isActive": True,
        "groups": [{"name": "Administrators"}, {"name": "Users"}],
    }
    for scope in scopes.READ_USERS_ANY:
        r = client_with(scope)(PAGE_AUTHOR, page_id)
        reads_groups = scope in scopes.LIST_GROUPS_ANY
        assert r.error_messages == ([] if reads_groups else ["ERR_FORBIDDEN"]), scope
        groups = shown["groups"] if reads_groups else None
        assert r.data["pageById"]["author"] == {**shown, "groups": groups}, scope
        assert r.data["pageById"]["creator"]["email"] == admin.email
    r = api_key_for(group_with("read:users", rules=[rule(roles=[READ])]))(PAGE_AUTHOR, page_id)
    assert r.data["pageById"]["author"] == {**shown, "groups": None}
    assert [e["path"] for e in r.errors] == [["pageById", "author", "groups"]]
    assert admin_client(PAGE_AUTHOR, page_id).data["pageById"]["author"] == shown


def test_the_author_sees_their_own_details(make_user, client_for):
    author = make_user(email="writer@example.com", name="Writer")
    page = PageFactory(path="mine", author=author)
    r = client_for(author)(PAGE_AUTHOR, {"id": str(page.pk)})
    assert r.errors == []
    assert r.data["pageById"]["author"] == {
        "id": str(author.pk),
        "name": "Writer",
        "email": "writer@example.com",
        "isActive": True,
        "groups": [{"name": "Users"}],
    }
