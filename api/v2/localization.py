"""``localization`` (API-v2.md §3.7): the request's site's locales, in Wiki.js 2's shapes.

Offered because clients call it (wiki-js-mcp-server checks its connection with
``localization.config.locale``). No gate, as in Wiki.js 2. Locales are not downloaded or
installed here: a site's locales are its active ones, all "installed", and there are no
interface translations to list.
"""

from __future__ import annotations

import graphene

from ..sites.types import describe_locale
from .dialect import SYSTEM_GENERIC, raising
from .navigation import request_site
from .scalars import Date


class LocalizationConfig(graphene.ObjectType):
    locale = graphene.String(required=True, description="The site's primary locale.")
    auto_update = graphene.Boolean(required=True, description="Always false.")
    namespacing = graphene.Boolean(
        required=True, description="Whether the site has more than one locale."
    )
    namespaces = graphene.List(
        graphene.String, required=True, description="The site's locale codes."
    )


class LocalizationLocale(graphene.ObjectType):
    availability = graphene.Int(required=True, description="Always 100.")
    code = graphene.String(required=True, description="Locale code.")
    created_at = Date(required=True, description="When the site was created.")
    install_date = Date(description="When the site was created.")
    is_installed = graphene.Boolean(required=True, description="Always true.")
    is_rtl = graphene.Boolean(name="isRTL", required=True, description="Right-to-left script.")
    name = graphene.String(required=True, description="English name.")
    native_name = graphene.String(required=True, description="Name in the language itself.")
    updated_at = Date(required=True, description="When the site was last changed.")


class Translation(graphene.ObjectType):
    key = graphene.String(required=True, description="Translation key.")
    value = graphene.String(required=True, description="Translated text.")


def site_locales(site) -> tuple[str, list[str]]:
    """The site's primary locale and its locale codes (primary first, then the others)."""
    primary = site.primary_locale.lower()
    stored = (site.config or {}).get("locales") if isinstance(site.config, dict) else None
    active = stored.get("active") if isinstance(stored, dict) else None
    codes = [primary]
    for code in active if isinstance(active, list) else ():
        if isinstance(code, str) and code.lower() not in codes:
            codes.append(code.lower())
    return primary, codes


class LocalizationQuery(graphene.ObjectType):
    config = graphene.Field(LocalizationConfig, description="Locale settings of the site.")
    locales = graphene.List(LocalizationLocale, description="The site's locales.")
    translations = graphene.List(
        Translation,
        locale=graphene.String(required=True, description="Locale code."),
        namespace=graphene.String(required=True, description="Namespace."),
        description="Interface translations: none on this server.",
    )

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_config(root, info):
        primary, codes = site_locales(request_site(info))
        return LocalizationConfig(
            locale=primary, auto_update=False, namespacing=len(codes) > 1, namespaces=codes
        )

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_locales(root, info):
        site = request_site(info)
        _, codes = site_locales(site)
        described = [describe_locale(code) for code in codes]
        return [
            LocalizationLocale(
                availability=100,
                code=locale.code,
                created_at=site.created_at,
                install_date=site.created_at,
                is_installed=True,
                is_rtl=locale.is_rtl,
                name=locale.name,
                native_name=locale.native_name,
                updated_at=site.updated_at,
            )
            for locale in described
        ]

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_translations(root, info, locale, namespace):
        return []
