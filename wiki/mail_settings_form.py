"""The form of the admin's "Mail settings" page (API.md §4.6).

Its fields are the arguments of ``wiki.mail_settings.update_mail_config``, which alone validates
the values. The page itself, which checks who may use it, is ``accounts.admin_mail_settings``.

Secrets never reach the page in clear (the service itself shows them only as ``********``):
their fields start empty; left empty, they keep the stored values.
"""

from __future__ import annotations

from typing import Any

from django import forms

from .mail_settings import MASK, SETTING_KEYS

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
        help_text="Sign every mail; needs the domain, the selector and an RSA private key.",
    )
    dkim_domain_name = forms.CharField(label="DKIM domain name", required=False)
    dkim_key_selector = forms.CharField(label="DKIM key selector", required=False)
    dkim_private_key = forms.CharField(
        label="DKIM private key",
        required=False,
        strip=False,
        widget=SecretTextarea(attrs={"rows": 4, "cols": 70, "autocomplete": "off"}),
        help_text=f"An unencrypted RSA key in PEM. {KEEP_HELP}",
    )
    remove_dkim_private_key = forms.BooleanField(
        label="Remove the stored DKIM private key", required=False
    )

    def __init__(self, *args, config: dict[str, Any], **kwargs) -> None:
        initial = {argument: config[key] for argument, key in SETTING_KEYS.items()}
        initial.update(password="", dkim_private_key="")
        super().__init__(*args, initial=initial, **kwargs)
        for field, stored in (
            ("password", config["pass"]),
            ("dkim_private_key", config["dkimPrivateKey"]),
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
        """The arguments of ``update_mail_config`` (the secrets as the service expects them)."""
        data = self.cleaned_data
        arguments = {argument: data[argument] for argument in SETTING_KEYS}
        for field in ("password", "dkim_private_key"):
            if data[f"remove_{field}"]:
                arguments[field] = ""
            elif not data[field]:
                arguments[field] = MASK  # the service's "keep the stored one"
        return arguments


class MailTestForm(forms.Form):
    """The "Send test mail" form; ``wiki.mail_test.send_test_mail`` alone checks the address."""

    recipient_email = forms.CharField(
        label="Recipient",
        required=False,
        max_length=255,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="The test mail is sent now with the saved settings.",
    )


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
