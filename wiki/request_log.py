"""One log line per request, and the request id that every other line of the request carries.

``RequestLogMiddleware`` (first in ``settings.MIDDLEWARE``) gives each request an id: the
client's ``X-Request-ID`` when it is short and plain (``[A-Za-z0-9._-]{1,64}``, so that it can
be written into a log line as it is), else a new one. The id is echoed in the response's
``X-Request-ID``, kept on ``request.request_id`` and in a context variable that
``wiki.log_format.RequestIdFilter`` stamps on every record, and is the reference an unexpected
error shows (``wiki.error_views``, ``api.core.errors``): what a user quotes is what the log is
searched for.

The request line (logger ``wiki.request``, INFO) says: method, path, status, who called
(``guest``, ``user``, ``api_key``; ``-`` when the request never needed to know), the GraphQL
operation, duration in milliseconds and the number of SQL queries. The path is written
without its query string, and the token of a ``/login-reset/<token>`` or ``/verify/<token>``
link is replaced by ``[redacted]``.

Cost: two ``perf_counter`` calls, a list append and remove on the connection's execute
wrappers, one call of the counter per query, and the line itself (measured in
docs/operations.md, "Logs").
"""

from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar
from time import perf_counter
from urllib.parse import quote

from django.conf import settings
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Paths whose last segment is a single-use secret (API.md §1.6).
_SECRET_PATH_PREFIXES = ("/login-reset/", "/verify/")
MAX_LOGGED_PATH = 512
# What a path may hold unquoted in a log line (RFC 3986's pchar and "/", without "%").
_PATH_SAFE = "/-._~!$&'()*+,;=:@"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/\-._~!$&'()*+,;=:@]*")

logger = logging.getLogger("wiki.request")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this thread is serving, None outside a request."""
    return _request_id.get()


def accepted_request_id(offered: str | None) -> str:
    """``offered`` when it is safe to log as it is, else a new id."""
    if offered and _ACCEPTED_REQUEST_ID.fullmatch(offered):
        return offered
    return os.urandom(16).hex()  # as random as uuid4().hex, in a quarter of the time


def _forget_request_id(**kwargs) -> None:
    # Not at the end of the middleware: Django logs a 4xx answer after the middleware has
    # returned it ("Not Found: /x"), and a streamed body is produced later still; both still
    # belong to the request. The response's close() (the WSGI server calls it) ends it.
    _request_id.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="wiki.request_log.forget_request_id")


def loggable_path(path: str, path_info: str | None = None) -> str:
    """``path`` as the request line writes it: secrets replaced, at most 512 characters, and
    percent-encoded again when it holds more than plain characters, so that it stays one word
    (a space or a ``%0A`` in a URL must not start a field or a line of its own).

    ``path_info``: the part of ``path`` the URLs match (without a SCRIPT_NAME prefix)."""
    routed = path if path_info is None else path_info
    for prefix in _SECRET_PATH_PREFIXES:
        if routed.startswith(prefix):
            return _one_word(path[: len(path) - len(routed)]) + prefix + "[redacted]"
    return _one_word(path)


def _one_word(path: str) -> str:
    if len(path) > MAX_LOGGED_PATH:
        path = path[:MAX_LOGGED_PATH] + "..."
    if not _PLAIN_PATH.fullmatch(path):
        path = quote(path, safe=_PATH_SAFE)  # as it came on the wire: one word, one line
    return path


_COOKIE_NAME = settings.GRAPHQL_JWT.get("JWT_COOKIE_NAME", "jwt")


def caller_kind(request: HttpRequest) -> str:
    """Who the request ran as, without resolving anything the request did not resolve."""
    caller = getattr(request, "caller", None)  # the GraphQL view's (accounts.authentication)
    if caller is not None:
        return str(caller.kind)
    user = request.__dict__.get("_cached_user")  # request.user, once a page looked at it
    if user is not None:
        return "user" if user.is_authenticated else "guest"
    if not request.META.get("HTTP_AUTHORIZATION") and not request.COOKIES.get(_COOKIE_NAME):
        return "guest"
    return "-"  # a credential came, but nothing asked whose it is (a static file, a refusal)


class _QueryCounter:
    """An execute wrapper (Django's database instrumentation) that counts queries."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestLogMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted_request_id(request.META.get(_REQUEST_ID_META))
        request.request_id = request_id
        _request_id.set(request_id)
        counter = _QueryCounter()
        wrappers = connections[DEFAULT_DB_ALIAS].execute_wrappers
        wrappers.append(counter)
        started = perf_counter()
        try:
            # Inner layers turn every exception into a response (handler500 included).
            response = self.get_response(request)
        finally:
            wrappers.remove(counter)
        duration_ms = (perf_counter() - started) * 1000
        response[REQUEST_ID_HEADER] = request_id
        if logger.isEnabledFor(logging.INFO):
            _log_request(request, response, duration_ms, counter.count)
        return response


def _log_request(
    request: HttpRequest, response: HttpResponse, duration_ms: float, queries: int
) -> None:
    fields = {
        "method": _one_word((request.method or "")[:16]),
        "path": loggable_path(request.path, request.path_info),
        "status": response.status_code,
        "caller": caller_kind(request),
        "operation": getattr(request, "graphql_operation", None) or "-",
        "duration_ms": round(duration_ms, 1),
        "sql_queries": queries,
    }
    logger.info(
        "%s %s %s %.1fms sql=%d caller=%s op=%s",
        fields["method"],
        fields["path"],
        fields["status"],
        duration_ms,
        queries,
        fields["caller"],
        fields["operation"],
        extra={"request_fields": fields},
    )
