"""Forms of the sign-in and profile pages, and the sentence each error key shows there.

The forms only shape the input (a six-digit code, a password typed twice); every rule of
signing in is the services' (``accounts.signin``, ``accounts.totp``, ``accounts.passkeys``),
so the pages refuse exactly what the API refuses, with the same key.
"""

from __future__ import annotations

import re

from django import forms

from wiki.errors import ErrorKey

from .validation import MIN_PASSWORD_LENGTH

# What a person reads for each key the sign-in services can answer. ERR_LOGIN_FAILED is
# deliberately one sentence for an unknown address and for a wrong password.
MESSAGES: dict[ErrorKey, str] = {
    ErrorKey.LOGIN_FAILED: "The email address or the password is not right.",
    ErrorKey.INACTIVE_USER: "This account is deactivated. Ask an administrator.",
    ErrorKey.LOGIN_RESTRICTED: "This account may not sign in. Ask an administrator.",
    ErrorKey.USER_NOT_VERIFIED: (
        "This account's email address is not confirmed yet: follow the link in the mail "
        "the wiki sent you."
    ),
    ErrorKey.INVALID_STRATEGY: "Signing in with a password is not available on this wiki.",
    ErrorKey.INVALID_SITE: "This address belongs to no site of the wiki.",
    ErrorKey.INVALID_USER: "This account no longer exists.",
    ErrorKey.NOT_AUTHENTICATED: "Please sign in first.",
    ErrorKey.TFA_INVALID_REQUEST: "Enter the 6-digit code your authenticator app shows.",
    ErrorKey.TFA_INCORRECT_TOKEN: "That code is not right.",
    ErrorKey.TFA_ALREADY_ACTIVE: "Two-factor authentication is already on.",
    ErrorKey.TFA_NOT_ACTIVE: "Two-factor authentication is not on.",
    ErrorKey.INVALID_VALIDATION_TOKEN: "This step is no longer valid. Please start again.",
    ErrorKey.EXPIRED_VALIDATION_TOKEN: "This step has expired. Please start again.",
    ErrorKey.PASSWORD_TOO_SHORT: (
        f"The new password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
    ),
    ErrorKey.INCORRECT_CURRENT_PASSWORD: "The current password is not right.",
    ErrorKey.PASSKEY_NOT_SETUP: "No passkey registration is under way. Please start again.",
    ErrorKey.PK_ALREADY_REGISTERED: "This passkey is already registered.",
    ErrorKey.PK_HOSTNAME_MISSING: (
        "Passkeys need the site to have its own hostname. Ask an administrator."
    ),
    ErrorKey.PK_NAME_MISSING_OR_INVALID: "Give the passkey a name (at most 255 characters).",
    ErrorKey.PK_USER_CANCELLED: "The passkey registration was cancelled.",
    ErrorKey.PK_VERIFICATION_FAILED: "The passkey could not be verified.",
    ErrorKey.INVALID_PASSKEY_RESPONSE: "The passkey's answer was incomplete.",
}


def message_for(key: ErrorKey) -> str:
    return MESSAGES.get(key, "Something went wrong. Please try again.")


def retry_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many attempts. Please try again in {seconds} {unit}."


def _password_input(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete})


class PasswordStepForm(forms.Form):
    """Email and password. The field is ``username`` like the contract's ``login`` argument
    (and Django's admin login, whose element ids the admin's browser tests use)."""

    username = forms.CharField(
        label="Email address",
        max_length=255,
        widget=forms.EmailInput(attrs={"autocomplete": "username webauthn", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password", max_length=4096, strip=False, widget=_password_input("current-password")
    )


class CodeForm(forms.Form):
    """A TOTP code: six digits; spaces that some apps show in the middle are dropped."""

    code = forms.CharField(
        label="Security code",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]{6,7}",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(message_for(ErrorKey.TFA_INVALID_REQUEST))
        return code


class NewPasswordForm(forms.Form):
    """A new password typed twice (a forced change, a reset link)."""

    new_password = forms.CharField(
        label="New password", max_length=4096, strip=False, widget=_password_input("new-password")
    )
    new_password_again = forms.CharField(
        label="New password, again",
        max_length=4096,
        strip=False,
        widget=_password_input("new-password"),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password"), cleaned.get("new_password_again")
        if first and second and first != second:
            self.add_error("new_password_again", "The two passwords differ.")
        return cleaned


class OwnPasswordForm(NewPasswordForm):
    """The profile's password change: the current password first."""

    current_password = forms.CharField(
        label="Current password",
        max_length=4096,
        strip=False,
        widget=_password_input("current-password"),
    )
    field_order = ("current_password", "new_password", "new_password_again")


class PasskeyNameForm(forms.Form):
    credential_id = forms.CharField(widget=forms.HiddenInput, max_length=1024)
    name = forms.CharField(label="Name", max_length=255)
