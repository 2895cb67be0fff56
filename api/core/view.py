"""The ``/_graphql`` endpoint (API.md §1.1): JSON POST only, credentials resolved first."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView, HttpError

from accounts.apikeys import KeyRejected
from accounts.authentication import resolve_caller

from .errors import format_graphql_error
from .limits import VALIDATION_RULES


def _carries_nul(value) -> bool:
    """Whether a NUL character is in any string of the parsed request body."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_carries_nul(k) or _carries_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_carries_nul(item) for item in value)
    return False


def _error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse({"data": None, "errors": [{"message": message}]}, status=status)


# Only application/json bodies are executed, which browsers cannot send cross-site without a
# CORS preflight (that we never answer), so CSRF tokens are not needed here (API.md §1.1).
@method_decorator(csrf_exempt, name="dispatch")
class WikiGraphQLView(GraphQLView):
    graphiql_template = "api/graphiql.html"
    validation_rules = VALIDATION_RULES

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET":
            if self.request_wants_html(request):
                return render(request, self.graphiql_template, {"endpoint": request.path})
            return _error_response(
                400, "Send operations as POST with Content-Type: application/json."
            )
        if request.method != "POST":
            response = _error_response(
                405, "GraphQL only supports POST (and GET for the explorer)."
            )
            response["Allow"] = "GET, POST"
            return response
        if self.get_content_type(request) != "application/json":
            return _error_response(400, "Content-Type must be application/json.")
        try:
            request.caller = resolve_caller(request)
        except KeyRejected as rejection:
            return _error_response(rejection.status, rejection.key.value)
        return super().dispatch(request, *args, **kwargs)

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        query = data.get("query") if isinstance(data, dict) else None
        # In the query, a NUL can also hide as a GraphQL string escape.
        if _carries_nul(data) or (isinstance(query, str) and "\\u0000" in query):
            # PostgreSQL cannot store NUL in text; refuse it here with a clear answer instead
            # of failing deep inside a service.
            raise HttpError(HttpResponseBadRequest("NUL characters (\\u0000) are not allowed."))
        return data

    @staticmethod
    def format_error(error):
        return format_graphql_error(error)
