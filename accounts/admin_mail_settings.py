"""The admin's "Mail settings" page (API.md §4.6): view and change the SMTP settings.

The settings are the wiki's (``wiki.mail_settings``, ``wiki.mail_settings_form``); who may see
and change them is the accounts' rule, checked here as GraphQL's mailConfig / updateMailConfig
check it: ``manage:system``. The service then applies the same rules as GraphQL (port range,
the ``********`` password convention, trailing ``/`` of the base URL).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from wiki.config import is_mail_configured
from wiki.errors import DomainError
from wiki.mail_settings import mail_config, update_mail_config
from wiki.mail_settings_form import FIELDSETS, MailSettingsForm
from wiki.models import Setting

from . import scopes
from .authentication import user_caller
from .forms import domain_message

TEMPLATE = "admin/mail_settings.html"


def _page(request: HttpRequest, form: MailSettingsForm | None, *, status: int = 200):
    context = {
        **admin.site.each_context(request),
        "title": "Mail settings",
        "form": form,
        "fieldsets": FIELDSETS,
        "configured": is_mail_configured() if form is not None else None,
    }
    response = TemplateResponse(request, TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


def _log(request: HttpRequest) -> None:
    """Record the change in the admin history of the ``mail`` setting (no values)."""
    row = Setting.objects.get(key="mail")
    admin.site.get_model_admin(Setting).log_change(
        request, row, "Changed on the Mail settings page."
    )


def mail_settings(request: HttpRequest) -> HttpResponse:
    """GET shows the settings; POST replaces them and redirects back."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        user_caller(request.user).require_any(scopes.MANAGE_SYSTEM)
    except DomainError as error:
        messages.error(request, domain_message(error))
        return _page(request, None, status=403)
    config = mail_config()
    if request.method == "GET":
        return _page(request, MailSettingsForm(config=config))
    form = MailSettingsForm(request.POST, config=config)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        update_mail_config(**form.service_arguments())
    except DomainError as error:
        messages.error(request, domain_message(error))
        return _page(request, form, status=400)
    _log(request)
    messages.success(request, "Mail settings saved.")
    return redirect("mail-settings")


# Included by wiki/urls.py under admin/mail-settings/; admin_view() applies the admin's login
# requirement (active staff), CSRF protection and no-cache headers.
urlpatterns = [
    path("", admin.site.admin_view(mail_settings), name="mail-settings"),
]
