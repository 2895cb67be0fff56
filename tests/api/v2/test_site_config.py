"""``site.config`` on /graphql (API-v2.md §3.6, §4.6): terraform's query, values and gate."""

from __future__ import annotations

import pytest

from accounts import scopes
from accounts.models import AuthStrategy
from accounts.strategies import local_strategy
from tests.api.permission_support import KINDS, client_as
from tests.api.v2.conftest import on_v2
from tests.factories import default_site
from wiki.config import update_setting
from wiki.models import Site
from wiki.site_settings import SiteSettings, update_site

pytestmark = pytest.mark.django_db

# terraform-provider-wikijs, wikijs/genqlient.graphql, GetSiteConfig: all 41 fields.
TERRAFORM_GET_SITE_CONFIG = """
query GetSiteConfig {
  site {
    config {
      host
      title
      description
      robots
      analyticsService
      analyticsId
      company
      contentLicense
      footerOverride
      logoUrl
      pageExtensions
      authAutoLogin
      authEnforce2FA
      authHideLocal
      authLoginBgUrl
      authJwtAudience
      authJwtExpiration
      authJwtRenewablePeriod
      editFab
      editMenuBar
      editMenuBtn
      editMenuExternalBtn
      editMenuExternalName
      editMenuExternalIcon
      editMenuExternalUrl
      featurePageRatings
      featurePageComments
      featurePersonalWikis
      securityOpenRedirect
      securityIframe
      securityReferrerPolicy
      securityTrustProxy
      securitySRI
      securityHSTS
      securityHSTSDuration
      securityCSP
      securityCSPDirectives
      uploadMaxFileSize
      uploadMaxFiles
      uploadScanSVG
      uploadForceDownload
    }
  }
}
"""

DEFAULTS = {
    "host": "https://wiki.example.com",
    "title": "Default Site",
    "description": "",
    "robots": ["index", "follow"],
    "analyticsService": "",
    "analyticsId": "",
    "company": "",
    "contentLicense": "",
    "footerOverride": "",
    "logoUrl": "",
    "pageExtensions": "md, html, txt",
    "authAutoLogin": False,
    "authEnforce2FA": False,
    "authHideLocal": False,
    "authLoginBgUrl": "",
    "authJwtAudience": "urn:wiki.js",
    "authJwtExpiration": "30m",
    "authJwtRenewablePeriod": "14d",
    "editFab": True,
    "editMenuBar": False,
    "editMenuBtn": True,
    "editMenuExternalBtn": False,
    "editMenuExternalName": "",
    "editMenuExternalIcon": "",
    "editMenuExternalUrl": "",
    "featurePageRatings": False,
    "featurePageComments": False,
    "featurePersonalWikis": False,
    "securityOpenRedirect": True,
    "securityIframe": True,
    "securityReferrerPolicy": True,
    "securityTrustProxy": False,
    "securitySRI": True,
    "securityHSTS": False,
    "securityHSTSDuration": 300,
    "securityCSP": False,
    "securityCSPDirectives": "",
    "uploadMaxFileSize": 5242880,
    "uploadMaxFiles": 10,
    "uploadScanSVG": True,
    "uploadForceDownload": True,
}


def test_terraform_reads_all_41_fields_of_the_default_site(v2_admin):
    r = v2_admin(TERRAFORM_GET_SITE_CONFIG)

    assert r.status == 200, r.body
    assert "errors" not in r.body
    assert len(DEFAULTS) == 41
    assert r.data == {"site": {"config": DEFAULTS}}


def test_values_follow_the_site_and_the_settings(v2_admin):
    site = default_site()
    update_site(
        site.pk,
        settings=SiteSettings(
            title="Handbook",
            description="How we work",
            company="ACME",
            content_license="CC-BY-4.0",
            footer_extra="Hosted by ACME",
            robots_index=False,
            robots_follow=True,
        ),
    )
    site.refresh_from_db()
    site.config["pageExtensions"] = "md"
    site.config["features"] = {**site.config["features"], "ratings": True, "comments": True}
    site.save()
    update_setting("mail", defaultBaseURL="https://docs.acme.net")
    update_setting("auth", audience="urn:acme", tokenExpiration="45m", tokenRenewal="7d")
    strategy = local_strategy()
    strategy.config = {**strategy.config, "enforceTfa": True}
    strategy.save()

    config = v2_admin(TERRAFORM_GET_SITE_CONFIG).data["site"]["config"]

    assert config == {
        **DEFAULTS,
        "host": "https://docs.acme.net",
        "title": "Handbook",
        "description": "How we work",
        "company": "ACME",
        "contentLicense": "CC-BY-4.0",
        "footerOverride": "Hosted by ACME",
        "robots": ["noindex", "follow"],
        "pageExtensions": "md",
        "featurePageRatings": True,
        "featurePageComments": True,
        "authJwtAudience": "urn:acme",
        "authJwtExpiration": "45m",
        "authJwtRenewablePeriod": "7d",
        "authEnforce2FA": True,
    }


def test_the_request_site_is_chosen_by_host(v2_admin):
    update_setting("mail", defaultBaseURL="https://wiki.example.net")
    Site.objects.create(hostname="wiki.example.com", config={"title": "Docs", "robots": {}})

    named = v2_admin(
        "{ site { config { host title robots } } }", HTTP_HOST="wiki.example.com"
    ).data["site"]["config"]
    other = v2_admin("{ site { config { host title } } }", HTTP_HOST="localhost").data["site"][
        "config"
    ]

    assert named == {
        "host": "https://wiki.example.com",
        "title": "Docs",
        "robots": ["index", "follow"],
    }
    assert other == {"host": "https://wiki.example.net", "title": "Default Site"}


def test_without_a_site_for_the_host_the_query_fails_generically(v2_admin):
    Site.objects.all().delete()

    r = v2_admin("{ site { config { title } } }")

    assert r.status == 200, r.body
    assert r.data == {"site": {"config": None}}
    assert r.errors[0]["message"] == "An unexpected error occured."
    assert r.errors[0]["path"] == ["site", "config"]
    assert r.errors[0]["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "exception": {"code": 7001, "message": "An unexpected error occured."},
    }


def test_a_missing_local_strategy_reads_as_not_enforcing(v2_admin):
    AuthStrategy.objects.all().delete()

    r = v2_admin("{ site { config { authEnforce2FA } } }")

    assert r.data == {"site": {"config": {"authEnforce2FA": False}}}


FORBIDDEN_AT_CONFIG = [
    {
        "message": "Forbidden",
        "locations": [{"line": 1, "column": 10}],
        "path": ["site", "config"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }
]


@pytest.mark.parametrize("kind", KINDS)
def test_gate_is_manage_system(kind, admin):
    client = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_SYSTEM]))

    r = client("{ site { config { title } } }")

    assert r.status == 200, r.body
    if kind in ("user_with", "key_with", "admin"):
        assert r.data == {"site": {"config": {"title": "Default Site"}}}
        assert "errors" not in r.body
    else:
        assert r.data == {"site": {"config": None}}
        assert r.errors == FORBIDDEN_AT_CONFIG


@pytest.mark.parametrize("kind", ["user_with", "key_with"])
def test_every_other_scope_is_refused(kind, admin):
    almost = sorted(scopes.ALL_SCOPES - {scopes.MANAGE_SYSTEM})
    client = on_v2(client_as(kind, admin, permissions=almost))

    r = client("{ site { config { title } } }")

    assert r.data == {"site": {"config": None}}
    assert r.errors == FORBIDDEN_AT_CONFIG


def test_site_update_config_is_not_offered(v2_admin):
    r = v2_admin('mutation { site { updateConfig(title: "x") { responseResult { succeeded } } } }')

    assert r.status == 400, r.body
