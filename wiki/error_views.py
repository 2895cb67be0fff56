"""What a client sees of a failure nobody foresaw: a reference, never the failure itself.

``handler500`` (wiki/urls.py) answers every exception a view lets through, in the browser
pages, the admin and both API endpoints alike. Django has already logged the exception with its
trace (logger ``django.request``) on a line carrying the request id; the answer shows that id
as its reference, so a user's "Reference: ..." finds the trace. ``/_graphql`` and ``/graphql``
answer JSON in the shape of every GraphQL error of their dialect (API.md §2, API-v2.md §2.4:
Apollo's ``INTERNAL_SERVER_ERROR`` on ``/graphql``); everything else the 500 page.
"""

from __future__ import annotations

import logging
import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

from .api_path import is_api_path, is_v2_path
from .errors import ErrorKey
from .request_log import current_request_id

logger = logging.getLogger(__name__)

UNEXPECTED_MESSAGE = "An unexpected error occurred. Reference: {ref}."
#: The code of every error raised while resolving on ``/graphql`` (API-v2.md §2.4).
V2_UNEXPECTED_CODE = "INTERNAL_SERVER_ERROR"


def error_reference() -> str:
    """The reference of an unexpected error: the id of the request it happened in (or a new
    one outside a request, a worker's task for instance)."""
    return current_request_id() or uuid.uuid4().hex


def unexpected_graphql_error(ref: str, code: str = ErrorKey.UNEXPECTED.value) -> dict:
    """The ``errors[]`` entry of an unexpected failure."""
    return {"message": UNEXPECTED_MESSAGE.format(ref=ref), "extensions": {"code": code, "ref": ref}}


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: JSON on the API addresses, else the 500 page; the reference in both."""
    ref = getattr(request, "request_id", None) or error_reference()
    if is_api_path(request.path_info):
        code = V2_UNEXPECTED_CODE if is_v2_path(request.path_info) else ErrorKey.UNEXPECTED.value
        response = JsonResponse(
            {"data": None, "errors": [unexpected_graphql_error(ref, code)]}, status=500
        )
    else:
        try:
            # No request context: a page built from the database, the signed-in user or the
            # site could fail again for the reason this one did.
            body = loader.render_to_string("500.html", {"reference": ref})
        except Exception:
            logger.exception("the 500 page failed to render")
            body = f"Server error. Reference: {ref}\n"
            response = HttpResponseServerError(body, content_type="text/plain; charset=utf-8")
        else:
            response = HttpResponseServerError(body)
    add_never_cache_headers(response)
    return response
