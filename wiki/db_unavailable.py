"""The database gone (restarting, refusing connections): HTTP 503, not a 500.

PostgreSQL restarting or unreachable is a fault of the moment, not of the request: the client
is told so (HTTP 503 with ``Retry-After``; for ``/_graphql`` and ``/graphql`` JSON carrying
``ERR_SERVICE_UNAVAILABLE``, for a browser a short page without any trace), and nothing is
logged as a crash. The server recovers by itself: Django marks a connection on which such an
error happened and, at the end of the request, closes it when a ``SELECT 1`` on it fails; a
connection kept between requests is also checked before its first query
(``CONN_HEALTH_CHECKS``). No restart of the server is needed.

Three places answer: ``DatabaseUnavailableMiddleware`` for an exception out of a view
(``/_graphql`` included: ``api.core.errors`` lets a resolver's database error through instead
of masking it as ``ERR_UNEXPECTED``), and ``server_error`` (``handler500``) for one out of a
middleware (the cookie's user, the session), which Django turns into a 500 before any
middleware's ``process_exception`` could see it.

Only errors that mean "no database right now" count: no connection, a lost connection, the
server shutting down or starting up, too many connections. A statement timeout, a deadlock or
a constraint violation is about the request and stays what it was.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from . import error_views
from .api_path import is_api_endpoint
from .errors import ErrorKey

logger = logging.getLogger(__name__)

# Seconds a client should wait before trying again: a PostgreSQL restart takes a few.
RETRY_AFTER_SECONDS = 5

# SQLSTATEs of a server that cannot serve now (PostgreSQL's appendix A): class 08 (connection
# exception), 53300 too_many_connections, 57P01 admin_shutdown, 57P02 crash_shutdown,
# 57P03 cannot_connect_now (starting up, shutting down, in recovery).
UNAVAILABLE_STATES = frozenset({"53300", "57P01", "57P02", "57P03"})


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (Django's, or the driver's it wraps) means the database is out of
    reach, as opposed to a failure of this request's statements."""
    if isinstance(error, InterfaceError):
        return True  # a connection already closed or lost
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__  # Django raises its own class "from" the driver's error
    if cause is None or not hasattr(cause, "sqlstate"):
        # Not psycopg (SQLite: "database is locked", a missing file): not this fault.
        return False
    state = cause.sqlstate
    # None: the failure happened on the client side of the socket (refused, reset, closed).
    return state is None or state.startswith("08") or state in UNAVAILABLE_STATES


def wants_json(request: HttpRequest) -> bool:
    """``/_graphql``, ``/graphql`` and clients that ask for JSON rather than a page."""
    if is_api_endpoint(request.path_info):
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON with the key for API clients, a friendly page for browsers.

    Built without the database (no context processors, no site settings).
    """
    if wants_json(request):
        key = ErrorKey.SERVICE_UNAVAILABLE.value
        response: HttpResponse = JsonResponse(
            {
                "data": None,
                "errors": [
                    {
                        "message": key,
                        "extensions": {"code": key, "retryAfter": RETRY_AFTER_SECONDS},
                    }
                ],
            },
            status=503,
        )
    else:
        html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _log(request: HttpRequest, error: BaseException) -> None:
    # One line, no trace: the cause is outside this program and the trace says nothing new.
    logger.warning(
        "database unavailable, answered 503 to %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )


class DatabaseUnavailableMiddleware:
    """Answers 503 for a view (or resolver) that failed because the database is away."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        _log(request, exception)
        return service_unavailable(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a 503 when the failure was the database being away (raised in a
    middleware, where ``process_exception`` does not reach), else the 500 answer with its
    reference (``wiki.error_views``)."""
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        _log(request, error)
        return service_unavailable(request)
    return error_views.server_error(request)
