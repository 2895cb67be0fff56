"""``pages.search``, ``tree``, ``links``, ``history``, ``version``, ``tags``, ``searchTags``,
``checkConflicts`` and ``conflictLatest`` on /graphql (API-v2.md §3.1) as pyclient and the mcp
server send them: behaviour, errors, gates, site scoping and constant query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import scopes
from accounts.models import Group
from pages import edits
from pages.models import Page, PageHistory, TreeItem, TreeItemType
from tests.api.page_edit_support import make_page
from tests.factories import UserFactory, rule
from wiki.models import Site

pytestmark = pytest.mark.django_db

MCP_SEARCH = """query SearchPages($query: String!, $path: String, $locale: String) { pages {
  search(query: $query, path: $path, locale: $locale) {
  results { id title description path locale } totalHits } } }"""
PY_SEARCH = """query ($query: String!, $path: String, $locale: String) { pages {
  search(query: $query, path: $path, locale: $locale) {
  results { id title description path locale } suggestions totalHits } } }"""
TREE = """query GetTree($path: String, $parent: Int, $mode: PageTreeMode!, $locale: String!,
  $includeAncestors: Boolean) { pages { tree(path: $path, parent: $parent, mode: $mode,
  locale: $locale, includeAncestors: $includeAncestors) {
  id path depth title isPrivate isFolder privateNS parent pageId locale } } }"""
LINKS = """query ($locale: String!) { pages { links(locale: $locale) { id path title links } } }"""
HISTORY = """query ($id: Int!, $offsetPage: Int, $offsetSize: Int) { pages {
  history(id: $id, offsetPage: $offsetPage, offsetSize: $offsetSize) {
  trail { versionId versionDate authorId authorName actionType valueBefore valueAfter }
  total } } }"""
VERSION = """query ($pageId: Int!, $versionId: Int!) { pages { version(pageId: $pageId,
  versionId: $versionId) { action authorId authorName content contentType createdAt
  versionDate description editor isPrivate isPublished locale pageId path publishEndDate
  publishStartDate tags title versionId } } }"""
TAGS = "{ pages { tags { id tag title createdAt updatedAt } } }"
SEARCH_TAGS = "query ($query: String!) { pages { searchTags(query: $query) } }"
CHECK = """query ($id: Int!, $checkoutDate: Date!) { pages {
  checkConflicts(id: $id, checkoutDate: $checkoutDate) } }"""
LATEST = """query ($id: Int!) { pages { conflictLatest(id: $id) { id authorId authorName
  content createdAt description isPublished locale path tags title updatedAt } } }"""


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


def reads_nothing(*legacy_ids: int) -> None:
    for group in Group.objects.filter(legacy_id__in=legacy_ids):
        group.permissions, group.rules = [], []
        group.save()


def docs_reader(group_with, *extra: str):
    """A user reading (and ``extra``) under ``docs`` only; the Users group grants nothing."""
    reads_nothing(3)
    roles = (scopes.READ_PAGES, *extra)
    return UserFactory(groups=[group_with(*roles, rules=[rule(path="docs", roles=roles)])])


def only_error(r) -> dict:
    assert r.status == 200, r.body
    assert len(r.errors) == 1, r.body
    return r.errors[0]


def code(r) -> int | None:
    return only_error(r)["extensions"].get("exception", {}).get("code")


# --- search ------------------------------------------------------------------------------------


def test_mcp_search_full_text_then_substrings(v2_admin_key):
    full = make_page("docs/payroll", title="Payroll", content="# Payroll\n\npayroll policy text")
    sub = make_page("docs/roll-call", title="Aaa roll call", content="# Other\n\nnothing")
    make_page("docs/other", title="Unrelated", content="# X\n\nnothing here")
    r = v2_admin_key(MCP_SEARCH, {"query": "roll", "path": "", "locale": "en"})
    got = r.data["pages"]["search"]
    ids = [hit["id"] for hit in got["results"]]
    assert str(sub.legacy_id) in ids, r.body
    assert got["totalHits"] == len(ids)
    r = v2_admin_key(MCP_SEARCH, {"query": "payroll", "path": "", "locale": "en"})
    results = r.data["pages"]["search"]["results"]
    assert results[0] == {
        "id": str(full.legacy_id),
        "title": "Payroll",
        "description": "About",
        "path": "docs/payroll",
        "locale": "en",
    }


def test_pyclient_search_filters_and_empty_query(v2_admin_key):
    make_page("docs/one", title="One")
    make_page("guide/two", title="Two")
    make_page("docs/fr", title="Trois", locale="fr")
    make_page("docs/draft", title="Draft", publish_state="draft")
    r = v2_admin_key(PY_SEARCH, {"query": "  ", "path": "/Docs", "locale": "en"})
    got = r.data["pages"]["search"]
    assert [hit["title"] for hit in got["results"]] == ["One"], r.body
    assert got["suggestions"] == []
    assert got["totalHits"] == 1
    r = v2_admin_key(PY_SEARCH, {"query": "", "path": None, "locale": None})
    assert sorted(h["title"] for h in r.data["pages"]["search"]["results"]) == [
        "One",
        "Trois",
        "Two",
    ]


def test_search_keeps_unreadable_pages_out(v2_for, group_with):
    make_page("secret/payroll", title="Secret payroll")
    shown = make_page("docs/payroll", title="Payroll")
    r = v2_for(docs_reader(group_with))(
        MCP_SEARCH, {"query": "payroll", "path": "", "locale": "en"}
    )
    assert [h["id"] for h in r.data["pages"]["search"]["results"]] == [str(shown.legacy_id)]


def test_search_is_limited_to_the_request_site(v2_admin_key, settings):
    settings.ALLOWED_HOSTS = ["*"]
    other = Site.objects.create(hostname="other.example.com")
    there = make_page("docs/payroll", title="Payroll")
    Page.objects.filter(pk=there.pk).update(site=other)
    r = v2_admin_key(MCP_SEARCH, {"query": "payroll"})
    assert r.data["pages"]["search"]["results"] == []
    r = v2_admin_key(MCP_SEARCH, {"query": "payroll"}, HTTP_HOST="other.example.com")
    assert [h["id"] for h in r.data["pages"]["search"]["results"]] == [str(there.legacy_id)]


# --- tree --------------------------------------------------------------------------------------


def _tree(client, **variables):
    variables.setdefault("mode", "ALL")
    variables.setdefault("locale", "en")
    r = client(TREE, variables)
    assert "errors" not in r.body, r.body
    return r.data["pages"]["tree"]


def test_tree_root_level_merges_pages_and_folders(v2_admin_key):
    home = make_page("docs", title="Docs home")
    intro = make_page("docs/intro", title="Intro")
    make_page("zeta", title="Alpha page")
    nodes = _tree(v2_admin_key, includeAncestors=False)
    assert [(n["path"], n["isFolder"], n["title"]) for n in nodes] == [
        ("docs", True, "Docs home"),
        ("zeta", False, "Alpha page"),
    ]
    docs = nodes[0]
    folder = TreeItem.objects.get(path="docs", type=TreeItemType.FOLDER, locale="en")
    assert docs == {
        "id": folder.legacy_id,
        "path": "docs",
        "depth": 1,
        "title": "Docs home",
        "isPrivate": False,
        "isFolder": True,
        "privateNS": None,
        "parent": 0,
        "pageId": home.legacy_id,
        "locale": "en",
    }
    below = _tree(v2_admin_key, parent=docs["id"])
    assert below == [
        {
            "id": intro.tree_item.legacy_id,
            "path": "docs/intro",
            "depth": 2,
            "title": "Intro",
            "isPrivate": False,
            "isFolder": False,
            "privateNS": None,
            "parent": docs["id"],
            "pageId": intro.legacy_id,
            "locale": "en",
        }
    ]


def test_tree_by_path_lists_siblings_and_ancestors(v2_admin_key):
    make_page("a1/b1/c1", title="C1")
    make_page("a1/b1/c2", title="C2")
    make_page("a1/b1/folder/deep", title="Deep")
    nodes = _tree(v2_admin_key, path="/A1/B1/C1", includeAncestors=True)
    assert [(n["path"], n["isFolder"]) for n in nodes] == [
        ("a1", True),
        ("a1/b1", True),
        ("a1/b1/folder", True),
        ("a1/b1/c1", False),
        ("a1/b1/c2", False),
    ]
    by_path = {n["path"]: n for n in nodes}
    assert by_path["a1"]["parent"] == 0
    assert by_path["a1/b1"]["parent"] == by_path["a1"]["id"]
    assert by_path["a1/b1/c1"]["parent"] == by_path["a1/b1"]["id"]
    assert _tree(v2_admin_key, path="nowhere/at/all") == []
    # Without includeAncestors, only the level.
    assert len(_tree(v2_admin_key, path="a1/b1/c1")) == 3


def test_tree_modes(v2_admin_key):
    make_page("docs/intro", title="Intro")
    make_page("docs/sub/page", title="Sub")
    docs = _tree(v2_admin_key)[0]["id"]
    folders = _tree(v2_admin_key, parent=docs, mode="FOLDERS")
    pages = _tree(v2_admin_key, parent=docs, mode="PAGES")
    assert [n["path"] for n in folders] == ["docs/sub"]
    assert [n["path"] for n in pages] == ["docs/intro"]


def test_tree_keeps_only_readable_nodes(v2_for, group_with):
    make_page("docs/intro")
    make_page("secret/plan")
    nodes = _tree(v2_for(docs_reader(group_with)))
    assert [n["path"] for n in nodes] == ["docs"]


def test_tree_unknown_parent_is_empty(v2_admin_key):
    make_page("docs/intro")
    assert _tree(v2_admin_key, parent=999999) == []


# --- links -------------------------------------------------------------------------------------


def test_links_lists_internal_links_the_caller_may_read(v2_for, group_with, v2_admin_key):
    content = (
        "[a](/docs/target#part) [b](/fr/docs/autre?x=1) [c](https://example.com/docs/x)"
        " [d](/_assets/img.png) [e](//cdn.example.com/x) [f](/secret/plan) [g](/docs/target)"
    )
    source = make_page("docs/source", title="Source", content=content)
    plain = make_page("docs/target", title="Target", content="no links")
    r = v2_admin_key(LINKS, {"locale": "en"})
    got = {item["id"]: item for item in r.data["pages"]["links"]}
    assert got[source.legacy_id] == {
        "id": source.legacy_id,
        "path": "en/docs/source",
        "title": "Source",
        "links": ["en/docs/target", "fr/docs/autre", "en/secret/plan"],
    }
    assert got[plain.legacy_id]["links"] == []
    r = v2_for(docs_reader(group_with))(LINKS, {"locale": "en"})
    got = {item["id"]: item for item in r.data["pages"]["links"]}
    assert got[source.legacy_id]["links"] == ["en/docs/target", "fr/docs/autre"]


def test_links_query_count_is_constant(v2_admin_key):
    make_page("docs/p0", content="[x](/docs/p1)")
    v2_admin_key(LINKS, {"locale": "en"})
    with CaptureQueriesContext(connection) as one:
        v2_admin_key(LINKS, {"locale": "en"})
    for n in range(1, 8):
        make_page(f"docs/p{n}", content=f"[x](/docs/p{n - 1})")
    with CaptureQueriesContext(connection) as many:
        assert len(v2_admin_key(LINKS, {"locale": "en"}).data["pages"]["links"]) == 8
    assert len(many) == len(one)


# --- history and version -----------------------------------------------------------------------


def _edited(path="docs/intro"):
    page = make_page(path, title="V1")
    edits.update_page(None, page.pk, edits.PagePatch(title="V2", content="second"))
    edits.update_page(None, page.pk, edits.PagePatch(title="V3", content="third"))
    return page


def test_pyclient_history(v2_admin_key, admin):
    page = _edited()
    r = v2_admin_key(HISTORY, {"id": page.legacy_id, "offsetPage": 0, "offsetSize": 0})
    got = r.data["pages"]["history"]
    assert got["total"] == 2, r.body
    versions = list(
        PageHistory.objects.filter(page_id=page.pk).order_by("-version_date", "-legacy_id")
    )
    assert [e["versionId"] for e in got["trail"]] == [v.legacy_id for v in versions]
    assert got["trail"][-1]["actionType"] == "initial"
    assert got["trail"][0]["actionType"] == "edit"
    assert got["trail"][0]["authorId"] == admin.legacy_id
    assert got["trail"][0]["authorName"] == "Administrator"
    assert got["trail"][0]["versionDate"].endswith("Z")
    r = v2_admin_key(HISTORY, {"id": page.legacy_id, "offsetPage": 1, "offsetSize": 1})
    assert [e["versionId"] for e in r.data["pages"]["history"]["trail"]] == [versions[1].legacy_id]


def test_history_errors(v2_admin_key, v2_for, group_with):
    page = _edited("secret/plan")
    r = v2_admin_key(HISTORY, {"id": 999999})
    assert code(r) == 6003
    assert only_error(r)["path"] == ["pages", "history"]
    r = v2_admin_key(HISTORY, {"id": page.legacy_id, "offsetPage": -1})
    assert code(r) == 1012
    assert only_error(r)["message"] == "Input data is invalid."
    reader = docs_reader(group_with, scopes.READ_HISTORY)
    r = v2_for(reader)(HISTORY, {"id": page.legacy_id})
    assert code(r) == 6012
    assert only_error(r)["message"] == "You are not authorized to view the history of this page."
    # The gate (read:history) before anything else.
    r = v2_for(UserFactory())(HISTORY, {"id": 999999})
    assert only_error(r)["message"] == "Forbidden"


def test_history_query_count_is_constant(v2_admin_key):
    page = _edited()
    v2_admin_key(HISTORY, {"id": page.legacy_id})
    with CaptureQueriesContext(connection) as few:
        v2_admin_key(HISTORY, {"id": page.legacy_id})
    for n in range(6):
        edits.update_page(None, page.pk, edits.PagePatch(content=f"edit {n}"))
    with CaptureQueriesContext(connection) as more:
        assert v2_admin_key(HISTORY, {"id": page.legacy_id}).data["pages"]["history"]["total"] == 8
    assert len(more) == len(few)


def test_pyclient_version(v2_admin_key, admin):
    page = _edited()
    oldest = PageHistory.objects.filter(page_id=page.pk).order_by("legacy_id").first()
    r = v2_admin_key(VERSION, {"pageId": page.legacy_id, "versionId": oldest.legacy_id})
    got = r.data["pages"]["version"]
    assert got == {
        "action": "updated",
        "authorId": str(admin.legacy_id),
        "authorName": "Administrator",
        "content": "# Intro\n\nHello.",
        "contentType": "markdown",
        "createdAt": got["createdAt"],
        "versionDate": got["versionDate"],
        "description": "About",
        "editor": "markdown",
        "isPrivate": False,
        "isPublished": True,
        "locale": "en",
        "pageId": page.legacy_id,
        "path": "docs/intro",
        "publishEndDate": "",
        "publishStartDate": "",
        "tags": ["alpha", "beta"],
        "title": "V1",
        "versionId": oldest.legacy_id,
    }, r.body
    other = _edited("docs/other")
    foreign = PageHistory.objects.filter(page_id=other.pk).first()
    r = v2_admin_key(VERSION, {"pageId": page.legacy_id, "versionId": foreign.legacy_id})
    assert r.data == {"pages": {"version": None}}
    assert "errors" not in r.body
    assert code(v2_admin_key(VERSION, {"pageId": 999999, "versionId": 1})) == 6003


# --- tags and searchTags -----------------------------------------------------------------------


def test_pyclient_tags_of_readable_pages(v2_admin_key, v2_for, group_with):
    make_page("docs/one", tags=("beta", "alpha"))
    make_page("docs/two", tags=("alpha",))
    make_page("secret/plan", tags=("hidden",))
    r = v2_admin_key(TAGS)
    got = r.data["pages"]["tags"]
    assert [t["tag"] for t in got] == ["alpha", "beta", "hidden"]
    assert all(t["title"] == t["tag"] for t in got)
    assert all(isinstance(t["id"], int) and t["createdAt"].endswith("Z") for t in got)
    r = v2_for(docs_reader(group_with))(TAGS)
    assert [t["tag"] for t in r.data["pages"]["tags"]] == ["alpha", "beta"]


def test_search_tags(v2_admin_key, v2_for, group_with):
    make_page("docs/one", tags=("alpha", "alphabet", "beta", "al1", "al2", "al3"))
    make_page("secret/plan", tags=("alsecret",))
    r = v2_admin_key(SEARCH_TAGS, {"query": " AL "})
    assert r.data == {"pages": {"searchTags": ["al1", "al2", "al3", "alpha", "alphabet"]}}
    r = v2_for(docs_reader(group_with))(SEARCH_TAGS, {"query": "secret"})
    assert r.data == {"pages": {"searchTags": []}}


def test_tags_query_count_is_constant(v2_admin_key):
    make_page("docs/one", tags=("a1",))
    v2_admin_key(TAGS)
    with CaptureQueriesContext(connection) as one:
        v2_admin_key(TAGS)
    for n in range(6):
        make_page(f"docs/p{n}", tags=(f"t{n}", "shared"))
    with CaptureQueriesContext(connection) as many:
        assert len(v2_admin_key(TAGS).data["pages"]["tags"]) == 8
    assert len(many) == len(one)


# --- checkConflicts and conflictLatest ---------------------------------------------------------


def test_check_conflicts(v2_admin_key):
    page = make_page("docs/intro")
    before = (page.updated_at - timedelta(minutes=1)).isoformat()
    after = (timezone.now() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert v2_admin_key(CHECK, {"id": page.legacy_id, "checkoutDate": before}).data == {
        "pages": {"checkConflicts": True}
    }
    assert v2_admin_key(CHECK, {"id": page.legacy_id, "checkoutDate": after}).data == {
        "pages": {"checkConflicts": False}
    }


def test_check_conflicts_errors(v2_admin_key, v2_for, group_with):
    page = make_page("secret/plan")
    r = v2_admin_key(CHECK, {"id": page.legacy_id, "checkoutDate": "yesterday"})
    assert code(r) == 1012
    assert r.data == {"pages": None}  # Boolean!: the null reaches the namespace field
    assert code(v2_admin_key(CHECK, {"id": 999999, "checkoutDate": "2024-01-01"})) == 6003
    writer = docs_reader(group_with, scopes.WRITE_PAGES)
    r = v2_for(writer)(CHECK, {"id": page.legacy_id, "checkoutDate": "2024-01-01"})
    assert code(r) == 6009
    assert only_error(r)["message"] == "You are not authorized to update this page."
    r = v2_for(UserFactory())(CHECK, {"id": page.legacy_id, "checkoutDate": "2024-01-01"})
    assert only_error(r)["message"] == "Forbidden"


def test_conflict_latest(v2_admin_key, v2_for, group_with, admin):
    page = make_page("docs/intro", tags=("beta", "alpha"))
    r = v2_admin_key(LATEST, {"id": page.legacy_id})
    got = r.data["pages"]["conflictLatest"]
    assert got["id"] == page.legacy_id
    assert got["authorId"] == str(admin.legacy_id)
    assert got["content"] == "# Intro\n\nHello."
    assert got["tags"] == ["beta", "alpha"]
    assert got["isPublished"] is True
    secret = make_page("secret/plan")
    writer = docs_reader(group_with, scopes.WRITE_PAGES)
    r = v2_for(writer)(LATEST, {"id": secret.legacy_id})
    assert code(r) == 6013
    assert code(v2_admin_key(LATEST, {"id": 999999})) == 6003


# --- the gate of each operation ----------------------------------------------------------------

OPERATIONS = {
    "search": (MCP_SEARCH, {"query": "x"}, scopes.READ_PAGES),
    "tree": (TREE, {"mode": "ALL", "locale": "en"}, scopes.READ_PAGES),
    "links": (LINKS, {"locale": "en"}, scopes.READ_PAGES),
    "tags": (TAGS, None, scopes.READ_PAGES),
    "searchTags": (SEARCH_TAGS, {"query": "a"}, scopes.READ_PAGES),
    "history": (HISTORY, {"id": 0}, scopes.READ_HISTORY),
    "version": (VERSION, {"pageId": 0, "versionId": 0}, scopes.READ_HISTORY),
    "checkConflicts": (CHECK, {"id": 0, "checkoutDate": "2024-01-01"}, scopes.WRITE_PAGES),
    "conflictLatest": (LATEST, {"id": 0}, scopes.MANAGE_PAGES),
}
REFUSED_KINDS = ("guest", "user", "key_without")


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("kind", ["guest", "user", "key_without", "user_with", "key_with", "admin"])
def test_gate_matrix(operation, kind, admin, v2_anonymous, v2_for, v2_key_for, group_with):
    query, variables, scope = OPERATIONS[operation]
    reads_nothing(2, 3)
    none = group_with("read:comments", rules=[rule(roles=("read:comments",))])
    granting = group_with(scope, rules=[rule(roles=(scope,))])
    client = {
        "guest": lambda: v2_anonymous,
        "user": lambda: v2_for(UserFactory(groups=[none])),
        "key_without": lambda: v2_key_for(none),
        "user_with": lambda: v2_for(UserFactory(groups=[granting])),
        "key_with": lambda: v2_key_for(granting),
        "admin": lambda: v2_for(admin),
    }[kind]()
    r = client(query, variables)
    assert r.status == 200, r.body
    messages = [e["message"] for e in r.errors]
    if kind in REFUSED_KINDS:
        assert messages == ["Forbidden"], r.body
        assert r.errors[0]["path"] == ["pages", operation]
    else:
        # Past the gate: an answer, or the operation's own "not found" for id 0.
        assert "Forbidden" not in messages, r.body
