"""The ``/graphql`` endpoint (API-v2.md §1): the Wiki.js 2 dialect over the shared transport.

FIRST CUT: POST JSON through ``WikiGraphQLView`` with the v2 schema and the v2 error format.
"""

from __future__ import annotations

import logging

from graphene_django.views import HttpError
from graphql import GraphQLError

from wiki.db_unavailable import is_database_unavailable
from wiki.rate_limits import RateLimited

from ..core.errors import log_unexpected
from ..core.view import WikiGraphQLView
from .dialect import SYSTEM_GENERIC, V2Error
from .schema import schema

logger = logging.getLogger("api")

# Apollo Server 2 gives every error raised while resolving this code (§2.4).
RESOLVER_ERROR_CODE = "INTERNAL_SERVER_ERROR"
RATE_LIMITED_MESSAGE = "Too many requests, please try again in {seconds} seconds."


def _v2_entry(formatted: dict, error: V2Error) -> dict:
    formatted["message"] = error.message
    extensions = {"code": RESOLVER_ERROR_CODE}
    if error.error_class is not None:
        extensions["exception"] = {"code": error.error_class.code, "message": error.message}
    formatted["extensions"] = extensions
    return formatted


def format_v2_error(error: Exception) -> dict:
    """The ``errors[]`` entry of one error on ``/graphql`` (§2.4)."""
    if isinstance(error, HttpError):
        return {"message": error.message}
    if not isinstance(error, GraphQLError):
        log_unexpected(error)
        return _v2_entry({}, V2Error(SYSTEM_GENERIC))
    original = error.original_error
    formatted = error.formatted
    if original is None or isinstance(original, GraphQLError):
        return formatted
    if is_database_unavailable(original):
        raise original  # HTTP 503 for the whole answer (wiki.db_unavailable)
    if isinstance(original, V2Error):
        return _v2_entry(formatted, original)
    if isinstance(original, RateLimited):
        message = RATE_LIMITED_MESSAGE.format(seconds=original.retry_after)
        return _v2_entry(formatted, V2Error(message))
    log_unexpected(original)
    return _v2_entry(formatted, V2Error(SYSTEM_GENERIC))


class WikiJs2GraphQLView(WikiGraphQLView):
    """``/graphql``: the v2 schema, answered in the v2 dialect."""

    @staticmethod
    def format_error(error):
        return format_v2_error(error)


def graphql_v2_view():
    return WikiJs2GraphQLView.as_view(schema=schema)
