"""What a request to ``/_graphql`` must look like before anything reads its body (issue 12).

Only a ``POST`` whose body is ``application/json`` (UTF-8) runs an operation: the body types a
page of another site can send without asking the browser first (form fields, multipart,
``text/plain``) are refused, so a forged cross-site request cannot even reach the CSRF check.
A ``GET`` never runs anything; it serves only the explorer page, and only when that is on.

Every answer about the request is JSON, with the status that names the problem: 404, 405,
411, 413, 415 here, and 400 from ``bad_request`` (``handler400``) for what middleware refuses
on these addresses. An exception is ``handler500``'s to answer (wiki/urls.py), in JSON here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from wiki.api_path import endpoint_of, is_api_path

JSON_MEDIA_TYPE = "application/json"
UTF_8_NAMES = frozenset({"utf-8", "utf8"})


def json_error(status: int, message: str, **headers: str) -> JsonResponse:
    """An answer about the request itself: no operation ran, so ``data`` is null."""
    response = JsonResponse({"data": None, "errors": [{"message": message}]}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def allowed_methods() -> str:
    """The ``Allow`` header of the endpoint: GET only while it serves the explorer."""
    return "GET, POST" if settings.GRAPHQL_EXPLORER else "POST"


def request_refusal(request: HttpRequest) -> JsonResponse | None:
    """The answer to a request that must not run, from its method and headers alone."""
    declared = request.META.get("CONTENT_LENGTH", "")
    if (
        request.method == "POST"
        and request.content_type == JSON_MEDIA_TYPE
        and not request.content_params
        # ASCII digits only: "²".isdigit() holds, and int() refuses it.
        and declared.isascii()
        and declared.isdigit()
        and int(declared) <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    ):
        return None  # the everyday request, without the three calls below
    for check in (method_refusal, content_type_refusal, size_refusal):
        refusal = check(request)
        if refusal is not None:
            return refusal
    return None


def method_refusal(request: HttpRequest) -> JsonResponse | None:
    """405 for a request that will not run: any method but POST, and GET unless it is a
    browser asking for the explorer (the view decides that case before calling this)."""
    if request.method == "POST":
        return None
    if request.method == "GET":
        where = (
            "GET /_graphql serves only the explorer page, to a browser"
            if settings.GRAPHQL_EXPLORER
            else "the explorer is switched off, so GET /_graphql serves nothing"
        )
        message = (
            f"Operations never run over GET ({where}): send them as POST with "
            "Content-Type: application/json."
        )
    else:
        message = f"{request.method} is not supported: send operations as POST with "
        message += "Content-Type: application/json."
    return json_error(405, message, Allow=allowed_methods())


def size_refusal(request: HttpRequest, answer=json_error) -> JsonResponse | None:
    """Refuse by the ``Content-Length`` header alone, before a byte of the body is read.

    Django would answer a missing or unreadable length by reading nothing (or fail on the
    ``int()`` of a malformed one), which reaches the client as a puzzling "invalid JSON".
    ``answer(status, message)`` builds the refusal (``/graphql`` adds its error code).
    """
    declared = request.META.get("CONTENT_LENGTH")
    if declared is None or declared == "":
        # WSGI servers hand chunked bodies over without a length, and Django reads none.
        return answer(
            411, "Send the body with a Content-Length header (chunked bodies are not read)."
        )
    length = int(declared) if declared.isascii() and declared.isdigit() else -1
    if length < 0:
        return answer(400, "The Content-Length header is not a number of bytes.")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return answer(413, BODY_TOO_LARGE.format(limit=limit))
    return None


BODY_TOO_LARGE = "The request body is larger than the limit of {limit} bytes."


def content_type_refusal(request: HttpRequest) -> JsonResponse | None:
    """415 unless the body is declared ``application/json`` (UTF-8, the only JSON charset)."""
    # Django parses the header once per request: lowercased type, parameters apart.
    if request.content_type != JSON_MEDIA_TYPE:
        return json_error(
            415,
            "Content-Type must be application/json; form, multipart and text bodies are "
            "not executed.",
        )
    charset = request.content_params.get("charset")
    if charset is not None and charset.strip().lower() not in UTF_8_NAMES:
        return json_error(415, "The body must be UTF-8 (Content-Type: application/json).")
    return None


def is_endpoint_path(request: HttpRequest) -> bool:
    """Either API endpoint (``/_graphql``, ``/graphql``) or an address below one."""
    return is_api_path(request.path_info)  # without the SCRIPT_NAME prefix a proxy may add


@csrf_exempt  # no request to these addresses changes anything; answered for every method
def not_found(request: HttpRequest) -> JsonResponse:
    """``/_graphql/``, ``/graphql/`` and anything below them: no such endpoint, said in JSON.

    The trailing-slash form is not a second address of the endpoint: one address, so that
    caches, logs and CSRF origins see one; the message names the right one.
    """
    endpoint = endpoint_of(request.path_info)
    return json_error(
        404, f"Nothing is served at {request.path}: the GraphQL endpoint is {endpoint}."
    )


def bad_request(request: HttpRequest, exception: Exception) -> object:
    """``handler400``: JSON on the endpoint's addresses (a bad ``Host`` header is refused in
    middleware, before any view), Django's page elsewhere."""
    if not is_endpoint_path(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, DisallowedHost):
        # Django's own message is for the operator (it suggests ALLOWED_HOSTS): the log has it.
        return json_error(400, "The Host header names no site this server answers to.")
    return json_error(400, "Bad request.")
