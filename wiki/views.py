"""Small non-GraphQL routes of the site."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """No page UI yet: send people to the API explorer."""
    return redirect("graphql")
