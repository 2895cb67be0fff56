"""Admin of groups, memberships, authentication strategies and API keys; users: admin_users.

The admin is gated by scopes (``User.is_staff`` / ``User.has_perm``); on top of that the
contract's protected targets (API.md §3.6) are enforced per object, and users are created and
changed by the services of ``accounts.services`` and ``accounts.user_admin`` like the API does.
"""

import uuid

import django.contrib.auth.admin  # noqa: F401  (registers auth's Group so it can be removed)
from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup
from django.db.models import Count
from django.urls import reverse

from wiki.admin import ReadOnlyAdmin

from . import scopes
from .admin_users import UserAdmin
from .authentication import user_caller
from .forms import GroupForm, MembershipFormSet, default_group_rules
from .models import ApiKey, AuthStrategy, Group, Membership, User

# Wiki groups replace Django's: hide the unused auth.Group model.
if admin.site.is_registered(AuthGroup):
    admin.site.unregister(AuthGroup)


def _without_bulk_delete(actions: dict) -> dict:
    # The bulk action skips per-object checks, so protected rows could be deleted through it.
    actions.pop("delete_selected", None)
    return actions


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    readonly_fields = ("created_at",)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.caller = user_caller(request.user)
        return formset


class GroupMembershipInline(MembershipInline):
    fields = ("user", "created_at")
    autocomplete_fields = ("user",)
    verbose_name = "member"


admin.site.register(User, UserAdmin)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    form = GroupForm
    list_display = ("name", "legacy_id", "is_system", "permission_list", "user_count", "created_at")
    list_filter = ("is_system",)
    search_fields = ("name",)
    ordering = ("name",)
    readonly_fields = ("id", "legacy_id", "is_system", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "permissions", "rules")}),
        (
            "Redirects",
            {"fields": ("redirect_on_login", "redirect_on_first_login", "redirect_on_logout")},
        ),
        ("Identity", {"fields": readonly_fields}),
    )
    inlines = (GroupMembershipInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="users", ordering="member_count")
    def user_count(self, obj: Group) -> int:
        return obj.member_count

    @admin.display(description="permissions")
    def permission_list(self, obj: Group) -> str:
        return ", ".join(obj.permissions or [])

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.caller = user_caller(request.user)
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("permissions", list(scopes.NEW_GROUP_PERMISSIONS))
        initial.setdefault("rules", default_group_rules())
        return initial

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_system:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))


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
