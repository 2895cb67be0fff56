"""Requests of any size or shape get a clear, bounded answer (issue: repairs to the foundation).

Timing is not asserted here (benchmarks measure speed); each hostile document is proven to
be refused, or answered, and to stay in the refusal cache.
"""

import json
import logging

import pytest
from django.test import Client

from api.core.documents import documents
from pages.models import Page
from tests.conftest import GRAPHQL_URL

pytestmark = pytest.mark.django_db

SITES = "{ sites { hostname } }"


@pytest.fixture(autouse=True)
def _fresh_document_cache():
    documents.clear()
    yield
    documents.clear()


def post_raw(body: str | bytes, **headers):
    return Client().post(GRAPHQL_URL, data=body, content_type="application/json", **headers)


def post(body, **headers):
    return post_raw(json.dumps(body), **headers)


def messages(response) -> list[str]:
    return [error["message"] for error in response.json()["errors"]]


def assert_at_most_a_log_line(caplog) -> None:
    """A foreseeable client mistake is worth one line in the log, never a traceback."""
    assert not [r for r in caplog.records if r.exc_info]
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) <= 1


def fragment_bomb(count: int, leaf: str = "sites { hostname }") -> str:
    """Each fragment spreads the next twice: 2**count paths through ``count`` definitions."""
    chain = " ".join(
        f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(count - 1)
    )
    return f"query {{ ...F0 }} {chain} fragment F{count - 1} on Query {{ {leaf} }}"


# --- Documents --------------------------------------------------------------------------------
def test_fragment_bomb_is_measured_once_per_fragment():
    response = post({"query": fragment_bomb(30)})

    assert response.status_code == 200
    assert response.json() == {"data": {"sites": [{"hostname": "*"}]}}


def test_fragment_bomb_deeper_than_the_limit_is_refused(settings):
    settings.GRAPHQL_MAX_QUERY_DEPTH = 3
    leaf = "sites { locales { active { code } } }"

    response = post({"query": fragment_bomb(30, leaf)})

    assert response.status_code == 400
    assert messages(response) == ["Query is nested 4 levels deep; the limit is 3."]


def test_ten_thousand_repeated_fields_are_refused_by_the_token_limit():
    query = "{ sites { " + "hostname " * 10_000 + "} }"

    response = post({"query": query})

    assert response.status_code == 400
    assert messages(response) == [
        "Syntax Error: Document contains more than 3000 tokens. Parsing aborted."
    ]


def test_fields_beyond_the_limit_are_refused_before_validation(settings):
    settings.GRAPHQL_MAX_FIELD_REPEATS = 1000
    at_limit = "{ sites { " + "hostname " * (settings.GRAPHQL_MAX_FIELDS - 1) + "} }"
    over = "{ sites { " + "hostname " * settings.GRAPHQL_MAX_FIELDS + "} }"

    assert post({"query": at_limit}).status_code == 200
    response = post({"query": over})
    assert response.status_code == 400
    assert messages(response) == [
        f"The document selects {settings.GRAPHQL_MAX_FIELDS + 1} fields; "
        f"the limit is {settings.GRAPHQL_MAX_FIELDS}."
    ]


@pytest.mark.parametrize(
    "selection",
    [
        "hostname " * 11,
        "hostname " * 6 + "... on Site { " + "hostname " * 5 + "}",
        "id " + "h: hostname " * 11,
    ],
    ids=["plain", "inline-fragment", "alias"],
)
def test_a_name_repeated_past_the_limit_in_one_set_is_refused(selection):
    response = post({"query": f"{{ sites {{ {selection} }} }}"})

    assert response.status_code == 400
    (message,) = messages(response)
    assert message.endswith("is selected more than 10 times in one selection set.")


def test_repeats_up_to_the_limit_and_across_sets_are_fine():
    query = "{ sites { " + "hostname " * 10 + "} sites { " + "hostname " * 10 + "} }"

    assert post({"query": query}).json() == {"data": {"sites": [{"hostname": "*"}]}}


def test_fragment_spreads_count_towards_the_field_limit(settings):
    settings.GRAPHQL_MAX_FIELDS = 10
    spreads = " ".join(f"...S{n}" for n in range(10))
    definitions = " ".join(f"fragment S{n} on Site {{ hostname }}" for n in range(10))

    response = post({"query": f"{{ sites {{ {spreads} }} }} {definitions}"})

    assert response.status_code == 400
    assert messages(response) == ["The document selects 21 fields; the limit is 10."]


def test_deeply_nested_literal_is_refused():
    query = "{ sites(x: " + "[" * 1400 + "]" * 1400 + ") { id } }"

    response = post({"query": query})

    assert response.status_code == 400
    assert len(messages(response)) == 1


def test_refusals_are_cached_and_reused():
    query = "{ sites { " + "hostname " * 30 + "} }"

    first = post({"query": query})
    (prepared,) = list(documents._entries.values())
    second = post({"query": query})

    assert first.status_code == second.status_code == 400
    assert messages(first) == messages(second)
    assert list(documents._entries.values()) == [prepared]


def test_valid_documents_are_parsed_once(monkeypatch):
    import api.core.documents as module

    calls = []
    real_parse = module.parse
    monkeypatch.setattr(module, "parse", lambda *a, **k: calls.append(a) or real_parse(*a, **k))

    for _ in range(3):
        assert post({"query": SITES}).json() == {"data": {"sites": [{"hostname": "*"}]}}

    assert len(calls) == 1


def test_the_cache_is_bounded(settings):
    settings.GRAPHQL_DOCUMENT_CACHE_SIZE = 5
    for n in range(12):
        post({"query": f"query Q{n} {{ sites {{ id }} }}"})

    assert len(documents) == 5


def test_large_documents_are_not_kept(settings):
    settings.GRAPHQL_DOCUMENT_CACHE_MAX_BYTES = 100
    padding = " " * 200

    assert post({"query": SITES + padding}).status_code == 200
    assert len(documents) == 0


# --- Bodies -----------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [100_000, 1_000, 65])
def test_deeply_nested_json_is_400(depth, caplog):
    body = '{"query": "{ sites { id } }", "variables": {"x": ' + "[" * depth + "]" * depth + "}}"

    with caplog.at_level(logging.INFO):
        response = post_raw(body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert messages(response) == ["POST body is nested too deeply (more than 64 levels)."]
    assert_at_most_a_log_line(caplog)


def test_moderately_nested_json_is_executed():
    body = '{"query": "{ sites { id } }", "variables": {"x": ' + "[" * 40 + "]" * 40 + "}}"

    response = post_raw(body)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": 5}, '"query" must be a string holding a GraphQL document.'),
        ({"query": ["a"]}, '"query" must be a string holding a GraphQL document.'),
        ({"query": {"a": 1}}, '"query" must be a string holding a GraphQL document.'),
        ({"query": SITES, "variables": [1]}, '"variables" must be a JSON object (or null).'),
        ({"query": SITES, "variables": 5}, '"variables" must be a JSON object (or null).'),
        ({"query": SITES, "variables": True}, '"variables" must be a JSON object (or null).'),
        ({"query": SITES, "variables": "[1]"}, '"variables" must be a JSON object (or null).'),
        ({"query": SITES, "variables": "{nope"}, '"variables" holds text that is not valid JSON.'),
        ({"query": SITES, "operationName": 5}, '"operationName" must be a string (or null).'),
        ({"query": SITES, "operationName": ["x"]}, '"operationName" must be a string (or null).'),
    ],
)
def test_wrong_shapes_are_400_with_a_clear_message(body, message, caplog):
    with caplog.at_level(logging.INFO):
        response = post(body)

    assert response.status_code == 400
    assert messages(response) == [message]
    assert_at_most_a_log_line(caplog)


def test_variables_as_json_text_still_work():
    body = {
        "query": "query ($h: String!) { siteByHostname(hostname: $h, exact: true) { hostname } }"
    }
    body["variables"] = json.dumps({"h": "*"})

    response = post(body)

    assert response.status_code == 200
    assert response.json() == {"data": {"siteByHostname": {"hostname": "*"}}}


# --- Text no database can store -------------------------------------------------------------
CREATE_PAGE = """
mutation ($site: UUID!, $title: String!, $content: String!) {
  createPage(siteId: $site, locale: "en", path: "surrogates", title: $title, description: "",
             content: $content, editor: "markdown", publishState: published) {
    operation { succeeded slug message } page { id content }
  }
}
"""


def site_id(client) -> str:
    return client("{ sites { id } }").data["sites"][0]["id"]


@pytest.mark.parametrize("field", ["title", "content"])
def test_lone_surrogate_in_create_page_is_invalid_input(admin_key_client, field, caplog):
    variables = {"site": site_id(admin_key_client), "title": "Fine", "content": "# Fine"}
    variables[field] = "bad \ud800 text"

    with caplog.at_level(logging.INFO):
        response = admin_key_client(CREATE_PAGE, variables)

    assert response.status == 200
    assert response.data["createPage"]["operation"] == {
        "succeeded": False,
        "slug": "ERR_INVALID_INPUT",
        "message": "ERR_INVALID_INPUT",
    }
    assert not Page.objects.filter(path="surrogates").exists()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_lone_surrogate_in_users_query_is_invalid_input(admin_key_client):
    response = admin_key_client(
        "query ($q: String) { users(query: $q) { id } }", {"q": "jo\udfffhn"}
    )

    assert response.status == 200
    assert response.error_messages == ["ERR_INVALID_INPUT"]
    assert response.errors[0]["path"] == ["users"]


def test_lone_surrogate_written_into_the_document_is_a_syntax_error(admin_key_client):
    # The JSON escape puts a lone surrogate into the document text itself; GraphQL's lexer
    # refuses it as a source character.
    body = '{"query": "{ users(query: \\"jo\\ud800hn\\") { id } }"}'
    token = admin_key_client.token

    response = post_raw(body, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 400
    assert messages(response) == ["Syntax Error: Invalid character within String: U+D800."]


def test_ordinary_unicode_is_untouched(admin, admin_key_client):
    variables = {"site": site_id(admin_key_client), "title": "Ünïcode 🎉", "content": "# 日本語"}

    response = admin_key_client(CREATE_PAGE, variables)

    assert response.data["createPage"]["operation"]["succeeded"] is True
    assert response.data["createPage"]["page"]["content"] == "# 日本語"


# --- NUL --------------------------------------------------------------------------------------
def test_escaped_nul_as_text_is_not_a_nul(admin, admin_key_client):
    query = """
    mutation ($site: UUID!) {
      createPage(siteId: $site, locale: "en", path: "c-strings", title: "C strings",
                 description: "", content: "In C, write \\\\u0000 for NUL",
                 editor: "markdown", publishState: published) {
        operation { succeeded } page { content }
      }
    }
    """

    response = admin_key_client(query, {"site": site_id(admin_key_client)})

    assert response.status == 200
    assert response.data["createPage"]["operation"]["succeeded"] is True
    assert response.data["createPage"]["page"]["content"] == "In C, write \\u0000 for NUL"


def test_nul_key_in_variables_is_refused():
    response = post({"query": SITES, "variables": {"a\x00": 1}})

    assert response.status_code == 400
    assert messages(response) == ["NUL characters (\\u0000) are not allowed."]


# --- Encoding ---------------------------------------------------------------------------------
def test_answers_are_utf8_json():
    response = post({"query": '{ siteByHostname(hostname: "wïki", exact: false) { hostname } }'})

    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content.decode("utf-8")) == {
        "data": {"siteByHostname": {"hostname": "*"}}
    }


def test_text_the_fast_encoder_refuses_is_still_answered():
    # The error message echoes the lone surrogate; it must still come back as JSON.
    response = post(
        {"query": "query ($n: Int) { users(page: $n) { id } }", "variables": {"n": "\ud800"}}
    )

    assert response.status_code == 400
    (message,) = messages(response)
    assert message.startswith("Variable '$n' got invalid value")
