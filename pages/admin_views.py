"""The pages admin's own views: versions and restoring one, moving, and the safe preview.

Each view reads through the admin's queryset (pages the user may see) and changes pages only
through the services GraphQL uses, with a caller built from the admin user; a ``DomainError``
becomes a form error or an admin message, never a server error.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts import scopes
from accounts.authentication import user_caller
from accounts.permissions import Caller, PageContext
from wiki.errors import DomainError

from .admin_forms import PageMoveForm, add_domain_error, page_error_message
from .content_policy import protect_admin_preview
from .edits import move_page, restore_page
from .history import get_version, page_versions
from .models import Page

VERSIONS_PER_PAGE = 50
# Who may open the pages and folders areas: staff whose page rules grant one of these somewhere.
EDITING_ROLES = (scopes.WRITE_PAGES, scopes.MANAGE_PAGES, scopes.DELETE_PAGES)
# The preview is a separate document in a sandboxed frame: no scripts, no forms, no plugins, an
# opaque origin (no cookies, no access to the admin page), no navigation of the admin window.
# The render is already sanitised (pages.rendering); this policy holds even if it were not.
PREVIEW_POLICY = "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'"


def preview_document(render_html: str) -> str:
    """The ``srcdoc`` of a preview frame; the template escapes it into the attribute."""
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{PREVIEW_POLICY}">'
        f"</head><body>{render_html}</body></html>"
    )


def request_caller(request: HttpRequest) -> Caller:
    """The admin user as a caller of the page services, built once per request."""
    caller = getattr(request, "_pages_admin_caller", None)
    if caller is None:
        caller = request._pages_admin_caller = user_caller(request.user)
    return caller


def may_at(request: HttpRequest, scope: str, page: Page) -> bool:
    return request_caller(request).can_at(scope, PageContext.of(page))


class RuleGatedAdmin:
    """The gate of the pages and folders areas: staff whose page rules grant an editing role
    somewhere; which rows and which changes is then decided per row (and by the services)."""

    def _may_open(self, request, *roles: str) -> bool:
        return request_caller(request).policy.grants_somewhere(*roles)

    def has_module_permission(self, request) -> bool:
        return self._may_open(request, *EDITING_ROLES)

    def has_view_permission(self, request, obj=None) -> bool:
        # Which rows: ``get_queryset`` holds only those the user may read.
        return self._may_open(request, *EDITING_ROLES)

    def has_add_permission(self, request) -> bool:
        return self._may_open(request, scopes.WRITE_PAGES)


class PageAdminViews:
    """Mixed into ``PageAdmin``: the URLs and views beyond Django's add/change/delete."""

    def get_urls(self):
        own = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/versions/",
                own(self.versions_view),
                name="pages_page_versions",
            ),
            path(
                "<path:object_id>/versions/<uuid:version_id>/restore/",
                own(self.restore_view),
                name="pages_page_restore",
            ),
            path("<path:object_id>/move/", own(self.move_view), name="pages_page_move"),
            *super().get_urls(),
        ]

    def _visible_page(self, request: HttpRequest, object_id: str) -> Page:
        page = self.get_object(request, unquote(object_id))
        if page is None or not self.has_view_permission(request, page):
            raise PermissionDenied
        return page

    def _context(self, request: HttpRequest, page: Page, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": page,
            "title": title,
            "subtitle": str(page),
            **extra,
        }

    def _change_url(self, page: Page) -> str:
        return reverse("admin:pages_page_change", args=[page.pk])

    def versions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        page = self._visible_page(request, object_id)
        try:
            versions = page_versions(request_caller(request), page.pk)
        except DomainError as error:
            messages.error(request, page_error_message(error))
            return redirect(self._change_url(page))
        listing = Paginator(versions, VERSIONS_PER_PAGE).get_page(request.GET.get("p"))
        context = self._context(
            request,
            page,
            "Versions",
            versions=listing,
            may_restore=may_at(request, scopes.WRITE_PAGES, page),
        )
        return TemplateResponse(request, "admin/pages/page/versions.html", context)

    def restore_view(
        self, request: HttpRequest, object_id: str, version_id: uuid.UUID
    ) -> HttpResponse:
        """GET asks to confirm (showing the version); POST restores it."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        page = self._visible_page(request, object_id)
        caller = request_caller(request)
        versions_url = reverse("admin:pages_page_versions", args=[page.pk])
        if request.method == "POST":
            try:
                with transaction.atomic():
                    restored = restore_page(caller, page.pk, version_id)
                    self.log_change(request, restored, f"Restored version {version_id}.")
            except DomainError as error:
                messages.error(request, page_error_message(error))
                return redirect(versions_url)
            messages.success(request, f"“{restored}” now has the content of the chosen version.")
            return redirect(self._change_url(restored))
        try:
            version = get_version(caller, page.pk, version_id)
        except DomainError as error:
            messages.error(request, page_error_message(error))
            return redirect(self._change_url(page))
        if version is None:
            messages.error(request, "ERR_PAGE_NOT_FOUND: this page has no such version.")
            return redirect(versions_url)
        context = self._context(
            request,
            page,
            "Restore this version?",
            version=version,
            preview_document=preview_document(version.render),
            versions_url=versions_url,
        )
        return protect_admin_preview(
            TemplateResponse(request, "admin/pages/page/restore_confirmation.html", context)
        )

    def move_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        page = self._visible_page(request, object_id)
        if request.method == "POST":
            form = PageMoveForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    with transaction.atomic():
                        moved = move_page(
                            request_caller(request),
                            page.pk,
                            data["locale"],
                            data["path"],
                            data["title"] or None,
                        )
                        self.log_change(request, moved, f"Moved from {page} to {moved}.")
                except DomainError as error:
                    add_domain_error(form, error)
                else:
                    messages.success(request, f"Moved “{page}” to “{moved}”.")
                    return redirect(self._change_url(moved))
        else:
            form = PageMoveForm(initial={"locale": page.locale, "path": page.path})
        context = self._context(request, page, "Move page", form=form)
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, "admin/pages/page/move.html", context, status=status)
