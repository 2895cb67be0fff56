"""Which database errors mean "the database is away" (wiki/db_unavailable.py), and what a
request that meets one in the middle answers: a session ended by the server while a resolver or
a mutation's service runs (``pg_terminate_backend``, what a restart does to every session) is
HTTP 503 with ``ERR_SERVICE_UNAVAILABLE``, not ``ERR_UNEXPECTED``; the connection is discarded
and the next request works. The errors are PostgreSQL's own, raised by a real server."""

from __future__ import annotations

import json
from contextlib import contextmanager

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.backends.postgresql.base import DatabaseWrapper
from django.http import HttpResponse
from django.test import RequestFactory

from pages.models import Page
from tests.factories import UserFactory, default_site
from wiki.db_unavailable import (
    DatabaseUnavailableMiddleware,
    is_database_unavailable,
    server_error,
    service_unavailable,
)

from .services import free_port

KEY = "ERR_SERVICE_UNAVAILABLE"
PAGES = "{ pages(limit: 10) { id path } }"
CREATE_PAGE = """
mutation ($site: UUID!) {
  createPage(siteId: $site, locale: "en", path: "cut-off", title: "Cut off", description: "",
             content: "x", editor: "markdown", publishState: published) {
    operation { succeeded slug message }
  }
}"""

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL's errors (the SQLite run has no server to lose)",
)


def refused_connection_error() -> OperationalError:
    """What Django raises when PostgreSQL refuses the connection (nothing on the port)."""
    unreachable = DatabaseWrapper(
        {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": free_port()}, alias="gone"
    )
    try:
        unreachable.ensure_connection()
    except OperationalError as error:
        return error
    finally:
        unreachable.close()
    raise AssertionError("a connection to a closed port succeeded")


# --- Which errors count -------------------------------------------------------------------------
@postgresql_only
@pytest.mark.django_db
def test_a_refused_connection_counts():
    error = refused_connection_error()
    assert isinstance(error.__cause__, psycopg.OperationalError)
    assert is_database_unavailable(error)


@postgresql_only
@pytest.mark.django_db
def test_a_statement_timeout_does_not_count():
    def sleep_past_a_statement_timeout():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 10")
            cursor.execute("SELECT pg_sleep(1)")

    with pytest.raises(OperationalError) as raised:
        sleep_past_a_statement_timeout()
    assert raised.value.__cause__.sqlstate == "57014"  # query_canceled
    assert not is_database_unavailable(raised.value)


@pytest.mark.django_db
def test_a_constraint_violation_and_other_errors_do_not_count():
    UserFactory(email="twice@example.com")
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        UserFactory(email="twice@example.com")
    assert not is_database_unavailable(raised.value)
    assert not is_database_unavailable(ValueError("nothing to do with the database"))
    assert not is_database_unavailable(None)


# --- The answers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "accept", "json_answer"),
    [
        ("/_graphql", "application/json", True),
        ("/_graphql", "text/html", True),  # /_graphql answers JSON whatever is asked
        ("/en/home", "application/json", True),
        ("/en/home", "text/html,application/xhtml+xml,*/*;q=0.8", False),
        ("/en/home", "", False),
        ("/admin/", "*/*", False),
    ],
)
def test_json_for_api_clients_a_page_for_browsers(path, accept, json_answer):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = service_unavailable(RequestFactory().get(path, **headers))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    if json_answer:
        assert json.loads(response.content) == {
            "data": None,
            "errors": [{"message": KEY, "extensions": {"code": KEY, "retryAfter": 5}}],
        }
    else:
        assert response["Content-Type"] == "text/html; charset=utf-8"
        page = response.content.decode()
        assert "The wiki is temporarily unavailable" in page
        assert "try again in 5 seconds" in page


@postgresql_only
@pytest.mark.django_db
def test_the_middleware_and_handler500_answer_only_for_the_database_being_away(caplog):
    request = RequestFactory().get("/en/home", HTTP_ACCEPT="text/html")
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    error = refused_connection_error()

    assert middleware.process_exception(request, error).status_code == 503
    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert "database unavailable, answered 503 to GET /en/home: OperationalError" in caplog.text

    try:
        raise error
    except OperationalError:
        assert server_error(request).status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


# --- A session ended by the server in the middle of a request ----------------------------------
@contextmanager
def session_ended_at_first(table: str):
    """The server ends this connection's session just before its first statement on
    ``table``: the statement then meets a real lost connection."""
    pid = None

    def end_session(execute, sql, params, many, context):
        nonlocal pid
        if pid is None and f'"{table}"' in sql:
            pid = connection.connection.info.backend_pid
            with psycopg.connect(**connection.get_connection_params(), autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(end_session):
        yield lambda: pid


@pytest.fixture
def fresh_connection_afterwards():
    yield
    # The test client keeps Django's end-of-request cleanup off; do what it does.
    connection.close_if_unusable_or_obsolete()


@postgresql_only
# A transaction of its own: the session is really ended, which the test's usual outer
# transaction would not survive. Serialized rollback puts the migrations' rows back.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("document", "table"),
    [(PAGES, "pages_page"), (CREATE_PAGE, "pages_page")],
    ids=["query", "mutation"],
)
def test_a_session_ended_mid_request_answers_503_and_the_next_request_works(
    admin_key_client, fresh_connection_afterwards, caplog, document, table
):
    variables = {"site": str(default_site().pk)}

    with session_ended_at_first(table) as ended:
        response = admin_key_client(document, variables)

    assert ended() is not None, f"no statement on {table} ran"
    assert response.status == 503
    assert response.body == {
        "data": None,
        "errors": [{"message": KEY, "extensions": {"code": KEY, "retryAfter": 5}}],
    }
    assert "ERR_UNEXPECTED" not in caplog.text
    assert "unexpected error" not in caplog.text
    # The broken connection is discarded at the end of the request, not reused.
    assert connection.errors_occurred
    connection.close_if_unusable_or_obsolete()
    assert connection.connection is None

    again = admin_key_client(PAGES)
    assert again.status == 200
    assert "errors" not in again.body
    assert not Page.objects.filter(path="cut-off").exists()
