"""createPage costs a fixed number of statements, whatever the wiki's size or the tag count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages.models import Page, Tag
from tests.factories import PageFactory

pytestmark = pytest.mark.django_db

CREATE = """
mutation ($site: UUID!, $path: String!, $tags: [String!]) {
  createPage(siteId: $site, locale: "en", path: $path, title: "T", description: "",
             content: "# Heading", editor: "markdown", publishState: published, tags: $tags) {
    operation { succeeded message } page { id tags }
  }
}
"""


@pytest.fixture
def create(admin, admin_key_client):
    site = admin_key_client("{ sites { id } }").data["sites"][0]["id"]
    counter = iter(range(10_000))

    def run(tags: list[str]) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin_key_client(
                CREATE, {"site": site, "path": f"cost/page-{next(counter)}", "tags": tags}
            )
        assert response.data["createPage"]["operation"]["succeeded"], response.body
        return len(queries.captured_queries)

    return run


def test_new_tags_cost_the_same_however_many(create):
    create([])  # warm caches of the caller and settings

    one_new, twenty_new = create(["fresh"]), create([f"new-{n}" for n in range(20)])

    assert one_new == twenty_new


def test_known_tags_cost_the_same_however_many(create):
    create(["a", "b", "c", "d", "e", "f"])

    assert create(["a"]) == create(["a", "b", "c", "d", "e", "f"])


def test_the_wiki_size_does_not_change_the_cost(create):
    create([])
    small = create(["t1", "t2"])
    PageFactory.create_batch(200)
    create([])  # the factory's new authors make the caller's cached access stale once

    assert create(["t3", "t4"]) == small


def test_bulk_tags_get_their_own_ids_and_counts(create):
    create(["alpha", "beta"])
    create(["beta", "gamma", "beta"])

    tags = {t.tag: t for t in Tag.objects.all()}
    assert {name: tags[name].usage_count for name in ("alpha", "beta", "gamma")} == {
        "alpha": 1,
        "beta": 2,
        "gamma": 1,
    }
    ids = [t.legacy_id for t in tags.values()]
    assert None not in ids
    assert len(set(ids)) == len(ids)
    page = Page.objects.get(path="cost/page-1")
    assert sorted(page.tag_links.values_list("tag__tag", flat=True)) == ["beta", "gamma"]
