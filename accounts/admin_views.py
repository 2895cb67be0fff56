"""The admin's "API Access" page (API.md §1.4): list, create and revoke keys, switch access.

Every action calls the same services as GraphQL with a caller built from the admin user, so
the permission rules are identical (read:api/manage:api to list, manage:api to create and
revoke, manage:system to switch access on or off). Revoking asks for confirmation first.

A new key is rendered directly in the response to the creating POST, exactly once: it is not
stored, not put in a URL, a message or the session.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from wiki.errors import DomainError, ErrorKey

from . import apikeys, scopes
from .authentication import user_caller
from .forms import ApiKeyCreateForm, domain_message
from .models import ApiKey

TEMPLATE = "admin/api_access.html"


def _log(request: HttpRequest, api_key: ApiKey, message: str, *, added: bool = False) -> None:
    """Record the action in the admin history of the key (never the key itself)."""
    model_admin = admin.site.get_model_admin(ApiKey)
    if added:
        model_admin.log_addition(request, api_key, message)
    else:
        model_admin.log_change(request, api_key, message)


def _page(
    request: HttpRequest,
    *,
    form: ApiKeyCreateForm | None = None,
    new_key: apikeys.IssuedKey | None = None,
    status: int = 200,
) -> HttpResponse:
    caller = user_caller(request.user)
    try:
        keys = list(apikeys.list_api_keys(caller).select_related("created_by"))
    except DomainError as error:
        messages.error(request, domain_message(error))
        keys, status = None, 403
    try:
        enabled = apikeys.api_state(caller)
    except DomainError:
        enabled = None
    context = {
        **admin.site.each_context(request),
        "title": "API Access",
        "keys": keys,
        "api_enabled": enabled,
        "may_manage": caller.has_any(scopes.MANAGE_API),
        "may_switch": caller.has_any(scopes.MANAGE_SYSTEM),
        "form": form or ApiKeyCreateForm(),
        "new_key": new_key,
    }
    response = TemplateResponse(request, TEMPLATE, context, status=status)
    # Never let an intermediary or the browser keep the page that shows a new key.
    response["Cache-Control"] = "no-store, private"
    return response


def api_access(request: HttpRequest) -> HttpResponse:
    """GET shows the page; POST creates a key and shows it once in this response."""
    if request.method == "GET":
        return _page(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = ApiKeyCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        issued = apikeys.create_api_key(
            user_caller(request.user),
            name=form.cleaned_data["name"],
            expiration=form.cleaned_data["expiration"],
            group_ids=form.group_ids(),
            created_by=request.user,
        )
    except DomainError as error:
        messages.error(request, domain_message(error))
        return _page(request, form=form, status=400)
    _log(request, issued.api_key, "Created on the API Access page.", added=True)
    messages.success(request, f'API key "{issued.api_key.name}" created.')
    return _page(request, new_key=issued)


def revoke(request: HttpRequest, key_id) -> HttpResponse:
    """GET asks for confirmation; POST revokes."""
    if request.method == "GET":
        return _revoke_confirmation(request, key_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        api_key = apikeys.revoke_api_key(user_caller(request.user), key_id)
    except DomainError as error:
        messages.error(request, domain_message(error))
    else:
        _log(request, api_key, "Revoked on the API Access page.")
        messages.success(request, f'API key "{api_key.name}" ({api_key.key_short}) revoked.')
    return redirect("api-access")


def _revoke_confirmation(request: HttpRequest, key_id) -> HttpResponse:
    api_key = ApiKey.objects.filter(pk=key_id).first()
    if not user_caller(request.user).has_any(scopes.MANAGE_API):
        messages.error(request, f"{ErrorKey.FORBIDDEN.value}: revoking keys needs manage:api")
        return redirect("api-access")
    if api_key is None or api_key.is_revoked:
        messages.error(request, f"{ErrorKey.INVALID_INPUT.value}: no active API key {key_id}")
        return redirect("api-access")
    context = {
        **admin.site.each_context(request),
        "title": f"Revoke {api_key.name}?",
        "api_key": api_key,
    }
    return TemplateResponse(request, "admin/api_access_revoke.html", context)


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "true"
    try:
        apikeys.set_api_state(user_caller(request.user), enabled)
    except DomainError as error:
        messages.error(request, domain_message(error))
    else:
        messages.success(request, f"API access is now {'on' if enabled else 'off'}.")
    return redirect("api-access")


# Included by wiki/urls.py under admin/api-access/; admin_view() applies the admin's login
# requirement (active staff), CSRF protection and no-cache headers.
urlpatterns = [
    path("", admin.site.admin_view(api_access), name="api-access"),
    path("<uuid:key_id>/revoke/", admin.site.admin_view(revoke), name="api-access-revoke"),
    path("state/", admin.site.admin_view(switch), name="api-access-state"),
]
