"""Reading and changing the wiki's mail (SMTP) settings (API.md §4.6 mailConfig, updateMailConfig).

The Django admin's "Mail settings" page and GraphQL call these two services, so both apply the
same rules. The values live in the ``mail`` setting, under the keys of
``wiki.config.DEFAULTS["mail"]``.

Who may read or change them (``manage:system``) is the callers' check: site-level code knows
no accounts (the admin page is ``accounts.admin_mail_settings``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from .config import DEFAULTS, get_setting, update_setting
from .errors import DomainError, ErrorKey
from .secrets import is_sealed, opens_with_current_key, reseal, seal, unseal

# What mailConfig shows instead of a stored secret; sent back unchanged, it keeps that secret.
MASK = "********"
# The settings that are secrets: stored sealed (wiki.secrets), never shown back.
SECRET_PURPOSES: dict[str, str] = {"pass": "mail.pass", "dkimPrivateKey": "mail.dkimPrivateKey"}

# Service argument -> key of the ``mail`` setting (and of the MailConfig type).
SETTING_KEYS: dict[str, str] = {
    "sender_name": "senderName",
    "sender_email": "senderEmail",
    "default_base_url": "defaultBaseURL",
    "host": "host",
    "port": "port",
    "name": "name",
    "secure": "secure",
    "verify_ssl": "verifySSL",
    "user": "user",
    "password": "pass",
    "use_dkim": "useDKIM",
    "dkim_domain_name": "dkimDomainName",
    "dkim_key_selector": "dkimKeySelector",
    "dkim_private_key": "dkimPrivateKey",
}

_email_validator = EmailValidator()


def mail_config() -> dict[str, Any]:
    """The MailConfig of §4.6: every mail setting, the password only as ``********``."""
    stored = get_setting("mail")
    config = {key: stored.get(key, default) for key, default in DEFAULTS["mail"].items()}
    for key in SECRET_PURPOSES:
        config[key] = MASK if stored.get(key) else ""
    return config


def stored_secret(mail: dict[str, Any], key: str) -> str:
    """The secret ``key`` of the ``mail`` setting in clear ("" when none is stored).

    Raises ``wiki.secrets.SecretUnreadable`` when no configured ``SECRET_KEY`` opens it.
    """
    value = str(mail.get(key) or "")
    return unseal(value, SECRET_PURPOSES[key]) if is_sealed(value) else value


def _sealed(key: str, value: str) -> str:
    return seal(value, SECRET_PURPOSES[key]) if value else ""


def reseal_secrets() -> int:
    """Seal the SMTP password and DKIM key again under the current key (rotatesecrets)."""
    stored = get_setting("mail")
    changes = {
        key: reseal(stored[key], purpose)
        for key, purpose in SECRET_PURPOSES.items()
        if is_sealed(stored.get(key)) and not opens_with_current_key(stored[key], purpose)
    }
    if changes:
        update_setting("mail", **changes)
    return len(changes)


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise DomainError(ErrorKey.INVALID_INPUT, "port must be 1-65535")
    return value


def _sender_email(value: str) -> str:
    """Empty (mail not configured, §4.6) or one valid address (contract addition)."""
    email = value.strip()
    if email:
        try:
            _email_validator(email)
        except ValidationError as exc:
            raise DomainError(ErrorKey.INVALID_INPUT, "senderEmail is not an address") from exc
    return email


def _base_url(value: str) -> str:
    """An absolute http(s) URL without trailing ``/`` (the check is a contract addition).

    Deliberately looser than Django's URLValidator: intranet names such as ``http://wiki:3000``
    are valid base URLs.
    """
    url = value.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise DomainError(ErrorKey.INVALID_INPUT, "defaultBaseURL is malformed") from exc
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
    ):
        raise DomainError(ErrorKey.INVALID_INPUT, "defaultBaseURL must be an http(s) URL")
    return url


def update_mail_config(
    *,
    sender_name: str,
    sender_email: str,
    default_base_url: str,
    host: str,
    port: int,
    name: str,
    secure: bool,
    verify_ssl: bool,
    user: str,
    password: str,
    use_dkim: bool,
    dkim_domain_name: str,
    dkim_key_selector: str,
    dkim_private_key: str,
) -> None:
    """Replace the mail settings (§4.6 updateMailConfig); a secret sent as ``********`` is kept."""
    values = {
        "senderName": str(sender_name),
        "senderEmail": _sender_email(str(sender_email)),
        "defaultBaseURL": _base_url(str(default_base_url)),
        "host": str(host).strip(),
        "port": _port(port),
        "name": str(name).strip(),
        "secure": bool(secure),
        "verifySSL": bool(verify_ssl),
        "user": str(user),
        "useDKIM": bool(use_dkim),
        "dkimDomainName": str(dkim_domain_name).strip(),
        "dkimKeySelector": str(dkim_key_selector).strip(),
    }
    for key, value in (("pass", str(password)), ("dkimPrivateKey", str(dkim_private_key))):
        if value != MASK:
            # Left out otherwise: the merge keeps the stored secret, under the setting's lock.
            values[key] = _sealed(key, value)
    update_setting("mail", **values)
