"""Admin of users: every change goes through ``accounts.user_admin`` (or ``create_user``).

The admin user becomes a ``Caller`` (``user_caller``), so the permissions (API.md §3.5), the
protected targets and the elevation rules (§3.6) are those of the API. A refusal is shown as
``ERR_KEY: detail`` on the page, never as a server error, and leaves nothing changed.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from wiki.errors import DomainError

from . import scopes, user_admin
from .authentication import user_caller
from .forms import domain_message
from .models import User
from .services import create_user, root_admin_user
from .user_forms import SetPasswordForm, UserAddForm, UserEditForm, UserReplacementForm

GROUP_NAMES_SHOWN = 3

# One-click operations of the change page and the list's actions: (service, past tense).
OPERATIONS = {
    "activate": (user_admin.activate_user, "activated"),
    "deactivate": (user_admin.deactivate_user, "deactivated"),
    "verify": (user_admin.verify_user, "verified"),
    "reset-tfa": (user_admin.disable_user_tfa, "TFA reset"),
}


def _protected_from(request, target: User) -> bool:
    """§3.6: system users are untouchable; manage:system holders need manage:system."""
    try:
        user_admin.check_may_manage(user_caller(request.user), target)
    except DomainError:
        return True
    return False


def _operations_for(user: User | None) -> list[tuple[str, str]]:
    """The buttons of a user's change page: (operation, label)."""
    if user is None:
        return []
    shown = [("deactivate", "Deactivate") if user.is_active else ("activate", "Activate")]
    if not user.is_verified:
        shown.append(("verify", "Verify"))
    if user.has_local_credentials:
        shown.append(("reset-tfa", "Reset TFA"))
    return shown


def _run_on_each(operation: str):
    service, done = OPERATIONS[operation]

    def action(model_admin, request, queryset):
        caller = user_caller(request.user)
        changed = 0
        for user in queryset:
            try:
                service(caller, user.pk)
            except DomainError as error:
                model_admin.message_user(
                    request, f"{user}: {domain_message(error)}", messages.ERROR
                )
            else:
                changed += 1
                model_admin.log_change(request, user, f"{done.capitalize()} in the admin.")
        if changed:
            model_admin.message_user(request, f"{changed} user(s) {done}.", messages.SUCCESS)

    action.__name__ = operation.replace("-", "_")
    action.short_description = f"{operation.replace('-', ' ').capitalize()} the selected users"
    return action


class UserAdmin(auth_admin.UserAdmin):
    class Media:
        css = {"all": ("accounts/user_admin.css",)}

    form = UserEditForm
    add_form = UserAddForm
    add_form_template = "admin/change_form.html"
    change_form_template = "admin/accounts/user/change_form.html"
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
        (None, {"fields": ("email", "name", "password", "member_of")}),
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
        ("Identity", {"fields": readonly_fields}),
    )
    # Few, short columns: the list fits 1400 px without scrolling sideways.
    list_display = ("name", "email", "is_active", "is_verified", "group_names", "last_login")
    list_filter = ("is_active", "is_verified", "tfa_required", "groups")
    search_fields = ("name", "email")
    ordering = ("name",)
    filter_horizontal = ()
    actions = [_run_on_each(operation) for operation in OPERATIONS]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="groups")
    def group_names(self, obj: User) -> str:
        names = sorted(group.name for group in obj.groups.all())
        shown = ", ".join(names[:GROUP_NAMES_SHOWN])
        hidden = len(names) - GROUP_NAMES_SHOWN
        return f"{shown} (+{hidden})" if hidden > 0 else shown

    @admin.display(description="passkeys")
    def passkey_count(self, obj: User) -> int:
        return obj.passkey_set.count()

    # --- Who may do what: the permission engine, not Django's permission table -------------
    def _caller_has(self, request, *needed: str) -> bool:
        return request.user.is_active and user_caller(request.user).has_any(*needed)

    def has_module_permission(self, request) -> bool:
        return self._caller_has(request, *scopes.READ_USERS_ANY)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._caller_has(request, *scopes.READ_USERS_ANY)

    def has_add_permission(self, request) -> bool:
        return self._caller_has(request, *scopes.CREATE_USERS_ANY)

    def has_change_permission(self, request, obj=None) -> bool:
        if not self._caller_has(request, *scopes.MANAGE_USERS_ANY):
            return False
        return obj is None or not _protected_from(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if not self.has_change_permission(request, obj):
            return False
        root_admin = root_admin_user()
        # The root administrator is named by the settings; keep it.
        return obj is None or root_admin is None or obj.pk != root_admin.pk

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The bulk delete skips the replacement user; the others need manage:users.
        actions.pop("delete_selected", None)
        return actions if self.has_change_permission(request) else {}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.caller = user_caller(request.user)
        return form

    # --- Saving through the services ---------------------------------------------------------
    def save_model(self, request, obj, form, change):
        caller = user_caller(request.user)
        if change:
            user_admin.update_user(caller, obj.pk, form.patch())
        else:
            data = form.cleaned_data
            created = create_user(
                caller,
                email=data["email"],
                name=data["name"],
                password_raw=data["password1"],
                group_ids=[group.pk for group in data["extra_groups"]],
                must_change_password=data["must_change_password"],
            )
            obj.pk = created.user.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        """Memberships were saved by the service; the form's many-to-many must not redo it."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            # The form ran the same checks; only a race gets here. The transaction rolled back.
            self.message_user(request, domain_message(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            user = User.objects.filter(pk=unquote(object_id)).first()
        except ValidationError:  # not a UUID: the admin answers that itself
            user = None
        extra_context = {**(extra_context or {}), "user_operations": _operations_for(user)}
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Extra pages: password, one-click operations, delete with a replacement --------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<id>/operation/<str:operation>/",
                view(require_POST(self.operation_view)),
                name="accounts_user_operation",
            ),
            *super().get_urls(),
        ]

    def _target(self, request, user_id) -> User:
        user = get_object_or_404(User, pk=unquote(user_id))
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        return user

    def _change_url(self, user: User) -> str:
        return reverse("admin:accounts_user_change", args=[user.pk])

    def operation_view(self, request: HttpRequest, id, operation: str) -> HttpResponse:
        if operation not in OPERATIONS:
            raise PermissionDenied
        user = self._target(request, id)
        service, done = OPERATIONS[operation]
        try:
            service(user_caller(request.user), user.pk)
        except DomainError as error:
            self.message_user(request, domain_message(error), messages.ERROR)
        else:
            self.log_change(request, user, f"{done.capitalize()} in the admin.")
            self.message_user(request, f"{user}: {done}.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(user))

    def user_change_password(self, request, id, form_url=""):
        user = self._target(request, id)
        form = SetPasswordForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                user_admin.change_user_password(
                    user_caller(request.user),
                    user.pk,
                    form.cleaned_data["password1"],
                    form.cleaned_data["must_change_password"],
                )
            except DomainError as error:
                form.add_error("password1", domain_message(error))
            else:
                self.log_change(request, user, "Password set in the admin.")
                self.message_user(request, f"Password of {user} set.", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(user))
        if request.method == "POST":
            status = 400
        return self._page(request, user, "set_password.html", "Set password", form, status)

    def delete_view(self, request, object_id, extra_context=None):
        user = get_object_or_404(User, pk=unquote(object_id))
        if not self.has_delete_permission(request, user):
            raise PermissionDenied
        form = UserReplacementForm(request.POST or None, deleted=user, initial_user=request.user)
        status = 200
        if request.method == "POST" and form.is_valid():
            replacement = form.cleaned_data["replacement"]
            try:
                with transaction.atomic():
                    # Logged first (the log reads the row), undone with the deletion if refused.
                    self.log_deletions(request, User.objects.filter(pk=user.pk))
                    moved = user_admin.delete_user(
                        user_caller(request.user), user.pk, replacement.pk
                    )
            except DomainError as error:
                form.add_error(None, domain_message(error))
            else:
                count = sum(moved.values())
                self.message_user(
                    request,
                    f"{user} deleted; {count} row(s) now name {replacement}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))
        if request.method == "POST":
            status = 400
        return self._page(request, user, "delete.html", "Delete user", form, status)

    def _page(self, request, user, template, title, form, status) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title}: {user}",
            "opts": self.opts,
            "original": user,
            "form": form,
        }
        return TemplateResponse(request, f"admin/accounts/user/{template}", context, status=status)
