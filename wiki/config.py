"""Read and write the wiki's own settings (the ``Setting`` store), with their defaults."""

import copy
from typing import Any

from django.db import transaction
from django.db.models import Subquery

from .models import Setting

DEFAULTS: dict[str, dict[str, Any]] = {
    "api": {"isEnabled": False},
    "auth": {
        "audience": "urn:wiki.js",
        "tokenExpiration": "30m",
        "tokenRenewal": "14d",
        "rootAdminGroupId": None,
        "rootAdminUserId": None,
        "guestUserId": None,
    },
    "mail": {
        "senderName": "",
        "senderEmail": "",
        "defaultBaseURL": "https://wiki.example.com",
        "host": "",
        "port": 465,
        "name": "",
        "secure": True,
        "verifySSL": True,
        "user": "",
        "pass": "",
        "useDKIM": False,
        "dkimDomainName": "",
        "dkimKeySelector": "",
        "dkimPrivateKey": "",
    },
    "userDefaults": {
        "timezone": "America/New_York",
        "dateFormat": "YYYY-MM-DD",
        "timeFormat": "12h",
    },
}


def get_setting(key: str) -> dict[str, Any]:
    """The stored value merged over its defaults (a fresh dict the caller may modify)."""
    return merged_setting(
        key, Setting.objects.filter(key=key).values_list("value", flat=True).first()
    )


def stored_setting(key: str) -> Subquery:
    """The stored value of ``key`` as an expression, to read it along with another row.

    Annotate a query with it and pass what comes back to ``merged_setting``: the request path
    reads a setting in the same query as the row it needs anyway.
    """
    return Subquery(Setting.objects.filter(key=key).values("value")[:1])


def merged_setting(key: str, stored: Any) -> dict[str, Any]:
    """A stored value (None when there is no row) merged over the defaults of ``key``."""
    value = copy.deepcopy(DEFAULTS.get(key, {}))
    if isinstance(stored, dict):
        value.update(stored)
    return value


def update_setting(key: str, **changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into the stored value, atomically."""
    with transaction.atomic():
        row, _ = Setting.objects.select_for_update().get_or_create(
            key=key, defaults={"value": copy.deepcopy(DEFAULTS.get(key, {}))}
        )
        value = dict(row.value or {})
        value.update(changes)
        row.value = value
        row.save(update_fields=["value", "updated_at"])
    return get_setting(key)


def is_api_enabled() -> bool:
    return api_enabled_in(get_setting("api"))


def api_enabled_in(api: dict[str, Any]) -> bool:
    """Whether the ``api`` setting ``api`` (as ``get_setting``/``merged_setting`` give it) is on."""
    return bool(api.get("isEnabled"))


def set_api_enabled(enabled: bool) -> None:
    update_setting("api", isEnabled=bool(enabled))


def is_mail_configured(mail: dict[str, Any] | None = None) -> bool:
    """API.md §4.6: an SMTP host of at least 3 characters and a sender address."""
    mail = mail if mail is not None else get_setting("mail")
    return len(str(mail.get("host") or "")) >= 3 and bool(str(mail.get("senderEmail") or ""))
