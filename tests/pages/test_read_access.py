"""Who reads what in a browser: the same rules, the same answers as the API (API.md §3.4, §3.5).

A guest, a reader (a group reading one subtree, with a denied folder and a force-allowed page
inside it), a writer (writing that subtree; a denied subtree with a force-allowed page) and an
administrator open every address; the last test walks the API with the same people and
requires exactly the same pages readable, forbidden and missing, and the same actions offered.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import scopes
from accounts.models import GUESTS_GROUP_ID
from pages.browser import page_url
from pages.models import Page
from tests.factories import GroupFactory, UserFactory, default_site, rule

from .read_support import (
    browser,
    close_users_group,
    csrf_token_of,
    element,
    graphql,
    links_in,
    make_page,
    set_rules,
    text,
)

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
HISTORY, SOURCE = scopes.READ_HISTORY, scopes.READ_SOURCE
PEOPLE = ("guest", "reader", "writer", "admin")
DAY = timedelta(days=1)

ADDRESSES = {
    "/": "home",
    "/public/news": "public/news",
    "/docs/guide": "docs/guide",
    "/docs/secret/plan": "docs/secret/plan",
    "/docs/secret/open": "docs/secret/open",
    "/docs/draft": "docs/draft",
    "/docs/window": "docs/window",
    "/docs/expired": "docs/expired",
    "/team/notes": "team/notes",
    "/team/payroll": "team/payroll",
    "/fr/docs/guide": "fr/docs/guide",
    "/docs/missing": "docs/missing",
    "/elsewhere": "elsewhere",
}
# R: readable, F: forbidden, N: not found.
EXPECTED = {
    "guest": "RRFFFFFFFFFNN",
    "reader": "FFRFRFRFFFRNN",
    "writer": "FFRRRRRRRFRNN",
    "admin": "RRRRRRRRRRRNN",
}


@pytest.fixture
def people(admin):
    """The pages and the four people of these tests."""
    now = timezone.now()
    make_page("home", title="Home")
    make_page("public/news", title="News", tags=["open"])
    make_page("docs/guide", title="Guide", tags=["open", "docs"])
    make_page("docs/secret/plan", title="Plan", tags=["docs"])
    make_page("docs/secret/open", title="Open secret", tags=["docs"])
    make_page("docs/draft", title="Draft", publish_state="draft", tags=["docs"])
    make_page(
        "docs/window",
        title="Window",
        publish_state="scheduled",
        publish_start_date=now - DAY,
        publish_end_date=now + DAY,
    )
    make_page(
        "docs/expired",
        title="Expired",
        publish_state="scheduled",
        publish_start_date=now - 2 * DAY,
        publish_end_date=now - DAY,
    )
    make_page("team/notes", title="Notes", tags=["docs"])
    make_page("team/payroll", title="Payroll")
    make_page("docs/guide", locale="fr", title="Guide FR")

    close_users_group()
    set_rules(
        GUESTS_GROUP_ID,
        [rule(match="EXACT", path="home", roles=[READ]), rule(path="public", roles=[READ])],
    )
    readers = GroupFactory(
        name="Readers",
        rules=[
            rule(path="docs", roles=[READ]),
            rule(mode="DENY", path="docs/secret", roles=[READ]),
            rule(mode="FORCEALLOW", match="EXACT", path="docs/secret/open", roles=[READ]),
        ],
    )
    writers = GroupFactory(
        name="Writers",
        rules=[
            rule(path="docs", roles=[READ, WRITE, HISTORY]),
            rule(path="team", roles=[SOURCE]),
            rule(mode="DENY", path="team", roles=[READ]),
            rule(mode="FORCEALLOW", path="team/notes", roles=[READ]),
        ],
    )
    return {
        "guest": None,
        "reader": UserFactory(name="Reader", groups=[readers]),
        "writer": UserFactory(name="Writer", groups=[writers]),
        "admin": admin,
    }


def outcome(response, *, redirects_to_page: bool = False) -> str:
    """R, F or N as the browser answers (``/i/``: R is a redirect to the page)."""
    if response.status_code == (302 if redirects_to_page else 200):
        if not redirects_to_page or not response["Location"].startswith("/login"):
            return "R"
    if response.status_code == 404:
        return "N"
    if response.status_code == 403:
        return "F"
    if response.status_code == 302 and response["Location"].startswith("/login?next="):
        return "F"
    raise AssertionError(f"unexpected answer {response.status_code}")


@pytest.mark.parametrize("who", PEOPLE)
def test_each_person_reads_exactly_what_the_rules_allow(people, who):
    http = browser(people[who])

    seen = "".join(outcome(http.get(address)) for address in ADDRESSES)

    assert seen == EXPECTED[who]


@pytest.mark.parametrize("who", PEOPLE)
def test_refusals_are_a_sign_in_for_a_guest_and_a_403_page_for_anyone_else(people, who):
    response = browser(people[who]).get("/team/payroll")

    if who == "admin":
        assert response.status_code == 200
    elif who == "guest":
        assert response.status_code == 302
        assert response["Location"] == "/login?next=%2Fteam%2Fpayroll"
    else:
        assert response.status_code == 403
        assert "Payroll" not in text(response)
        assert "You may not open this page" in text(response)


def test_an_unpublished_page_says_so_to_those_who_may_see_it(people):
    for address in ("/docs/draft", "/docs/expired"):
        response = browser(people["writer"]).get(address)
        assert response.status_code == 200
        assert "Not published" in text(response)
    assert "Not published" not in text(browser(people["writer"]).get("/docs/window"))


def test_the_404_page_offers_creation_only_where_the_person_may_write(people):
    assert links_in(element(browser(people["writer"]).get("/docs/missing"), "create-page")) == [
        "/e/en/docs/missing"
    ]
    assert element(browser(people["writer"]).get("/elsewhere"), "create-page") is None
    assert element(browser(people["reader"]).get("/docs/missing"), "create-page") is None
    assert element(browser().get("/docs/missing"), "create-page") is None


# --- The same people through the API and through the browser ---------------------------------
PAGE_BY_PATH = """query ($siteId: UUID!, $path: String!) {
  pageByPath(siteId: $siteId, path: $path) { id title render } }"""
PAGE_BY_ID = "query ($id: UUID!) { pageById(id: $id) { id locale path } }"
ROLES_AT = (
    "query ($siteId: UUID!, $path: String!) { userPermissionsAtPath(siteId: $siteId, path: $path) }"
)
TAGGED = """query ($siteId: UUID!, $tag: String!) {
  pages(siteId: $siteId, tags: [$tag], orderBy: TITLE) { title } }"""
API_OUTCOME = {
    "ERR_PAGE_NOT_FOUND": "N",
    "ERR_FORBIDDEN": "F",
    "ERR_NOT_AUTHENTICATED": "F",
}


def api_outcome(body: dict, field: str) -> str:
    if body["data"][field] is not None:
        return "R"
    return API_OUTCOME[body["errors"][0]["message"]]


def offered(response) -> set[str]:
    names = ("action-edit", "action-history", "action-source", "create-page")
    return {name for name in names if element(response, name) is not None}


def allowed_actions(roles: list[str], found: bool) -> set[str]:
    """The links the API's answer says this person should be offered."""
    if not found:
        return {"create-page"} if WRITE in roles else set()
    actions = set()
    if WRITE in roles:
        actions.add("action-edit")
    if HISTORY in roles:
        actions.add("action-history")
    if any(scope in roles for scope in scopes.PAGE_SOURCE_ANY):
        actions.add("action-source")
    return actions


@pytest.mark.parametrize("who", PEOPLE)
def test_the_browser_and_the_api_agree_page_by_page(people, who):
    site_id = str(default_site().pk)
    http = browser(people[who])
    # The API through the same person's session: the jwt cookie, with the CSRF token it needs.
    csrf = csrf_token_of(http) if people[who] is not None else None
    via_api, via_browser = [], []
    for address, path in ADDRESSES.items():
        variables = {"siteId": site_id, "path": path}
        api = graphql(http, PAGE_BY_PATH, variables, csrf)
        roles = graphql(http, ROLES_AT, variables, csrf)["data"]["userPermissionsAtPath"]
        page = http.get(address)
        via_api.append(api_outcome(api, "pageByPath"))
        via_browser.append(outcome(page))
        if page.status_code == 200:
            found = api["data"]["pageByPath"]
            assert found["title"] in element(page, "page-title")
            assert f'<div id="page-content" class="page-content">{found["render"]}</div>' in text(
                page
            )
        if page.status_code in (200, 404):
            assert offered(page) == allowed_actions(roles, page.status_code == 200), address

    assert "".join(via_browser) == "".join(via_api) == EXPECTED[who]


@pytest.mark.parametrize("who", PEOPLE)
def test_by_id_and_by_tag_agree_with_the_api(people, who):
    site_id = str(default_site().pk)
    http = browser(people[who])
    csrf = csrf_token_of(http) if people[who] is not None else None
    for page in Page.objects.all():
        api = graphql(http, PAGE_BY_ID, {"id": str(page.pk)}, csrf)
        response = http.get(f"/i/{page.pk}")
        if api["data"]["pageById"] is not None:
            assert response.status_code == 302
            assert response["Location"] == page_url(page.site, page.locale, page.path)
        else:
            assert outcome(response, redirects_to_page=True) == api_outcome(api, "pageById")
        legacy = http.get(f"/i/{page.legacy_id}")
        assert outcome(legacy, redirects_to_page=True) == outcome(response, redirects_to_page=True)
        if api["data"]["pageById"] is not None:
            assert legacy["Location"] == response["Location"]
    for tag in ("open", "docs", "none"):
        api = graphql(http, TAGGED, {"siteId": site_id, "tag": tag}, csrf)
        listed = element(http.get(f"/t/{tag}"), "tagged-pages") or ""
        titles = [item["title"] for item in api["data"]["pages"]]
        assert re.findall(r'<a href="[^"]*" lang="\w+">([^<]*)</a>', listed) == titles
