"""How long one GraphQL request may run: PostgreSQL's ``statement_timeout`` and a wall clock.

Two bounds, because neither covers the other. ``REQUEST_STATEMENT_TIMEOUT_MS`` makes
PostgreSQL cancel any one statement that runs longer (a slow search, a statement waiting for
a lock); ``GRAPHQL_DEADLINE_MS`` stops resolving further fields once the request as a whole
has run that long (many quick statements, Python work between them). Both answer a GraphQL
error with ``extensions.code`` ``DEADLINE_EXCEEDED`` and leave the connection usable: a
cancelled statement in autocommit leaves nothing open, and inside a service's
``transaction.atomic()`` the exception rolls the transaction back on its way out.

The statement timeout is set on the connection the first time a GraphQL request runs on it
(PostgreSQL keeps it for the session; Django keeps connections for ``DATABASE_CONN_MAX_AGE``),
so later requests pay one comparison. It is never set on a connection that served no GraphQL
request: migrations, management commands and Celery workers run without it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from graphql import GraphQLError

logger = logging.getLogger("api")

DEADLINE_CODE = "DEADLINE_EXCEEDED"
#: PostgreSQL's SQLSTATE for a statement cancelled (statement_timeout or pg_cancel_backend).
QUERY_CANCELED = "57014"
_APPLIED = "request_statement_timeout"  # attribute on Django's connection wrapper


class DeadlineExceeded(GraphQLError):
    """The request ran out of time; a GraphQLError so that its message reaches the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": DEADLINE_CODE})


def request_deadline_error() -> DeadlineExceeded:
    return DeadlineExceeded(
        f"The request ran longer than {settings.GRAPHQL_DEADLINE_MS} ms; "
        "this field and the ones after it were not resolved."
    )


def statement_timeout_error() -> DeadlineExceeded:
    return DeadlineExceeded(
        f"A database statement ran longer than {settings.REQUEST_STATEMENT_TIMEOUT_MS} ms "
        "and was cancelled. Ask for less, or retry later."
    )


def is_statement_timeout(error: BaseException | None) -> bool:
    """Whether ``error`` is (or was caused by) PostgreSQL cancelling a statement."""
    seen = 0
    while error is not None and seen < 5:
        if getattr(error, "sqlstate", None) == QUERY_CANCELED:
            return True
        error, seen = error.__cause__, seen + 1
    return False


def apply_statement_timeout(milliseconds: int) -> None:
    """Make sure this thread's connection carries the request statement timeout."""
    database = connections[DEFAULT_DB_ALIAS]  # one look-up of the thread's connection
    if database.vendor != "postgresql":
        return
    applied = getattr(database, _APPLIED, None)
    raw = database.connection
    if applied is not None and applied[0] is raw and applied[1] == milliseconds:
        return
    if milliseconds <= 0 and raw is None:
        return  # nothing to switch off on a connection not opened yet
    try:
        database.ensure_connection()
        raw = database.connection
        # Straight on the driver's connection: no round trip through Django's cursor
        # wrappers, and not counted as one of the request's queries.
        raw.execute(f"SET statement_timeout = {max(int(milliseconds), 0)}")
    except DatabaseError:
        # The database is unreachable: the request's own queries meet that, and answer it.
        return
    except Exception as error:  # noqa: BLE001 - psycopg's own errors are not Django's
        logger.warning("could not set statement_timeout: %s", error)
        return
    setattr(database, _APPLIED, (raw, milliseconds))
