"""Time budgets of a GraphQL request: PostgreSQL's statement_timeout and the wall clock.

A statement is made slow for real: another connection holds an exclusive lock on the pages
table, so the request's query waits until PostgreSQL cancels it. These tests commit (the lock
must be seen from another connection), so they run with a transactional database: about
five seconds each, most of it restoring the installation's rows afterwards.
"""

import logging
import threading

import psycopg
import pytest
from django.db import connection

from pages.models import Page
from tests.factories import PageFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's"
    ),
]

PAGES = "{ pages { path } }"
CREATE_PAGE = """mutation ($site: UUID!) {
  createPage(siteId: $site, locale: "en", path: "blocked", title: "Blocked", description: "",
             content: "# Blocked", editor: "markdown", publishState: published) {
    operation { succeeded slug } } }"""


@pytest.fixture(autouse=True)
def _no_timeout_left_behind(transactional_db):
    """Switch the timeout off again before the database is flushed after the test."""
    yield
    connection.connection.execute("SET statement_timeout = 0")
    connection.request_statement_timeout = None


@pytest.fixture
def lock_pages():
    """Holds ACCESS EXCLUSIVE on the pages table from another connection while active."""
    other = psycopg.connect(**connection.get_connection_params())
    table = Page._meta.db_table

    class Lock:
        def __enter__(self):
            other.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            return self

        def __exit__(self, *exc):
            other.rollback()

    yield Lock()
    other.rollback()
    other.close()


def current_statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_a_cancelled_statement_is_a_clear_error_and_the_connection_stays_usable(
    settings, admin_key_client, lock_pages, caplog
):
    settings.REQUEST_STATEMENT_TIMEOUT_MS = 300
    PageFactory(path="kept")

    with lock_pages, caplog.at_level(logging.INFO):
        response = admin_key_client(PAGES)

    assert response.status == 200
    assert response.data == {"pages": None}
    assert response.errors == [
        {
            "message": "A database statement ran longer than 300 ms and was cancelled. "
            "Ask for less, or retry later.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["pages"],
            "extensions": {"code": "DEADLINE_EXCEEDED"},
        }
    ]
    # A warning without a trace: no ERR_UNEXPECTED, nothing at ERROR.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    # The same connection answers the next request, and the one after it.
    assert admin_key_client(PAGES).data == {"pages": [{"path": "kept"}]}
    assert current_statement_timeout() == "300ms"


def test_a_mutation_cut_by_the_timeout_says_so_and_writes_nothing(
    settings, admin, admin_key_client, lock_pages, caplog
):
    settings.REQUEST_STATEMENT_TIMEOUT_MS = 300
    site = admin_key_client("{ sites { id } }").data["sites"][0]["id"]

    with lock_pages, caplog.at_level(logging.INFO):
        response = admin_key_client(CREATE_PAGE, {"site": site})

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert response.data == {"createPage": None}
    assert [e["extensions"]["code"] for e in response.errors] == ["DEADLINE_EXCEEDED"]
    assert not Page.objects.filter(path="blocked").exists()
    retried = admin_key_client(CREATE_PAGE, {"site": site})
    assert retried.data["createPage"]["operation"] == {"succeeded": True, "slug": "ok"}


def test_past_the_request_budget_no_further_field_is_resolved(
    settings, admin_key_client, lock_pages
):
    # The first field waits for the lock until its statement is cancelled (400 ms), which
    # is past the request's budget (200 ms): the second field is not even started.
    settings.REQUEST_STATEMENT_TIMEOUT_MS = 400
    settings.GRAPHQL_DEADLINE_MS = 200

    with lock_pages:
        response = admin_key_client("{ pages { path } sites { id } users { id } }")

    assert response.data == {"pages": None, "sites": None, "users": None}
    assert [(e["path"], e["extensions"]["code"]) for e in response.errors] == [
        (["pages"], "DEADLINE_EXCEEDED"),
        (["sites"], "DEADLINE_EXCEEDED"),
    ]
    assert response.errors[1]["message"] == (
        "The request ran longer than 200 ms; this field and the ones after it were not resolved."
    )


def test_within_the_budget_everything_is_resolved(settings, admin_key_client):
    settings.GRAPHQL_DEADLINE_MS = 10_000

    response = admin_key_client("{ pages { path } sites { hostname } }")

    assert response.errors == []
    assert response.data == {"pages": [], "sites": [{"hostname": "*"}]}


def test_the_timeout_is_set_once_per_connection(
    settings, admin_key_client, django_assert_num_queries
):
    settings.REQUEST_STATEMENT_TIMEOUT_MS = 1234
    admin_key_client(PAGES)
    assert current_statement_timeout() == "1234ms"

    # Later requests on the connection send nothing more (the SET is not even a query).
    with django_assert_num_queries(2):  # the key's validity, then the list
        admin_key_client(PAGES)

    settings.REQUEST_STATEMENT_TIMEOUT_MS = 0
    admin_key_client(PAGES)
    assert current_statement_timeout() == "0"


def test_connections_that_served_no_request_have_no_timeout(settings, admin_key_client):
    """Migrations, management commands and Celery workers never run a GraphQL request."""
    settings.REQUEST_STATEMENT_TIMEOUT_MS = 300
    admin_key_client(PAGES)
    seen = []

    def elsewhere():
        # A thread has its own connection, as a command or a worker process has.
        seen.append(current_statement_timeout())
        connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()

    assert current_statement_timeout() == "300ms"
    assert seen == ["0"]
