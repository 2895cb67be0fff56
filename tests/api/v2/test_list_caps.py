"""Lists that Wiki.js 2 leaves unbounded stop at the server's list cap on /graphql, as on
/_graphql (``GRAPHQL_MAX_LIST_ITEMS``): one answer stays bounded however large the wiki."""

from __future__ import annotations

import pytest

from pages import edits
from tests.api.page_edit_support import make_page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CAP = 3


@pytest.fixture
def small_cap(settings):
    settings.GRAPHQL_MAX_LIST_ITEMS = CAP


@pytest.fixture
def five_pages(admin):
    return [make_page(f"docs/page-{n}", content=f"[next](/docs/page-{n + 1})") for n in range(5)]


def data(r, *path):
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    value = r.data
    for key in path:
        value = value[key]
    return value


@pytest.mark.parametrize("limit", ["", "(limit: 0)", "(limit: 10)"])
def test_pages_list_stops_at_the_cap(small_cap, five_pages, v2_admin_key, limit):
    listed = data(v2_admin_key(f"{{ pages {{ list{limit} {{ id }} }} }}"), "pages", "list")
    assert len(listed) == CAP


def test_pages_list_below_the_cap_is_the_client_limit(small_cap, five_pages, v2_admin_key):
    assert len(data(v2_admin_key("{ pages { list(limit: 2) { id } } }"), "pages", "list")) == 2


def test_links_stop_at_the_cap(small_cap, five_pages, v2_admin_key):
    listed = data(v2_admin_key('{ pages { links(locale: "en") { id links } } }'), "pages", "links")
    assert len(listed) == CAP


def test_tree_stops_at_the_cap(small_cap, five_pages, v2_admin_key):
    query = '{ pages { tree(path: "docs/page-0", mode: ALL, locale: "en") { id path } } }'
    assert len(data(v2_admin_key(query), "pages", "tree")) == CAP


def test_history_page_size_stops_at_the_cap(small_cap, five_pages, v2_admin_key):
    page = five_pages[0]
    for n in range(5):
        edits.update_page(None, page.pk, edits.PagePatch(content=f"version {n}"))
    query = "{ pages { history(id: %d, offsetSize: 50) { total trail { versionId } } } }"
    found = data(v2_admin_key(query % page.legacy_id), "pages", "history")
    assert found["total"] > CAP
    assert len(found["trail"]) == CAP


def test_users_list_stops_at_the_cap(small_cap, v2_admin_key):
    UserFactory.create_batch(5)
    assert len(data(v2_admin_key("{ users { list { id } } }"), "users", "list")) == CAP
