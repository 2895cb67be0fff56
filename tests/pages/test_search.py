"""pages.search directly: the index follows page writes in their transaction; safe excerpts."""

import pytest
from django.db import connection, transaction

from pages.models import Page
from pages.search import excerpt, parse_terms, safe_headline, search_pages
from pages.services import PageInput, create_page
from tests.factories import PageFactory, default_site
from wiki.errors import DomainError

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger-kept index is PostgreSQL's"
)


def titles(query: str) -> list[str]:
    return [hit.title for hit in search_pages(None, default_site().pk, query).results]


def new_page(**overrides) -> Page:
    fields = {
        "site_id": default_site().pk,
        "locale": "en",
        "path": "docs/new",
        "title": "Quarterly planning",
        "description": "",
        "content": "# Budget\n\nThe **zeppelin** budget for the next quarter.",
        "editor": "markdown",
        "publish_state": "published",
    }
    fields.update(overrides)
    return create_page(None, PageInput(**fields))


class Rollback(Exception):
    pass


def create_and_search_then_roll_back() -> None:
    with transaction.atomic():
        new_page()
        # Same transaction: the rendered text is indexed with the row.
        assert titles("zeppelin") == ["Quarterly planning"]
        raise Rollback


def test_a_created_page_is_found_at_once_and_gone_after_a_rollback(admin):
    with pytest.raises(Rollback):
        create_and_search_then_roll_back()
    assert titles("zeppelin") == []
    assert not Page.objects.exists()
    new_page()
    assert titles("zeppelin") == ["Quarterly planning"]


def test_later_writes_keep_the_index_current(admin):
    page = new_page()
    Page.objects.filter(pk=page.pk).update(title="Airship costs")
    assert titles("airship") == ["Airship costs"]
    page.refresh_from_db()
    page.search_content = "dirigible"
    page.save()
    assert titles("zeppelin") == []
    assert titles("dirigible") == ["Airship costs"]
    page.password = "hashed"
    page.save()
    assert titles("dirigible") == []  # a page password hides the text from search
    page.delete()
    assert titles("airship") == []


@postgres_only
def test_the_vector_is_weighted_and_indexed():
    PageFactory(title="Alpha", description="beta", search_content="gamma", locale="en")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM pages_page")
        (vector,) = cursor.fetchone()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'pages_page_search_idx'")
        (index,) = cursor.fetchone()
    assert vector == "'alpha':1A 'beta':2B 'gamma':3C"
    assert "gin (search_vector)" in index


@postgres_only
def test_locales_map_to_configurations():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wiki_search_config(l)::text FROM unnest(%s::text[]) AS l",
            [["en", "de-ch", "FR", "es", "xx", "", None]],
        )
        configs = [row[0] for row in cursor.fetchall()]
    assert configs == ["english", "german", "french", "spanish", "simple", "simple", "simple"]


def test_checks_in_order():
    site = default_site().pk
    unknown = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    with pytest.raises(DomainError) as caught:
        search_pages(None, unknown, "x", offset=-1, limit=0)
    assert caught.value.key.value == "ERR_INVALID_SITE"
    for offset, limit in [(-1, 0), (-1, 10), (0, 0), (0, 101)]:
        with pytest.raises(DomainError) as caught:
            search_pages(None, site, "x", offset=offset, limit=limit)
        assert caught.value.key.value == "ERR_INVALID_INPUT"


@pytest.mark.parametrize(
    ("text", "wanted", "excluded"),
    [
        ("quick brown", ["quick", "brown"], []),
        ('"Quick  Brown" fox', ["quick brown", "fox"], []),
        ("quick -fox", ["quick"], ["fox"]),
        ('-"red fox" dog', ["dog"], ["red fox"]),
        ("cats or dogs", ["cats", "dogs"], []),
        ('"or"', ["or"], []),
        ("hello, world!", ["hello", "world"], []),
        ("!!! ...", [], []),
        ("a a A", ["a"], []),
    ],
)
def test_fallback_terms(text, wanted, excluded):
    assert parse_terms(text) == (wanted, excluded)


def test_fallback_excerpt_is_escaped_and_marks_every_match():
    text = "before <script>x</script> Needle & needles " + "word " * 100
    result = excerpt(text, ["needle"])
    assert result.startswith("before &lt;script&gt;x&lt;/script&gt; <b>Needle</b> &amp; ")
    assert "<b>needle</b>s" in result
    assert result.endswith(" …")
    assert excerpt(text, ["absent"]) is None
    assert excerpt(text, []) is None
    far = "word " * 200 + "needle"
    assert excerpt(far, ["needle"]).startswith("… ")


def test_headline_is_escaped_then_marked():
    assert safe_headline(None) is None
    assert safe_headline("no marks here") is None
    marked = "a <i>&</i> \ue000needle\ue001  b"
    assert safe_headline(marked) == "a &lt;i&gt;&amp;&lt;/i&gt; <b>needle</b> b"
