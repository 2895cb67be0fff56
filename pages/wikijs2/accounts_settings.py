"""Wiki.js 2's site settings that have an equivalent here (the ``settings`` table).

Each settings row is one key. Those with an equivalent go through this server's services
(``wiki.site_settings.update_site``, ``wiki.mail_settings.update_mail_config``, which seals the
SMTP password and DKIM key, the ``auth`` and ``api`` settings); the rest are reported. The
``certs`` row becomes the imported signing key pair (``accounts_keys``); ``sessionSecret`` only
opens it and is never stored.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy
from accounts.tokens import parse_duration
from wiki.config import get_setting, set_api_enabled, update_setting
from wiki.errors import DomainError
from wiki.mail_settings import MASK, update_mail_config
from wiki.site_settings import SiteSettings, update_site

from .accounts_keys import import_key_pair
from .base import ImportContext, Kind

# Rows with no equivalent here, and why (shown in the report).
NO_EQUIVALENT = {
    "features": "ratings, comments and personal wikis do not exist here",
    "logo": "this server shows no logo",
    "logoUrl": "this server shows no logo",
    "nav": "navigation does not exist here yet",
    "security": "security headers are this server's deployment settings",
    "uploads": "assets do not exist here yet",
    "editShortcuts": "the editor's shortcuts are not configurable here",
    "telemetry": "this server sends no telemetry",
    "graphEndpoint": "this server does not use Wiki.js's update service",
    "server": "this server's deployment settings",
    "pageExtensions": "page URLs here do not take extensions",
    "search": "search is built in here",
    "flags": "Wiki.js debugging flags",
}
# Keys of a row whose value has no equivalent; reported when set to something.
_IGNORED_PARTS = {
    "auth": ("autoLogin", "hideLocal", "loginBgUrl"),
    "seo": ("analyticsService", "analyticsId"),
    "theming": ("theme", "iconset"),
}


class SettingsKind(Kind):
    name = "settings"
    table = "settings"
    key = "key"

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        for row in rows:
            key = str(row.get("key"))
            value = row.get("value")
            if isinstance(value, dict) and set(value) == {"v"}:
                value = value["v"]
            handler = getattr(self, f"_import_{key}", None)
            if handler is None:
                reason = NO_EQUIVALENT.get(key, "no equivalent here")
                ctx.skip(self.name, key, reason)
                continue
            try:
                outcome = handler(value, ctx)
            except DomainError as error:
                ctx.skip(self.name, key, f"refused here: {error.detail or error.key.value}")
                continue
            if outcome:
                ctx.count(self.name, outcome)
            for part in _IGNORED_PARTS.get(key, ()):
                if isinstance(value, dict) and value.get(part):
                    ctx.adjust(self.name, key, f"{part} has no equivalent here: not imported")

    # --- The site ------------------------------------------------------------------------------
    def _site(self, ctx: ImportContext, settings: SiteSettings, theme: dict | None = None) -> str:
        from wiki.models import Site

        before = Site.objects.get(pk=ctx.site.pk).config
        with transaction.atomic():
            site = update_site(ctx.site.pk, settings=settings)
            if theme:
                # No service edits the theme yet: merged into the stored one, as the admin does.
                site.config = {
                    **site.config,
                    "theme": {**(site.config.get("theme") or {}), **theme},
                }
                site.save(update_fields=["config", "updated_at"])
        ctx.site = site
        return "unchanged" if site.config == before else "updated"

    def _import_title(self, value, ctx) -> str:
        return self._site(ctx, SiteSettings(title=str(value or "")))

    def _import_company(self, value, ctx) -> str:
        return self._site(ctx, SiteSettings(company=str(value or "")))

    def _import_contentLicense(self, value, ctx) -> str:  # noqa: N802 - the Wiki.js key
        return self._site(ctx, SiteSettings(content_license=str(value or "")))

    def _import_footerOverride(self, value, ctx) -> str:  # noqa: N802
        return self._site(ctx, SiteSettings(footer_extra=str(value or "")))

    def _import_seo(self, value, ctx) -> str:
        value = value if isinstance(value, dict) else {}
        robots = value.get("robots") if isinstance(value.get("robots"), list) else []
        return self._site(
            ctx,
            SiteSettings(
                description=str(value.get("description") or ""),
                robots_index="index" in robots,
                robots_follow="follow" in robots,
            ),
        )

    def _import_lang(self, value, ctx) -> str:
        value = value if isinstance(value, dict) else {}
        code = str(value.get("code") or "en")
        namespaces = [str(n) for n in value.get("namespaces") or [] if n]
        return self._site(
            ctx,
            SiteSettings(
                primary_locale=code,
                active_locales=[code, *namespaces],
                locale_namespacing=bool(value.get("namespacing")),
            ),
        )

    def _import_theming(self, value, ctx) -> str:
        value = value if isinstance(value, dict) else {}
        theme: dict[str, Any] = {"dark": bool(value.get("darkMode"))}
        for key in ("injectCSS", "injectHead", "injectBody"):
            theme[key] = str(value.get(key) or "")
        if value.get("tocPosition") in ("left", "right"):
            theme["tocPosition"] = value["tocPosition"]
        return self._site(ctx, SiteSettings(), theme)

    # --- Sign-in and API -----------------------------------------------------------------------
    def _import_auth(self, value, ctx) -> str:
        """Token lifetimes and the enforced second factor; the audience goes with the key
        pair (``certs``): this server's own tokens keep theirs."""
        value = value if isinstance(value, dict) else {}
        before = get_setting("auth")
        changes = {}
        for key in ("tokenExpiration", "tokenRenewal"):
            if value.get(key):
                parse_duration(str(value[key]))  # refused (reported) when not a duration
                changes[key] = str(value[key])
        if changes:
            update_setting("auth", **changes)
        changed = get_setting("auth") != before
        strategy = AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).first()
        enforce = bool(value.get("enforce2FA"))
        if strategy is not None and bool((strategy.config or {}).get("enforceTfa")) != enforce:
            strategy.config = {**(strategy.config or {}), "enforceTfa": enforce}
            strategy.save(update_fields=["config"])
            changed = True
        return "updated" if changed else "unchanged"

    def _import_api(self, value, ctx) -> str:
        enabled = bool((value if isinstance(value, dict) else {}).get("isEnabled"))
        before = bool(get_setting("api").get("isEnabled"))
        set_api_enabled(enabled)
        return "unchanged" if before == enabled else "updated"

    def _import_certs(self, value, ctx) -> str:
        return import_key_pair(ctx)

    def _import_sessionSecret(self, value, ctx) -> str:  # noqa: N802
        return "unchanged"  # opens the private key (certs); never stored

    # --- Mail ----------------------------------------------------------------------------------
    def _import_mail(self, value, ctx) -> str:
        value = value if isinstance(value, dict) else {}
        current = get_setting("mail")
        host = ctx.source.setting("host")
        base_url = str(host or current.get("defaultBaseURL") or "")
        update_mail_config(
            sender_name=str(value.get("senderName") or ""),
            sender_email=str(value.get("senderEmail") or ""),
            default_base_url=base_url,
            host=str(value.get("host") or ""),
            port=int(value.get("port") or 465),
            name=str(value.get("name") or ""),
            secure=bool(value.get("secure", True)),
            verify_ssl=bool(value.get("verifySSL", True)),
            user=str(value.get("user") or ""),
            password=str(value.get("pass") or "") if value.get("pass") != MASK else "",
            use_dkim=bool(value.get("useDKIM")),
            dkim_domain_name=str(value.get("dkimDomainName") or ""),
            dkim_key_selector=str(value.get("dkimKeySelector") or ""),
            dkim_private_key=str(value.get("dkimPrivateKey") or ""),
        )
        after = get_setting("mail")
        # Sealed secrets differ at each sealing: compare the rest.
        plain = [k for k in after if k not in ("pass", "dkimPrivateKey")]
        same = all(after.get(k) == current.get(k) for k in plain) and all(
            bool(after.get(k)) == bool(current.get(k)) for k in ("pass", "dkimPrivateKey")
        )
        return "unchanged" if same else "updated"

    def _import_host(self, value, ctx) -> str:
        ctx.adjust(
            self.name, "host", f"{value} is the base URL of mails here (with the mail settings); "
            "this server's host names are unchanged: point DNS at it once the import is verified",
        )  # fmt: skip
        return "unchanged"

    def target_total(self, ctx: ImportContext) -> int:
        return sum(ctx.tally[(self.name, what)] for what in ("created", "updated", "unchanged"))
