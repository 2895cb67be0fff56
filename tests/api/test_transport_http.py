"""What a request to /_graphql must look like before anything runs, and that every answer about
it is JSON (issue 12, item 2): methods, content types, sizes, addresses, failures."""

import io
import json
import logging
import re
import socket
import threading
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import BadRequest
from django.core.servers.basehttp import (
    ThreadedWSGIServer,
    WSGIRequestHandler,
    get_internal_wsgi_application,
)
from django.test import Client, RequestFactory
from graphene_django.views import HttpError

from accounts import tokens
from accounts.models import User
from api.core import view as view_module
from api.core.view import WikiGraphQLView
from tests.conftest import GRAPHQL_URL

pytestmark = pytest.mark.django_db

SITES = "{ sites { hostname } }"
SITES_ANSWER = {"data": {"sites": [{"hostname": "*"}]}}
CREATE_USER = """
mutation { createUser(email: "forged@example.com", name: "Forged", passwordRaw: "Password123") {
  operation { succeeded slug } } }
"""
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class UnreadableBody:
    """A request body that fails the test if anything reads it (``wsgi.input``)."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def post(body, content_type="application/json", client=None, **extra):
    client = client or Client()
    if not isinstance(body, str | bytes):
        body = json.dumps(body)
    return client.post(GRAPHQL_URL, data=body, content_type=content_type, **extra)


def assert_json_refusal(response, status: int) -> str:
    """``response`` is a JSON answer with ``status`` and one error; its message."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body.get("data") is None
    (error,) = body["errors"]
    return error["message"]


def admin_client(admin) -> Client:
    client = Client()
    client.cookies["jwt"] = tokens.issue_session_token(admin)
    return client


# --- Content types ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/graphql",
        "application/jsonp",
        "application/json-patch+json",
        "json",
    ],
)
def test_bodies_other_than_json_are_415_and_run_nothing(admin, content_type):
    # A page of another site can make a browser send these three without a preflight, with the
    # jwt cookie: the request must not get as far as the CSRF check, let alone run.
    body = json.dumps({"query": CREATE_USER})

    response = post(
        body,
        content_type=content_type,
        client=admin_client(admin),
        **{"wsgi.input": UnreadableBody()},
    )

    message = assert_json_refusal(response, 415)
    assert message.startswith("Content-Type must be application/json")
    assert not User.objects.filter(email="forged@example.com").exists()


def test_a_real_form_post_is_415():
    response = Client().post(GRAPHQL_URL, {"query": SITES})  # the test client's form encoding

    assert assert_json_refusal(response, 415).startswith("Content-Type must be application/json")


def test_a_missing_content_type_is_415():
    response = Client().generic(
        "POST", GRAPHQL_URL, json.dumps({"query": SITES}).encode(), content_type=""
    )

    assert assert_json_refusal(response, 415).startswith("Content-Type must be application/json")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON; charset=utf8",
    ],
)
def test_json_in_utf_8_is_executed(content_type):
    response = post({"query": SITES}, content_type=content_type)

    assert response.status_code == 200
    assert response.json() == SITES_ANSWER


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "nonsense"])
def test_json_in_another_charset_is_415(charset):
    body = json.dumps({"query": SITES})

    # generic(): post() would encode the body in that charset first.
    response = Client().generic(
        "POST", GRAPHQL_URL, body, content_type=f"application/json; charset={charset}"
    )

    assert assert_json_refusal(response, 415) == (
        "The body must be UTF-8 (Content-Type: application/json)."
    )


# --- Methods ----------------------------------------------------------------------------------
GET_ONLY_MESSAGE = (
    "Operations never run over GET (GET /_graphql serves only the explorer page, to a browser): "
    "send them as POST with Content-Type: application/json."
)


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "application/graphql"])
@pytest.mark.parametrize("query", [SITES, CREATE_USER])
def test_get_never_runs_an_operation(admin, accept, query):
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    response = admin_client(admin).get(GRAPHQL_URL, {"query": query}, **headers)

    assert assert_json_refusal(response, 405) == GET_ONLY_MESSAGE
    assert response["Allow"] == "GET, POST"
    assert not User.objects.filter(email="forged@example.com").exists()


def test_a_browser_get_with_a_mutation_gets_the_page_and_runs_nothing(admin):
    response = admin_client(admin).get(GRAPHQL_URL, {"query": CREATE_USER}, HTTP_ACCEPT=HTML)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not User.objects.filter(email="forged@example.com").exists()


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
def test_other_methods_are_405_with_allow(method):
    response = Client().generic(
        method, GRAPHQL_URL, json.dumps({"query": SITES}), content_type="application/json"
    )

    message = assert_json_refusal(response, 405)
    assert message.startswith(f"{method} is not supported")
    assert response["Allow"] == "GET, POST"


def test_head_is_405_with_allow():
    response = Client().head(GRAPHQL_URL)

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response["Content-Type"] == "application/json"


# --- Explorer on and off ----------------------------------------------------------------------
def test_explorer_off_get_is_405_in_json_with_post_alone_allowed(settings):
    settings.GRAPHQL_EXPLORER = False

    response = Client().get(GRAPHQL_URL, HTTP_ACCEPT=HTML)

    assert assert_json_refusal(response, 405) == (
        "Operations never run over GET (the explorer is switched off, so GET /_graphql serves "
        "nothing): send them as POST with Content-Type: application/json."
    )
    assert response["Allow"] == "POST"
    assert "csrftoken" not in response.cookies
    assert post({"query": SITES}).json() == SITES_ANSWER


def test_explorer_off_other_methods_allow_post_alone(settings):
    settings.GRAPHQL_EXPLORER = False

    response = Client().delete(GRAPHQL_URL)

    assert assert_json_refusal(response, 405).startswith("DELETE is not supported")
    assert response["Allow"] == "POST"


def test_explorer_on_serves_the_page_without_inline_script_or_style():
    """The page holds under a Content-Security-Policy without 'unsafe-inline'."""
    response = Client().get(GRAPHQL_URL, HTTP_ACCEPT=HTML)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html
    assert html.count("<script") == html.count("<script src=")
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert '<link rel="stylesheet" href="/static/api/explorer.css">' in html


# --- Sizes ------------------------------------------------------------------------------------
def _body_of_size(size: int) -> bytes:
    body = json.dumps({"query": SITES, "variables": {"pad": ""}}).encode()
    padded = json.dumps({"query": SITES, "variables": {"pad": "x" * (size - len(body))}})
    assert len(padded) == size
    return padded.encode()


def test_body_at_the_limit_runs_and_one_byte_more_is_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000

    at_limit = post(_body_of_size(2000))
    over = post(_body_of_size(2001))

    assert at_limit.status_code == 200
    assert at_limit.json() == SITES_ANSWER
    assert assert_json_refusal(over, 413) == (
        "The request body is larger than the limit of 2000 bytes."
    )


def test_body_over_the_default_5_mb_is_413():
    over = post(_body_of_size(5 * 1024 * 1024 + 1))

    assert assert_json_refusal(over, 413) == (
        "The request body is larger than the limit of 5242880 bytes."
    )


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body():
    response = post(
        b"",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(5 * 1024 * 1024 + 1),
        **{"wsgi.input": UnreadableBody()},
    )

    assert assert_json_refusal(response, 413) == (
        "The request body is larger than the limit of 5242880 bytes."
    )


def test_a_body_that_exceeds_its_declared_length_is_cut_there(settings):
    """Only the declared bytes are read: a longer body never reaches the limit's backstop."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"query": SITES}).encode()

    response = post(body + b" " * 1000, CONTENT_LENGTH=str(len(body)))

    assert response.json() == SITES_ANSWER


@pytest.mark.parametrize("declared", ["abc", "-1", "+1", " 12", "1e3", "0x10", "\u00b2", "1_0"])
def test_an_unreadable_content_length_is_400(declared):
    response = post({"query": SITES}, CONTENT_LENGTH=declared, **{"wsgi.input": UnreadableBody()})

    assert assert_json_refusal(response, 400) == (
        "The Content-Length header is not a number of bytes."
    )


def test_a_body_without_content_length_is_411():
    """What a WSGI server hands over for a chunked body: no length, and Django reads nothing."""
    response = Client().generic(
        "POST", GRAPHQL_URL, CONTENT_TYPE="application/json", **{"wsgi.input": UnreadableBody()}
    )

    assert assert_json_refusal(response, 411) == (
        "Send the body with a Content-Length header (chunked bodies are not read)."
    )


def test_an_empty_body_is_400():
    response = post(b"", CONTENT_TYPE="application/json", CONTENT_LENGTH="0")

    assert assert_json_refusal(response, 400) == "POST body sent invalid JSON."


@pytest.fixture
def http_server():
    """Django's threaded development server on a free loopback port, in this process.

    Not pytest-django's live_server: that one empties every table afterwards, which this
    test, refused before any query, does not need.
    """
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
    server.set_app(get_internal_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_a_real_server_answers_413_before_the_body_is_sent(http_server):
    """Over a socket: headers announce 6 MB, no byte of the body follows, the answer comes."""
    address = urlsplit(http_server)
    request = (
        f"POST {GRAPHQL_URL} HTTP/1.1\r\nHost: localhost\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {6 * 1024 * 1024}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        answer = connection.makefile("rb")
        head = b"".join(iter(answer.readline, b"\r\n"))
        length = int(re.search(rb"Content-Length: (\d+)", head)[1])
        body = answer.read(length)

    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["errors"][0]["message"] == (
        "The request body is larger than the limit of 5242880 bytes."
    )


# --- Bad JSON ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body", ['{"query": ', "{'query': '{ sites { id } }'}", "\ufeff{}", "null"]
)
def test_bad_json_is_400_in_json(body):
    response = post(body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["message"] in {
        "POST body sent invalid JSON.",
        "The received data is not a valid JSON query.",
    }


# --- Addresses below the endpoint -------------------------------------------------------------
@pytest.mark.parametrize("path", ["/_graphql/", "/_graphql/x", "/_graphql/x/", "/_graphql/a/b.js"])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_addresses_below_the_endpoint_are_404_in_json(admin, path, method):
    response = admin_client(admin).generic(
        method,
        path,
        json.dumps({"query": CREATE_USER}),
        content_type="application/json",
        HTTP_ACCEPT=HTML,
    )

    message = assert_json_refusal(response, 404)
    assert message == f"Nothing is served at {path}: the GraphQL endpoint is /_graphql."
    assert not User.objects.filter(email="forged@example.com").exists()


def test_no_slash_redirect_is_made_for_the_endpoint(settings):
    """APPEND_SLASH redirects only addresses that do not resolve; these all do."""
    assert settings.APPEND_SLASH
    client = Client()

    for path in ("/_graphql/x", "/_graphql/x/y"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Location" not in response


# --- Failures outside the checks --------------------------------------------------------------
def test_a_bad_host_header_is_400_in_json():
    response = Client().post(
        GRAPHQL_URL,
        json.dumps({"query": SITES}),
        content_type="application/json",
        HTTP_HOST="evil.example",
    )

    assert assert_json_refusal(response, 400) == (
        "The Host header names no site this server answers to."
    )


def test_a_bad_host_header_on_a_page_keeps_djangos_page():
    response = Client().get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_query_in_the_url_of_a_post_is_ignored(admin):
    """graphene-django reads ?query= before the body; this endpoint reads only the body."""
    url = f"{GRAPHQL_URL}?query={CREATE_USER}"

    bearer = Client().post(
        url,
        json.dumps({"query": SITES}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tokens.issue_session_token(admin)}",
    )
    assert bearer.json() == SITES_ANSWER
    assert not User.objects.filter(email="forged@example.com").exists()


def test_a_bad_request_raised_inside_the_view_is_400_in_json(monkeypatch):
    def refuse(request):
        raise BadRequest("internal wording")

    monkeypatch.setattr(view_module, "resolve_caller", refuse)

    response = Client().post(GRAPHQL_URL, json.dumps({"query": SITES}), "application/json")

    assert assert_json_refusal(response, 400) == "Bad request."


class BrokenOffBody:
    """A client that hangs up halfway: the server's read of the socket fails."""

    def read(self, *args):
        raise ConnectionResetError("connection reset by peer")

    readline = read


def test_a_body_the_client_breaks_off_is_400_not_a_server_error(caplog):
    response = post({"query": SITES}, **{"wsgi.input": BrokenOffBody()})

    assert assert_json_refusal(response, 400) == "The body could not be read to its end."
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_body_longer_than_its_declared_length_under_asgi_is_413(settings):
    """ASGI buffers the whole body, so Django sees its true size; WSGI reads only the
    declared bytes (test_a_body_that_exceeds_its_declared_length_is_cut_there)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    request = RequestFactory().post(GRAPHQL_URL, "{}", content_type="application/json")
    request._stream = io.BytesIO(b" " * 101)  # seekable, as ASGI's spooled body is

    with pytest.raises(HttpError) as refusal:
        WikiGraphQLView().parse_body(request)

    assert refusal.value.response.status_code == 413
    assert refusal.value.message == "The request body is larger than the limit of 100 bytes."
