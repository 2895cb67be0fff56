"""Forms of the Django admin for accounts: users, memberships and API keys (groups:
``accounts.group_forms``).

Validation reuses the domain's rules (``accounts.validation``, ``accounts.services``) so that
the admin accepts exactly what the API accepts; a ``DomainError`` becomes a form error that
carries the contract's error key.
"""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError

from wiki.errors import DomainError, ErrorKey

from .apikeys import EXPIRATION_CHOICES
from .models import USERS_GROUP_ID, Group, User
from .permissions import Caller
from .services import check_may_change_membership
from .validation import check_password_length, clean_email, clean_name


def domain_message(error: DomainError) -> str:
    """How the admin shows a domain error: the key first, then the detail for operators."""
    return f"{error.key.value}: {error.detail}" if error.detail else error.key.value


def validation_error(error: DomainError) -> ValidationError:
    return ValidationError(domain_message(error), code=error.key.value)


def _domain_clean(function, value, **kwargs):
    try:
        return function(value, **kwargs)
    except DomainError as error:
        raise validation_error(error) from error


# --- Users ------------------------------------------------------------------------------------
class PasswordPairMixin:
    """``password1`` and ``password2`` of a form: long enough, and typed the same twice."""

    def clean_password1(self) -> str:
        password = self.cleaned_data.get("password1") or ""
        _domain_clean(check_password_length, password)
        return password

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned


def _unused_email(raw: str | None, own_id) -> str:
    """A valid, normalised email no other account uses (compared ignoring case)."""
    email = _domain_clean(clean_email, raw)
    if User.objects.filter(email__iexact=email).exclude(pk=own_id).exists():
        raise validation_error(DomainError(ErrorKey.DUPLICATE_ACCOUNT_EMAIL))
    return email


class UserAddForm(PasswordPairMixin, forms.ModelForm):
    """Create a local user; the admin saves it through ``accounts.services.create_user``."""

    # A plain field: the domain rule (clean_email) alone decides, with its error key.
    email = forms.CharField(label="Email")

    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters.",
    )
    password2 = forms.CharField(
        label="Password confirmation",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    extra_groups = forms.ModelMultipleChoiceField(
        label="Groups",
        queryset=Group.objects.exclude(pk=USERS_GROUP_ID).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every new user also joins the Users group.",
    )
    must_change_password = forms.BooleanField(
        label="Must change password at next login", required=False
    )

    class Meta:
        model = User
        fields = ("email", "name")

    caller: Caller | None = None  # set by the ModelAdmin for the request

    def clean_email(self) -> str:
        return _unused_email(self.cleaned_data.get("email"), None)

    def clean_name(self) -> str:
        return _domain_clean(clean_name, self.cleaned_data.get("name"))

    def clean_extra_groups(self):
        groups = self.cleaned_data.get("extra_groups")
        try:
            check_may_change_membership(self.caller, groups or ())
        except DomainError as error:
            raise validation_error(error) from error
        return groups


# --- API keys ---------------------------------------------------------------------------------
class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=255)
    expiration = forms.ChoiceField(choices=[(e, e) for e in EXPIRATION_CHOICES], initial="1y")
    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text="The key acts with the permissions of these groups.",
    )

    def group_ids(self) -> list[uuid.UUID]:
        return [group.pk for group in self.cleaned_data["groups"]]
