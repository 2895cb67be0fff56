"""Admin of pages and tags: browse only.

A page's render, tags and history must stay consistent, so changes go through the page
services (GraphQL), never through a hand-edited row.
"""

from django.contrib import admin

from wiki.admin import ReadOnlyAdmin

from .models import Page, Tag


@admin.register(Page)
class PageAdmin(ReadOnlyAdmin):
    list_display = ("title", "locale", "path", "site", "publish_state", "legacy_id", "updated_at")
    list_filter = ("publish_state", "locale", "site", "editor")
    search_fields = ("title", "path", "description", "=alias")
    list_select_related = ("site",)
    ordering = ("site", "locale", "path")
    fieldsets = (
        (None, {"fields": ("id", "legacy_id", "site", "locale", "path", "hash", "alias")}),
        ("Content", {"fields": ("title", "description", "icon", "tags", "editor", "content")}),
        (
            "Publishing",
            {"fields": ("publish_state", "publish_start_date", "publish_end_date")},
        ),
        (
            "People and dates",
            {"fields": ("author", "creator", "owner", "created_at", "updated_at")},
        ),
    )
    readonly_fields = tuple(f for _, opts in fieldsets for f in opts["fields"])


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ("tag", "site", "usage_count", "legacy_id", "created_at")
    list_filter = ("site",)
    search_fields = ("tag",)
    list_select_related = ("site",)
    fields = ("id", "legacy_id", "site", "tag", "usage_count", "created_at", "updated_at")
    readonly_fields = fields
