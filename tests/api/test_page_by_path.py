"""``pageByPath`` through /_graphql (API.md §4.1.2): lenient parsing, then pageById's checks."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import GUESTS_GROUP_ID, Group
from pages.lookup import ParsedPath, parse_path
from tests.factories import PageFactory, UserFactory, default_site, rule
from wiki.models import Site

from .permission_support import assert_query_refused

pytestmark = pytest.mark.django_db

BY_PATH = """
query PageByPath($siteId: UUID!, $path: String!, $password: String) {
  pageByPath(siteId: $siteId, path: $path, password: $password) { id locale path title }
}
"""
WITH_PEOPLE = """
query PageByPath($siteId: UUID!, $path: String!) {
  pageByPath(siteId: $siteId, path: $path) {
    id path author { id name } creator { id name email } tags
  }
}
"""
UNKNOWN = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def site_id() -> str:
    return str(default_site().pk)


def fetch(client, path, query=BY_PATH, site=None, **variables):
    return client(query, {"siteId": site or site_id(), "path": path, **variables})


def assert_found(response, page) -> None:
    assert response.status == 200, response.body
    assert response.body == {
        "data": {
            "pageByPath": {
                "id": str(page.pk),
                "locale": page.locale,
                "path": page.path,
                "title": page.title,
            }
        }
    }


def assert_refused(response, key: str) -> None:
    assert_query_refused(response, "pageByPath", key)


# --- Lenient parsing (never an error) ---------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ParsedPath(None, "home")),
        ("   ", ParsedPath(None, "home")),
        ("/", ParsedPath(None, "home")),
        ("docs/intro", ParsedPath(None, "docs/intro")),
        ("/docs/intro/", ParsedPath(None, "docs/intro")),
        ("  /Docs/Intro  ", ParsedPath(None, "docs/intro")),
        ("%2Fdocs%2Fintro", ParsedPath(None, "docs/intro")),
        ("docs%20guide", ParsedPath(None, "docs guide")),
        ("docs/%3Cscript%3E", ParsedPath(None, "docs/script")),
        ('do"c|s<>:*?/x', ParsedPath(None, "docs/x")),
        ("do\x00c\x1fs\x7f/x\x9f", ParsedPath(None, "docs/x")),
        ("docs\\intro", ParsedPath(None, "docsintro")),
        ("../../etc/passwd", ParsedPath(None, "etc/passwd")),
        ("docs/..../intro", ParsedPath(None, "docs/intro")),
        ("docs///intro", ParsedPath(None, "docs/intro")),
        # ``//`` is removed, as Wiki.js removes it, not read as a separator.
        ("docs//intro", ParsedPath(None, "docsintro")),
        ("_private/docs", ParsedPath(None, "docs")),
        ("_home", ParsedPath(None, "_home")),
        ("en", ParsedPath("en", "home")),
        ("/fr/", ParsedPath("fr", "home")),
        ("FR/Docs", ParsedPath("fr", "docs")),
        ("de-CH/handbuch", ParsedPath("de-ch", "handbuch")),
        ("_x/en/docs", ParsedPath("en", "docs")),
        ("eng/docs", ParsedPath(None, "eng/docs")),
        ("e/docs", ParsedPath(None, "e/docs")),
        # Any two-letter first segment is a locale, as the contract's pattern says.
        ("hr/payroll", ParsedPath("hr", "payroll")),
    ],
)
def test_parse_path(raw, expected):
    assert parse_path(raw) == expected


def test_lenient_paths_reach_the_page(admin_client):
    page = PageFactory(path="docs/intro", title="Intro")
    for raw in ["docs/intro", "/Docs/Intro/", "%2Fdocs%2FINTRO", "en/docs/intro", "_x/docs/intro"]:
        assert_found(fetch(admin_client, raw), page)


def test_empty_path_and_bare_locale_mean_home(admin_client):
    home = PageFactory(path="home", title="Home")
    french = PageFactory(path="home", locale="fr", title="Accueil")
    assert_found(fetch(admin_client, ""), home)
    assert_found(fetch(admin_client, "/"), home)
    assert_found(fetch(admin_client, "fr"), french)
    assert_found(fetch(admin_client, "/FR/"), french)


def test_locale_prefix_and_the_site_primary_locale(admin_client):
    english = PageFactory(path="docs", locale="en", title="Docs")
    german = PageFactory(path="docs", locale="de", title="Doku")
    assert_found(fetch(admin_client, "docs"), english)
    assert_found(fetch(admin_client, "de/docs"), german)
    site = default_site()
    site.config = {**site.config, "locales": {"primary": "de", "active": ["de", "en"]}}
    site.save()
    assert_found(fetch(admin_client, "docs"), german)
    assert_found(fetch(admin_client, "en/docs"), english)


def test_password_argument_is_accepted_and_ignored(user_client):
    page = PageFactory(path="secret", password="hashed")
    assert_found(fetch(user_client, "secret", password="wrong"), page)
    assert_found(fetch(user_client, "secret"), page)


# --- Checks in order: site, page exists, read:pages, publish visibility -----------------------
@pytest.mark.parametrize("who", ["anonymous", "user_client", "admin_client", "admin_key_client"])
def test_unknown_site_comes_first(request, who):
    PageFactory(path="docs")
    client = request.getfixturevalue(who)
    assert_refused(fetch(client, "docs", site=UNKNOWN), "ERR_INVALID_SITE")
    assert_refused(fetch(client, "nowhere", site=UNKNOWN), "ERR_INVALID_SITE")


@pytest.mark.parametrize("who", ["anonymous", "user_client", "admin_client", "admin_key_client"])
def test_missing_page_is_not_found_for_everyone(request, who):
    PageFactory(path="docs", locale="fr")
    client = request.getfixturevalue(who)
    assert_refused(fetch(client, "docs"), "ERR_PAGE_NOT_FOUND")
    assert_refused(fetch(client, "nowhere"), "ERR_PAGE_NOT_FOUND")


def test_page_of_another_site_is_not_found(admin_client):
    other = Site.objects.create(hostname="other.example", config=default_site().config)
    PageFactory(path="docs", site=other)
    assert_refused(fetch(admin_client, "docs"), "ERR_PAGE_NOT_FOUND")


def test_read_permission_decides(anonymous, user_client, client_for, make_user, group_with):
    page = PageFactory(path="team/payroll")
    assert_refused(fetch(anonymous, "team/payroll"), "ERR_NOT_AUTHENTICATED")
    assert_found(fetch(user_client, "team/payroll"), page)
    deny = group_with(rules=[rule(mode="DENY", path="team")])
    assert_refused(fetch(client_for(make_user(groups=[deny])), "team/payroll"), "ERR_FORBIDDEN")
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule()]
    guests.save()
    assert_found(fetch(anonymous, "team/payroll"), page)


@pytest.mark.parametrize(
    ("state", "start", "end", "published"),
    [
        ("published", None, None, True),
        ("draft", None, None, False),
        ("scheduled", -1, 1, True),
        ("scheduled", 1, 2, False),
    ],
)
def test_unpublished_pages_need_write_pages(user_client, client_with, state, start, end, published):
    now = timezone.now()
    page = PageFactory(
        path="plans",
        publish_state=state,
        publish_start_date=None if start is None else now + timedelta(hours=start),
        publish_end_date=None if end is None else now + timedelta(hours=end),
    )
    writer = client_with(rules=[rule(roles=("read:pages", "write:pages"))])
    assert_found(fetch(writer, "plans"), page)
    if published:
        assert_found(fetch(user_client, "plans"), page)
    else:
        assert_refused(fetch(user_client, "plans"), "ERR_FORBIDDEN")


def test_people_show_only_id_and_name_to_others(client_for):
    author, creator = UserFactory(name="Ann"), UserFactory(name="Cy")
    PageFactory(path="docs", author=author, creator=creator, owner=creator, tags=["a"])
    r = fetch(client_for(UserFactory()), "docs", WITH_PEOPLE)
    assert r.data["pageByPath"]["author"] == {"id": str(author.pk), "name": "Ann"}
    assert r.data["pageByPath"]["creator"] == {"id": str(creator.pk), "name": "Cy", "email": None}


# --- Cost --------------------------------------------------------------------------------------
def count_queries(client, path, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        r = fetch(client, path, query)
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    return len(captured)


@pytest.mark.parametrize("who", ["admin_client", "user_client", "admin_key_client"])
def test_query_count_is_fixed(request, who):
    client = request.getfixturevalue(who)
    PageFactory(path="small", tags=["t0"])
    PageFactory(path="large", author=UserFactory(), tags=[f"t{n}" for n in range(50)])
    client("{ __typename }")  # the caller's policy is read once, then cached
    bare = "query P($siteId: UUID!, $path: String!) { pageByPath(siteId: $siteId, path: $path) { id } }"
    plain = count_queries(client, "small", bare)
    # The site, then the page (with its people when selected, in the same query).
    assert plain == count_queries(client, "en/large", bare)
    assert count_queries(client, "small", WITH_PEOPLE) == plain
    assert count_queries(client, "large", WITH_PEOPLE) == plain
