"""The ``/graphql`` endpoint (API-v2.md §1): the Wiki.js 2 dialect over the shared execution.

What differs from ``/_graphql`` (api/core/view.py) is the transport Wiki.js 2's clients expect
of Apollo Server 2: queries over ``GET`` as well as ``POST``, batches (a JSON array), HTTP 400
for any other body type, ``extensions.code`` on every error (``GRAPHQL_PARSE_FAILED``,
``GRAPHQL_VALIDATION_FAILED``, ``BAD_USER_INPUT``, ``INTERNAL_SERVER_ERROR``; ``BAD_REQUEST`` for
what is wrong with the request itself), introspection for everyone, and an expired session
token renewed on the fly (``accounts.authentication.resolve_caller(renew=True)``). Everything
that bounds a request is shared: the body limit and ``Content-Length`` checks
(``transport.size_refusal``), the document cache with its limits (``documents.py``), the
estimate of the answer's size (``cost.py``), the deadline and statement timeout
(``FastListExecutionContext``), the request log, and the 503 of a database away.

CSRF: the ``jwt`` cookie authenticates here without Django's CSRF token, because a
non-browser client (the terraform provider) logs in and then sends its session token as that
cookie, and it has no CSRF token to send. That is safe on this endpoint because nothing a page
of another site can make a browser send here runs anything that changes state:

- a ``POST`` runs only with ``Content-Type: application/json``. A form (urlencoded, multipart)
  or ``text/plain`` body, the only kinds a page can send across sites without asking, is
  refused with HTTP 400 before the credential is even read; a cross-site ``fetch`` with a JSON
  body needs a CORS preflight, which this endpoint never grants (it sends no CORS headers and
  answers ``OPTIONS`` with 405);
- a ``GET`` runs only query operations (a mutation is refused with 405), and queries change
  nothing; their answer is JSON, which another site's page cannot read without CORS either.

The site's own cookie is moreover ``SameSite=Lax`` (accounts.sessions), so a browser does not
attach it to another site's ``POST`` in the first place. ``/_graphql`` keeps its CSRF check:
its cookie callers are browsers, and it has mutations that a GET could never reach anyway.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import HttpError
from graphql import ExecutionResult, GraphQLError, OperationType, get_operation_ast

from accounts import sessions
from accounts.apikeys import KeyRejected
from accounts.authentication import resolve_caller
from wiki.db_unavailable import is_database_unavailable
from wiki.error_views import V2_UNEXPECTED_CODE
from wiki.rate_limits import RateLimited

from ..core import transport
from ..core.documents import documents
from ..core.errors import log_unexpected
from ..core.operation_log import record_operation
from ..core.view import NUL_MESSAGE, WikiGraphQLView, bad_request_error, check_json_value
from .dialect import SYSTEM_GENERIC, V2Error
from .schema import schema

logger = logging.getLogger("api")

# Apollo Server 2 gives every error raised while resolving this code (§2.4).
RESOLVER_ERROR_CODE = V2_UNEXPECTED_CODE
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
#: What is wrong with the HTTP request itself (body, method, parameters): Apollo Server's own
#: code for it since version 3. Every error on /graphql carries a code (§2.4: clients read it).
BAD_REQUEST = "BAD_REQUEST"
RATE_LIMITED_MESSAGE = "Too many requests, please try again in {seconds} seconds."

# §1.1 and §1.3, Wiki.js 2's (Apollo's) own messages.
GET_QUERY_MISSING = "GET query missing."
GET_ONLY_QUERIES = "GET supports only query operation"
NOT_JSON = (
    "POST body must be JSON: send Content-Type: application/json (form, multipart and text "
    "bodies are not executed)."
)
NOT_UTF8 = "The body must be UTF-8 (Content-Type: application/json)."
VARIABLES_NOT_JSON = "Variables are invalid JSON."
API_DISABLED = "API is disabled. You must enable it from the Administration Area first."
KEY_INVALID = "API Key is invalid or was revoked."
KEY_REFUSALS = {403: (API_DISABLED, "FORBIDDEN"), 401: (KEY_INVALID, "UNAUTHENTICATED")}
ALLOWED_METHODS = "GET, POST"
EMPTY_BATCH = "The batch holds no operation."
BATCH_ITEM = "Every item of a batch must be a JSON object (an operation)."
RENEWED_TOKEN_HEADER = "new-jwt"  # noqa: S105 - a header name


def request_error(status: int, message: str, code: str = BAD_REQUEST, **headers: str):
    """An answer about the request itself: nothing ran, so it has ``errors`` only (§1.2)."""
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _refusal(status: int, message: str) -> JsonResponse:
    return request_error(status, message)


def key_refusal(rejection: KeyRejected) -> JsonResponse:
    """§1.3: an API key refused, with Wiki.js 2's message and a code clients can read."""
    message, code = KEY_REFUSALS.get(rejection.status, (KEY_INVALID, "UNAUTHENTICATED"))
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return JsonResponse(body, status=rejection.status)


def post_refusal(request: HttpRequest) -> JsonResponse | None:
    """The answer to a POST that must not run, from its headers alone (§1.1)."""
    if request.content_type != transport.JSON_MEDIA_TYPE:
        return request_error(400, NOT_JSON)
    charset = request.content_params.get("charset")
    if charset is not None and charset.strip().lower() not in transport.UTF_8_NAMES:
        return request_error(400, NOT_UTF8)
    return transport.size_refusal(request, answer=_refusal)


def _v2_entry(formatted: dict, error: V2Error) -> dict:
    formatted["message"] = error.message
    extensions = {"code": RESOLVER_ERROR_CODE}
    if error.error_class is not None:
        extensions["exception"] = {"code": error.error_class.code, "message": error.message}
    formatted["extensions"] = extensions
    return formatted


def format_v2_error(error: Exception) -> dict:
    """The ``errors[]`` entry of one error on ``/graphql`` (§2.4), always with a code."""
    if isinstance(error, HttpError):
        return {"message": error.message, "extensions": {"code": BAD_REQUEST}}
    if not isinstance(error, GraphQLError):
        if is_database_unavailable(error):
            raise error  # HTTP 503 for the whole answer (wiki.db_unavailable)
        log_unexpected(error)
        return _v2_entry({}, V2Error(SYSTEM_GENERIC))
    original = error.original_error
    formatted = error.formatted
    if original is None or isinstance(original, GraphQLError):
        # graphql-core's own errors (syntax, validation, variables, a value a scalar cannot
        # serialize) and ours raised as GraphQLError (the deadline): their messages are for
        # clients. Raised while resolving (a path), they carry Apollo's resolver code.
        extensions = dict(formatted.get("extensions") or {})
        if error.path is not None:
            extensions["code"] = RESOLVER_ERROR_CODE
        extensions.setdefault("code", VALIDATION_FAILED)
        formatted["extensions"] = extensions
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


def _coded(errors, code: str) -> list[GraphQLError]:
    """Copies of ``errors`` carrying ``extensions.code`` (cached errors are shared: never
    changed in place)."""
    return [
        GraphQLError(
            error.message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            error.original_error,
            {**(error.extensions or {}), "code": code},
        )
        for error in errors
    ]


def _not_run(errors) -> bool:
    """Whether ``execute`` refused before resolving anything: variables that do not coerce, an
    unknown ``operationName``, a list or size bound that depends on the variables."""
    return all(isinstance(error, GraphQLError) and error.path is None for error in errors)


class _Answer:
    """One operation's answer: its JSON object, HTTP status and extra headers."""

    def __init__(self, body: dict, status: int = 200, headers: dict | None = None) -> None:
        self.body = body
        self.status = status
        self.headers = headers or {}
        #: The operation as the request log names it (``operation_log``).
        self.label: str | None = None


@method_decorator(csrf_exempt, name="dispatch")  # see the module's docstring
class WikiJs2GraphQLView(WikiGraphQLView):
    """``/graphql``: the v2 schema, Apollo Server 2's transport, the v2 dialect."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET":
            if not request.GET.get("query"):
                if settings.GRAPHQL_EXPLORER and self.request_wants_html(request):
                    return self.explorer_page(request)
                return request_error(400, GET_QUERY_MISSING)
        elif request.method == "POST":
            refusal = post_refusal(request)
            if refusal is not None:
                return refusal
        else:
            message = f"{request.method} is not supported: send a POST or GET request."
            return request_error(405, message, Allow=ALLOWED_METHODS)
        # No CSRF check, though the jwt cookie may be the credential: see the docstring.
        try:
            request.caller = resolve_caller(request, renew=True)
        except KeyRejected as rejection:
            return key_refusal(rejection)
        response = self._respond(request)
        self._hand_back_renewed_token(request, response)
        if request.caller.ignored_token:
            response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

    @staticmethod
    def _hand_back_renewed_token(request: HttpRequest, response: HttpResponse) -> None:
        """§1.3: the token renewed for this request goes back as Wiki.js 2 sends it: a header
        to a client that speaks JSON, else (a GET, a browser) the cookie."""
        renewed = request.caller.renewed_token
        if not renewed:
            return
        if request.content_type == transport.JSON_MEDIA_TYPE:
            response[RENEWED_TOKEN_HEADER] = renewed
        else:
            sessions.set_session_cookie(response, renewed, request)
        response["Cache-Control"] = "no-store"  # a fresh credential: no cache may keep it

    def _respond(self, request: HttpRequest) -> HttpResponse:
        try:
            data = self._request_data(request)
        except HttpError as error:
            return self._http_answer(request, self._refused(error))
        if not isinstance(data, list):
            return self._http_answer(request, self._answer_one(request, data))
        answers = [self._answer_one(request, item) for item in data]  # in order (§1.1)
        request.graphql_operation = self._batch_label(request, answers)
        content = self.json_encode(request, [answer.body for answer in answers])
        return HttpResponse(content, status=200, content_type="application/json")

    def _http_answer(self, request: HttpRequest, answer: _Answer) -> HttpResponse:
        response = HttpResponse(
            self.json_encode(request, answer.body),
            status=answer.status,
            content_type="application/json",
        )
        for name, value in answer.headers.items():
            response[name] = value
        return response

    @staticmethod
    def _batch_label(request: HttpRequest, answers: list[_Answer]) -> str:
        labels = [answer.label or "-" for answer in answers]
        return f"batch[{len(answers)}]:" + ",".join(labels)

    def _request_data(self, request: HttpRequest) -> dict | list:
        """The operation (a dict) or the batch (a list of dicts) the request carries."""
        if request.method == "GET":
            return self._query_string_data(request)
        data = self.read_json_body(request)
        if isinstance(data, list):
            if not data:
                raise bad_request_error(EMPTY_BATCH)
            limit = settings.GRAPHQL_MAX_BATCH_OPERATIONS
            if len(data) > limit:
                raise bad_request_error(
                    f"The batch holds {len(data)} operations; the limit is {limit}."
                )
            if not all(isinstance(item, dict) for item in data):
                raise bad_request_error(BATCH_ITEM)
        elif not isinstance(data, dict):
            raise bad_request_error("The received data is not a valid JSON query.")
        check_json_value(data)
        return data

    @staticmethod
    def _query_string_data(request: HttpRequest) -> dict:
        """``GET /graphql?query=...&variables=...&operationName=...`` (§1.1)."""
        data = {"query": request.GET.get("query"), "operationName": None, "variables": None}
        if request.GET.get("operationName"):
            data["operationName"] = request.GET["operationName"]
        variables = request.GET.get("variables")
        if variables:
            try:
                data["variables"] = json.loads(variables)
            except (RecursionError, ValueError):
                raise bad_request_error(VARIABLES_NOT_JSON) from None
        check_json_value(data)
        return data

    def _refused(self, error: HttpError) -> _Answer:
        headers = {}
        allow = error.response.get("Allow")
        if allow:
            headers["Allow"] = allow
        body = {"errors": [self.format_error(error)]}
        return _Answer(body, error.response.status_code, headers)

    def _answer_one(self, request: HttpRequest, data: dict) -> _Answer:
        request.graphql_operation = None  # set by execute_graphql_request, for this one
        try:
            query, variables, operation_name, _ = self.get_graphql_params(request, data)
            result = self.execute_graphql_request(request, data, query, variables, operation_name)
        except HttpError as error:
            answer = self._refused(error)
        else:
            body = {}
            if result.errors:
                body["errors"] = [self.format_error(error) for error in result.errors]
            # §1.2: a request that did not execute (no path on an error) is a 400 without data.
            if result.errors and any(not getattr(e, "path", None) for e in result.errors):
                answer = _Answer(body, 400)
            else:
                answer = _Answer({"data": result.data, **body})
        answer.label = getattr(request, "graphql_operation", None)
        return answer

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        if not query:
            raise bad_request_error("Must provide query string.")
        graphql_schema = self.schema.graphql_schema
        # Introspection is always served here (§1.1: clients download the schema and validate
        # against it), and so are graphql-core's suggestions, which tell nothing more.
        prepared = documents.prepare(graphql_schema, query)
        record_operation(request, prepared.document, operation_name)  # for the request log
        if prepared.errors:
            code = PARSE_FAILED if prepared.parse_failed else VALIDATION_FAILED
            return ExecutionResult(data=None, errors=_coded(prepared.errors, code))
        if prepared.carries_nul:
            raise bad_request_error(NUL_MESSAGE)
        if request.method == "GET":
            operation = get_operation_ast(prepared.document, operation_name)
            if operation is not None and operation.operation != OperationType.QUERY:
                response = HttpResponse(status=405)
                response["Allow"] = "POST"
                raise HttpError(response, GET_ONLY_QUERIES)
        result = self.execute_document(
            request, graphql_schema, prepared.document, variables, operation_name
        )
        if result.data is None and result.errors and _not_run(result.errors):
            return ExecutionResult(data=None, errors=_coded(result.errors, BAD_USER_INPUT))
        return result

    @staticmethod
    def format_error(error):
        return format_v2_error(error)


def graphql_v2_view():
    return WikiJs2GraphQLView.as_view(schema=schema)
