"""``pages.single``, ``singleByPath`` and ``list`` on /graphql (API-v2.md §3.1, §4.2) as the
public clients of §6 send them: errors, field gates, publish visibility, site scoping, cost."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import scopes
from accounts.models import Group
from pages.models import Page
from tests.api.page_edit_support import make_page
from tests.factories import UserFactory, rule
from wiki.models import Site

pytestmark = pytest.mark.django_db

# wikijscmd (inline literals).
CMD_SINGLE = "{ pages { single(id: %d) { id path title content } } }"
CMD_LIST = "{ pages { list(orderBy: PATH) { id path title } } }"
# wikijs-mcp-server (named operations with variables).
MCP_SINGLE = """query GetPage($id: Int!) { pages { single(id: $id) { id path title description
  content contentType isPublished isPrivate createdAt updatedAt editor locale authorId
  authorName authorEmail creatorId creatorName creatorEmail tags { id tag title } } } }"""
MCP_BY_PATH = """query GetPageByPath($path: String!, $locale: String!) { pages {
  singleByPath(path: $path, locale: $locale) { id path title content } } }"""
MCP_LIST = """query ListPages($limit: Int) { pages { list(limit: $limit) {
  id path title description updatedAt createdAt locale } } }"""
# wikijs-pyclient (every field but toc, editor, locale).
PY_SINGLE = """query ($id: Int!) { pages { single(id: $id) { id path hash title description
  isPrivate isPublished privateNS publishStartDate publishEndDate
  tags { id tag title createdAt updatedAt } content render contentType createdAt updatedAt
  scriptCss scriptJs authorId authorName authorEmail creatorId creatorName creatorEmail } } }"""
PY_LIST = """query ($limit: Int, $orderBy: PageOrderBy, $orderByDirection: PageOrderByDirection,
  $tags: [String!], $locale: String, $creatorId: Int, $authorId: Int) { pages {
  list(limit: $limit, orderBy: $orderBy, orderByDirection: $orderByDirection, tags: $tags,
  locale: $locale, creatorId: $creatorId, authorId: $authorId) { id path locale title
  description contentType isPublished isPrivate privateNS createdAt updatedAt tags } } }"""
NOT_FOUND = {
    "code": "INTERNAL_SERVER_ERROR",
    "exception": {"code": 6003, "message": "This page does not exist."},
}


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


def reads_nothing(*group_ids: int) -> None:
    """Take the Guests (2) and Users (3) groups' grants away, so rule tests see their rules."""
    for group in Group.objects.filter(legacy_id__in=group_ids):
        group.permissions, group.rules = [], []
        group.save()


def single(client, page, query=MCP_SINGLE):
    return client(query, {"id": page.legacy_id})


def only_error(r) -> dict:
    assert r.status == 200, r.body
    assert len(r.errors) == 1, r.body
    return r.errors[0]


# --- single ------------------------------------------------------------------------------------


def test_wikijscmd_single_reads_the_page(v2_admin_key):
    page = make_page("docs/intro", content="# Intro\n\nHello.")
    r = v2_admin_key(CMD_SINGLE % page.legacy_id)
    assert r.status == 200, r.body
    assert "errors" not in r.body
    assert r.data == {
        "pages": {
            "single": {
                "id": page.legacy_id,
                "path": "docs/intro",
                "title": "Intro",
                "content": "# Intro\n\nHello.",
            }
        }
    }


def test_pyclient_single_selects_every_field(v2_admin_key, admin):
    page = make_page("docs/intro", tags=("beta", "alpha"), description="")
    r = v2_admin_key(PY_SINGLE, {"id": page.legacy_id})
    assert "errors" not in r.body, r.body
    got = r.data["pages"]["single"]
    page.refresh_from_db()
    assert got["id"] == page.legacy_id
    assert got["hash"] == hashlib.sha1(b"en|docs/intro|", usedforsecurity=False).hexdigest()
    assert got["description"] == ""
    assert got["isPrivate"] is False
    assert got["isPublished"] is True
    assert got["privateNS"] is None
    assert got["publishStartDate"] == ""
    assert got["publishEndDate"] == ""
    assert [t["tag"] for t in got["tags"]] == ["alpha", "beta"]
    assert all(t["title"] == t["tag"] and isinstance(t["id"], int) for t in got["tags"])
    assert got["tags"][0]["createdAt"].endswith("Z")
    assert got["render"] == page.render
    assert got["contentType"] == "markdown"
    assert got["createdAt"].endswith("Z")
    assert len(got["createdAt"]) == 24
    assert got["scriptCss"] == ""
    assert got["scriptJs"] == ""
    # Written by an operator: the root administrator, as an API key's writes.
    assert got["authorId"] == got["creatorId"] == admin.legacy_id
    assert got["authorName"] == "Administrator"
    assert got["creatorEmail"] == "admin@example.com"


def test_api_key_writes_show_the_root_administrator(admin_key_client, v2_admin_key, admin):
    from tests.factories import default_site

    r = admin_key_client(
        """mutation ($siteId: UUID!) { createPage(siteId: $siteId, locale: "en", path: "key/one",
        title: "K", description: "", content: "x", editor: "markdown", publishState: published)
        { operation { succeeded } page { id } } }""",
        {"siteId": str(default_site().pk)},
    )
    assert r.data["createPage"]["operation"]["succeeded"], r.body
    page = Page.objects.get(path="key/one")
    got = single(v2_admin_key, page).data["pages"]["single"]
    assert got["authorId"] == got["creatorId"] == admin.legacy_id
    assert got["authorEmail"] == admin.email


def test_toc_is_wikijs2_json(v2_admin_key):
    page = make_page("docs/toc", content="# One\n\n## Two\n\ntext")
    r = v2_admin_key(
        "query ($id: Int!) { pages { single(id: $id) { toc } } }", {"id": page.legacy_id}
    )
    toc = json.loads(r.data["pages"]["single"]["toc"])
    assert toc[0]["title"] == "One"
    assert toc[0]["anchor"].startswith("#")
    assert toc[0]["children"][0]["title"] == "Two"


def test_single_unknown_id_is_page_not_found(v2_admin_key):
    for missing in (999999, 0, -3):
        r = v2_admin_key(CMD_SINGLE % missing if missing >= 0 else MCP_SINGLE, {"id": missing})
        error = only_error(r)
        assert r.data == {"pages": {"single": None}}
        assert error["message"] == "This page does not exist."
        assert error["extensions"] == NOT_FOUND
        assert error["path"] == ["pages", "single"]


def test_single_page_rules_refuse_with_page_view_forbidden(v2_for, group_with):
    page = make_page("secret/plan")
    reads_nothing(3)
    reader = UserFactory(groups=[group_with(scopes.READ_PAGES, rules=[rule(path="docs")])])
    r = single(v2_for(reader), page, CMD_SINGLE % page.legacy_id)
    error = only_error(r)
    assert r.data == {"pages": {"single": None}}
    assert error["message"] == "You are not authorized to view this page."
    assert error["extensions"]["exception"]["code"] == 6013


def test_draft_is_readable_only_with_write_pages(v2_for, group_with):
    page = make_page("docs/draft", publish_state="draft")
    reads_nothing(3)
    reader = UserFactory(groups=[group_with(scopes.READ_PAGES, rules=[rule(path="docs")])])
    r = v2_for(reader)(
        "query ($id: Int!) { pages { single(id: $id) { id } } }", {"id": page.legacy_id}
    )
    assert only_error(r)["extensions"]["exception"]["code"] == 6013
    writer = UserFactory(
        groups=[
            group_with(
                scopes.READ_PAGES,
                scopes.WRITE_PAGES,
                rules=[rule(path="docs", roles=(scopes.READ_PAGES, scopes.WRITE_PAGES))],
            )
        ]
    )
    r = v2_for(writer)(
        "query ($id: Int!) { pages { single(id: $id) { id isPublished } } }", {"id": page.legacy_id}
    )
    assert r.data == {"pages": {"single": {"id": page.legacy_id, "isPublished": False}}}, r.body


def test_scheduled_dates_read_back_per_5_4(v2_admin_key):
    start = timezone.now() - timedelta(days=1)
    end = timezone.now() + timedelta(days=1)
    page = make_page(
        "docs/window",
        publish_state="scheduled",
        publish_start_date=start,
        publish_end_date=end,
    )
    r = v2_admin_key(
        "query ($id: Int!) { pages { single(id: $id) { isPublished publishStartDate publishEndDate } } }",
        {"id": page.legacy_id},
    )
    got = r.data["pages"]["single"]
    assert got["isPublished"] is True
    assert got["publishStartDate"].endswith("Z")
    assert got["publishEndDate"].endswith("Z")


def test_is_private_echoes_the_stored_flag(v2_admin_key):
    page = make_page("docs/private")
    Page.objects.filter(pk=page.pk).update(config={**page.config, "legacyIsPrivate": True})
    r = v2_admin_key(
        "query ($id: Int!) { pages { single(id: $id) { isPrivate } } }", {"id": page.legacy_id}
    )
    assert r.data == {"pages": {"single": {"isPrivate": True}}}


def test_content_without_read_source_nulls_single(v2_user):
    """§2.4: the gated non-null ``content`` fails and its null reaches ``single``."""
    page = make_page("docs/intro")
    r = v2_user(CMD_SINGLE % page.legacy_id)
    error = only_error(r)
    assert r.data == {"pages": {"single": None}}
    assert error["message"] == "Forbidden"
    assert error["path"] == ["pages", "single", "content"]
    assert "exception" not in error["extensions"]
    # Without the gated fields the same caller reads the page.
    r = v2_user(
        "query ($id: Int!) { pages { single(id: $id) { id title render } } }",
        {"id": page.legacy_id},
    )
    assert r.data["pages"]["single"]["title"] == "Intro", r.body


@pytest.mark.parametrize(
    "field",
    [
        "isPrivate",
        "isPublished",
        "publishStartDate",
        "publishEndDate",
        "editor",
        "authorId",
        "authorName",
        "authorEmail",
        "creatorId",
        "creatorName",
        "creatorEmail",
    ],
)
def test_writer_fields_are_gated(v2_user, field):
    page = make_page("docs/intro")
    r = v2_user(
        f"query ($id: Int!) {{ pages {{ single(id: $id) {{ id {field} }} }} }}",
        {"id": page.legacy_id},
    )
    error = only_error(r)
    assert error["message"] == "Forbidden"
    assert error["path"] == ["pages", "single", field]
    assert r.data == {"pages": {"single": None}}


def test_private_ns_is_gated_but_nullable(v2_user):
    page = make_page("docs/intro")
    r = v2_user(
        "query ($id: Int!) { pages { single(id: $id) { id privateNS } } }", {"id": page.legacy_id}
    )
    assert only_error(r)["path"] == ["pages", "single", "privateNS"]
    assert r.data == {"pages": {"single": {"id": page.legacy_id, "privateNS": None}}}


@pytest.mark.parametrize("kind", ["guest", "user", "key_without", "user_with", "key_with", "admin"])
def test_single_gate_matrix(kind, admin, v2_anonymous, v2_for, v2_key_for, group_with):
    page = make_page("docs/intro")
    reads_nothing(2, 3)
    none = group_with("read:comments", rules=[rule(roles=("read:comments",))])
    readers = group_with(scopes.READ_PAGES, rules=[rule(roles=(scopes.READ_PAGES,))])
    client = {
        "guest": lambda: v2_anonymous,
        "user": lambda: v2_for(UserFactory(groups=[none])),
        "key_without": lambda: v2_key_for(none),
        "user_with": lambda: v2_for(UserFactory(groups=[readers])),
        "key_with": lambda: v2_key_for(readers),
        "admin": lambda: v2_for(admin),
    }[kind]()
    r = client(
        "query ($id: Int!) { pages { single(id: $id) { id title } } }", {"id": page.legacy_id}
    )
    if kind in ("guest", "user", "key_without"):
        error = only_error(r)
        assert error["message"] == "Forbidden"
        assert "exception" not in error["extensions"]
        assert r.data == {"pages": {"single": None}}
    else:
        assert r.data == {"pages": {"single": {"id": page.legacy_id, "title": "Intro"}}}, r.body


def test_single_reaches_any_site(v2_admin_key):
    other = Site.objects.create(hostname="other.example.com")
    page = make_page("docs/intro")
    Page.objects.filter(pk=page.pk).update(site=other)
    r = v2_admin_key(
        "query ($id: Int!) { pages { single(id: $id) { id } } }", {"id": page.legacy_id}
    )
    assert r.data == {"pages": {"single": {"id": page.legacy_id}}}


def test_single_costs_what_page_by_id_costs(admin_key_client, v2_admin_key):
    page = make_page("docs/intro")
    v1 = "query ($id: UUID!) { pageById(id: $id) { id path title content } }"
    admin_key_client(v1, {"id": str(page.pk)})
    v2_admin_key(CMD_SINGLE % page.legacy_id)
    with CaptureQueriesContext(connection) as twin:
        assert admin_key_client(v1, {"id": str(page.pk)}).data["pageById"]
    with CaptureQueriesContext(connection) as ours:
        assert v2_admin_key(CMD_SINGLE % page.legacy_id).data["pages"]["single"]
    assert len(ours) == len(twin)


# --- singleByPath ------------------------------------------------------------------------------


def test_single_by_path_normalizes_path_and_locale(v2_admin_key):
    page = make_page("docs/intro")
    r = v2_admin_key(MCP_BY_PATH, {"path": " /Docs/Intro/ ", "locale": "EN"})
    assert r.data == {
        "pages": {
            "singleByPath": {
                "id": page.legacy_id,
                "path": "docs/intro",
                "title": "Intro",
                "content": "# Intro\n\nHello.",
            }
        }
    }, r.body


def test_single_by_path_errors(v2_admin_key, v2_for, group_with):
    make_page("secret/plan")
    reads_nothing(3)
    r = v2_admin_key(MCP_BY_PATH, {"path": "nowhere", "locale": "en"})
    assert only_error(r)["extensions"] == NOT_FOUND
    assert only_error(r)["path"] == ["pages", "singleByPath"]
    reader = UserFactory(groups=[group_with(scopes.READ_PAGES, rules=[rule(path="docs")])])
    r = v2_for(reader)(MCP_BY_PATH.replace("content", ""), {"path": "secret/plan", "locale": "en"})
    assert only_error(r)["extensions"]["exception"]["code"] == 6013


def test_single_by_path_is_limited_to_the_request_site(v2_admin_key, settings):
    settings.ALLOWED_HOSTS = ["*"]
    other = Site.objects.create(hostname="other.example.com")
    page = make_page("docs/intro")
    Page.objects.filter(pk=page.pk).update(site=other)
    q = 'query ($p: String!) { pages { singleByPath(path: $p, locale: "en") { id } } }'
    assert only_error(v2_admin_key(q, {"p": "docs/intro"}))["extensions"] == NOT_FOUND
    r = v2_admin_key(q, {"p": "docs/intro"}, HTTP_HOST="other.example.com")
    assert r.data == {"pages": {"singleByPath": {"id": page.legacy_id}}}, r.body


# --- list --------------------------------------------------------------------------------------


def test_wikijscmd_list_by_path(v2_admin_key):
    b = make_page("beta/page", title="B")
    a = make_page("alpha/page", title="A")
    r = v2_admin_key(CMD_LIST)
    assert r.data == {
        "pages": {
            "list": [
                {"id": a.legacy_id, "path": "alpha/page", "title": "A"},
                {"id": b.legacy_id, "path": "beta/page", "title": "B"},
            ]
        }
    }


def test_mcp_list_with_limit(v2_admin_key):
    pages = [make_page(f"pgs/{n}", title=f"T{n}") for n in range(3)]
    r = v2_admin_key(MCP_LIST, {"limit": 2})
    got = r.data["pages"]["list"]
    assert [item["id"] for item in got] == [p.legacy_id for p in pages[:2]]
    assert set(got[0]) == {"id", "path", "title", "description", "updatedAt", "createdAt", "locale"}
    assert got[0]["createdAt"].endswith("Z")


def test_pyclient_list_every_field_and_filter(v2_admin_key, admin):
    alpha = make_page("docs/alpha", tags=("one", "two"))
    make_page("docs/beta", tags=("one",))
    draft = make_page("docs/draft", tags=("one", "two"), publish_state="draft")
    r = v2_admin_key(
        PY_LIST, {"tags": ["#Two", " one "], "orderBy": "ID", "orderByDirection": "DESC"}
    )
    got = r.data["pages"]["list"]
    assert [item["id"] for item in got] == [draft.legacy_id, alpha.legacy_id], r.body
    assert got[0]["isPublished"] is False
    assert got[1]["isPublished"] is True
    assert got[1] == {
        "id": alpha.legacy_id,
        "path": "docs/alpha",
        "locale": "en",
        "title": "Intro",
        "description": "About",
        "contentType": "markdown",
        "isPublished": True,
        "isPrivate": False,
        "privateNS": None,
        "createdAt": got[1]["createdAt"],
        "updatedAt": got[1]["updatedAt"],
        "tags": ["one", "two"],
    }
    # Creator / author by legacy id; values < 1 are ignored.
    r = v2_admin_key(PY_LIST, {"creatorId": admin.legacy_id, "authorId": 0})
    assert len(r.data["pages"]["list"]) == 3
    r = v2_admin_key(PY_LIST, {"creatorId": 999999})
    assert r.data["pages"]["list"] == []
    r = v2_admin_key(PY_LIST, {"locale": "FR"})
    assert r.data["pages"]["list"] == []


def test_list_limit_applies_after_permission_filtering(v2_for, group_with):
    for n in range(3):
        make_page(f"secret/{n}")
    visible = [make_page(f"docs/{n}") for n in range(3)]
    reader = UserFactory(groups=[group_with(scopes.READ_PAGES, rules=[rule(path="docs")])])
    reads_nothing(3)
    r = v2_for(reader)(MCP_LIST, {"limit": 2})
    assert [i["id"] for i in r.data["pages"]["list"]] == [p.legacy_id for p in visible[:2]], r.body


def test_list_hides_drafts_from_readers(v2_user):
    make_page("docs/draft", publish_state="draft")
    shown = make_page("docs/shown")
    r = v2_user(CMD_LIST)
    assert [i["id"] for i in r.data["pages"]["list"]] == [shown.legacy_id]


def test_list_is_limited_to_the_request_site(v2_admin_key, settings):
    settings.ALLOWED_HOSTS = ["*"]
    other = Site.objects.create(hostname="other.example.com")
    here = make_page("docs/here")
    there = make_page("docs/there")
    Page.objects.filter(pk=there.pk).update(site=other)
    assert [i["id"] for i in v2_admin_key(CMD_LIST).data["pages"]["list"]] == [here.legacy_id]
    r = v2_admin_key(CMD_LIST, HTTP_HOST="other.example.com")
    assert [i["id"] for i in r.data["pages"]["list"]] == [there.legacy_id]


def test_list_gate(v2_anonymous, v2_key_for, group_with):
    make_page("docs/intro")
    reads_nothing(2)
    r = v2_anonymous(CMD_LIST)
    assert only_error(r)["message"] == "Forbidden"
    assert r.data == {"pages": None}  # list is [PageListItem!]!: null reaches the namespace
    none = group_with("read:comments")
    assert only_error(v2_key_for(none)(CMD_LIST))["path"] == ["pages", "list"]


def test_list_bad_tag_type_fails_validation(v2_admin_key):
    r = v2_admin_key("query ($t: [String]) { pages { list(tags: $t) { id } } }", {"t": ["a"]})
    assert r.status == 400


@pytest.mark.parametrize("query", [CMD_LIST, PY_LIST])
def test_list_costs_what_pages_costs(admin_key_client, v2_admin_key, query):
    for n in range(12):
        make_page(f"docs/{n:02d}", tags=("a", "b"))
    v1 = "{ pages(limit: 1000) { id path title } }"
    admin_key_client(v1)
    v2_admin_key(query)
    with CaptureQueriesContext(connection) as twin:
        assert len(admin_key_client(v1).data["pages"]) == 12
    with CaptureQueriesContext(connection) as ours:
        assert len(v2_admin_key(query, {}).data["pages"]["list"]) == 12
    assert len(ours) <= len(twin)


def test_list_takes_the_fast_path(v2_admin_key, monkeypatch):
    """Same answer with and without the fast list path, which the list does take."""
    from api.core.execution import FastListExecutionContext

    for n in range(3):
        make_page(f"docs/{n}")
    taken = []
    original = FastListExecutionContext.complete_fast_list

    def spy(self, plan, queryset):
        taken.append(True)
        return original(self, plan, queryset)

    monkeypatch.setattr(FastListExecutionContext, "complete_fast_list", spy)
    fast = v2_admin_key(PY_LIST, {}).body
    assert taken
    from django.test import override_settings

    with override_settings(GRAPHQL_FAST_LISTS=False):
        slow = v2_admin_key(PY_LIST, {}).body
    assert fast == slow


def test_pages_created_on_v1_read_the_same_on_v2(admin_key_client, v2_admin_key):
    from tests.factories import default_site

    r = admin_key_client(
        """mutation ($siteId: UUID!) { createPage(siteId: $siteId, locale: "en", path: "same/page",
        title: "Same", description: "D", content: "# H", editor: "markdown",
        publishState: published, tags: ["x"]) { operation { succeeded } page { id path title } } }""",
        {"siteId": str(default_site().pk)},
    )
    v1 = r.data["createPage"]["page"]
    page = Page.objects.get(pk=v1["id"])
    got = single(v2_admin_key, page).data["pages"]["single"]
    assert (got["path"], got["title"], got["description"]) == ("same/page", "Same", "D")
    assert [t["tag"] for t in got["tags"]] == ["x"]
    listed = v2_admin_key(CMD_LIST).data["pages"]["list"]
    assert {"id": page.legacy_id, "path": "same/page", "title": "Same"} in listed


def test_scripts_and_typename_as_wikijscmd_selects_them(v2_admin_key):
    page = make_page("docs/scripted", script_css="p { color: red }", script_js_load="go()")
    r = v2_admin_key(
        f"{{ pages {{ single(id: {page.legacy_id}) {{ __typename id scriptCss scriptJs }} "
        "list(orderBy: PATH) { __typename id } } }"
    )
    assert r.data == {
        "pages": {
            "single": {
                "__typename": "Page",
                "id": page.legacy_id,
                "scriptCss": "p { color: red }",
                "scriptJs": "go()",
            },
            "list": [{"__typename": "PageListItem", "id": page.legacy_id}],
        }
    }, r.body


def test_list_reads_no_uuid_it_does_not_show(v2_admin_key):
    """Legacy ids are shown: the fast path leaves the UUID primary key unread."""
    for n in range(3):
        make_page(f"docs/{n}")
    with CaptureQueriesContext(connection) as queries:
        listed = v2_admin_key(CMD_LIST).data["pages"]["list"]
    assert [item["path"] for item in listed] == ["docs/0", "docs/1", "docs/2"]
    (select,) = [q["sql"] for q in queries if "pages_page" in q["sql"]]
    assert '"pages_page"."legacy_id"' in select
    assert '"pages_page"."id"' not in select.split(" FROM ")[0]


def test_no_site_serving_the_request_is_a_generic_error(v2_admin_key):
    Site.objects.filter(hostname="*").delete()
    r = v2_admin_key(MCP_BY_PATH, {"path": "docs/intro", "locale": "en"})
    assert only_error(r)["extensions"]["exception"] == {
        "code": 6001,
        "message": "An unexpected error occured during a page operation.",
    }
