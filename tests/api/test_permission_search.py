"""Permissions of pageByPath, pathFromAlias, searchPages and tags per caller kind (API.md §3.5)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import scopes
from tests.factories import PageFactory, default_site, rule

from .permission_support import KINDS, REFUSED, assert_query_refused, snapshot

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
# Reads everywhere but below team, writes below docs: what the granting group holds.
RULES = [rule(roles=[READ]), rule("DENY", "START", "team"), rule(path="docs", roles=[WRITE])]
BY_PATH = "query ($s: UUID!, $p: String!) { pageByPath(siteId: $s, path: $p) { path } }"
ALIAS = "query ($s: UUID!, $a: String!) { pathFromAlias(siteId: $s, alias: $a) { path } }"
SEARCH = """query ($s: UUID!) { searchPages(siteId: $s, query: "needle", orderBy: title,
  orderByDirection: asc) { results { path } totalHits } }"""
TAGS = "query ($s: UUID!) { tags(siteId: $s) { tag usageCount } }"
DAY = timedelta(days=1)


@pytest.fixture
def wiki(admin):
    now = timezone.now()

    def page(path, state="published", **fields):
        return PageFactory(
            path=path, publish_state=state, author=admin, search_content="needle", **fields
        )

    page("docs/intro", alias="intro")
    page("docs/draft", "draft", alias="draft")
    page("team/payroll", alias="payroll")
    page("news/now", "scheduled", publish_start_date=now - DAY, publish_end_date=now + DAY)
    page("news/later", "scheduled", publish_start_date=now + DAY, publish_end_date=now + 2 * DAY)
    return str(default_site().pk)


# Which kinds read what: the group's rules for user_with / key_with; Users' rules for the
# plain user and the limited key (read everywhere); everything for the administrator.
DRAFT_READERS = {"user_with", "key_with", "admin"}
PAYROLL_READERS = {"user", "key_without", "admin"}


@pytest.mark.parametrize("kind", KINDS)
def test_page_by_path(kind, as_caller, wiki):
    client = as_caller(kind, rules=RULES)
    before = snapshot()
    for path, readers in [("docs/draft", DRAFT_READERS), ("en/team/payroll", PAYROLL_READERS)]:
        r = client(BY_PATH, {"s": wiki, "p": path})
        if kind in readers:
            assert r.errors == [], r.body
            assert r.data["pageByPath"]["path"] == path.removeprefix("en/")
        else:
            key = REFUSED.get(kind, "ERR_FORBIDDEN")
            assert_query_refused(r, "pageByPath", key)
    assert snapshot() == before


@pytest.mark.parametrize("kind", KINDS)
def test_path_from_alias(kind, as_caller, wiki):
    client = as_caller(kind, rules=RULES)
    # No publish visibility: whoever may read the path gets it, draft or not.
    readers = {"user", "user_with", "key_without", "key_with", "admin"}
    for alias, path, allowed in [
        ("draft", "docs/draft", readers),
        ("payroll", "team/payroll", PAYROLL_READERS),
    ]:
        r = client(ALIAS, {"s": wiki, "a": alias})
        if kind in allowed:
            assert r.data == {"pathFromAlias": {"path": path}}, r.body
        else:
            assert_query_refused(r, "pathFromAlias", REFUSED.get(kind, "ERR_FORBIDDEN"))


EXPECTED_SEARCH = {
    "guest": [],
    "user": ["docs/intro", "news/now", "team/payroll"],
    "user_with": ["docs/intro", "news/now"],
    "key_without": ["docs/intro", "news/now", "team/payroll"],
    "key_with": ["docs/intro", "news/now"],
    "admin": ["docs/intro", "news/now", "team/payroll"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_search_pages(kind, as_caller, wiki):
    r = as_caller(kind, rules=RULES)(SEARCH, {"s": wiki})
    assert r.errors == [], r.body
    paths = [hit["path"] for hit in r.data["searchPages"]["results"]]
    # Drafts and pages outside their window are never searched, not even by their editors.
    assert sorted(paths) == EXPECTED_SEARCH[kind]
    assert r.data["searchPages"]["totalHits"] == len(EXPECTED_SEARCH[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_tags_need_no_permission(kind, as_caller, wiki):
    r = as_caller(kind, rules=RULES)(TAGS, {"s": wiki})
    assert (r.status, r.errors, r.data) == (200, [], {"tags": []})
