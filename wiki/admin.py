"""Admin of sites, the settings store and the legacy id counters."""

import json

from django.contrib import admin
from django.utils.html import format_html

from .models import LegacyIdCounter, Setting, Site

MASK = "********"
# Setting values that are secrets: shown masked, never in clear (the JWT signing key's
# passphrase and private half, SMTP and DKIM credentials).
SECRET_KEYS = frozenset({"secret", "private", "pass", "password", "dkimPrivateKey"})

admin.site.site_header = "Wiki administration"
admin.site.site_title = "Wiki admin"
admin.site.index_title = "Administration"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse only: rows change through domain services (GraphQL), not by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def masked(value):
    """``value`` with every secret replaced by a mask (recursively)."""
    if isinstance(value, dict):
        return {
            key: MASK if key in SECRET_KEYS and item else masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("hostname", "title", "is_enabled", "created_at", "updated_at")
    list_filter = ("is_enabled",)
    search_fields = ("hostname",)
    readonly_fields = ("id", "created_at", "updated_at")
    fields = ("id", "hostname", "is_enabled", "config", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # The ``*`` site is the fallback for unknown hosts: it keeps its hostname.
        return (*fields, "hostname") if obj is not None and obj.is_wildcard else fields

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_wildcard:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would bypass the per-site check above
        return actions


@admin.register(Setting)
class SettingAdmin(ReadOnlyAdmin):
    list_display = ("key", "updated_at")
    search_fields = ("key",)
    fields = ("key", "value_display", "updated_at")
    readonly_fields = fields

    @admin.display(description="value")
    def value_display(self, obj: Setting) -> str:
        return format_html("<pre>{}</pre>", json.dumps(masked(obj.value), indent=2, sort_keys=True))


@admin.register(LegacyIdCounter)
class LegacyIdCounterAdmin(ReadOnlyAdmin):
    list_display = ("kind", "last_value")
    fields = ("kind", "last_value")
    readonly_fields = fields
