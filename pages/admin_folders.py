"""Admin of the tree: folders created, renamed, moved, duplicated and deleted by the services.

The list holds the tree items (folders and pages) the admin user may read. A folder opens on
its own page (its ancestors, its direct children, its actions); a page item leads to the pages
admin, where pages are edited. Every change is one call of ``pages.folders`` or
``pages.folder_copies`` with the admin user as caller, so the page rules decide exactly as they
do for GraphQL and no tree row is ever saved by the admin itself. The area opens to the staff
the pages admin opens to.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts import scopes
from wiki.errors import DomainError

from .admin_folder_forms import (
    FolderCreateForm,
    FolderDuplicateForm,
    FolderRenameForm,
    TargetParentForm,
    add_folder_error,
    folder_error_message,
)
from .admin_views import RuleGatedAdmin, request_caller
from .folder_copies import duplicate_folder
from .folders import context_at, create_folder, delete_folder, move_folder, rename_folder
from .models import Page, TreeItem, TreeItemType
from .tree import ancestor_paths
from .tree_listing import visible_items_q, with_children_count

CHILDREN_PER_PAGE = 100
FORM_TEMPLATE = "admin/pages/treeitem/folder_form.html"


def _visible(request: HttpRequest, items):
    condition = visible_items_q(request_caller(request))
    return items if condition is None else items.filter(condition)


def _may_at(request: HttpRequest, scope: str, folder: TreeItem) -> bool:
    return request_caller(request).can_at(scope, context_at(folder))


def below_counts(folder: TreeItem) -> tuple[int, int]:
    """How many pages and folders lie below ``folder`` (all of them: a delete takes all)."""
    prefix = folder.path + "/"
    pages = Page.objects.filter(
        site_id=folder.site_id, locale=folder.locale, path__startswith=prefix
    )
    folders = TreeItem.objects.filter(
        Q(folder_path=folder.path) | Q(folder_path__startswith=prefix),
        site_id=folder.site_id,
        locale=folder.locale,
        type=TreeItemType.FOLDER,
    )
    return pages.count(), folders.count()


@admin.register(TreeItem)
class TreeItemAdmin(RuleGatedAdmin, admin.ModelAdmin):
    list_display = ("type", "site", "locale", "path_link", "title", "children", "updated_at")
    list_display_links = None
    list_filter = ("type", "site", "locale")
    search_fields = ("path", "title")
    list_select_related = ("site",)
    ordering = ("site", "locale", "path", "type")

    # --- Who may do what: the gate is RuleGatedAdmin's; the services decide each change ---

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None or obj.type != TreeItemType.FOLDER:
            return self._may_open(request, scopes.WRITE_PAGES, scopes.MANAGE_PAGES)
        return _may_at(request, scopes.WRITE_PAGES, obj) or _may_at(
            request, scopes.MANAGE_PAGES, obj
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None or obj.type != TreeItemType.FOLDER:
            return self._may_open(request, scopes.DELETE_PAGES)
        return _may_at(request, scopes.DELETE_PAGES, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would delete rows without the services
        return actions

    # --- The list ---------------------------------------------------------------------------
    def get_queryset(self, request):
        items = _visible(request, super().get_queryset(request))
        return with_children_count(items, request_caller(request))

    @admin.display(description="path", ordering="path")
    def path_link(self, item: TreeItem) -> str:
        if item.type == TreeItemType.PAGE and item.page_id:
            url = reverse("admin:pages_page_change", args=[item.page_id])
        else:
            url = self._folder_url(item)
        return format_html('<a href="{}">{}</a>', url, item.path)

    @admin.display(description="children", ordering="children_count")
    def children(self, item: TreeItem) -> int | None:
        return item.children_count if item.type == TreeItemType.FOLDER else None

    # --- URLs -------------------------------------------------------------------------------
    def get_urls(self):
        own = self.admin_site.admin_view
        return [
            path("<path:object_id>/rename/", own(self.rename_view), name="pages_treeitem_rename"),
            path("<path:object_id>/move/", own(self.move_view), name="pages_treeitem_move"),
            path(
                "<path:object_id>/duplicate/",
                own(self.duplicate_view),
                name="pages_treeitem_duplicate",
            ),
            *super().get_urls(),
        ]

    def _folder_url(self, folder: TreeItem) -> str:
        return reverse("admin:pages_treeitem_change", args=[folder.pk])

    def _visible_item(self, request: HttpRequest, object_id: str) -> TreeItem:
        item = self.get_object(request, unquote(object_id))
        if item is None or not self.has_view_permission(request, item):
            raise PermissionDenied
        return item

    def _visible_folder(self, request: HttpRequest, object_id: str) -> TreeItem:
        item = self._visible_item(request, object_id)
        if item.type != TreeItemType.FOLDER:
            raise PermissionDenied  # pages are moved and deleted in the pages admin
        return item

    def _context(self, request: HttpRequest, title: str, folder: TreeItem | None, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "subtitle": folder.path if folder else None,
            "original": folder,
            "ancestors": self._ancestors(request, folder) if folder else [],
            **extra,
        }

    def _ancestors(self, request: HttpRequest, folder: TreeItem) -> list[tuple[str, str | None]]:
        """``(name, folder page URL or None)`` of each folder above, from the root down."""
        paths = ancestor_paths(folder.path)
        found = _visible(
            request,
            TreeItem.objects.filter(
                site_id=folder.site_id,
                locale=folder.locale,
                type=TreeItemType.FOLDER,
                path__in=paths,
            ),
        ).only("pk", "path")
        urls = {item.path: self._folder_url(item) for item in found}
        return [(path.rpartition("/")[2], urls.get(path)) for path in paths]

    # --- The folder page --------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        item = self._visible_item(request, object_id)
        if item.type == TreeItemType.PAGE and item.page_id:
            return redirect("admin:pages_page_change", item.page_id)
        if item.type != TreeItemType.FOLDER:
            raise PermissionDenied
        caller = request_caller(request)
        children = _visible(
            request,
            TreeItem.objects.filter(
                site_id=item.site_id, locale=item.locale, folder_path=item.path
            ),
        )
        children = with_children_count(children, caller).order_by("type", "title", "pk")
        listing = Paginator(children, CHILDREN_PER_PAGE).get_page(request.GET.get("p"))
        context = self._context(
            request,
            "Folder",
            item,
            children=listing,
            may_add=_may_at(request, scopes.WRITE_PAGES, item),
            may_rename=_may_at(request, scopes.WRITE_PAGES, item),
            may_move=_may_at(request, scopes.MANAGE_PAGES, item),
            may_duplicate=self.has_add_permission(request),
            may_delete=_may_at(request, scopes.DELETE_PAGES, item),
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/pages/treeitem/folder.html", context)

    # --- Create -----------------------------------------------------------------------------
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = FolderCreateForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    with transaction.atomic():
                        folder = create_folder(
                            request_caller(request),
                            data["site"].pk,
                            data["locale"],
                            data["path_name"],
                            data["title"],
                            parent_path=data["parent_path"],
                        )
                        self.log_addition(request, folder, [{"added": {}}])
                except DomainError as error:
                    add_folder_error(form, error)
                else:
                    messages.success(request, f"Created the folder “{folder.path}”.")
                    return redirect(self._folder_url(folder))
        else:
            wanted = ("site", "locale", "parent_path")
            form = FolderCreateForm(initial={k: request.GET[k] for k in wanted if k in request.GET})
        context = self._context(request, "Add folder", None, form=form, submit="Create")
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, FORM_TEMPLATE, context, status=status)

    # --- Rename, move, duplicate ------------------------------------------------------------
    def _folder_form_view(self, request, object_id, form_class, title, submit, run):
        """GET shows the form; POST makes ``run(caller, folder, form)`` one transaction, with
        its log entry; a refusal is shown on the form and leaves nothing behind."""
        folder = self._visible_folder(request, object_id)
        if request.method == "POST":
            form = form_class(request.POST, folder=folder)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        result, message = run(request_caller(request), folder, form)
                except DomainError as error:
                    add_folder_error(form, error)
                else:
                    messages.success(request, message)
                    return redirect(self._folder_url(result))
        else:
            form = form_class(folder=folder)
        context = self._context(request, title, folder, form=form, submit=submit)
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, FORM_TEMPLATE, context, status=status)

    def rename_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def run(caller, folder, form):
            data = form.cleaned_data
            rename_folder(caller, folder.pk, data["path_name"], data["title"])
            # Re-read: after a re-path the service's returned row is the one from before it.
            renamed = TreeItem.objects.get(pk=folder.pk)
            change = (
                f"Renamed “{folder.path}” (“{folder.title}”) "
                f"to “{renamed.path}” (“{renamed.title}”)."
            )
            self.log_change(request, renamed, change)
            return renamed, change

        return self._folder_form_view(
            request, object_id, FolderRenameForm, "Rename folder", "Rename", run
        )

    def move_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def run(caller, folder, form):
            move_folder(caller, folder.pk, form.target_parent_id())
            moved = TreeItem.objects.get(pk=folder.pk)
            change = f"Moved “{folder.path}” to “{moved.path}”."
            self.log_change(request, moved, change)
            return moved, change

        return self._folder_form_view(
            request, object_id, TargetParentForm, "Move folder", "Move", run
        )

    def duplicate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def run(caller, folder, form):
            data = form.cleaned_data
            copy = duplicate_folder(
                caller, folder.pk, form.target_parent_id(), data["path_name"], data["title"]
            )
            self.log_addition(request, copy, f"Duplicated from “{folder.path}”.")
            return copy, f"Duplicated “{folder.path}” as “{copy.path}”."

        return self._folder_form_view(
            request, object_id, FolderDuplicateForm, "Duplicate folder", "Duplicate", run
        )

    # --- Delete: a confirmation that says how much goes, then ``delete_folder`` -------------
    def delete_view(self, request, object_id, extra_context=None):
        folder = self._visible_folder(request, object_id)
        pages, folders = below_counts(folder)
        if request.method == "POST":
            try:
                with transaction.atomic():
                    self.log_deletions(request, [folder])
                    delete_folder(request_caller(request), folder.pk)
            except DomainError as error:
                messages.error(request, folder_error_message(error))
                return redirect(self._folder_url(folder))
            messages.success(
                request,
                f"Deleted the folder “{folder.path}” with {pages} page(s) and "
                f"{folders} folder(s) below it.",
            )
            return redirect(self._after_delete_url(request, folder))
        context = self._context(
            request,
            "Delete folder?",
            folder,
            pages_below=pages,
            folders_below=folders,
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/pages/treeitem/delete_confirmation.html", context)

    def _after_delete_url(self, request: HttpRequest, folder: TreeItem) -> str:
        """The parent's folder page when the user may see it; else the list."""
        parent = _visible(
            request,
            TreeItem.objects.filter(
                site_id=folder.site_id,
                locale=folder.locale,
                type=TreeItemType.FOLDER,
                path=folder.folder_path,
            ),
        ).first()
        if parent is None:
            return reverse("admin:pages_treeitem_changelist")
        return self._folder_url(parent)
