"""Admin of sites (``admin_sites``), the outbox (``admin_outbox``), the settings store and the
legacy id counters."""

import json

from django.contrib import admin
from django.utils.html import format_html

from .admin_outbox import OutboundMailAdmin
from .admin_sites import SiteAdmin
from .models import LegacyIdCounter, OutboundMail, Setting, Site

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


admin.site.register(Site, SiteAdmin)
admin.site.register(OutboundMail, OutboundMailAdmin)


class InternalAdmin(ReadOnlyAdmin):
    """Kept out of the index and the menu; the pages stay reachable for manage:system."""

    def has_module_permission(self, request) -> bool:
        return False

    def get_model_perms(self, request) -> dict[str, bool]:
        return {}


@admin.register(Setting)
class SettingAdmin(InternalAdmin):
    list_display = ("key", "updated_at")
    search_fields = ("key",)
    fields = ("key", "value_display", "updated_at")
    readonly_fields = fields

    @admin.display(description="value")
    def value_display(self, obj: Setting) -> str:
        return format_html("<pre>{}</pre>", json.dumps(masked(obj.value), indent=2, sort_keys=True))


@admin.register(LegacyIdCounter)
class LegacyIdCounterAdmin(InternalAdmin):
    list_display = ("kind", "last_value")
    fields = ("kind", "last_value")
    readonly_fields = fields
