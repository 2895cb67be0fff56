"""Admin of groups: the change form (``accounts.group_forms``) and a members page.

Saving and membership changes go through ``accounts.groups``, the services of ``updateGroup``,
``createGroup``, ``assignUserToGroup`` and ``unassignUserFromGroup``, so §3.6 holds here as it
does in the API: a manage:groups editor cannot grant manage:system, nor join anyone to a group
holding it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from wiki.errors import DomainError, ErrorKey
from wiki.text import uuid_or_none

from . import groups, scopes
from .authentication import user_caller
from .forms import domain_message
from .group_forms import GroupForm
from .models import Group, Membership, User

MEMBERS_PER_PAGE = 25


def _without_bulk_delete(actions: dict) -> dict:
    # The bulk action skips per-object checks, so protected rows could be deleted through it.
    actions.pop("delete_selected", None)
    return actions


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    form = GroupForm
    change_form_template = "admin/accounts/group/change_form.html"
    list_display = ("name", "is_system", "permission_list", "user_count", "created_at")
    list_filter = ("is_system",)
    search_fields = ("name",)
    ordering = ("name",)
    readonly_fields = ("id", "legacy_id", "is_system", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name",)}),
        ("Permissions", {"fields": ("permissions",), "classes": ("group-permissions",)}),
        (
            "Redirects",
            {"fields": ("redirect_on_login", "redirect_on_first_login", "redirect_on_logout")},
        ),
        ("Identity", {"fields": readonly_fields, "classes": ("collapse",)}),
    )

    class Media:
        css = {"all": ("accounts/group_admin.css",)}
        js = ("accounts/group_rules.js",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="users", ordering="member_count")
    def user_count(self, obj: Group):
        url = reverse("admin:accounts_group_members", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.member_count)

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
        return initial

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        obj = context.get("original")
        context["member_count"] = obj.memberships.count() if obj is not None else 0
        return super().render_change_form(request, context, add, change, **kwargs)

    def save_model(self, request, obj, form, change):
        """Through createGroup and updateGroup's services, in the admin's transaction."""
        data = form.cleaned_data
        caller = user_caller(request.user)
        try:
            if not change:
                obj.pk = groups.create_group(caller, data["name"]).pk
            groups.update_group(
                caller,
                obj.pk,
                name=data["name"],
                redirect_on_login=data["redirect_on_login"],
                permissions=data["permissions"],
                rules=data["rules"],
                redirect_on_first_login=data["redirect_on_first_login"],
                redirect_on_logout=data["redirect_on_logout"],
            )
        except DomainError as error:
            # The form ran the same checks; only a race (or a permission change) gets here.
            raise ValueError(domain_message(error)) from error
        obj.refresh_from_db()
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # rules and permissions were saved by the service; memberships have their page

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and groups.is_protected_group(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    # --- Members ------------------------------------------------------------------------------
    def get_urls(self):
        own = self.admin_site.admin_view
        return [
            path(
                "<uuid:object_id>/members/",
                own(self.members_view),
                name="accounts_group_members",
            ),
            *super().get_urls(),
        ]

    def members_view(self, request: HttpRequest, object_id) -> HttpResponse:
        group = Group.objects.filter(pk=object_id).first()
        if group is None:
            raise Http404("no such group")
        if not self.has_view_permission(request, group):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, group):
                raise PermissionDenied
            self._change_membership(request, group)
            return redirect(self._members_url(group, request.POST))
        return self._members_page(request, group)

    def _members_url(self, group: Group, params) -> str:
        kept = {key: params[key] for key in ("q", "p") if params.get(key)}
        url = reverse("admin:accounts_group_members", args=[group.pk])
        return f"{url}?{urlencode(kept)}" if kept else url

    def _change_membership(self, request: HttpRequest, group: Group) -> None:
        caller = user_caller(request.user)
        action = request.POST.get("action")
        try:
            if action == "add":
                member = _user_by_email(request.POST.get("email") or "")
                groups.assign_user_to_group(caller, group.pk, member.pk)
                done = f"{member} added to {group}."
            elif action == "remove":
                member = User.objects.filter(pk=uuid_or_none(request.POST.get("user"))).first()
                if member is None:
                    raise DomainError(ErrorKey.INVALID_USER, "no such user")
                groups.unassign_user_from_group(caller, group.pk, member.pk)
                done = f"{member} removed from {group}."
            else:
                raise DomainError(ErrorKey.INVALID_INPUT, "unknown action")
        except DomainError as error:
            messages.error(request, domain_message(error))
            return
        self.log_change(request, group, done)
        messages.success(request, done)

    def _members_page(self, request: HttpRequest, group: Group) -> HttpResponse:
        query = (request.GET.get("q") or "").strip()
        members = Membership.objects.filter(group=group).select_related("user")
        if query:
            members = members.filter(
                Q(user__name__icontains=query) | Q(user__email__icontains=query)
            )
        members = members.order_by("user__name", "user__email", "user__pk")
        page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Members of {group.name}",
            "opts": self.opts,
            "original": group,
            "page": page,
            "query": query,
            "total": Membership.objects.filter(group=group).count(),
            "may_change": self.has_change_permission(request, group),
            "may_view_users": request.user.has_perm("accounts.view_user"),
        }
        return TemplateResponse(request, "admin/accounts/group/members.html", context)


def _user_by_email(raw: str) -> User:
    member = User.objects.filter(email__iexact=raw.strip()).first() if raw.strip() else None
    if member is None:
        raise DomainError(ErrorKey.INVALID_USER, f"no user has the email {raw.strip()!r}")
    return member
