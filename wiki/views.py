"""Small non-GraphQL routes."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from accounts import tokens


@require_GET
def jwk_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": [tokens.public_jwk()]})


@require_GET
def jwk_pem(request: HttpRequest) -> HttpResponse:
    return HttpResponse(tokens.signing_keys().public_pem, content_type="application/x-pem-file")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """No page UI yet: send people to the API explorer."""
    return redirect("graphql")
