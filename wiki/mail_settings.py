"""Reading and changing the wiki's mail (SMTP) settings (API.md §4.6 mailConfig, updateMailConfig).

The Django admin's "Mail settings" page and GraphQL call these two services, so both apply the
same rules. The values live in the ``mail`` setting, under the keys of
``wiki.config.DEFAULTS["mail"]``.

Who may read or change them (``manage:system``) is the callers' check: site-level code knows
no accounts (the admin page is ``accounts.admin_mail_settings``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from .config import DEFAULTS, get_setting, update_setting
from .errors import DomainError, ErrorKey
from .secrets import SecretUnreadable, is_sealed, opens_with_current_key, reseal, seal, unseal

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
# The base URL a fresh installation starts with: links built from it lead nowhere.
PLACEHOLDER_BASE_URL: str = DEFAULTS["mail"]["defaultBaseURL"]
# A DNS name of letters, digits, "-" and "_" labels: DKIM's d= and s= tags. Anything else
# (";", "=", spaces) would change the meaning of the DKIM-Signature header it is written into.
_DNS_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*")
# RSA keys shorter than this are refused by verifiers (RFC 8301).
DKIM_MIN_KEY_BITS = 1024


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


def uses_placeholder_base_url(config: dict[str, Any] | None = None) -> bool:
    """Whether ``defaultBaseURL`` is still the installation's placeholder (the admin warns)."""
    config = config if config is not None else get_setting("mail")
    return str(config.get("defaultBaseURL") or "").rstrip("/") == PLACEHOLDER_BASE_URL


def dkim_signing_key(pem: str) -> bytes:
    """The DKIM private key ``pem`` as dkimpy reads it (unencrypted PKCS#1 PEM).

    Accepts an unencrypted RSA private key in PEM (PKCS#1 or PKCS#8) of at least 1024 bits;
    raises ``ValueError`` saying why otherwise.
    """
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except TypeError as error:  # the key is encrypted: nobody is there to type its passphrase
        raise ValueError("the DKIM private key is encrypted") from error
    except (ValueError, UnsupportedAlgorithm) as error:
        raise ValueError("the DKIM private key is not a PEM private key") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the DKIM private key is not an RSA key (rsa-sha256)")
    if key.key_size < DKIM_MIN_KEY_BITS:
        raise ValueError(f"the DKIM private key has fewer than {DKIM_MIN_KEY_BITS} bits")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


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


def _one_line(field: str, value: str) -> str:
    """``value`` if it holds no line break or other control character (contract addition).

    The sender name goes into the From header and the host into the SMTP dialogue: a line
    break there would be refused at every send, long after the settings were saved.
    """
    if any(ch.isspace() and ch != " " or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise DomainError(ErrorKey.INVALID_INPUT, f"{field} must be one line of text")
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


def _dns_name(value: str, what: str) -> str:
    name = value.strip()
    if len(name) > 253 or not _DNS_NAME.fullmatch(name):
        raise DomainError(ErrorKey.INVALID_INPUT, f"{what} must be a DNS name")
    return name


def _check_dkim(domain: str, selector: str, private_key: str) -> None:
    """With DKIM on, what signing needs must be there and usable (a contract addition).

    ``private_key`` is the one sent, or ``********`` for the stored one.
    """
    _dns_name(domain, "dkimDomainName")
    _dns_name(selector, "dkimKeySelector")
    if private_key == MASK:
        try:
            private_key = stored_secret(get_setting("mail"), "dkimPrivateKey")
        except SecretUnreadable as error:
            raise DomainError(
                ErrorKey.INVALID_INPUT, "the stored DKIM private key cannot be opened"
            ) from error
    if not private_key:
        raise DomainError(ErrorKey.INVALID_INPUT, "DKIM needs a private key")
    try:
        dkim_signing_key(private_key)
    except ValueError as error:
        raise DomainError(ErrorKey.INVALID_INPUT, str(error)) from error


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
    """Replace the mail settings (§4.6 updateMailConfig); a secret sent as ``********`` is kept.

    Raises ``DomainError(INVALID_INPUT)``: port outside 1-65535 (contract); sender email not an
    address, base URL not an http(s) URL, and with ``use_dkim`` a domain or selector that is not
    a DNS name or a private key that does not load (additions).
    """
    values = {
        "senderName": _one_line("senderName", str(sender_name)),
        "senderEmail": _sender_email(str(sender_email)),
        "defaultBaseURL": _base_url(str(default_base_url)),
        "host": _one_line("host", str(host).strip()),
        "port": _port(port),
        "name": str(name).strip(),
        "secure": bool(secure),
        "verifySSL": bool(verify_ssl),
        "user": str(user),
        "useDKIM": bool(use_dkim),
        "dkimDomainName": str(dkim_domain_name).strip(),
        "dkimKeySelector": str(dkim_key_selector).strip(),
    }
    if values["useDKIM"]:
        _check_dkim(values["dkimDomainName"], values["dkimKeySelector"], str(dkim_private_key))
    for key, value in (("pass", str(password)), ("dkimPrivateKey", str(dkim_private_key))):
        if value != MASK:
            # Left out otherwise: the merge keeps the stored secret, under the setting's lock.
            values[key] = _sealed(key, value)
    update_setting("mail", **values)
