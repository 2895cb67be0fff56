"""The search page, ``/_search``, over HTTP as a browser calls it: the same results as the API's
``searchPages`` for the same person, inert payloads, clear refusals, and a bounded SQL cost."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import SafeString

from accounts import tokens
from accounts.models import GUESTS_GROUP_ID, Group
from accounts.services import make_administrator
from pages.search_views import MAX_QUERY_CHARS, MAX_VALUES, PAGE_SIZE, verified_highlight
from pages.services import attach_tags
from tests.accounts.signin_page_support import signed_in_client
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory, PageFactory, UserFactory, default_site, rule
from wiki.models import Site

pytestmark = pytest.mark.django_db

SEARCH_API = """
query Search($siteId: UUID!, $query: String!, $path: String, $locale: [String],
             $tags: [String], $orderBy: PageSearchSort, $orderByDirection: OrderByDirection,
             $limit: Int) {
  searchPages(siteId: $siteId, query: $query, path: $path, locale: $locale, tags: $tags,
              orderBy: $orderBy, orderByDirection: $orderByDirection, limit: $limit) {
    results { title locale path highlight }
    totalHits
  }
}
"""


class Markup(HTMLParser):
    """Every start tag of a page with its attributes, and the search results' links."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.results: list[tuple[str, str]] = []  # (href, title)
        self._link: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "a" and "search-result-link" in (attributes.get("class") or ""):
            self._link = {"href": attributes["href"], "text": ""}

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.results.append((self._link["href"], self._link["text"]))
            self._link = None


def page(title: str, text: str = "", **fields):
    tags = fields.pop("tags", [])
    created = PageFactory(title=title, search_content=text, tags=tags, **fields)
    attach_tags(created, tags)
    return created


def get(client: Client, **params):
    return client.get("/_search", params)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [title for _href, title in Markup(response.content.decode()).results]


def allow_guests(*rules):
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = list(rules)
    guests.save()


# --- What the page shows ----------------------------------------------------------------------
def test_without_a_query_the_page_is_a_form_and_searches_nothing(client):
    page("Anything", "needle")
    with CaptureQueriesContext(connection) as queries:
        response = get(client)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="search-form"' in body
    assert 'id="search-results"' not in body
    assert "search-summary" not in body
    assert not any("pages_page" in q["sql"] for q in queries.captured_queries)


def test_results_link_to_the_pages_addresses_with_description_excerpt_and_tags(client):
    allow_guests(rule())
    page("Intro", "the needle is here", path="docs/intro", description="Start here", tags=["a"])
    page("Einführung", "needle auf deutsch", path="docs/intro", locale="de")

    response = get(client, q="needle", sort="title")
    markup = Markup(response.content.decode())

    assert sorted(markup.results) == [("/de/docs/intro", "Einführung"), ("/docs/intro", "Intro")]
    body = response.content.decode()
    assert '<p class="search-result-description">Start here</p>' in body
    assert "<b>needle</b>" in body.lower()
    assert '<a href="/t/a">a</a>' in body
    assert "2 pages found" in body


def test_guests_and_people_find_exactly_what_the_api_gives_them(client, admin):
    """One walk through both doors, with rules that allow, deny and force-allow subtrees."""
    allow_guests(rule(path="docs"), rule(mode="DENY", path="docs/team"))
    page("Docs intro", "needle", path="docs/intro", tags=["guide"])
    page("Docs team", "needle", path="docs/team/plan")
    page("Docs team open", "needle", path="docs/team/open")
    page("Private notes", "needle", path="private/notes", tags=["guide"])
    page("Tagged secret", "needle", path="docs/secret", tags=["secret"])
    page("Draft", "needle", path="docs/draft", publish_state="draft")
    page("Unsearchable", "needle", path="docs/hidden", is_searchable=False)
    page("Deutsch", "needle", path="docs/de-page", locale="de")
    reader = UserFactory(
        groups=[
            GroupFactory(
                rules=[
                    rule(path="docs"),
                    rule(mode="DENY", path="docs/team"),
                    rule(mode="FORCEALLOW", match="EXACT", path="docs/team/open"),
                    rule(mode="DENY", match="TAG", path="secret"),
                    rule(roles=("read:pages", "write:pages"), path="docs"),
                ]
            )
        ]
    )
    make_administrator(admin)
    people = {
        "guest": (client, GraphQLClient()),
        "reader": (signed_in_client(reader), GraphQLClient(tokens.issue_session_token(reader))),
        "admin": (signed_in_client(admin), GraphQLClient(tokens.issue_session_token(admin))),
    }
    searches = [
        ({"q": "needle"}, {"query": "needle"}),
        ({"q": "needle", "tag": "guide"}, {"query": "needle", "tags": ["guide"]}),
        ({"q": "needle", "path": "docs/team"}, {"query": "needle", "path": "docs/team"}),
        ({"q": "needle", "locale": "de"}, {"query": "needle", "locale": ["de"]}),
        ({"path": "docs"}, {"query": "", "path": "docs"}),
    ]
    seen = {}
    for who, (browser, api) in people.items():
        for params, arguments in searches:
            answer = api(
                SEARCH_API,
                {
                    "siteId": str(default_site().pk),
                    "orderBy": "title",
                    "orderByDirection": "asc",
                    **arguments,
                },
            )
            assert answer.errors == [], answer.body
            expected = [hit["title"] for hit in answer.data["searchPages"]["results"]]
            found = titles(get(browser, sort="title", **params))
            assert found == expected, (who, params)
            seen[who, params.get("tag"), params.get("path"), params.get("locale")] = found
    assert seen["guest", None, None, None] == ["Deutsch", "Docs intro", "Tagged secret"]
    # The Users group reads everywhere; the reader's own group denies docs/team (more specific)
    # but force-allows one page in it, and denies the "secret" tag.
    assert seen["reader", None, None, None] == [
        "Deutsch",
        "Docs intro",
        "Docs team open",
        "Private notes",
    ]
    assert "Private notes" in seen["admin", None, None, None]
    assert "Draft" not in seen["admin", None, None, None]


def test_search_is_per_site_by_host(client):
    allow_guests(rule())
    other = Site.objects.create(hostname="wiki.example.com", config={"title": "Other"})
    page("Here", "needle")
    page("There", "needle", site=other)

    assert titles(get(client, q="needle")) == ["Here"]
    assert titles(client.get("/_search", {"q": "needle"}, HTTP_HOST="wiki.example.com")) == [
        "There"
    ]


def test_pages_of_results(client):
    allow_guests(rule())
    for n in range(PAGE_SIZE + 5):
        page(f"Page {n:02d}", "needle")

    first = get(client, q="needle", sort="title")
    assert titles(first) == [f"Page {n:02d}" for n in range(PAGE_SIZE)]
    body = first.content.decode()
    assert 'href="?q=needle&amp;sort=title&amp;page=2" rel="next"' in body
    assert 'rel="prev"' not in body

    second = get(client, q="needle", sort="title", page="2")
    assert titles(second) == [f"Page {n:02d}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert '<ol id="search-results" class="search-results" start="26">' in second.content.decode()
    assert 'href="?q=needle&amp;sort=title" rel="prev"' in second.content.decode()

    beyond = get(client, q="needle", page="9")
    assert titles(beyond) == []
    assert "none on this result page" in beyond.content.decode()
    assert 'href="?q=needle&amp;page=2" rel="prev"' in beyond.content.decode()


@pytest.mark.parametrize("number", ["abc", "-3", "0", "1e9", " ", "99999999999999999999999", "²"])
def test_odd_page_numbers_read_as_the_first_page(client, number):
    allow_guests(rule())
    page("Only", "needle")
    assert titles(get(client, q="needle", page=number)) == ["Only"]


def test_a_huge_page_number_finds_nothing_without_an_error(client):
    allow_guests(rule())
    page("Only", "needle")
    response = get(client, q="needle", page="999999")
    assert titles(response) == []


# --- Refusals: clear, HTTP 400, never a 500 ---------------------------------------------------
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "a\x00b"}, "NUL characters (\\u0000) are not allowed."),
        ({"q": "x", "tag": "a\x00"}, "NUL characters (\\u0000) are not allowed."),
        ({"q": "x" * (MAX_QUERY_CHARS + 1)}, "The search text is too long"),
        ({"q": "word " * 20_000}, "The search text is too long"),
        ({"q": " ".join(f"w{n}" for n in range(21))}, "The search has too many words (21)"),
        ({"q": "x", "path": "p" * 300}, "The path filter is too long"),
        ({"q": "x", "tag": ",".join(f"t{n}" for n in range(MAX_VALUES + 1))}, "Too many tags"),
        ({"q": "x", "locale": [f"l{n}" for n in range(MAX_VALUES + 1)]}, "Too many locales"),
        ({"q": "x", "tag": "t" * 300}, "One of the tags is too long"),
    ],
)
def test_what_the_page_will_not_search_is_refused_clearly(client, params, message):
    response = get(client, **params)
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(r'<p class="problem" role="alert" id="search-error">([^<]*)</p>', body)
    assert error, body
    assert html.unescape(error.group(1)).startswith(message)
    assert 'id="search-form"' in body


def test_the_longest_allowed_query_is_searched(client):
    allow_guests(rule())
    page("Only", "needle")
    query = "needle " + "x" * (MAX_QUERY_CHARS - 7)
    response = get(client, q=query)
    assert response.status_code == 200
    assert "No pages found" in response.content.decode()


def test_only_get_and_head(client):
    assert client.post("/_search", {"q": "x"}).status_code == 405
    assert client.head("/_search?q=x").status_code == 200


# --- XSS: every payload inert ------------------------------------------------------------------
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "<svg onload=alert(3)>",
    "javascript:alert(4)",
    "</b><script>alert(5)</script><b>",
    "&lt;script&gt;alert(6)&lt;/script&gt;",
    "\ue000<script>alert(7)</script>\ue001",
]


def assert_inert(response) -> None:
    """No element, attribute or address a payload could have brought in."""
    markup = Markup(response.content.decode())
    for tag, attributes in markup.tags:
        assert tag not in {"script", "img", "svg", "iframe", "object", "embed"}, (tag, attributes)
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, attributes)
            if name in {"href", "src", "action", "formaction"}:
                assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)
    excerpts = re.findall(
        r'<p class="search-result-excerpt">(.*?)</p>', response.content.decode(), re.DOTALL
    )
    for excerpt in excerpts:
        assert re.findall(r"<[^>]*>", excerpt) == ["<b>", "</b>"] * excerpt.count("<b>")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_queries_titles_descriptions_tags_and_text_are_inert(client, payload):
    allow_guests(rule())
    created = page(
        f"needle {payload}",
        f"needle {payload} needle",
        description=f"needle {payload}",
        path="docs/payload",
    )
    # Stored as they came, past the tag rules, as a bad import could leave them.
    created.tags = [payload, "needle"]
    created.save()

    for params in ({"q": "needle"}, {"q": f"needle {payload}"}, {"q": payload}, {"path": "docs"}):
        for extra in ({}, {"tag": payload}, {"path": payload}):
            response = get(client, **{**params, **extra})
            assert response.status_code in (200, 400)
            assert_inert(response)

    body = get(client, q="needle").content.decode()
    assert html.escape(payload, quote=False) in body or html.escape(payload) in body
    assert "<b>needle</b>" in body.lower()


def test_the_query_comes_back_escaped_in_the_boxes_and_the_title(client):
    payload = '"><script>alert(1)</script>'
    body = get(client, q=payload).content.decode()
    assert "<script>" not in body
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    assert "<title>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Search" in body


@pytest.mark.parametrize(
    "highlight",
    [
        "a <b>needle</b> &amp; &lt;b&gt; b",
        "<b>one</b> … <b>two</b>",
        "plain text, nothing marked",
    ],
)
def test_a_highlight_as_the_service_makes_it_is_html(highlight):
    assert isinstance(verified_highlight(highlight), SafeString)


@pytest.mark.parametrize(
    "highlight",
    [
        "<b>open",
        "close</b>",
        "<b><b>nested</b></b>",
        "<i>other</i>",
        "<script>alert(1)</script>",
        "<b onclick=x>y</b>",
        "a & b",
        "&#106;avascript",
        "x > y",
    ],
)
def test_anything_else_is_shown_as_text(highlight):
    verified = verified_highlight(highlight)
    assert verified == highlight
    assert not isinstance(verified, SafeString)


def test_no_highlight_is_none():
    assert verified_highlight(None) is None
    assert verified_highlight("") is None


# --- Cost: the same queries for 1 and many results --------------------------------------------
@pytest.mark.parametrize("who", ["guest", "reader"])
@pytest.mark.parametrize("params", [{"q": "needle"}, {"path": "listed"}])
def test_query_count_does_not_grow_with_the_results(client, who, params):
    listing = [rule(path="listed"), rule(mode="DENY", match="EXACT", path="listed/hidden")]
    listing.append(rule(match="REGEX", path="^listed/p[0-9]+$"))
    if who == "guest":
        allow_guests(*listing)
        browser = client
    else:
        browser = signed_in_client(UserFactory(groups=[GroupFactory(rules=listing)]))
    page("Hidden", "needle", path="listed/hidden")
    page("P0", "needle", path="listed/p0", tags=["listed"])
    get(browser, **params)  # caches warm (site, permission policy)
    with CaptureQueriesContext(connection) as small:
        assert titles(get(browser, **params)) == ["P0"]
    for n in range(1, PAGE_SIZE + 5):
        page(f"P{n}", "needle", path=f"listed/p{n}", tags=["listed", f"t{n}"])
    get(browser, **params)
    with CaptureQueriesContext(connection) as large:
        assert len(titles(get(browser, **params))) == PAGE_SIZE
    assert len(large) == len(small), [q["sql"][:150] for q in large.captured_queries]
