"""The admin's "Mail settings" page (API.md §4.6): view and change the SMTP settings.

Reading and saving go through ``wiki.mail_settings`` with a caller built from the admin user,
so the page applies exactly the rules of GraphQL's mailConfig / updateMailConfig (manage:system,
port range, the ``********`` password convention, trailing ``/`` of the base URL).

Secrets never reach the page in clear: the password and the DKIM private key are shown as
``********``; submitted back unchanged, they keep the stored values.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from accounts.authentication import user_caller
from accounts.forms import domain_message

from .config import is_mail_configured
from .errors import DomainError
from .mail_settings import MASK, SETTING_KEYS, mail_config, update_mail_config
from .models import Setting

TEMPLATE = "admin/mail_settings.html"
KEEP_HELP = "Leave empty to keep the stored value."


class SecretTextarea(forms.Textarea):
    """A textarea that never sends its value back to the browser (like PasswordInput)."""

    def format_value(self, value):
        return None


class MailSettingsForm(forms.Form):
    """Field names are the service's arguments; the service alone validates the values.

    Secrets (the password, the DKIM private key) are never rendered: their fields start empty,
    with a ``********`` placeholder when a value is stored. Left empty, the stored value is kept;
    the "remove" boxes clear it.
    """

    sender_name = forms.CharField(label="Sender name", required=False)
    # Plain text fields: wiki.mail_settings decides, with its error key.
    sender_email = forms.CharField(label="Sender email", required=False)
    default_base_url = forms.CharField(
        label="Default base URL",
        help_text="Links in mails sent for the * site start with this URL.",
    )
    host = forms.CharField(label="SMTP host", required=False)
    port = forms.IntegerField(label="SMTP port")
    name = forms.CharField(
        label="Client name",
        required=False,
        help_text="The hostname announced to the SMTP server (HELO/EHLO); empty: this machine's.",
    )
    secure = forms.BooleanField(label="Implicit TLS (secure)", required=False)
    verify_ssl = forms.BooleanField(label="Verify the server's certificate", required=False)
    user = forms.CharField(
        label="Username",
        required=False,
        help_text="SMTP authentication is used only with a username of 2 or more characters.",
    )
    password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=KEEP_HELP,
    )
    remove_password = forms.BooleanField(label="Remove the stored password", required=False)
    use_dkim = forms.BooleanField(
        label="Use DKIM",
        required=False,
        help_text="Stored for the API; this server does not sign mail with DKIM yet.",
    )
    dkim_domain_name = forms.CharField(label="DKIM domain name", required=False)
    dkim_key_selector = forms.CharField(label="DKIM key selector", required=False)
    dkim_private_key = forms.CharField(
        label="DKIM private key",
        required=False,
        strip=False,
        widget=SecretTextarea(attrs={"rows": 4, "cols": 70, "autocomplete": "off"}),
        help_text=KEEP_HELP,
    )
    remove_dkim_private_key = forms.BooleanField(
        label="Remove the stored DKIM private key", required=False
    )

    def __init__(self, *args, config: dict[str, Any], **kwargs) -> None:
        initial = {argument: config[key] for argument, key in SETTING_KEYS.items()}
        initial.update(password="", dkim_private_key="")
        super().__init__(*args, initial=initial, **kwargs)
        self.stored_dkim_key = config["dkimPrivateKey"]
        for field, stored in (
            ("password", config["pass"]),
            ("dkim_private_key", self.stored_dkim_key),
        ):
            if stored:
                self.fields[field].widget.attrs["placeholder"] = MASK

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for field in ("password", "dkim_private_key"):
            if cleaned.get(f"remove_{field}") and cleaned.get(field):
                self.add_error(field, "Either type a new value or remove the stored one.")
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """The arguments of ``update_mail_config`` (the password as the service expects it)."""
        data = self.cleaned_data
        arguments = {argument: data[argument] for argument in SETTING_KEYS}
        if data["remove_password"]:
            arguments["password"] = ""
        elif not data["password"]:
            arguments["password"] = MASK  # the service's "keep the stored password"
        # mailConfig returns the DKIM key in clear (§4.6): keeping it is done here.
        if data["remove_dkim_private_key"]:
            arguments["dkim_private_key"] = ""
        elif data["dkim_private_key"] in ("", MASK):
            arguments["dkim_private_key"] = self.stored_dkim_key
        return arguments


FIELDSETS = (
    ("Sender", ("sender_name", "sender_email", "default_base_url")),
    (
        "SMTP server",
        ("host", "port", "name", "secure", "verify_ssl", "user", "password", "remove_password"),
    ),
    (
        "DKIM",
        (
            "use_dkim",
            "dkim_domain_name",
            "dkim_key_selector",
            "dkim_private_key",
            "remove_dkim_private_key",
        ),
    ),
)


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
    caller = user_caller(request.user)
    try:
        config = mail_config(caller)
    except DomainError as error:
        messages.error(request, domain_message(error))
        return _page(request, None, status=403)
    if request.method == "GET":
        return _page(request, MailSettingsForm(config=config))
    form = MailSettingsForm(request.POST, config=config)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        update_mail_config(caller, **form.service_arguments())
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
