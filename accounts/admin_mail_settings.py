"""The admin's "Mail settings" page (API.md §4.6): view and change the SMTP settings, send a test.

The settings are the wiki's (``wiki.mail_settings``, ``wiki.mail_settings_form``); who may see
and change them is the accounts' rule, checked here as GraphQL's mailConfig / updateMailConfig
/ sendMailTest check it: ``manage:system``. The services then apply the same rules as GraphQL
(port range, the ``********`` convention for secrets, trailing ``/`` of the base URL, the test
mail's checks in order).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from wiki.config import is_mail_configured
from wiki.errors import DomainError
from wiki.mail_settings import (
    PLACEHOLDER_BASE_URL,
    mail_config,
    update_mail_config,
    uses_placeholder_base_url,
)
from wiki.mail_settings_form import FIELDSETS, MailSettingsForm, MailTestForm
from wiki.mail_test import send_test_mail
from wiki.models import Setting
from wiki.sites import site_for_request

from . import scopes
from .authentication import user_caller
from .forms import domain_message

TEMPLATE = "admin/mail_settings.html"


def _page(
    request: HttpRequest,
    form: MailSettingsForm | None,
    *,
    test_form: MailTestForm | None = None,
    status: int = 200,
):
    allowed = form is not None
    context = {
        **admin.site.each_context(request),
        "title": "Mail settings",
        "form": form,
        "test_form": (test_form or MailTestForm()) if allowed else None,
        "fieldsets": FIELDSETS,
        "configured": is_mail_configured() if allowed else None,
        "placeholder_base_url": PLACEHOLDER_BASE_URL
        if allowed and uses_placeholder_base_url()
        else None,
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


def _refused(request: HttpRequest) -> HttpResponse | None:
    """The 403 page unless the user holds ``manage:system``."""
    try:
        user_caller(request.user).require_any(scopes.MANAGE_SYSTEM)
    except DomainError as error:
        messages.error(request, domain_message(error))
        return _page(request, None, status=403)
    return None


def mail_settings(request: HttpRequest) -> HttpResponse:
    """GET shows the settings; POST replaces them and redirects back."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if refused := _refused(request):
        return refused
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


def send_test(request: HttpRequest) -> HttpResponse:
    """POST sends the test mail now (as sendMailTest does) and shows how it went.

    A failure shows the error key and its detail, for a send failure the SMTP server's answer
    (escaped by the template, as every admin message is).
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if refused := _refused(request):
        return refused
    test_form = MailTestForm(request.POST)
    settings_form = MailSettingsForm(config=mail_config())
    if not test_form.is_valid():
        return _page(request, settings_form, test_form=test_form, status=400)
    site = site_for_request(request)
    try:
        recipient = send_test_mail(
            test_form.cleaned_data["recipient_email"], site_title=site.title if site else ""
        )
    except DomainError as error:
        messages.error(request, domain_message(error))
        return _page(request, settings_form, test_form=test_form, status=400)
    messages.success(request, f"Test mail sent to {recipient}.")
    return redirect("mail-settings")


# Included by wiki/urls.py under admin/mail-settings/; admin_view() applies the admin's login
# requirement (active staff), CSRF protection and no-cache headers.
urlpatterns = [
    path("", admin.site.admin_view(mail_settings), name="mail-settings"),
    path("test/", admin.site.admin_view(send_test), name="mail-settings-test"),
]
