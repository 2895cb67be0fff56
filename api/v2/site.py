"""``site.config`` and ``system.info`` (API-v2.md §3.6, §4.6): read-only views of the server.

``SiteConfig`` shows the request's site and the settings in Wiki.js 2's 41 fields; what this
server has no setting for reads as Wiki.js 2's default. ``SystemInfo`` carries only the
version, the database product and four totals; every other field is null.
"""

from __future__ import annotations

import graphene

from accounts import scopes
from accounts.strategies import enforces_tfa, local_strategy
from pages import system_totals
from wiki import system_info
from wiki.config import get_setting
from wiki.models import Site, default_site_config

from .dialect import SYSTEM_GENERIC, raising
from .gates import SYSTEM, gate, gated
from .navigation import request_site
from .scalars import Date

DEFAULT_PAGE_EXTENSIONS = "md, html, txt"
HSTS_DURATION = 300
UPLOAD_MAX_FILE_SIZE = 5_242_880
UPLOAD_MAX_FILES = 10


class SiteConfig(graphene.ObjectType):
    """The request's site and the settings, as Wiki.js 2 names them (all nullable)."""

    host = graphene.String(description="https://<hostname>; mail defaultBaseURL for the * site.")
    title = graphene.String(description="Site title.")
    description = graphene.String(description="Site description.")
    robots = graphene.List(graphene.String, description="index|noindex, follow|nofollow.")
    analytics_service = graphene.String(description='Always "".')
    analytics_id = graphene.String(description='Always "".')
    company = graphene.String(description="Company.")
    content_license = graphene.String(description="Content licence.")
    footer_override = graphene.String(description="The site's extra footer text.")
    logo_url = graphene.String(description='Always "".')
    page_extensions = graphene.String(description="Page extensions.")
    auth_auto_login = graphene.Boolean(description="Always false.")
    auth_enforce_2fa = graphene.Boolean(
        name="authEnforce2FA", description="Whether the local strategy enforces TFA."
    )
    auth_hide_local = graphene.Boolean(description="Always false.")
    auth_login_bg_url = graphene.String(description='Always "".')
    auth_jwt_audience = graphene.String(description="Token audience.")
    auth_jwt_expiration = graphene.String(description="Session token lifetime.")
    auth_jwt_renewable_period = graphene.String(description="Renewal window of expired tokens.")
    edit_fab = graphene.Boolean(description="Always true.")
    edit_menu_bar = graphene.Boolean(description="Always false.")
    edit_menu_btn = graphene.Boolean(description="Always true.")
    edit_menu_external_btn = graphene.Boolean(description="Always false.")
    edit_menu_external_name = graphene.String(description='Always "".')
    edit_menu_external_icon = graphene.String(description='Always "".')
    edit_menu_external_url = graphene.String(description='Always "".')
    feature_page_ratings = graphene.Boolean(description="Site feature ratings.")
    feature_page_comments = graphene.Boolean(description="Site feature comments.")
    feature_personal_wikis = graphene.Boolean(description="Always false.")
    security_open_redirect = graphene.Boolean(description="Always true.")
    security_iframe = graphene.Boolean(description="Always true.")
    security_referrer_policy = graphene.Boolean(description="Always true.")
    security_trust_proxy = graphene.Boolean(description="Always false.")
    security_sri = graphene.Boolean(name="securitySRI", description="Always true.")
    security_hsts = graphene.Boolean(name="securityHSTS", description="Always false.")
    security_hsts_duration = graphene.Int(name="securityHSTSDuration", description="Always 300.")
    security_csp = graphene.Boolean(name="securityCSP", description="Always false.")
    security_csp_directives = graphene.String(
        name="securityCSPDirectives", description='Always "".'
    )
    upload_max_file_size = graphene.Int(description="Always 5242880.")
    upload_max_files = graphene.Int(description="Always 10.")
    upload_scan_svg = graphene.Boolean(name="uploadScanSVG", description="Always true.")
    upload_force_download = graphene.Boolean(description="Always true.")


def _site_host(site: Site) -> str:
    if site.is_wildcard:
        return str(get_setting("mail").get("defaultBaseURL") or "")
    return f"https://{site.hostname}"


def _section(config: dict, name: str) -> dict:
    stored = config.get(name)
    return stored if isinstance(stored, dict) else default_site_config()[name]


def site_config(site: Site) -> SiteConfig:
    config = site.config if isinstance(site.config, dict) else {}
    robots = _section(config, "robots")
    features = _section(config, "features")
    auth = get_setting("auth")
    strategy = local_strategy()

    def text(key: str) -> str:
        value = config.get(key)
        return "" if value is None else str(value)

    return SiteConfig(
        host=_site_host(site),
        title=text("title"),
        description=text("description"),
        robots=[
            "index" if robots.get("index", True) is not False else "noindex",
            "follow" if robots.get("follow", True) is not False else "nofollow",
        ],
        analytics_service="",
        analytics_id="",
        company=text("company"),
        content_license=text("contentLicense"),
        footer_override=text("footerExtra"),
        logo_url="",
        page_extensions=text("pageExtensions") or DEFAULT_PAGE_EXTENSIONS,
        auth_auto_login=False,
        auth_enforce_2fa=enforces_tfa(strategy) if strategy is not None else False,
        auth_hide_local=False,
        auth_login_bg_url="",
        auth_jwt_audience=str(auth.get("audience") or ""),
        auth_jwt_expiration=str(auth.get("tokenExpiration") or ""),
        auth_jwt_renewable_period=str(auth.get("tokenRenewal") or ""),
        edit_fab=True,
        edit_menu_bar=False,
        edit_menu_btn=True,
        edit_menu_external_btn=False,
        edit_menu_external_name="",
        edit_menu_external_icon="",
        edit_menu_external_url="",
        feature_page_ratings=bool(features.get("ratings")),
        feature_page_comments=bool(features.get("comments")),
        feature_personal_wikis=False,
        security_open_redirect=True,
        security_iframe=True,
        security_referrer_policy=True,
        security_trust_proxy=False,
        security_sri=True,
        security_hsts=False,
        security_hsts_duration=HSTS_DURATION,
        security_csp=False,
        security_csp_directives="",
        upload_max_file_size=UPLOAD_MAX_FILE_SIZE,
        upload_max_files=UPLOAD_MAX_FILES,
        upload_scan_svg=True,
        upload_force_download=True,
    )


class SiteQuery(graphene.ObjectType):
    config = graphene.Field(
        SiteConfig, description="The request's site and the settings. Gate: manage:system."
    )

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_config(root, info):
        gate(info, SYSTEM)
        return site_config(request_site(info))


# --- system.info ------------------------------------------------------------------------------
# §4.6's field gates.
PEOPLE_GATE = (
    SYSTEM,
    scopes.MANAGE_NAVIGATION,
    scopes.MANAGE_GROUPS,
    scopes.WRITE_GROUPS,
    scopes.MANAGE_USERS,
    scopes.WRITE_USERS,
)
CONTENT_GATE = (SYSTEM, scopes.MANAGE_NAVIGATION, scopes.MANAGE_PAGES, scopes.DELETE_PAGES)


def _value(value):
    """A field of ``manage:system`` that carries ``value``."""
    return staticmethod(gated(SYSTEM)(lambda root, info: value() if callable(value) else value))


def _counted(count, *wanted: str):
    return staticmethod(raising(generic=SYSTEM_GENERIC)(gated(*wanted)(lambda root, info: count())))


class SystemInfo(graphene.ObjectType):
    """What the server tells about itself; fields without a value here are null."""

    config_file = graphene.String(description="Always null.")
    cpu_cores = graphene.Int(description="Always null.")
    current_version = graphene.String(description="The server's version.")
    db_host = graphene.String(description="Always null.")
    db_type = graphene.String(description="The database product.")
    db_version = graphene.String(description="Always null.")
    groups_total = graphene.Int(description="Number of groups.")
    hostname = graphene.String(description="Always null.")
    http_port = graphene.Int(description="Always null.")
    http_redirection = graphene.Boolean(description="Always false.")
    https_port = graphene.Int(description="Always null.")
    latest_version = graphene.String(description="The server's version.")
    latest_version_release_date = Date(description="Always null.")
    node_version = graphene.String(description="Always null.")
    operating_system = graphene.String(description="Always null.")
    pages_total = graphene.Int(description="Number of pages of every site.")
    platform = graphene.String(description="Always null.")
    ram_total = graphene.String(description="Always null.")
    ssl_domain = graphene.String(description="Always null.")
    ssl_expiration_date = Date(description="Always null.")
    ssl_provider = graphene.String(description="Always null.")
    ssl_status = graphene.String(description="Always null.")
    ssl_subscriber_email = graphene.String(description="Always null.")
    tags_total = graphene.Int(description="Number of tags of every site.")
    telemetry = graphene.Boolean(description="Always false.")
    telemetry_client_id = graphene.String(description="Always null.")
    upgrade_capable = graphene.Boolean(description="Always false.")
    users_total = graphene.Int(description="Number of users, system accounts included.")
    working_directory = graphene.String(description="Always null.")

    resolve_config_file = _value(None)
    resolve_cpu_cores = _value(None)
    resolve_current_version = _value(system_info.SERVER_VERSION)
    resolve_db_host = _value(None)
    resolve_db_type = _value(system_info.database_product)
    resolve_db_version = _value(None)
    resolve_hostname = _value(None)
    resolve_http_port = _value(None)
    resolve_http_redirection = _value(False)
    resolve_https_port = _value(None)
    resolve_latest_version = _value(system_info.SERVER_VERSION)
    resolve_latest_version_release_date = _value(None)
    resolve_node_version = _value(None)
    resolve_operating_system = _value(None)
    resolve_platform = _value(None)
    resolve_ram_total = _value(None)
    resolve_ssl_domain = _value(None)
    resolve_ssl_expiration_date = _value(None)
    resolve_ssl_provider = _value(None)
    resolve_ssl_status = _value(None)
    resolve_ssl_subscriber_email = _value(None)
    resolve_telemetry = _value(False)
    resolve_telemetry_client_id = _value(None)
    resolve_upgrade_capable = _value(False)
    resolve_working_directory = _value(None)
    resolve_groups_total = _counted(system_totals.groups_total, *PEOPLE_GATE)
    resolve_users_total = _counted(system_totals.users_total, *PEOPLE_GATE)
    resolve_pages_total = _counted(system_totals.pages_total, *CONTENT_GATE)
    resolve_tags_total = _counted(system_totals.tags_total, *CONTENT_GATE)


class SystemQuery(graphene.ObjectType):
    info = graphene.Field(
        SystemInfo, description="About the server; each field has its own gate (§4.6)."
    )

    @staticmethod
    def resolve_info(root, info):
        return SystemInfo()
