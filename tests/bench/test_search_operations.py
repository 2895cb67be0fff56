"""The bench's pageByPath and searchPages entries measure real work on the seeded wiki."""

import pytest
from django.db import connection

from bench.operations import BY_KEY, SEARCH_QUERY
from bench.seed import Seeder
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the seeder writes with COPY"
)


def test_the_search_query_finds_some_pages_and_paths_reach_pages(db):
    seeder = Seeder()
    seeder.base()
    seeder.pages_up_to(30)
    facts = seeder.facts("test")
    client = GraphQLClient(seeder.api_key_token)
    search = BY_KEY["searchPages"]
    answer = client(search.document, search.variables(facts)[0]).data["searchPages"]
    assert 0 < len(answer["results"]) <= answer["totalHits"] <= 30, SEARCH_QUERY
    by_path = BY_KEY["pageByPath"]
    variables = by_path.variables(facts)
    assert len(variables) == len(facts.page_ids)
    for sample, page_id in zip(variables[:5], facts.page_ids, strict=False):
        assert client(by_path.document, sample).data["pageByPath"]["id"] == page_id
