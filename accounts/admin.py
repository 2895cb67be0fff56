"""Admin of users, memberships, authentication strategies and API keys (groups:
``accounts.group_admin``).

The admin is gated by scopes (``User.is_staff`` / ``User.has_perm``); on top of that the
contract's protected targets (API.md §3.6) are enforced per object, and new users are created
by ``accounts.services.create_user`` like the API does.
"""

import uuid

import django.contrib.auth.admin  # noqa: F401  (registers auth's Group so it can be removed)
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group as AuthGroup
from django.urls import reverse

from wiki.admin import ReadOnlyAdmin
from wiki.errors import DomainError

from . import scopes
from .authentication import user_caller
from .forms import MembershipFormSet, UserAddForm, UserChangeForm, domain_message
from .group_admin import GroupAdmin  # noqa: F401  (registers the groups' admin)
from .models import ApiKey, AuthStrategy, Group, Membership, User
from .services import create_user, root_admin_user

# Wiki groups replace Django's: hide the unused auth.Group model.
if admin.site.is_registered(AuthGroup):
    admin.site.unregister(AuthGroup)


def _is_root(user) -> bool:
    return scopes.MANAGE_SYSTEM in user.global_permissions


def _protected_from(request, target: User) -> bool:
    """§3.6: system users are untouchable; manage:system holders need manage:system."""
    return target.is_system or (_is_root(target) and not _is_root(request.user))


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


class UserMembershipInline(MembershipInline):
    fields = ("group", "created_at")
    autocomplete_fields = ("group",)
    verbose_name = "group membership"

    def _frozen(self, request, obj) -> bool:
        return obj is not None and _protected_from(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return not self._frozen(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._frozen(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._frozen(request, obj) and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserAddForm
    add_form_template = "admin/change_form.html"
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "name",
                    "password1",
                    "password2",
                    "extra_groups",
                    "must_change_password",
                ),
            },
        ),
    )
    readonly_fields = (
        "id",
        "legacy_id",
        "is_system",
        "has_avatar",
        "passkey_count",
        "last_login",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        (
            "Status",
            {
                "fields": (
                    "is_active",
                    "is_verified",
                    "must_change_password",
                    "restrict_login",
                    "tfa_required",
                )
            },
        ),
        ("Profile", {"fields": ("meta", "prefs")}),
        ("Identity", {"fields": readonly_fields}),
    )
    list_display = (
        "name",
        "email",
        "legacy_id",
        "is_active",
        "is_verified",
        "is_system",
        "group_names",
        "last_login",
        "created_at",
    )
    list_filter = ("is_active", "is_verified", "is_system", "tfa_required", "groups")
    search_fields = ("name", "email")
    ordering = ("name",)
    filter_horizontal = ()
    inlines = (UserMembershipInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="groups")
    def group_names(self, obj: User) -> str:
        return ", ".join(group.name for group in obj.groups.all())

    @admin.display(description="passkeys")
    def passkey_count(self, obj: User) -> int:
        return len((obj.passkeys or {}).get("authenticators") or [])

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.caller = user_caller(request.user)
        return form

    def get_inline_instances(self, request, obj=None):
        # A new user gets its groups from the add form (through create_user).
        return [] if obj is None else super().get_inline_instances(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and _protected_from(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None:
            root_admin = root_admin_user()
            if _protected_from(request, obj) or (root_admin and obj.pk == root_admin.pk):
                return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        try:
            created = create_user(
                user_caller(request.user),
                email=data["email"],
                name=data["name"],
                password_raw=data["password1"],
                group_ids=[group.pk for group in data["extra_groups"]],
                must_change_password=data["must_change_password"],
            )
        except DomainError as error:
            # The form ran the same checks; only a race (or a permission change) gets here.
            raise ValueError(domain_message(error)) from error
        obj.pk = created.user.pk
        obj.refresh_from_db()
        obj._state.adding = False


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
