"""Admin of authentication strategies and API keys; users: ``accounts.admin_users``, groups
and their members: ``accounts.group_admin``.

The admin is gated by scopes (``User.is_staff`` / ``User.has_perm``); on top of that the
contract's protected targets (API.md §3.6) are enforced per object, and users are created and
changed by the services of ``accounts.services`` and ``accounts.user_admin`` like the API does.
"""

import uuid

import django.contrib.auth.admin  # noqa: F401  (registers auth's Group so it can be removed)
from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup
from django.urls import reverse

from wiki.admin import ReadOnlyAdmin

from .admin_users import UserAdmin
from .group_admin import GroupAdmin  # noqa: F401  (registers the groups' admin)
from .models import ApiKey, AuthStrategy, Group, User

# Wiki groups replace Django's: hide the unused auth.Group model.
if admin.site.is_registered(AuthGroup):
    admin.site.unregister(AuthGroup)


def _without_bulk_delete(actions: dict) -> dict:
    # The bulk action skips per-object checks, so protected rows could be deleted through it.
    actions.pop("delete_selected", None)
    return actions


admin.site.register(User, UserAdmin)


@admin.register(AuthStrategy)
class AuthStrategyAdmin(admin.ModelAdmin):
    list_display = ("display_name", "module", "is_enabled", "registration")
    list_filter = ("is_enabled", "module")
    search_fields = ("display_name", "module")
    fields = (
        "id",
        "module",
        "display_name",
        "is_enabled",
        "registration",
        "allowed_email_regex",
        "auto_enroll_groups",
        "config",
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
