"""``searchPages`` through /_graphql (API.md §4.1.2): checks, filters, order, permissions, cost."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import GUESTS_GROUP_ID, Group
from pages.services import attach_tags
from tests.factories import PageFactory, default_site, rule
from wiki.models import Site

from .permission_support import assert_query_refused

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)

SEARCH = """
query Search($siteId: UUID!, $query: String!, $queryLocale: String, $path: String,
             $locale: [String], $tags: [String], $editor: String,
             $publishState: PagePublishState, $orderBy: PageSearchSort,
             $orderByDirection: OrderByDirection, $offset: Int, $limit: Int) {
  searchPages(siteId: $siteId, query: $query, queryLocale: $queryLocale, path: $path,
              locale: $locale, tags: $tags, editor: $editor, publishState: $publishState,
              orderBy: $orderBy, orderByDirection: $orderByDirection, offset: $offset,
              limit: $limit) {
    results { id title description icon locale path tags updatedAt relevancy highlight }
    totalHits
  }
}
"""
UNKNOWN = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def search(client, query="", site=None, **arguments):
    variables = {"siteId": site or str(default_site().pk), "query": query, **arguments}
    return client(SEARCH, variables)


def found(response) -> list[str]:
    """Titles of the results, in order."""
    assert response.errors == [], response.body
    return [hit["title"] for hit in response.data["searchPages"]["results"]]


def total(response) -> int:
    return response.data["searchPages"]["totalHits"]


def page(title, text="", **fields):
    tags = fields.pop("tags", [])
    created = PageFactory(title=title, search_content=text, tags=tags, **fields)
    attach_tags(created, tags)
    return created


# --- Checks in order: site, offset, limit ------------------------------------------------------
@pytest.mark.parametrize("who", ["anonymous", "user_client", "admin_client"])
def test_unknown_site_comes_first(request, who):
    client = request.getfixturevalue(who)
    r = search(client, "x", site=UNKNOWN, offset=-1, limit=0)
    assert_query_refused(r, "searchPages", "ERR_INVALID_SITE")


@pytest.mark.parametrize(
    ("offset", "limit"),
    [(-1, None), (-1, 10), (None, 0), (None, -5), (None, 101), (0, 1000), (-3, 0)],
)
def test_offset_and_limit_bounds(admin_client, offset, limit):
    r = search(admin_client, "x", offset=offset, limit=limit)
    assert_query_refused(r, "searchPages", "ERR_INVALID_INPUT")


@pytest.mark.parametrize(("offset", "limit"), [(0, 1), (0, 100), (5, 25), (None, None)])
def test_bounds_that_are_allowed(admin_client, offset, limit):
    page("Alpha")
    r = search(admin_client, "", offset=offset, limit=limit)
    assert r.errors == [], r.body


def _words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


@pytest.mark.parametrize(
    "arguments",
    [
        {"query": "x" * 1001},
        {"query": _words(21)},
        {"query": _words(10) + " " + " ".join(f"-n{i}" for i in range(11))},
        {"query": _words(20_000)},  # once a statement PostgreSQL could not plan
        {"query": "x", "tags": [f"tag-{i}" for i in range(21)]},
        {"query": "x", "locale": [f"l{i}" for i in range(51)]},
    ],
    ids=["long text", "many words", "many exclusions", "huge", "many tags", "many locales"],
)
def test_a_search_past_its_bounds_is_refused(admin_client, arguments):
    r = search(admin_client, **arguments)
    assert_query_refused(r, "searchPages", "ERR_INVALID_INPUT")


def test_a_search_at_its_bounds_runs(admin_client):
    page("Alpha", "w0 w1")
    for arguments in (
        {"query": "w0 " + "x" * 996},
        {"query": _words(20)},
        {  # everything at once, at its bound
            "query": _words(10) + " " + " ".join(f"-n{i}" for i in range(10)),
            "tags": [f"tag-{i}" for i in range(20)],
            "locale": [f"l{i}" for i in range(50)],
        },
        {"query": "w0", "tags": [f"tag-{i}" for i in range(20)]},
        {"query": "w0", "locale": [f"l{i}" for i in range(50)]},
    ):
        r = search(admin_client, **arguments)
        assert r.errors == [], r.body
        assert r.data["searchPages"]["totalHits"] == 0


# --- What a result holds -----------------------------------------------------------------------
def test_every_field_of_a_result(admin_client):
    hit = page(
        "Release notes",
        "The release went out on Monday.",
        description="What changed",
        locale="fr",
        path="docs/release",
        tags=["ops", "news"],
    )
    r = search(admin_client, "release")
    assert r.errors == [], r.body
    (result,) = r.data["searchPages"]["results"]
    relevancy, highlight = result.pop("relevancy"), result.pop("highlight")
    assert result == {
        "id": str(hit.pk),
        "title": "Release notes",
        "description": "What changed",
        "icon": "las la-file-alt",
        "locale": "fr",
        "path": "docs/release",
        "tags": ["ops", "news"],
        "updatedAt": hit.updated_at.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{hit.updated_at.microsecond // 1000:03d}Z",
    }
    assert isinstance(relevancy, float)
    assert relevancy > 0
    assert "<b>release</b>" in highlight.lower()
    assert total(r) == 1


def test_empty_query_lists_every_searchable_page_without_scores(admin_client):
    page("Beta", "one")
    page("Alpha", "two")
    r = search(admin_client, "   ")
    # relevancy is replaced by title; the default direction is desc.
    assert found(r) == ["Beta", "Alpha"]
    assert {(h["relevancy"], h["highlight"]) for h in r.data["searchPages"]["results"]} == {
        (None, None)
    }
    assert found(search(admin_client, "", orderByDirection="asc")) == ["Alpha", "Beta"]


def test_only_searchable_published_pages_are_candidates(admin_client):
    now = timezone.now()
    page("Published", "needle")
    page("Draft", "needle", publish_state="draft")
    page("Unsearchable", "needle", is_searchable=False)
    page(
        "Scheduled now",
        "needle",
        publish_state="scheduled",
        publish_start_date=now - timedelta(hours=1),
        publish_end_date=now + timedelta(hours=1),
    )
    page(
        "Scheduled later",
        "needle",
        publish_state="scheduled",
        publish_start_date=now + timedelta(hours=1),
        publish_end_date=now + timedelta(hours=2),
    )
    other = Site.objects.create(hostname="other.example", config=default_site().config)
    page("Other site", "needle", site=other)
    r = search(admin_client, "needle", orderBy="title", orderByDirection="asc")
    assert found(r) == ["Published", "Scheduled now"]
    assert total(r) == 2


def test_password_protected_pages_match_on_title_and_description_only(admin_client):
    page("Locked", "secret words inside", password="hashed", description="a vault")
    assert found(search(admin_client, "secret")) == []
    r = search(admin_client, "vault")
    assert found(r) == ["Locked"]
    assert r.data["searchPages"]["results"][0]["highlight"] is None


# --- Permissions, in SQL before offset and limit -----------------------------------------------
def test_a_deny_rule_hides_pages_from_results_and_total(client_with, admin_client):
    for n in range(3):
        page(f"Open {n}", "needle", path=f"open/p{n}")
    for n in range(4):
        page(f"Team {n}", "needle", path=f"team/p{n}")
    page("Tagged", "needle", path="open/tagged", tags=["secret"])
    reader = client_with(
        rules=[
            rule(),
            rule(mode="DENY", path="team"),
            rule(mode="DENY", match="TAG", path="secret"),
        ]
    )
    r = search(reader, "needle", orderBy="title", orderByDirection="asc", limit=2)
    assert found(r) == ["Open 0", "Open 1"]
    assert total(r) == 3
    assert found(search(reader, "needle", orderBy="title", orderByDirection="asc", offset=2)) == [
        "Open 2"
    ]
    assert total(search(admin_client, "needle")) == 8


def test_guests_see_what_their_rules_allow(anonymous):
    page("Public", "needle", path="public/p")
    page("Private", "needle", path="private/p")
    assert found(search(anonymous, "needle")) == []
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule(path="public")]
    guests.save()
    r = search(anonymous, "needle")
    assert found(r) == ["Public"]
    assert total(r) == 1


def test_write_pages_does_not_make_drafts_searchable(client_with):
    page("Draft", "needle", publish_state="draft")
    writer = client_with(rules=[rule(roles=("read:pages", "write:pages"))])
    assert found(search(writer, "needle")) == []


# --- Filters -----------------------------------------------------------------------------------
def test_filters(admin_client):
    page("A", "needle", path="docs/a", locale="en", tags=["x", "y"], editor="markdown")
    page("B", "needle", path="docs/b", locale="fr", tags=["x"], editor="wysiwyg")
    page("C", "needle", path="guide/c", locale="de", tags=["y"], editor="markdown")
    now = timezone.now()
    page(
        "D",
        "needle",
        path="docs/d",
        publish_state="scheduled",
        publish_start_date=now - timedelta(hours=1),
        publish_end_date=now + timedelta(hours=1),
    )

    def titles(**arguments):
        return sorted(found(search(admin_client, "needle", **arguments)))

    assert titles() == ["A", "B", "C", "D"]
    assert titles(path="DOCS/") == ["A", "B", "D"]
    assert titles(path="/docs/a") == ["A"]
    assert titles(path="gui") == ["C"]
    assert titles(locale=["fr", "DE"]) == ["B", "C"]
    assert titles(locale=[]) == ["A", "B", "C", "D"]
    assert titles(tags=["x"]) == ["A", "B"]
    assert titles(tags=["#X", "y"]) == ["A"]
    assert titles(tags=["nope"]) == []
    assert titles(editor="wysiwyg") == ["B"]
    assert titles(editor="Markdown") == []
    assert titles(publishState="scheduled") == ["D"]
    assert titles(publishState="draft") == []
    assert titles(path="docs", locale=["en", "fr"], tags=["x"], editor="markdown") == ["A"]


def test_orderings(admin_client):
    now = timezone.now()
    page("Banana", "needle", updated_at=now - timedelta(days=1))
    page("Apple", "needle", updated_at=now)
    page("Cherry", "needle", updated_at=now - timedelta(days=2))
    assert found(search(admin_client, "needle", orderBy="title")) == ["Cherry", "Banana", "Apple"]
    assert found(search(admin_client, "needle", orderBy="title", orderByDirection="asc")) == [
        "Apple",
        "Banana",
        "Cherry",
    ]
    assert found(search(admin_client, "needle", orderBy="updatedAt")) == [
        "Apple",
        "Banana",
        "Cherry",
    ]
    assert found(search(admin_client, "needle", orderBy="updatedAt", orderByDirection="asc")) == [
        "Cherry",
        "Banana",
        "Apple",
    ]


def test_relevancy_weighs_title_over_description_over_text(admin_client):
    page("In text", "the deploy happened")
    page("Deploy notes", "nothing here")
    page("In description", "nothing", description="deploy")
    r = search(admin_client, "deploy")
    assert found(r) == ["Deploy notes", "In description", "In text"]
    scores = [hit["relevancy"] for hit in r.data["searchPages"]["results"]]
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] > 0
    assert found(search(admin_client, "deploy", orderByDirection="asc")) == [
        "In text",
        "In description",
        "Deploy notes",
    ]


def test_total_hits_counts_before_offset_and_limit(admin_client):
    for n in range(7):
        page(f"Page {n}", "needle")
    page("Unrelated", "haystack")
    r = search(admin_client, "needle", limit=3, offset=2, orderBy="title", orderByDirection="asc")
    assert found(r) == ["Page 2", "Page 3", "Page 4"]
    assert total(r) == 7
    past = search(admin_client, "needle", offset=50)
    assert found(past) == []
    assert total(past) == 7
    assert total(search(admin_client, "nothingmatches")) == 0


# --- Highlights are safe HTML ------------------------------------------------------------------
PAYLOADS = [
    "needle <script>alert(1)</script> after",
    "needle &lt;script&gt;alert(1)&lt;/script&gt;",
    '<img src=x onerror="alert(1)"> needle',
    "needle \"quoted\" & 'single' <b>bold</b> </b> <svg onload=alert(1)>",
    "needle \ue000 marker \ue001 chars",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_highlight_is_safe_html(admin_client, text):
    page("Payload", text)
    r = search(admin_client, "needle")
    (hit,) = r.data["searchPages"]["results"]
    highlight = hit["highlight"]
    assert highlight is not None
    assert "<b>needle</b>" in highlight.lower()
    assert "<script" not in highlight.lower()
    # The only markup is the highlight's own, balanced <b>...</b>.
    assert re.findall(r"<[^>]*>", highlight) == ["<b>", "</b>"] * highlight.count("<b>")
    assert "\ue000" not in highlight
    assert "\ue001" not in highlight


def test_no_highlight_when_nothing_in_the_text_matches(admin_client):
    page("Needle in the title", "other words")
    (hit,) = search(admin_client, "needle").data["searchPages"]["results"]
    assert hit["highlight"] is None


# --- Cost: the same queries for 1 and 50 results ---------------------------------------------
@pytest.fixture
def restricted_client(client_with):
    rules = [
        rule(path="listed"),
        rule(match="TAG", path="listed"),
        rule(mode="DENY", match="EXACT", path="listed/hidden"),
        rule(match="REGEX", path="^listed/p[0-9]+$"),
    ]
    return client_with(rules=rules)


@pytest.mark.parametrize("who", ["admin_client", "restricted_client", "admin_key_client"])
@pytest.mark.parametrize("query", ["needle", ""])
def test_query_count_is_the_same_for_1_and_50_results(request, who, query):
    client = request.getfixturevalue(who)
    if who == "restricted_client":
        page("Hidden", "needle", path="listed/hidden")  # filtered out in SQL
    page("P0", "needle", path="listed/p0", tags=["listed"])
    client("{ __typename }")
    search(client, query, limit=100)
    with CaptureQueriesContext(connection) as small:
        assert len(found(search(client, query, limit=100))) == 1
    for n in range(1, 50):
        page(f"P{n}", "needle", path=f"listed/p{n}", tags=["listed", f"t{n}"])
    client("{ __typename }")
    search(client, query, limit=100)
    with CaptureQueriesContext(connection) as large:
        r = search(client, query, limit=100)
    assert len(found(r)) == 50
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


# --- PostgreSQL: stems, phrases, languages -----------------------------------------------------
@postgres_only
def test_finds_by_stem(admin_client):
    page("Runner", "She runs every morning")
    page("Other", "Nothing to see")
    assert found(search(admin_client, "running")) == ["Runner"]
    assert found(search(admin_client, "ran")) == []  # irregular forms are not stems


@postgres_only
def test_finds_by_phrase_and_websearch_syntax(admin_client):
    page("Adjacent", "the quick brown fox")
    page("Apart", "brown dogs are quick")
    assert sorted(found(search(admin_client, "quick brown"))) == ["Adjacent", "Apart"]
    assert found(search(admin_client, '"quick brown"')) == ["Adjacent"]
    assert found(search(admin_client, "quick -fox")) == ["Apart"]
    assert sorted(found(search(admin_client, "fox or dogs"))) == ["Adjacent", "Apart"]


@postgres_only
def test_query_locale_chooses_the_stemmer(admin_client):
    page("English", "She runs daily", locale="en")
    assert found(search(admin_client, "running", queryLocale="en")) == ["English"]
    # 'simple' keeps words as they are: "running" is not the stored stem "run".
    assert found(search(admin_client, "running", queryLocale="xx")) == []
    # The site's primary locale is the default.
    assert found(search(admin_client, "running")) == ["English"]


@postgres_only
def test_page_locale_chooses_the_configuration(admin_client):
    page("Deutsch", "Die Kinder laufen schnell", locale="de")
    page("Français", "Les enfants courent vite", locale="fr")
    assert found(search(admin_client, "läuft", queryLocale="de")) == []  # not the same stem
    assert found(search(admin_client, "laufe", queryLocale="de")) == ["Deutsch"]
    assert found(search(admin_client, "courir", queryLocale="fr")) == []
    assert found(search(admin_client, "courent", queryLocale="fr")) == ["Français"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, search_vector::text FROM pages_page ORDER BY title")
        vectors = dict(cursor.fetchall())
    assert "'lauf'" in vectors["Deutsch"]  # german stem; english would keep 'laufen'
    assert "'enfant'" in vectors["Français"]


# --- SQLite: the fallback ----------------------------------------------------------------------
sqlite_only = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="the fallback serves other databases"
)


@sqlite_only
def test_fallback_matches_words_phrases_and_exclusions(admin_client):
    page("Adjacent", "the Quick Brown fox")
    page("Apart", "brown dogs are quick")
    assert sorted(found(search(admin_client, "QUICK brown"))) == ["Adjacent", "Apart"]
    assert found(search(admin_client, '"quick brown"')) == ["Adjacent"]
    assert found(search(admin_client, "quick -fox")) == ["Apart"]
    assert found(search(admin_client, "!!!")) == []
    r = search(admin_client, "fox")
    assert r.data["searchPages"]["results"][0]["highlight"] == "the Quick Brown <b>fox</b>"


# --- The index follows every write path ---------------------------------------------------------
UPDATE = """
mutation Update($id: UUID!, $patch: PageUpdateInput!) {
  updatePage(id: $id, patch: $patch) { operation { succeeded slug } }
}
"""
MOVE = """
mutation Move($id: UUID!, $locale: String!, $path: String!) {
  movePage(id: $id, destinationLocale: $locale, destinationPath: $path) {
    operation { succeeded slug }
  }
}
"""


def test_update_move_and_delete_keep_search_current(admin_client):
    edited = page("Zeppelin notes", "old words")
    r = admin_client(UPDATE, {"id": str(edited.pk), "patch": {"content": "# Airship\n\nhangar"}})
    assert r.data["updatePage"]["operation"]["succeeded"] is True, r.body
    assert found(search(admin_client, "hangar")) == ["Zeppelin notes"]
    assert found(search(admin_client, "old")) == []
    r = admin_client(UPDATE, {"id": str(edited.pk), "patch": {"title": "Blimp notes"}})
    assert found(search(admin_client, "blimp")) == ["Blimp notes"]
    r = admin_client(UPDATE, {"id": str(edited.pk), "patch": {"isSearchable": False}})
    assert found(search(admin_client, "hangar")) == []
    r = admin_client(UPDATE, {"id": str(edited.pk), "patch": {"isSearchable": True}})
    r = admin_client(MOVE, {"id": str(edited.pk), "locale": "en", "path": "moved/here"})
    assert r.data["movePage"]["operation"]["succeeded"] is True, r.body
    (hit,) = search(admin_client, "hangar").data["searchPages"]["results"]
    assert hit["path"] == "moved/here"
    edited.refresh_from_db()
    edited.delete()
    assert found(search(admin_client, "hangar")) == []


@sqlite_only
def test_fallback_scores_a_locked_text_as_no_text(admin_client):
    page("Locked", "needle", password="hashed", description="needle")
    page("Open", "other", description="needle")
    scores = {
        hit["title"]: hit["relevancy"]
        for hit in search(admin_client, "needle").data["searchPages"]["results"]
    }
    assert scores["Locked"] == scores["Open"]
