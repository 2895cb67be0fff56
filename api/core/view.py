"""The ``/_graphql`` endpoint (API.md §1.1): JSON POST only, credentials resolved first.

What a request must look like before its body is read (method, Content-Type, Content-Length)
is decided by ``transport.py``, each refusal a JSON answer with its own status. Everything a
client can get wrong in the body itself (JSON, shapes, NUL) is answered here with HTTP 400 and a
message that says what is wrong; nothing about it is worth an ERROR in the log. Documents come
from the per-process cache (``documents.py``); what the caller may learn about the schema
(introspection, suggestions) is checked per request (``exposure.py``).

CSRF: a request whose credential is the ``jwt`` cookie must pass Django's CSRF check (the
``X-CSRFToken`` header matching the ``csrftoken`` cookie, and a same-origin ``Origin``), since
a browser attaches that cookie by itself. A Bearer header, which only the client itself can
set, needs none and wins over a cookie sent along; so does a request with no credential.
"""

from __future__ import annotations

import json

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, UnreadablePostError
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView, HttpError
from graphql import ExecutionResult, execute

from accounts import tokens
from accounts.apikeys import KeyRejected
from accounts.authentication import resolve_caller

from . import exposure, transport
from .documents import documents
from .errors import format_graphql_error
from .execution import FastListExecutionContext
from .operation_log import record_operation

NUL_MESSAGE = "NUL characters (\\u0000) are not allowed."
# No argument of the contract nests deeper than a few levels; past this a body is refused
# before anything (graphql-core's coercion, a JSON column) recurses into it.
MAX_JSON_NESTING = 64
NESTING_MESSAGE = f"POST body is nested too deeply (more than {MAX_JSON_NESTING} levels)."


def check_json_value(value) -> None:
    """Refuse NUL in any string (key or value), and nesting deeper than the limit."""
    pending = [(value, 0)]
    while pending:  # no recursion: JSON may nest as deep as the parser allowed
        item, depth = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                # PostgreSQL cannot store NUL in text; refuse it here with a clear answer
                # instead of failing deep inside a service.
                raise bad_request_error(NUL_MESSAGE)
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_NESTING:
                raise bad_request_error(NESTING_MESSAGE)
            children = (*item.keys(), *item.values()) if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def bad_request_error(message: str) -> HttpError:
    return HttpError(HttpResponseBadRequest(message))


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering with the reason of a refusal instead of a page."""

    def _reject(self, request, reason):
        return reason


def csrf_refusal(request: HttpRequest) -> str | None:
    """Why ``request`` fails Django's CSRF check, or None when it passes."""
    check = _CsrfCheck(lambda request: None)
    check.process_request(request)  # reads the csrftoken cookie
    return check.process_view(request, None, (), {})


def _answer(caller, result: ExecutionResult) -> ExecutionResult:
    """``result`` as ``caller`` may see it: without "did you mean" hints unless allowed."""
    if exposure.suggestions().allows(caller):
        return result
    return ExecutionResult(
        result.data, exposure.without_suggestions(result.errors), result.extensions
    )


# Exempt from the CSRF middleware, which would check every POST: the view checks the requests
# that a browser's cookie authenticates itself, and only those (dispatch, below).
@method_decorator(csrf_exempt, name="dispatch")
class WikiGraphQLView(GraphQLView):
    graphiql_template = "api/graphiql.html"
    execution_context_class = FastListExecutionContext

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if (
            request.method == "GET"
            and settings.GRAPHQL_EXPLORER
            and self.request_wants_html(request)
        ):
            return self.explorer_page(request)
        refusal = transport.request_refusal(request)
        if refusal is not None:
            return refusal
        if tokens.token_is_from_cookie(request):
            refusal = csrf_refusal(request)
            if refusal is not None:
                return transport.json_error(
                    403,
                    f"CSRF check failed ({refusal}). A request authenticated by the jwt cookie "
                    "must send the csrftoken cookie's token in the X-CSRFToken header; or "
                    "authenticate with an Authorization: Bearer header instead.",
                )
        try:
            request.caller = resolve_caller(request)
        except KeyRejected as rejection:
            return transport.json_error(rejection.status, rejection.key.value)
        response = self._execute(request)
        if request.caller.ignored_token:
            # The contract answers as for a guest; RFC 6750's hint tells the client why an
            # authenticated query came back empty.
            response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

    def explorer_page(self, request: HttpRequest) -> HttpResponse:
        # The page carries a CSRF token (and sets the csrftoken cookie) for the explorer's
        # requests, which a signed-in person's jwt cookie authenticates. It loads nothing but
        # files of this site, and runs no inline script or style (a strict CSP holds).
        return render(request, self.graphiql_template, {"endpoint": request.path})

    def _execute(self, request: HttpRequest) -> HttpResponse:
        """graphene-django's ``dispatch`` for one JSON POST, without what we never use.

        Its own ``dispatch`` also generates a CSRF token and sets its cookie on every answer
        (``ensure_csrf_cookie``): work on every request, and a cookie no API client wants.
        """
        try:
            data = self.parse_body(request)
            result, status_code = self.get_response(request, data)
        except HttpError as error:
            response = error.response
            response["Content-Type"] = "application/json"
            response.content = self.json_encode(request, {"errors": [self.format_error(error)]})
            return response
        return HttpResponse(status=status_code, content=result, content_type="application/json")

    def parse_body(self, request: HttpRequest):
        data = self.read_json_body(request)
        if not isinstance(data, dict):
            raise bad_request_error("The received data is not a valid JSON query.")
        check_json_value(data)
        return data

    def read_json_body(self, request: HttpRequest):
        """The body's JSON value, whatever its shape; HTTP 400 (413) when there is none."""
        try:
            body = request.body.decode("utf-8")
        except RequestDataTooBig:
            # A body longer than its Content-Length said, under ASGI (which buffers it all):
            # under WSGI transport.size_refusal has answered already.
            message = transport.BODY_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            raise HttpError(HttpResponse(status=413), message) from None
        except UnreadablePostError:
            # The client broke off while sending: nobody may read this answer, but it is not
            # the server's failure either (no ERROR, no trace in the log).
            raise bad_request_error("The body could not be read to its end.") from None
        except UnicodeDecodeError:
            raise bad_request_error("POST body is not valid UTF-8.") from None
        try:
            data = json.loads(body)
        except RecursionError:
            raise bad_request_error(NESTING_MESSAGE) from None
        except ValueError:
            raise bad_request_error("POST body sent invalid JSON.") from None
        return data

    def get_graphql_params(self, request: HttpRequest, data: dict):
        query = data.get("query")
        if query is not None and not isinstance(query, str):
            raise bad_request_error('"query" must be a string holding a GraphQL document.')
        variables = data.get("variables")
        if isinstance(variables, str):
            # Some clients send variables as JSON text inside the JSON body.
            try:
                variables = json.loads(variables) if variables.strip() else None
            except (RecursionError, ValueError):
                raise bad_request_error('"variables" holds text that is not valid JSON.') from None
            check_json_value(variables)
        if variables is not None and not isinstance(variables, dict):
            raise bad_request_error('"variables" must be a JSON object (or null).')
        operation_name = data.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            raise bad_request_error('"operationName" must be a string (or null).')
        return query, variables, operation_name, data.get("id")

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        if not query:
            raise bad_request_error("Must provide query string.")
        schema = self.schema.graphql_schema
        caller = request.caller
        prepared = documents.prepare(schema, query)
        record_operation(request, prepared.document, operation_name)  # for the request log
        if prepared.errors:
            return _answer(caller, ExecutionResult(data=None, errors=list(prepared.errors)))
        if prepared.carries_nul:
            raise bad_request_error(NUL_MESSAGE)
        if prepared.uses_introspection and not exposure.introspection().allows(caller):
            refusal = exposure.introspection_refusal(prepared.document, caller)
            return ExecutionResult(data=None, errors=[refusal])
        result = self.execute_document(
            request, schema, prepared.document, variables, operation_name
        )
        return _answer(caller, result) if result.errors else result

    def execute_document(
        self, request, schema, document, variables, operation_name
    ) -> ExecutionResult:
        """Run a prepared, valid document with the shared execution context (its limits,
        deadline and fast lists); a failure outside any field becomes the result's error,
        which the endpoint's ``format_error`` renders (never its details)."""
        try:
            return execute(
                schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                execution_context_class=self.execution_context_class,
            )
        except Exception as error:  # noqa: BLE001 - rendered by format_error
            return ExecutionResult(errors=[error])

    def json_encode(self, request, d, pretty=False):
        if pretty or self.pretty or request.GET.get("pretty"):
            return super().json_encode(request, d, pretty=pretty)
        try:
            # Ten times faster than json.dumps on a list of a thousand pages.
            return orjson.dumps(d)
        except (orjson.JSONEncodeError, TypeError):
            # What orjson refuses and json writes: lone surrogates echoed from the input in an
            # error message, integers past 64 bits.
            return super().json_encode(request, d, pretty=pretty)

    @staticmethod
    def format_error(error):
        return format_graphql_error(error)
