"""Admin of authentication strategies and API keys; users: ``accounts.admin_users``, groups
and their members: ``accounts.group_admin``.

The admin is gated by scopes (``User.is_staff`` / ``User.has_perm``); on top of that the
contract's protected targets (API.md §3.6) are enforced per object, and users are created and
changed by the services of ``accounts.services`` and ``accounts.user_admin`` like the API does.
"""

import uuid

import django.contrib.auth.admin  # noqa: F401  (registers auth's Group so it can be removed)
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup
from django.core.exceptions import ValidationError
from django.urls import reverse

from wiki.admin import ReadOnlyAdmin

from .admin_users import UserAdmin
from .group_admin import GroupAdmin  # noqa: F401  (registers the groups' admin)
from .models import GUESTS_GROUP_ID, ApiKey, AuthStrategy, Group, User
from .registration import email_regex_problem
from .strategies import enforces_tfa, validates_email
from .strategy_listing import auto_enroll_group_ids

# Wiki groups replace Django's: hide the unused auth.Group model.
if admin.site.is_registered(AuthGroup):
    admin.site.unregister(AuthGroup)


def _without_bulk_delete(actions: dict) -> dict:
    # The bulk action skips per-object checks, so protected rows could be deleted through it.
    actions.pop("delete_selected", None)
    return actions


admin.site.register(User, UserAdmin)


class AuthStrategyForm(forms.ModelForm):
    """The local strategy's settings (API.md §4.5.1): ``config`` as two checkboxes, the
    auto-enrolled groups as a choice of existing groups, the email pattern checked by RE2."""

    enforce_tfa = forms.BooleanField(
        required=False,
        label="Enforce two-factor authentication",
        help_text="Every user of this strategy must set up TOTP at their next sign-in.",
    )
    email_validation = forms.BooleanField(
        required=False,
        label="Email validation",
        help_text="Self-registered accounts must follow the link of a verification mail "
        "before they can sign in (needs the mail settings).",
    )
    enrolled_groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.exclude(pk=GUESTS_GROUP_ID).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Auto-enrolled groups",
        help_text="Groups every self-registered account joins, besides Users.",
    )

    class Meta:
        model = AuthStrategy
        fields = ("display_name", "is_enabled", "registration", "allowed_email_regex")
        labels = {
            "registration": "Allow self-registration",
            "allowed_email_regex": "Allowed email pattern",
        }
        help_texts = {
            "allowed_email_regex": "Regular expression (RE2 syntax) that a self-registering "
            "email must match, anywhere, ignoring case; empty allows any address. Example: "
            "@example\\.com$",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        strategy = self.instance
        self.fields["enforce_tfa"].initial = enforces_tfa(strategy)
        self.fields["email_validation"].initial = validates_email(strategy)
        self.fields["enrolled_groups"].initial = auto_enroll_group_ids(strategy)

    def clean_allowed_email_regex(self) -> str:
        pattern = (self.cleaned_data.get("allowed_email_regex") or "").strip()
        problem = email_regex_problem(pattern) if pattern else None
        if problem:
            raise ValidationError(problem)
        return pattern

    def save(self, commit: bool = True) -> AuthStrategy:
        strategy = super().save(commit=False)
        config = dict(strategy.config) if isinstance(strategy.config, dict) else {}
        config["enforceTfa"] = bool(self.cleaned_data["enforce_tfa"])
        config["emailValidation"] = bool(self.cleaned_data["email_validation"])
        strategy.config = config
        strategy.auto_enroll_groups = [str(g.pk) for g in self.cleaned_data["enrolled_groups"]]
        if commit:
            strategy.save()
        return strategy


@admin.register(AuthStrategy)
class AuthStrategyAdmin(admin.ModelAdmin):
    form = AuthStrategyForm
    list_display = ("display_name", "module", "is_enabled", "registration")
    list_filter = ("is_enabled", "module")
    search_fields = ("display_name", "module")
    fieldsets = (
        (None, {"fields": ("id", "module", "display_name", "is_enabled")}),
        (
            "Self-registration",
            {"fields": ("registration", "allowed_email_regex", "enrolled_groups")},
        ),
        ("Settings", {"fields": ("email_validation", "enforce_tfa")}),
    )
    readonly_fields = ("id", "module")

    def has_add_permission(self, request) -> bool:
        return False  # only the local strategy exists (API.md §4.5.1)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Keys are created and revoked on the API Access page, which shows a new key once."""

    change_list_template = "admin/accounts/apikey/change_list.html"
    list_display = (
        "name",
        "key_short",
        "expiration",
        "status",
        "created_by",
        "created_at",
    )
    list_filter = ("is_revoked",)
    search_fields = ("name", "key_short")
    list_select_related = ("created_by",)
    fields = (
        "id",
        "legacy_id",
        "name",
        "key_short",
        "group_names",
        "expiration",
        "status",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description="groups")
    def group_names(self, obj: ApiKey) -> str:
        names = dict(Group.objects.filter(pk__in=obj.group_ids).values_list("pk", "name"))
        return ", ".join(names.get(_uuid(gid), f"(deleted {gid})") for gid in obj.group_ids)

    @admin.display(description="status")
    def status(self, obj: ApiKey) -> str:
        if obj.is_revoked:
            return "revoked"
        return "expired" if obj.is_expired else "active"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "api_access_url": reverse("api-access")}
        return super().changelist_view(request, extra_context)


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value
