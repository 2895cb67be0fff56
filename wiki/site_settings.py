"""Creating sites and changing their settings (API.md §4.7), for the admin and any later API.

A site's settings live in its configuration object under the contract's key names; these
functions validate the keys the contract gives meaning to and leave every other key as stored.
Who may call them (``manage:sites``) is decided by the caller's layer: ``wiki`` sits below the
permission engine.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from .errors import DomainError, ErrorKey
from .models import WILDCARD_HOSTNAME, Site, default_site_config
from .text import is_storable

MAX_TEXT = 255
# Locales as pages store them (pages.validation.LOCALE_CODE; wiki cannot import pages).
LOCALE_CODE = re.compile(r"[a-z]{2}(-[a-z]{2})?")
# A DNS name or an IPv4 address, lowercase, without port: what ``site_for_request`` compares.
HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOSTNAME = re.compile(rf"{HOST_LABEL}(?:\.{HOST_LABEL})*")
TOC_DEPTHS = range(1, 7)


@dataclass
class SiteSettings:
    """The settings the admin edits as fields; ``None`` keeps the stored value."""

    title: str | None = None
    description: str | None = None
    company: str | None = None
    content_license: str | None = None
    footer_extra: str | None = None
    toc_min: int | None = None
    toc_max: int | None = None
    primary_locale: str | None = None
    active_locales: list[str] | None = None
    locale_namespacing: bool | None = None
    robots_index: bool | None = None
    robots_follow: bool | None = None
    extra: dict = field(default_factory=dict)  # other top-level booleans, by config key


# --- Field rules ------------------------------------------------------------------------------
def clean_hostname(raw: str | None) -> str:
    hostname = (raw or "").strip().lower().rstrip(".")
    if hostname == WILDCARD_HOSTNAME:
        return hostname
    if len(hostname) > 253 or not HOSTNAME.fullmatch(hostname):
        raise DomainError(ErrorKey.INVALID_INPUT, f"{raw!r} is not a host name (no port, no path)")
    return hostname


def clean_site_text(raw: str | None, what: str, *, required: bool = False) -> str:
    value = (raw or "").strip()
    if required and not value:
        raise DomainError(ErrorKey.INVALID_INPUT, f"the {what} is required")
    if len(value) > MAX_TEXT or not is_storable(value):
        raise DomainError(ErrorKey.INVALID_INPUT, f"the {what} is longer than {MAX_TEXT}")
    return value


def clean_locale(raw: str | None) -> str:
    locale = (raw or "").strip().lower()
    if not LOCALE_CODE.fullmatch(locale):
        raise DomainError(
            ErrorKey.INVALID_INPUT, f"{raw!r} is not a locale code such as en or pt-br"
        )
    return locale


def clean_locales(primary: str, active: list[str]) -> tuple[str, list[str]]:
    """The primary locale and the active ones, the primary always among them."""
    primary = clean_locale(primary)
    cleaned: list[str] = []
    for code in (clean_locale(item) for item in active):
        if code not in cleaned:
            cleaned.append(code)
    if primary not in cleaned:
        raise DomainError(ErrorKey.INVALID_INPUT, f"the primary locale {primary} is not active")
    return primary, cleaned


def clean_toc_depth(low: int, high: int) -> dict[str, int]:
    if low not in TOC_DEPTHS or high not in TOC_DEPTHS or low > high:
        raise DomainError(
            ErrorKey.PAGE_INVALID_TOC_DEPTH, "the depths run from 1 to 6, minimum first"
        )
    return {"min": low, "max": high}


# --- Services ---------------------------------------------------------------------------------
def create_site(*, hostname: str, title: str) -> Site:
    """A new enabled site with the default configuration under ``title``."""
    hostname = clean_hostname(hostname)
    config = default_site_config()
    config["title"] = clean_site_text(title, "title", required=True)
    with transaction.atomic():
        check_hostname_free(hostname, None)
        try:
            with transaction.atomic():
                return Site.objects.create(hostname=hostname, config=config)
        except IntegrityError as exc:  # another request took the hostname since the check
            raise DomainError(ErrorKey.INVALID_INPUT, f"{hostname} has a site already") from exc


def update_site(
    site_id: uuid.UUID | str,
    *,
    hostname: str | None = None,
    is_enabled: bool | None = None,
    settings: SiteSettings | None = None,
) -> Site:
    """Change a site's hostname, switch and settings; unchanged keys stay as stored."""
    with transaction.atomic():
        site = Site.objects.select_for_update().filter(pk=site_id).first()
        if site is None:
            raise DomainError(ErrorKey.INVALID_SITE, str(site_id))
        if hostname is not None:
            hostname = clean_hostname(hostname)
            if site.is_wildcard and hostname != WILDCARD_HOSTNAME:
                raise DomainError(ErrorKey.INVALID_INPUT, "the * site answers unknown hosts")
            check_hostname_free(hostname, site.pk)
            site.hostname = hostname
        if is_enabled is not None:
            site.is_enabled = bool(is_enabled)
        if settings is not None:
            site.config = _apply_settings(dict(site.config or {}), settings)
        site.save()
    return site


def check_hostname_free(hostname: str, own_id) -> None:
    if Site.objects.filter(hostname=hostname).exclude(pk=own_id).exists():
        raise DomainError(ErrorKey.INVALID_INPUT, f"{hostname} has a site already")


def _apply_settings(config: dict, settings: SiteSettings) -> dict:
    texts = {
        "title": settings.title,
        "description": settings.description,
        "company": settings.company,
        "contentLicense": settings.content_license,
        "footerExtra": settings.footer_extra,
    }
    for key, value in texts.items():
        if value is not None:
            config[key] = clean_site_text(value, key, required=key == "title")
    if settings.toc_min is not None or settings.toc_max is not None:
        stored = (config.get("defaults") or {}).get("tocDepth") or {"min": 1, "max": 2}
        depth = clean_toc_depth(
            stored.get("min", 1) if settings.toc_min is None else settings.toc_min,
            stored.get("max", 2) if settings.toc_max is None else settings.toc_max,
        )
        config["defaults"] = {**(config.get("defaults") or {}), "tocDepth": depth}
    if settings.primary_locale is not None or settings.active_locales is not None:
        locales = config.get("locales") or {}
        primary, active = clean_locales(
            locales.get("primary", "en")
            if settings.primary_locale is None
            else settings.primary_locale,
            locales.get("active", ["en"])
            if settings.active_locales is None
            else settings.active_locales,
        )
        config["locales"] = {**locales, "primary": primary, "active": active}
    if settings.locale_namespacing is not None:
        config["localeNamespacing"] = bool(settings.locale_namespacing)
    robots = {"index": settings.robots_index, "follow": settings.robots_follow}
    if any(value is not None for value in robots.values()):
        stored = config.get("robots") or {"index": True, "follow": True}
        config["robots"] = {
            **stored,
            **{key: bool(value) for key, value in robots.items() if value is not None},
        }
    defaults = default_site_config()
    for key, value in settings.extra.items():
        if not isinstance(defaults.get(key), bool):
            raise DomainError(ErrorKey.INVALID_INPUT, f"{key} is not a switch of the site")
        config[key] = bool(value)
    return config
