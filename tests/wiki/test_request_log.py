"""The request line (wiki/request_log.py): one per request, with its id, caller kind,
operation, duration and SQL count; the id echoed, and stamped on every other line."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import GRAPHQL_URL
from tests.log_support import capture_server_log
from wiki.request_log import loggable_path

from .admin_support import logged_in

pytestmark = pytest.mark.django_db

# time LEVEL logger [request id] METHOD PATH STATUS DURATIONms sql=N caller=KIND op=NAME
REQUEST_LINE = re.compile(
    r"\S+ \S+ INFO wiki\.request \[(?P<id>[^\]]+)\] (?P<method>\S+) (?P<path>\S+) (?P<status>\d{3}) "
    r"(?P<ms>\d+\.\d)ms sql=(?P<sql>\d+) caller=(?P<caller>\S+) op=(?P<op>.+)"
)
PAGE_BY_ID = "query PageOne($id: UUID!) { pageById(id: $id) { id title } }"
NO_PAGE = "5f0c2b4e-8d1a-4c3b-9e7f-000000000001"


def only_request_line(log) -> re.Match:
    (line,) = log.request_lines()
    match = REQUEST_LINE.fullmatch(line)
    assert match, line
    return match


def graphql(http: Client, query: str, variables=None, operation_name=None, **headers):
    body = {"query": query, "variables": variables or {}}
    if operation_name is not None:
        body["operationName"] = operation_name
    return http.post(GRAPHQL_URL, json.dumps(body), content_type="application/json", **headers)


def test_a_page_request_writes_one_line_and_echoes_a_new_id():
    with capture_server_log() as log:
        response = Client().get("/t")

    line = only_request_line(log)
    assert re.fullmatch(r"[0-9a-f]{32}", line["id"])
    assert response["X-Request-ID"] == line["id"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/t", "200")
    assert line["caller"] == "guest"
    assert line["op"] == "-"


def test_a_safe_incoming_request_id_is_kept():
    with capture_server_log() as log:
        response = Client().get("/t", HTTP_X_REQUEST_ID="lb-7f3a.2_x")

    assert response["X-Request-ID"] == "lb-7f3a.2_x"
    assert only_request_line(log)["id"] == "lb-7f3a.2_x"


@pytest.mark.parametrize(
    "offered",
    ["x" * 65, "has space", "new\nline", 'quote"', "semi;colon", "ünïcode", ""],
)
def test_an_unsafe_incoming_request_id_is_replaced(offered):
    with capture_server_log() as log:
        response = Client().get("/t", HTTP_X_REQUEST_ID=offered)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert only_request_line(log)["id"] == response["X-Request-ID"]
    if offered:
        assert offered not in log.text


def test_the_query_string_is_not_logged():
    with capture_server_log() as log:
        Client().get("/_search?q=confidential-words&page=2")

    line = only_request_line(log)
    assert line["path"] == "/_search"
    assert "confidential-words" not in log.text


def test_control_characters_in_a_path_cannot_start_a_line():
    with capture_server_log() as log:
        Client().get("/a%0AFAKE%20INFO%20line%0D")

    assert not any(line.startswith("FAKE") for line in log.lines)
    line = only_request_line(log)
    assert line["path"] == "/a%0AFAKE%20INFO%20line%0D"


@pytest.mark.parametrize("route", ["login-reset", "verify"])
def test_companion_link_tokens_are_redacted(route):
    token = "Zq3xY7pW2mN8kL4vB6cD9"  # the shape of a real one (21 characters)

    with capture_server_log() as log:
        response = Client().get(f"/{route}/{token}")

    assert response.status_code == 400
    line = only_request_line(log)
    assert line["path"] == f"/{route}/[redacted]"
    # Django's own "Bad Request: /login-reset/..." warning is scrubbed too.
    assert f"WARNING django.request [{line['id']}] Bad Request: /{route}/[redacted]" in log.text
    assert token not in log.text


def test_graphql_lines_name_the_caller_and_the_operation(
    anonymous, user_client, admin_key_client, user
):
    with capture_server_log() as log:
        graphql(Client(), PAGE_BY_ID, {"id": NO_PAGE})
        graphql(
            Client(), PAGE_BY_ID, {"id": NO_PAGE}, HTTP_AUTHORIZATION=f"Bearer {user_client.token}"
        )
        graphql(
            Client(),
            "{ pages { id } sites { id } }",
            HTTP_AUTHORIZATION=f"Bearer {admin_key_client.token}",
        )
        graphql(Client(), "query A { sites { id } } query B { sites { id } }", operation_name="B")
        graphql(Client(), PAGE_BY_ID, {"id": NO_PAGE}, operation_name="not a name\nINFO x")

    lines = [REQUEST_LINE.fullmatch(line) for line in log.request_lines()]
    assert [(m["caller"], m["op"], m["status"]) for m in lines] == [
        ("guest", "PageOne", "200"),
        ("user", "PageOne", "200"),
        ("api_key", "query{pages,sites}", "200"),
        ("guest", "B", "200"),
        ("guest", "(not a name)", "400"),
    ]
    assert all(m["path"] == GRAPHQL_URL for m in lines)
    assert len({m["id"] for m in lines}) == 5


def test_a_browser_signed_in_by_cookie_is_a_user(admin):
    with capture_server_log() as log:
        logged_in(admin).get("/t")

    assert only_request_line(log)["caller"] == "user"


def test_the_sql_count_is_the_number_of_queries_the_request_ran(user_client):
    http = Client()
    with capture_server_log() as log, CaptureQueriesContext(connection) as queries:
        graphql(http, PAGE_BY_ID, {"id": NO_PAGE}, HTTP_AUTHORIZATION=f"Bearer {user_client.token}")
        http.get("/t")

    counted = [int(REQUEST_LINE.fullmatch(line)["sql"]) for line in log.request_lines()]
    assert sum(counted) == len(queries)
    assert all(count > 0 for count in counted)
    # Nothing stays installed on the connection after the request.
    assert connection.execute_wrappers == []


def test_other_lines_of_the_request_carry_its_id(user_client):
    """An INFO of accounts.authentication (a token that does not verify) and the request
    line: the same id, which is the one the client got."""
    with capture_server_log() as log:
        response = graphql(
            Client(), PAGE_BY_ID, {"id": NO_PAGE}, HTTP_AUTHORIZATION="Bearer nonsense"
        )

    request_id = response["X-Request-ID"]
    ignored = [line for line in log.lines if "token ignored" in line]
    assert ignored
    assert all(f"INFO accounts [{request_id}]" in line for line in ignored)
    assert only_request_line(log)["id"] == request_id


def test_lines_outside_a_request_carry_no_id():
    import logging

    Client().get("/t")
    with capture_server_log() as log:
        logging.getLogger("wiki.somewhere").warning("between requests")

    assert "WARNING wiki.somewhere [-] between requests" in log.text


def test_json_lines_carry_the_request_fields(user_client):
    with capture_server_log(json_lines=True) as log:
        response = graphql(
            Client(), PAGE_BY_ID, {"id": NO_PAGE}, HTTP_AUTHORIZATION=f"Bearer {user_client.token}"
        )

    entries = log.entries()
    (request,) = [e for e in entries if e["logger"] == "wiki.request"]
    assert set(request) == {
        "timestamp", "level", "logger", "message", "request_id", "method", "path", "status",
        "caller", "operation", "duration_ms", "sql_queries",
    }  # fmt: skip
    assert request["request_id"] == response["X-Request-ID"]
    assert request["level"] == "INFO"
    assert (request["method"], request["path"], request["status"]) == ("POST", GRAPHQL_URL, 200)
    assert (request["caller"], request["operation"]) == ("user", "PageOne")
    assert isinstance(request["duration_ms"], float)
    assert request["sql_queries"] >= 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", request["timestamp"])


@pytest.mark.parametrize(
    ("path", "path_info", "logged"),
    [
        ("/login-reset/abc", None, "/login-reset/[redacted]"),
        ("/wiki/verify/abc def", "/verify/abc def", "/wiki/verify/[redacted]"),
        ("/docs/verify/how-to", None, "/docs/verify/how-to"),
        ("/ünïcode page", None, "/%C3%BCn%C3%AFcode%20page"),
        ("/" + "a" * 600, None, "/" + "a" * 511 + "..."),
    ],
)
def test_loggable_path(path, path_info, logged):
    assert loggable_path(path, path_info) == logged
