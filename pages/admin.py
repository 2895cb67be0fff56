"""Admin of pages (through the page services) and tags; the tree is in ``admin_folders``.

Pages are created, edited, moved, restored and deleted by the same services as GraphQL, called
with the admin user as caller: the page rules apply here too and the admin user is the author.
No page row is ever saved by the admin itself. The pages area opens to staff whose page rules
let them write, move or delete pages somewhere (root administrators: everywhere); the list
holds the pages they may see, and each page's own rules decide what they may do to it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.timezone import localtime

from accounts import scopes
from wiki.admin import ReadOnlyAdmin
from wiki.errors import DomainError

from . import admin_folders  # noqa: F401  (registers the tree and folders admin)
from .admin_forms import PageCreateForm, PageEditForm, add_domain_error, page_error_message
from .admin_views import (
    PageAdminViews,
    RuleGatedAdmin,
    may_at,
    preview_document,
    request_caller,
)
from .content_policy import protect_admin_preview
from .edits import delete_page, update_page
from .models import Page, Tag, published_q
from .services import create_page
from .visibility import visible_to

CREATE_FIELDSETS = (
    (None, {"fields": ("site", "locale", "path", "editor")}),
    ("Content", {"fields": ("title", "description", "icon", "alias", "tags", "content")}),
    ("Publishing", {"fields": ("publish_state", "publish_start_date", "publish_end_date")}),
    (
        "Styles and scripts",
        {"classes": ("collapse",), "fields": ("script_css", "script_js_load", "script_js_unload")},
    ),
)
EDIT_FIELDSETS = (
    *CREATE_FIELDSETS[1:],
    ("Reason", {"fields": ("reason_for_change",)}),
)
# Large columns the change list never shows (searching ``content`` needs no reading of it).
LIST_DEFERRED = ("content", "render", "search_content", "toc", "history_data", "scripts")


class EffectivelyPublishedFilter(admin.SimpleListFilter):
    """Published, or scheduled and inside its window now (API.md §3.4)."""

    title = "effectively published"
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(published_q())
        if self.value() == "no":
            return queryset.exclude(published_q())
        return queryset


class PageChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*LIST_DEFERRED)


@admin.register(Page)
class PageAdmin(RuleGatedAdmin, PageAdminViews, admin.ModelAdmin):
    list_display = (
        "site",
        "locale",
        "path",
        "title",
        "publish_state",
        "is_live",
        "updated_at",
    )
    list_display_links = ("path", "title")
    list_filter = ("site", "locale", "publish_state", EffectivelyPublishedFilter, "editor")
    search_fields = ("title", "path", "content")
    list_select_related = ("site",)
    ordering = ("site", "locale", "path")
    actions = ("delete_pages",)
    change_form_template = "admin/pages/page/change_form.html"

    # --- Who may do what: the gate is RuleGatedAdmin's; the services decide each change ---

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return self._may_open(request, scopes.WRITE_PAGES)
        return may_at(request, scopes.WRITE_PAGES, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None:
            return self._may_open(request, scopes.DELETE_PAGES)
        return may_at(request, scopes.DELETE_PAGES, obj)

    def get_queryset(self, request):
        return visible_to(request_caller(request), super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return PageChangeList

    @admin.display(description="live", boolean=True)
    def is_live(self, obj: Page) -> bool:
        return obj.is_effectively_published

    # --- Create and edit: the services, with their refusals shown on the form ------------
    def get_fieldsets(self, request, obj=None):
        return CREATE_FIELDSETS if obj is None else EDIT_FIELDSETS

    def get_form(self, request, obj=None, change=False, **kwargs):
        return PageEditForm if obj is not None else PageCreateForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        add = object_id is None
        page = None if add else self.get_object(request, unquote(object_id))
        if add and not self.has_add_permission(request):
            raise PermissionDenied
        if not add:
            if page is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
            editable = self.has_change_permission(request, page)
            if not self.has_view_permission(request, page) or (
                request.method == "POST" and not editable
            ):
                raise PermissionDenied
        form_kwargs = {} if add else {"page": page}
        if request.method == "POST":
            form = self.get_form(request, page)(request.POST, **form_kwargs)
            if form.is_valid():
                saved = self._save(request, form, page)
                if saved is not None:
                    return (
                        self.response_add(request, saved)
                        if add
                        else self.response_change(request, saved)
                    )
        elif add:
            form = PageCreateForm(initial=self.get_changeform_initial_data(request))
        else:
            form = PageEditForm(page=page)
        if not add and not editable:
            self._read_only(request, form, page)
        return self._render_form(request, form, page, form_url, extra_context)

    def _save(self, request, form, page: Page | None) -> Page | None:
        """One service call (and its admin log entry) in one transaction; None if refused."""
        if page is not None and not form.changed_data:
            return page  # nothing to change: no version, no new author or date
        caller = request_caller(request)
        try:
            with transaction.atomic():
                if page is None:
                    saved = create_page(caller, form.page_input())
                    self.log_addition(request, saved, [{"added": {}}])
                else:
                    saved = update_page(caller, page.pk, form.page_patch())
                    changed = [form[name].label for name in form.changed_data]
                    self.log_change(request, saved, [{"changed": {"fields": changed}}])
        except DomainError as error:
            add_domain_error(form, error)
            return None
        return saved

    def _read_only(self, request, form, page: Page) -> None:
        """A page the user may see but not edit: every field shown disabled."""
        del form.fields["reason_for_change"]
        if not any(may_at(request, scope, page) for scope in scopes.PAGE_SOURCE_ANY):
            del form.fields["content"]  # read:source is needed to see the source (§3.5)
        for field in form.fields.values():
            field.disabled = True

    def _render_form(self, request, form, page, form_url, extra_context):
        add = page is None
        editable = add or self.has_change_permission(request, page)
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f in form.fields]})
            for name, options in self.get_fieldsets(request, page)
        ]
        admin_form = helpers.AdminForm(form, fieldsets, {}, (), model_admin=self)
        title = "Add %s" if add else ("Change %s" if editable else "View %s")
        context = {
            **self.admin_site.each_context(request),
            "title": title % self.opts.verbose_name,
            "subtitle": str(page) if page else None,
            "adminform": admin_form,
            "object_id": None if add else str(page.pk),
            "original": page,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        if page is not None:
            context |= {
                "preview_document": preview_document(page.render),
                "may_move": may_at(request, scopes.MANAGE_PAGES, page),
                "page_facts": self._facts(page),
            }
        response = self.render_change_form(
            request, context, add=add, change=not add, obj=page, form_url=form_url
        )
        return response if page is None else protect_admin_preview(response)

    def _facts(self, page: Page):
        facts = (
            ("Site", page.site.hostname),
            ("Editor", page.editor),
            ("Effectively published", "yes" if page.is_effectively_published else "no"),
            ("Author", page.author.name),
            ("Creator", page.creator.name),
            ("Created", date_format(localtime(page.created_at), "DATETIME_FORMAT")),
            ("Updated", date_format(localtime(page.updated_at), "DATETIME_FORMAT")),
            ("Id", page.pk),
        )
        return format_html_join("", "<dt>{}</dt><dd>{}</dd>", facts)

    # --- Delete: one page, or a selection, each through ``delete_page`` -------------------
    def get_deleted_objects(self, objs, request):
        # The service removes what goes with a page (tree item, tag links) and keeps its
        # history; the admin lists only the pages and needs no permission on the rest.
        return [str(page) for page in objs], {self.opts.verbose_name_plural: len(objs)}, set(), []

    def delete_model(self, request, obj: Page) -> None:
        delete_page(request_caller(request), obj.pk)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:  # raised inside Django's transaction: all rolled back
            messages.error(request, page_error_message(error))
            page = self.get_object(request, unquote(object_id))
            return self.response_post_save_change(request, page)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would delete rows without the service
        return actions

    @admin.action(description="Delete selected pages", permissions=["delete"])
    def delete_pages(self, request, queryset):
        """Confirm, then delete each page by ``delete_page``, reporting each refusal."""
        pages = list(queryset)
        if not request.POST.get("post"):
            context = {
                **self.admin_site.each_context(request),
                "title": "Delete multiple pages",
                "subtitle": None,
                "objects_name": self.opts.verbose_name_plural,
                "deletable_objects": [[str(page) for page in pages]],
                "model_count": {self.opts.verbose_name_plural: len(pages)}.items(),
                "queryset": queryset,
                "perms_lacking": set(),
                "protected": [],
                "opts": self.opts,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            }
            return TemplateResponse(request, "admin/delete_selected_confirmation.html", context)
        deleted = 0
        for page in pages:
            try:
                with transaction.atomic():
                    self.log_deletions(request, [page])
                    delete_page(request_caller(request), page.pk)
            except DomainError as error:
                self.message_user(request, f"“{page}”: {page_error_message(error)}", messages.ERROR)
            else:
                deleted += 1
        if deleted:
            self.message_user(
                request, f"Deleted {deleted} of {len(pages)} pages.", messages.SUCCESS
            )
        return None


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ("tag", "site", "usage_count", "legacy_id", "created_at")
    list_filter = ("site",)
    search_fields = ("tag",)
    list_select_related = ("site",)
    fields = ("id", "legacy_id", "site", "tag", "usage_count", "created_at", "updated_at")
    readonly_fields = fields
