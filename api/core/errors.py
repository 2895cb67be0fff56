"""One place that turns failures into what a client sees (API.md §2).

Domain errors become their bare key. Anything unforeseen becomes ERR_UNEXPECTED with a
correlation id, which is the request's id (``wiki.request_log``: the ``X-Request-ID`` of the
answer, and the ``request_id`` of every log line of the request); the exception and its trace
go to the log only, under that id.
"""

import logging

from graphene_django.views import HttpError
from graphql import GraphQLError

from wiki.db_unavailable import is_database_unavailable
from wiki.error_views import UNEXPECTED_MESSAGE, error_reference, unexpected_graphql_error
from wiki.errors import DomainError, ErrorKey
from wiki.rate_limits import RateLimited

logger = logging.getLogger("api")

RATE_LIMITED_CODE = "RATE_LIMITED"


def log_unexpected(exc: BaseException) -> str:
    """Log ``exc`` with its trace; returns the reference the client is shown."""
    ref = error_reference()
    logger.error("unexpected error ref=%s", ref, exc_info=(type(exc), exc, exc.__traceback__))
    return ref


def format_graphql_error(error: Exception) -> dict:
    """The ``errors[]`` entry for one error of an executed (or rejected) request."""
    if isinstance(error, HttpError):
        # graphene-django's request-level refusals (invalid JSON, no query, body too large):
        # their messages are written for clients.
        return {"message": error.message}
    cause = error.original_error if isinstance(error, GraphQLError) else error
    if is_database_unavailable(cause):
        # Not a failure of this request: the whole answer becomes HTTP 503 with
        # ERR_SERVICE_UNAVAILABLE (wiki.db_unavailable's middleware), not ERR_UNEXPECTED.
        raise cause
    if not isinstance(error, GraphQLError):
        return unexpected_graphql_error(log_unexpected(error))
    original = error.original_error
    if original is None:
        # Syntax and validation errors: graphql-core's own messages are meant for clients.
        return error.formatted
    formatted = error.formatted
    if isinstance(original, DomainError):
        formatted["message"] = original.key.value
        formatted["extensions"] = {"code": original.key.value}
        return formatted
    if isinstance(original, RateLimited):
        # Too many calls of a field (§1.5): the one refusal that is not an operation's.
        formatted["message"] = str(original)
        formatted["extensions"] = {"code": RATE_LIMITED_CODE, "retryAfter": original.retry_after}
        return formatted
    if isinstance(original, GraphQLError):
        # A scalar's parse error raised during execution (variables): safe to show.
        return formatted
    ref = log_unexpected(original)
    formatted["message"] = UNEXPECTED_MESSAGE.format(ref=ref)
    formatted["extensions"] = {"code": ErrorKey.UNEXPECTED.value, "ref": ref}
    return formatted
