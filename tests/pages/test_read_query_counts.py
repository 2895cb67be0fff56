"""The page view and the tag pages run a fixed number of SQL queries: the same for a short page
with nothing around it as for a long one with many tags, headings, neighbours and ancestors,
and the same for one tagged page as for many (STYLE.md §4)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from pages.models import Page
from tests.factories import GroupFactory, UserFactory, rule

from .read_support import browser, close_users_group, element, make_page, open_to_guests

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def every_view_rendered(settings):
    """What rendering costs: a kept view costs the caller's row alone (test_view_cache.py)."""
    settings.PAGE_VIEW_CACHE_BYTES = 0


READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
# What one page view may cost at most: the person with their access version (one row; the
# site comes from the process's table kept under that version, wiki.sites.SiteTable), the page
# with its editor's name, and the breadcrumbs with the sidebar (one listing); and, for a caller
# holding a REGEX rule, the distinct page paths once.
MOST_QUERIES = 4
# A guest: the guest's row, the page, the listing.
GUEST_QUERIES = 3
# The tag page: person, the page paths for a REGEX rule, the list.
MOST_TAG_QUERIES = 4


def queries_of(http, address: str) -> int:
    http.get(address)  # caches of the process (the guest's id, access policies) are warm
    with CaptureQueriesContext(connection) as captured:
        response = http.get(address)
    assert response.status_code == 200, address
    return len(captured.captured_queries)


def long_content(headings: int) -> str:
    return "\n\n".join(f"## Part {n}\n\n" + "Words and more words. " * 50 for n in range(headings))


@pytest.fixture
def visitors(admin):
    """A guest, a reader with a deny and a regex rule, and the administrator."""
    open_to_guests([rule(path="", roles=[READ])])
    close_users_group()
    reader = UserFactory(
        groups=[
            GroupFactory(
                rules=[
                    rule(roles=[READ]),
                    rule(mode="DENY", path="secret", roles=[READ]),
                    rule(match="REGEX", path="^area/", roles=[WRITE]),
                ]
            )
        ]
    )
    return {"guest": None, "reader": reader, "admin": admin}


@pytest.mark.parametrize("who", ["guest", "reader", "admin"])
def test_the_page_view_costs_the_same_whatever_the_page_and_its_surroundings(
    visitors, who, django_assert_num_queries
):
    make_page("area/one", content="Short.")
    small = queries_of(browser(visitors[who]), "/area/one")

    deep = "area/b/c/d/e/page"
    make_page(deep, content=long_content(40), tags=[f"tag-{n}" for n in range(30)])
    for ancestor in ("area/b", "area/b/c", "area/b/c/d"):
        make_page(ancestor)
    for n in range(12):
        make_page(f"area/b/c/d/e/sibling-{n}")
        make_page(f"area/b/c/d/e/folder-{n % 4}/child-{n}")
        make_page(f"area/b/c/d/e/page/child-{n}")
    http = browser(visitors[who])
    http.get(f"/{deep}")

    with django_assert_num_queries(small):
        response = http.get(f"/{deep}")

    assert small <= (GUEST_QUERIES if who == "guest" else MOST_QUERIES)
    # The page and its 12 children, 12 siblings, 4 folders with 3 pages each.
    assert element(response, "sidebar").count("<li>") == 1 + 12 + 12 + 4 + 12
    assert element(response, "page-tags").count("<li>") == 30
    assert element(response, "toc").count("<li>") == 40


def test_a_page_with_its_own_css_and_script_costs_no_more(visitors, django_assert_num_queries):
    make_page("area/plain")
    make_page("area/styled", script_css="p { margin: 0 }", script_js_load="void 0;")
    http = browser(visitors["reader"])
    plain = queries_of(http, "/area/plain")
    http.get("/area/styled")

    with django_assert_num_queries(plain):
        http.get("/area/styled")


@pytest.mark.parametrize("who", ["guest", "reader", "admin"])
def test_a_tag_page_costs_the_same_for_one_page_as_for_many(
    visitors, who, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("pages.read_views.TAG_PAGE_SIZE", 8)
    make_page("area/first", tags=["topic"])
    http = browser(visitors[who])
    one = queries_of(http, "/t/topic")

    for n in range(12):
        make_page(f"area/page-{n}", tags=["topic", f"extra-{n}"], description=f"Page {n}")
    http.get("/t/topic")

    with django_assert_num_queries(one):
        response = http.get("/t/topic")

    assert element(response, "tagged-pages").count("<li") == 8
    assert 'rel="next"' in response.content.decode()
    assert one <= MOST_TAG_QUERIES


@pytest.mark.parametrize("who", ["guest", "reader", "admin"])
def test_the_tag_list_costs_the_same_for_one_tag_as_for_many(
    visitors, who, django_assert_num_queries
):
    make_page("area/first", tags=["topic"])
    http = browser(visitors[who])
    one = queries_of(http, "/t")

    for n in range(10):
        make_page(f"area/page-{n}", tags=[f"tag-{n}", f"more-{n}"])
    http.get("/t")

    with django_assert_num_queries(one):
        response = http.get("/t")

    assert element(response, "tag-list").count("<li>") == 21
    assert Page.objects.count() == 11
