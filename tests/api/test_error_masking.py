"""Unexpected failures everywhere (API.md §2): the client gets a reference, the log gets the
trace under that same reference, which is the request's id; no exception text, SQL or trace
reaches a client, whether the failure is caught by the GraphQL layer or by Django's
``handler500`` (wiki/error_views.py)."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.admin import AdminSite
from django.test import Client

from accounts import directory, services
from api.core import view as graphql_view
from pages import read_views
from tests.conftest import GRAPHQL_URL
from tests.log_support import capture_server_log
from tests.wiki.admin_support import logged_in
from wiki import error_views, mail_test

pytestmark = pytest.mark.django_db

# What a failure carries, which no answer may show.
SECRET = "sslpassword=hunter2 SELECT token FROM accounts_user"
LEAKS = ("hunter2", "SELECT", "accounts_user", "RuntimeError", "Traceback", "read_views.py")
UNEXPECTED = re.compile(r"An unexpected error occurred\. Reference: ([0-9a-f]{32})\.")


def explode(*args, **kwargs):
    raise RuntimeError(SECRET)


def assert_nothing_leaks(body: str) -> None:
    for leak in LEAKS:
        assert leak not in body


def assert_logged_with_trace(log, ref: str, logger: str) -> None:
    """An ERROR line of ``logger`` with the request id ``ref``, followed by the trace; the
    secret in the exception's text is scrubbed by the handler's filter."""
    error_lines = [line for line in log.lines if f" ERROR {logger} [{ref}] " in line]
    assert error_lines, log.text
    assert "Traceback (most recent call last)" in log.text
    assert "RuntimeError: sslpassword=[redacted] SELECT token FROM accounts_user" in log.text
    assert "hunter2" not in log.text


def post(http: Client, query: str, **headers):
    return http.post(
        GRAPHQL_URL, json.dumps({"query": query}), content_type="application/json", **headers
    )


# --- Inside GraphQL: a field's error, a mutation's operation --------------------------------------
def test_a_failing_field_answers_its_reference_which_is_the_request_id(
    admin_key_client, monkeypatch
):
    monkeypatch.setattr(directory, "list_users", explode)

    with capture_server_log() as log:
        response = post(
            Client(), "{ users { id } }", HTTP_AUTHORIZATION=f"Bearer {admin_key_client.token}"
        )

    assert response.status_code == 200
    assert_nothing_leaks(response.content.decode())
    (error,) = response.json()["errors"]
    ref = UNEXPECTED.fullmatch(error["message"])[1]
    assert error["extensions"] == {"code": "ERR_UNEXPECTED", "ref": ref}
    assert response["X-Request-ID"] == ref
    assert_logged_with_trace(log, ref, "api")
    assert f"api [{ref}] unexpected error ref={ref}" in log.text


def test_a_failing_mutation_answers_its_reference(admin_key_client, monkeypatch):
    monkeypatch.setattr(services, "create_user", explode)
    mutation = """mutation { createUser(email: "x@example.com", name: "X", passwordRaw: "Password123",
      providerKey: "local", groups: [], sendWelcomeEmail: false) {
      operation { succeeded slug message } } }"""

    with capture_server_log() as log:
        response = post(Client(), mutation, HTTP_AUTHORIZATION=f"Bearer {admin_key_client.token}")

    assert_nothing_leaks(response.content.decode())
    operation = response.json()["data"]["createUser"]["operation"]
    assert operation["slug"] == "ERR_UNEXPECTED"
    ref = UNEXPECTED.fullmatch(operation["message"])[1]
    assert response["X-Request-ID"] == ref
    assert_logged_with_trace(log, ref, "api")


def test_a_client_chosen_request_id_is_the_reference(admin_key_client, monkeypatch):
    monkeypatch.setattr(directory, "list_users", explode)

    response = post(
        Client(),
        "{ users { id } }",
        HTTP_AUTHORIZATION=f"Bearer {admin_key_client.token}",
        HTTP_X_REQUEST_ID="support-ticket-42",
    )

    (error,) = response.json()["errors"]
    assert error["message"] == "An unexpected error occurred. Reference: support-ticket-42."


# --- Past the GraphQL layer: Django's handler500 ------------------------------------------------
def test_graphql_failing_before_execution_answers_json_500(monkeypatch):
    """An exception the view does not catch (here while resolving the caller) reaches
    handler500, which answers /_graphql in JSON."""
    monkeypatch.setattr(graphql_view, "resolve_caller", explode)
    http = Client(raise_request_exception=False)

    with capture_server_log() as log:
        response = post(http, "{ sites { id } }")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert_nothing_leaks(response.content.decode())
    ref = response["X-Request-ID"]
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": f"An unexpected error occurred. Reference: {ref}.",
                "extensions": {"code": "ERR_UNEXPECTED", "ref": ref},
            }
        ],
    }
    assert_logged_with_trace(log, ref, "django.request")
    assert f"wiki.request [{ref}] POST /_graphql 500 " in log.text


def test_a_failing_page_shows_the_500_page_with_its_reference(monkeypatch):
    monkeypatch.setattr(read_views, "page_with_editor", explode)
    http = Client(raise_request_exception=False)

    with capture_server_log() as log:
        response = http.get("/")

    assert response.status_code == 500
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    assert_nothing_leaks(html)
    ref = response["X-Request-ID"]
    assert f'<code id="error-reference">{ref}</code>' in html
    assert_logged_with_trace(log, ref, "django.request")
    assert f"wiki.request [{ref}] GET / 500 " in log.text


def test_a_failing_admin_page_shows_the_500_page(admin, monkeypatch):
    monkeypatch.setattr(AdminSite, "each_context", explode)
    http = logged_in(admin, raise_request_exception=False)

    with capture_server_log() as log:
        response = http.get("/admin/")

    assert response.status_code == 500
    html = response.content.decode()
    assert_nothing_leaks(html)
    ref = response["X-Request-ID"]
    assert f'<code id="error-reference">{ref}</code>' in html
    assert_logged_with_trace(log, ref, "django.request")
    assert f"wiki.request [{ref}] GET /admin/ 500 " in log.text
    assert " caller=user " in log.text


# --- Messages that used to carry an exception's text -------------------------------------------
def test_a_test_mail_that_fails_to_render_shows_a_reference_not_the_error(
    admin, mail_configured, monkeypatch
):
    """The admin's "Send test mail" shows the refusal's detail; for a template that fails that
    is the reference of the logged trace, not the exception's text."""
    monkeypatch.setattr(mail_test, "render_mail", explode)

    with capture_server_log() as log:
        response = logged_in(admin).post(
            "/admin/mail-settings/test/", {"recipient_email": "jane@example.com"}
        )

    assert response.status_code == 400
    html = response.content.decode()
    assert_nothing_leaks(html)
    ref = response["X-Request-ID"]
    assert f"ERR_MAIL_RENDER_FAILED: the test mail failed to render (reference {ref})" in html
    assert_logged_with_trace(log, ref, "wiki.mail_test")


def test_sendmailtest_answers_the_bare_key(admin_key_client, mail_configured, monkeypatch):
    monkeypatch.setattr(mail_test, "render_mail", explode)

    response = admin_key_client(
        'mutation { sendMailTest(recipientEmail: "jane@example.com") { operation { slug message } } }'
    )

    assert response.data["sendMailTest"]["operation"] == {
        "slug": "ERR_MAIL_RENDER_FAILED",
        "message": "ERR_MAIL_RENDER_FAILED",
    }


def test_a_500_page_that_cannot_render_falls_back_to_plain_text(monkeypatch):
    monkeypatch.setattr(read_views, "page_with_editor", explode)
    monkeypatch.setattr(error_views.loader, "render_to_string", explode)
    http = Client(raise_request_exception=False)

    with capture_server_log() as log:
        response = http.get("/")

    assert response.status_code == 500
    ref = response["X-Request-ID"]
    assert response.content.decode() == f"Server error. Reference: {ref}\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f"ERROR wiki.error_views [{ref}] the 500 page failed to render" in log.text
