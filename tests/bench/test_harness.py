"""The benchmark harness (bench/): its seeded wiki keeps the services' invariants, the floor
returns exactly the API's rows, and wrk's report is read right. Figures come from `make bench`;
nothing here times anything."""

import io
import json
from collections import Counter

import pytest
from django.db import connection

from accounts.models import USERS_GROUP_ID, Group, Membership, User
from api.schema import schema as api_schema
from bench.floor import FloorApp
from bench.load import WrkResult, parse_wrk_output
from bench.operations import OPERATIONS, with_seq
from bench.report import Row, slowdowns
from bench.seed import GROUP_COUNT, USER_COUNT, Seeder
from pages.models import Page, PageTag, Tag, page_hash
from pages.rendering import render
from tests.conftest import GraphQLClient
from wiki.models import LegacyIdCounter

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the seeder writes with COPY, the floor is psycopg"
)

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:18300/_graphql
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    40.12ms   10.01ms 180.00ms   80.00%
    Req/Sec    99.50     12.00   130.00     70.00%
  Latency Distribution
     50%  850.00us
     75%   42.00ms
     90%   50.00ms
     99%    1.20s
  1990 requests in 10.02s, 1.50MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    198.60
Transfer/sec:    153.00KB
BENCH failed=5 answered=1990
"""


def test_wrk_report_is_read_with_its_units():
    result = parse_wrk_output(WRK_OUTPUT)
    assert result.requests == 1990
    assert result.seconds == pytest.approx(10.02)
    assert result.rate == pytest.approx(198.60)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)
    assert (result.socket_errors, result.non_2xx, result.failed) == (3, 4, 5)
    assert not result.ok


def test_a_clean_wrk_report_is_ok():
    clean = "\n".join(
        line
        for line in WRK_OUTPUT.splitlines()
        if not line.strip().startswith(("Socket", "Non-2xx", "BENCH"))
    )
    assert parse_wrk_output(clean + "\nBENCH failed=0 answered=1990\n").ok


def test_with_seq_replaces_the_placeholder_everywhere():
    body = {"variables": {"path": "a/__SEQ__", "tags": ["t-__SEQ__"], "n": 1}}
    assert with_seq(body, "7") == {"variables": {"path": "a/7", "tags": ["t-7"], "n": 1}}


@pytest.fixture
def seeded(db):
    seeder = Seeder()
    seeder.base()
    assert seeder.pages_up_to(30) == 30
    return seeder


@postgres_only
def test_the_seeded_wiki_keeps_the_services_invariants(db, monkeypatch):
    # Three chunks: rendered by the process pool, as a large seed is.
    monkeypatch.setattr("bench.seed.CHUNK", 10)
    seeder = Seeder()
    seeder.base()
    assert seeder.pages_up_to(30) == 30
    pages = list(Page.objects.all())
    assert len(pages) == 30
    for page in pages:
        assert page.hash == page_hash(page.locale, page.path)
        assert 3 <= page.path.count("/") + 1 <= 4
        assert page.render == render(page.content, "markdown", page.config["tocDepth"]).html
        assert sorted(page.tags) == sorted(page.tag_links.values_list("tag__tag", flat=True))
        assert 1500 <= len(page.content) <= 3000
    links = Counter(PageTag.objects.values_list("tag_id", flat=True))
    for tag in Tag.objects.all():
        assert tag.usage_count == links.get(tag.pk, 0)
    # Legacy ids: unique per kind, and the counters are past every id handed out.
    for model, kind in ((Page, "page"), (Tag, "tag"), (User, "user"), (Group, "group")):
        ids = list(model.objects.values_list("legacy_id", flat=True))
        assert None not in ids
        assert len(set(ids)) == len(ids)
        assert LegacyIdCounter.objects.get(kind=kind).last_value >= max(ids)
    assert User.objects.filter(is_system=False).count() == USER_COUNT + 1  # and the root admin
    assert Group.objects.filter(is_system=False).count() == GROUP_COUNT
    in_users = Membership.objects.filter(group_id=USERS_GROUP_ID).values("user_id")
    assert not User.objects.filter(is_system=False).exclude(pk__in=in_users).exists()


def call_floor(operation, body: dict) -> dict:
    connection.ensure_connection()
    app = FloorApp(lambda: connection.connection)  # the test's transaction sees the seed
    raw = json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/{operation.key}",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    statuses = []
    payload = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"]
    return json.loads(payload)


@postgres_only
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.key)
def test_every_operation_succeeds_and_the_floor_returns_the_apis_rows(seeded, operation):
    schema = api_schema.graphql_schema
    if operation.root not in {**schema.query_type.fields, **schema.mutation_type.fields}:
        # An entry may be written before its resolver lands (tree, API.md §4.2.1).
        pytest.skip(f"{operation.root} is not in the schema yet")
    facts = seeded.facts("test")
    client = GraphQLClient(seeded.api_key_token)
    for variables in operation.variables(facts)[:3]:
        body = {"query": operation.document, "variables": with_seq(variables, "1")}
        answer = client(body["query"], body["variables"])
        assert answer.status == 200
        assert not answer.errors, answer.body
        result = answer.data[operation.root]
        assert result, answer.body
        if operation.floor_sql is None:
            assert result["operation"]["succeeded"] is True, result
            continue
        assert call_floor(operation, body) == answer.body


@postgres_only
def test_the_user_query_matches_a_few_dozen_users(seeded):
    facts = seeded.facts("test")
    answer = GraphQLClient(seeded.api_key_token)(
        "query ($q: String) { users(query: $q) { id } }", {"q": facts.user_query}
    )
    assert 20 <= len(answer.data["users"]) <= 100


def _row(label: str, pages: int, rate: float, bound: float | None) -> Row:
    result = WrkResult(100, 10.0, rate, 1.0, 2.0, 0, 0, 0)
    return Row(label, pages, result, 12, max_slowdown=bound)


def test_writes_report_their_slowdown_from_the_smallest_to_the_largest_wiki():
    rows = [
        _row("createPage", 1000, 60.0, 1.5),
        _row("pageById", 1000, 900.0, None),
        _row("createPage", 10000, 55.0, 1.5),
        _row("updatePage", 1000, 80.0, 1.5),
        _row("createPage", 100000, 48.0, 1.5),
        _row("pageById", 100000, 300.0, None),
        _row("updatePage", 100000, 50.0, 1.5),
    ]
    assert slowdowns(rows) == [
        "createPage: 60.0 req/s at 1,000 pages, 48.0 at 100,000: 1.25x slower"
        " (within the 1.5x bound)",
        "updatePage: 80.0 req/s at 1,000 pages, 50.0 at 100,000: 1.60x slower"
        " (OVER the 1.5x bound)",
    ]
    assert slowdowns([_row("createPage", 1000, 60.0, 1.5)]) == []
