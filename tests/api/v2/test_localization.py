"""``localization`` on /graphql (API-v2.md §3.7): the clients' queries, values, no gate."""

from __future__ import annotations

import pytest

from tests.api.permission_support import KINDS, client_as
from tests.api.v2.conftest import on_v2
from tests.factories import default_site
from wiki.models import Site
from wiki.site_settings import SiteSettings, update_site

pytestmark = pytest.mark.django_db

# wiki-js-mcp-server's connection check, exactly as it sends it.
MCP_CONNECTION_CHECK = "query{localization{config{locale}}}"

# terraform-provider-wikijs, wikijs/genqlient.graphql.
TERRAFORM_GET_LOCALIZATION = """
query GetLocalization {
  localization {
    config {
      locale
      autoUpdate
      namespacing
      namespaces
    }
  }
}
"""
TERRAFORM_GET_LOCALES = """
query GetLocales {
  localization {
    locales {
      availability
      code
      createdAt
      installDate
      isInstalled
      isRTL
      name
      nativeName
      updatedAt
    }
  }
}
"""


@pytest.mark.parametrize("kind", KINDS)
def test_the_mcp_server_connection_check_works_for_every_caller(kind, admin):
    client = on_v2(client_as(kind, admin))

    r = client(MCP_CONNECTION_CHECK)

    assert r.status == 200, r.body
    assert r.body == {"data": {"localization": {"config": {"locale": "en"}}}}


def test_a_single_locale_site(v2_admin_key):
    r = v2_admin_key(TERRAFORM_GET_LOCALIZATION)

    assert r.body == {
        "data": {
            "localization": {
                "config": {
                    "locale": "en",
                    "autoUpdate": False,
                    "namespacing": False,
                    "namespaces": ["en"],
                }
            }
        }
    }


def test_a_site_with_several_locales(v2_anonymous):
    update_site(
        default_site().pk,
        settings=SiteSettings(primary_locale="fr", active_locales=["en", "fr", "ar"]),
    )

    config = v2_anonymous(TERRAFORM_GET_LOCALIZATION).data["localization"]["config"]
    locales = v2_anonymous(TERRAFORM_GET_LOCALES).data["localization"]["locales"]

    assert config == {
        "locale": "fr",
        "autoUpdate": False,
        "namespacing": True,
        "namespaces": ["fr", "en", "ar"],
    }
    site = default_site()
    stamp = site.created_at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{site.created_at:%f}"[:3] + "Z"
    assert [(x["code"], x["name"], x["nativeName"], x["isRTL"]) for x in locales] == [
        ("fr", "French", "Français", False),
        ("en", "English", "English", False),
        ("ar", "ar", "ar", True),
    ]
    for locale in locales:
        assert locale["availability"] == 100
        assert locale["isInstalled"] is True
        assert locale["createdAt"] == stamp
        assert locale["installDate"] == stamp
        assert locale["updatedAt"].endswith("Z")


def test_the_request_site_is_chosen_by_host(v2_anonymous):
    Site.objects.create(
        hostname="wiki.example.com",
        config={"title": "Docs", "locales": {"primary": "de", "active": ["de"]}},
    )

    r = v2_anonymous(MCP_CONNECTION_CHECK, HTTP_HOST="wiki.example.com")

    assert r.data == {"localization": {"config": {"locale": "de"}}}


def test_translations_are_empty(v2_anonymous):
    r = v2_anonymous(
        '{ localization { translations(locale: "en", namespace: "common") { key value } } }'
    )

    assert r.body == {"data": {"localization": {"translations": []}}}


def test_translations_need_both_arguments(v2_anonymous):
    r = v2_anonymous('{ localization { translations(locale: "en") { key } } }')

    assert r.status == 400, r.body
    assert "namespace" in r.errors[0]["message"]


@pytest.mark.parametrize(
    "mutation",
    [
        'downloadLocale(locale: "de")',
        'updateLocale(locale: "de", autoUpdate: false, namespacing: false, namespaces: [])',
    ],
)
def test_locale_mutations_are_not_offered(v2_admin, mutation):
    r = v2_admin("mutation { localization { " + mutation + " { responseResult { succeeded } } } }")

    assert r.status == 400, r.body
