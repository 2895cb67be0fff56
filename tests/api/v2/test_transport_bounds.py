"""Every protection that bounds a request to /_graphql bounds one to /graphql too (API-v2.md §1,
issue 13): document limits, the size estimate, input lists, the deadline and the statement
timeout, the request log and id, the JSON answers of every layer (404, 400, 500, 503), and
errors raised while resolving (``INTERNAL_SERVER_ERROR``, never a trace)."""

from __future__ import annotations

import json
import logging
import re
import time

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from api.v2 import dialect
from api.v2 import view as v2_view
from api.v2.schema import NAMESPACE
from tests.log_support import capture_server_log

from .transport_support import V2_URL, get_url, post_json, root_field

pytestmark = pytest.mark.django_db

SYSTEM = "{ system { __typename } }"
TYPE_BY_NAME = "query TypeByName($name: String!) { __type(name: $name) { name } }"
SECRET = "sslpassword=hunter2 SELECT token FROM accounts_user"
LEAKS = ("hunter2", "SELECT", "accounts_user", "RuntimeError", "Traceback", "stack")


def only_error(response) -> dict:
    (error,) = response.json()["errors"]
    return error


def resolving_system_with(monkeypatch, resolve) -> None:
    """Gives the ``system`` namespace field a resolver of the test's own."""
    monkeypatch.setattr(root_field("query", "system"), "resolve", resolve)


# --- Document limits (api/core/limits.py, documents.py, cost.py) -------------------------------
@pytest.mark.parametrize(
    ("setting", "value", "document", "message", "code"),
    [
        (
            "GRAPHQL_MAX_QUERY_DEPTH",
            0,
            "{ pages { __typename } }",
            "Query is nested 1 levels deep; the limit is 0.",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "GRAPHQL_MAX_ALIASES",
            1,
            "{ a: pages { __typename } b: pages { __typename } }",
            "More than 1 aliases in one request.",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "GRAPHQL_MAX_FIELDS",
            2,
            "{ pages { __typename } users { __typename } }",
            "The document selects 4 fields; the limit is 2.",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "GRAPHQL_MAX_INPUT_LIST_ITEMS",
            2,
            '{ __type(name: ["a", "b", "c"]) { name } }',
            "A list in the document holds 3 items; the limit is 2.",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "GRAPHQL_MAX_TOKENS",
            5,
            "{ pages { __typename } users { __typename } }",
            "Syntax Error: Document contains more than 5 tokens. Parsing aborted.",
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            "GRAPHQL_MAX_DOCUMENT_BYTES",
            10,
            "{ pages { __typename } }",
            "The document is 24 bytes long; the limit is 10. "
            "Send large values (page content) in variables.",
            "GRAPHQL_PARSE_FAILED",
        ),
    ],
)
def test_document_limits_apply(settings, setting, value, document, message, code):
    setattr(settings, setting, value)

    by_post = post_json({"query": document})
    by_get = Client().get(get_url(document))

    for response in (by_post, by_get):
        assert response.status_code == 400
        assert "data" not in response.json()
        error = only_error(response)
        assert error["message"] == message
        assert error["extensions"] == {"code": code}


def test_an_input_list_in_the_variables_is_bounded(settings):
    settings.GRAPHQL_MAX_INPUT_LIST_ITEMS = 2

    response = post_json({"query": TYPE_BY_NAME, "variables": {"name": "Query", "more": [1, 2, 3]}})

    assert response.status_code == 400
    assert only_error(response) == {
        "message": "A list in the variables holds 3 items; the limit is 2.",
        "extensions": {"code": "BAD_USER_INPUT"},
    }


def test_the_size_estimate_applies(settings):
    settings.GRAPHQL_MAX_NODES = 999

    # A list without a limit counts the server's list cap (1000), aliases each once more.
    response = post_json({"query": "{ pages { list { id } } }"})

    assert response.status_code == 400
    error = only_error(response)
    assert "may return up to 1000 objects; the limit is 999" in error["message"]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}


def test_the_size_estimate_counts_what_a_v2_list_is_asked_for(settings):
    settings.GRAPHQL_MAX_NODES = 60

    within = post_json(
        {"query": "{ pages { a: list(limit: 30) { id } b: list(limit: 30) { id } } }"}
    )
    past = post_json({"query": "{ pages { a: list(limit: 31) { id } b: list(limit: 30) { id } } }"})
    namespaces = post_json({"query": "{ pages { __typename } users { __typename } }"})

    assert within.status_code == 200, within.content
    assert past.status_code == 400
    assert "may return up to 61 objects" in only_error(past)["message"]
    assert namespaces.status_code == 200  # namespace objects are not lists


# --- Time: the deadline and the statement timeout (api/core/deadline.py) ----------------------
def test_past_the_deadline_nothing_more_is_resolved(settings, monkeypatch):
    settings.GRAPHQL_DEADLINE_MS = 20

    def slow(root, info):
        time.sleep(0.05)
        return NAMESPACE

    resolving_system_with(monkeypatch, slow)

    response = post_json({"query": "{ system { __typename } pages { __typename } }"})

    assert response.status_code == 200
    assert response.json()["data"] == {"system": None, "pages": None}
    assert only_error(response) == {
        "message": "The request ran longer than 20 ms; this field and the ones after it were "
        "not resolved.",
        "locations": [{"line": 1, "column": 12}],
        "path": ["system", "__typename"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }


@pytest.fixture
def no_timeout_left_behind():
    yield
    if connection.vendor == "postgresql" and connection.connection is not None:
        connection.connection.execute("SET statement_timeout = 0")
    connection.request_statement_timeout = None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
@pytest.mark.usefixtures("no_timeout_left_behind")
def test_the_statement_timeout_applies_and_is_answered(settings, monkeypatch):
    settings.REQUEST_STATEMENT_TIMEOUT_MS = 100

    def sleeping(root, info):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return NAMESPACE

    resolving_system_with(monkeypatch, sleeping)

    started = time.monotonic()
    response = post_json({"query": SYSTEM})

    assert time.monotonic() - started < 1.5
    assert response.status_code == 200
    assert response.json()["data"] == {"system": None}
    error = only_error(response)
    assert error["message"] == (
        "A database statement ran longer than 100 ms and was cancelled. Ask for less, or retry "
        "later."
    )
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "100ms"


# --- Errors raised while resolving (§2.4) ------------------------------------------------------
def test_an_unexpected_error_is_a_system_generic_error_without_any_detail(monkeypatch):
    def explode(root, info):
        raise RuntimeError(SECRET)

    resolving_system_with(monkeypatch, explode)

    with capture_server_log() as log:
        response = post_json({"query": SYSTEM})

    assert response.status_code == 200
    text = response.content.decode()
    for leak in LEAKS:
        assert leak not in text
    assert response.json() == {
        "data": {"system": None},
        "errors": [
            {
                "message": "An unexpected error occured.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["system"],
                "extensions": {
                    "code": "INTERNAL_SERVER_ERROR",
                    "exception": {"code": 7001, "message": "An unexpected error occured."},
                },
            }
        ],
    }
    ref = response["X-Request-ID"]
    assert f"api [{ref}] unexpected error ref={ref}" in log.text
    assert "Traceback (most recent call last)" in log.text


def test_a_v2_error_keeps_its_class_and_the_resolver_code(monkeypatch):
    def missing(root, info):
        raise dialect.V2Error(dialect.PAGE_NOT_FOUND)

    resolving_system_with(monkeypatch, missing)

    error = only_error(post_json({"query": SYSTEM}))

    assert error["message"] == "This page does not exist."
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "exception": {"code": 6003, "message": "This page does not exist."},
    }


def test_a_plain_v2_error_has_no_exception_member(monkeypatch):
    def forbidden(root, info):
        raise dialect.V2Error(dialect.FORBIDDEN)

    resolving_system_with(monkeypatch, forbidden)

    error = only_error(post_json({"query": SYSTEM}))

    assert error["message"] == "Forbidden"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}


# --- The request log and the request id (wiki/request_log.py) ----------------------------------
def test_the_request_log_names_the_operation_and_never_the_query_string(caplog):
    with caplog.at_level(logging.INFO, logger="wiki.request"):
        response = Client().get(
            get_url(TYPE_BY_NAME, {"name": "SecretVariableValue"}, "TypeByName"),
            HTTP_X_REQUEST_ID="a" * 32,
        )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "a" * 32
    (line,) = [r.getMessage() for r in caplog.records if r.name == "wiki.request"]
    assert re.fullmatch(r"GET /graphql 200 [0-9.]+ms sql=\d+ caller=guest op=TypeByName", line), (
        line
    )
    assert "SecretVariableValue" not in caplog.text


def test_a_batch_is_one_log_line_naming_each_operation(caplog):
    batch = [{"query": TYPE_BY_NAME, "variables": {"name": "Query"}}, {"query": SYSTEM}]

    with caplog.at_level(logging.INFO, logger="wiki.request"):
        post_json(batch)

    (line,) = [r.getMessage() for r in caplog.records if r.name == "wiki.request"]
    assert line.endswith("caller=guest op=batch[2]:TypeByName,query{system}"), line


# --- JSON from every layer ----------------------------------------------------------------------
def database_away() -> OperationalError:
    """What Django raises when the server refuses the connection (SQLSTATE class 08)."""
    error = OperationalError("connection refused")
    error.__cause__ = psycopg.errors.ConnectionFailure("connection refused")
    return error


def test_the_database_away_is_503_service_unavailable(monkeypatch):
    def away(root, info):
        raise database_away()

    resolving_system_with(monkeypatch, away)

    response = post_json({"query": SYSTEM})

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "ERR_SERVICE_UNAVAILABLE",
                "extensions": {"code": "ERR_SERVICE_UNAVAILABLE", "retryAfter": 5},
            }
        ],
    }


def test_the_database_away_while_reading_the_caller_is_503_too(monkeypatch):
    def away(request, **kwargs):
        raise database_away()

    monkeypatch.setattr(v2_view, "resolve_caller", away)

    response = Client().get(get_url(SYSTEM))

    assert response.status_code == 503
    assert only_error(response)["extensions"]["code"] == "ERR_SERVICE_UNAVAILABLE"


def test_a_failure_outside_graphql_is_a_json_500_with_its_reference(monkeypatch):
    def explode(request, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(v2_view, "resolve_caller", explode)

    with capture_server_log():
        response = Client(raise_request_exception=False).post(
            V2_URL, json.dumps({"query": SYSTEM}), content_type="application/json"
        )

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    ref = response["X-Request-ID"]
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": f"An unexpected error occurred. Reference: {ref}.",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "ref": ref},
            }
        ],
    }
    for leak in LEAKS:
        assert leak not in response.content.decode()


@pytest.mark.parametrize("path", ["/graphql/", "/graphql/x", "/graphql/a/b.js"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_below_graphql_is_a_json_404_naming_the_endpoint(path, method):
    response = getattr(Client(), method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == [
        {"message": f"Nothing is served at {path}: the GraphQL endpoint is /graphql."}
    ]


def test_below_the_main_endpoint_the_404_still_names_it():
    response = Client().get("/_graphql/x")

    assert response.json()["errors"][0]["message"] == (
        "Nothing is served at /_graphql/x: the GraphQL endpoint is /_graphql."
    )


def test_a_bad_host_header_is_answered_in_json():
    response = post_json({"query": SYSTEM}, HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["message"] == (
        "The Host header names no site this server answers to."
    )


def test_a_query_in_the_url_of_a_post_is_ignored():
    response = Client().post(
        get_url("mutation { pages { __typename } }"),
        json.dumps({"query": SYSTEM}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"system": {"__typename": "SystemQuery"}}}
