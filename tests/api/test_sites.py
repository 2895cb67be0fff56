"""``sites``, ``siteById`` and ``siteByHostname`` (API.md §4.7). Public queries."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wiki.models import Site, default_site_config

pytestmark = pytest.mark.django_db

SITE_FIELDS = """
  id hostname isEnabled title description company contentLicense footerExtra pageExtensions
  pageCasing logoText sitemap discoverable
  robots { index follow }
  features { browse ratings ratingsMode comments contributions profile reasonForChange search }
  defaults { tocDepth { min max } }
  uploads { conflictBehavior normalizeFilename }
  locales {
    primary
    active { code language name nativeName region script isRTL completeness createdAt updatedAt }
  }
  editors { asciidoc { isActive config } markdown { isActive config } wysiwyg { isActive config } }
  theme {
    dark codeBlocksTheme colorPrimary colorSecondary colorAccent colorHeader colorSidebar
    injectCSS injectHead injectBody contentWidth sidebarPosition tocPosition showSharingMenu
    showPrintBtn baseFont contentFont
  }
  config
"""
SITES = "{ sites {" + SITE_FIELDS + "} }"
SITE_BY_ID = "query ($id: UUID!) { siteById(id: $id) {" + SITE_FIELDS + "} }"
SITE_BY_HOSTNAME = """
query ($hostname: String!, $exact: Boolean!) {
  siteByHostname(hostname: $hostname, exact: $exact) { id hostname title }
}
"""
SITE_NAMES = "{ sites { hostname title } }"

ENGLISH = {
    "code": "en",
    "language": "en",
    "name": "English",
    "nativeName": "English",
    "region": "",
    "script": "",
    "isRTL": False,
    "completeness": 100,
    "createdAt": None,
    "updatedAt": None,
}


def expected_site(site: Site) -> dict:
    """The installation's defaults, as the API must present them."""
    return {
        "id": str(site.pk),
        "hostname": site.hostname,
        "isEnabled": True,
        "title": "Default Site",
        "description": "",
        "company": "",
        "contentLicense": "",
        "footerExtra": "",
        "pageExtensions": "",
        "pageCasing": True,
        "logoText": True,
        "sitemap": True,
        "discoverable": False,
        "robots": {"index": True, "follow": True},
        "features": {
            "browse": True,
            "ratings": False,
            "ratingsMode": "off",
            "comments": False,
            "contributions": False,
            "profile": True,
            "reasonForChange": "off",
            "search": True,
        },
        "defaults": {"tocDepth": {"min": 1, "max": 2}},
        "uploads": {"conflictBehavior": "overwrite", "normalizeFilename": True},
        "locales": {"primary": "en", "active": [ENGLISH]},
        "editors": {
            "asciidoc": {"isActive": True, "config": {}},
            "markdown": {"isActive": True, "config": {}},
            "wysiwyg": {"isActive": True, "config": {}},
        },
        "theme": {
            "dark": False,
            "codeBlocksTheme": "github-dark",
            "colorPrimary": "#1976D2",
            "colorSecondary": "#02C39A",
            "colorAccent": "#FF9800",
            "colorHeader": "#000000",
            "colorSidebar": "#1976D2",
            "injectCSS": "",
            "injectHead": "",
            "injectBody": "",
            "contentWidth": "full",
            "sidebarPosition": "left",
            "tocPosition": "right",
            "showSharingMenu": True,
            "showPrintBtn": True,
            "baseFont": "roboto",
            "contentFont": "roboto",
        },
        "config": site.config,
    }


@pytest.fixture
def default_site(db) -> Site:
    return Site.objects.get(hostname="*")


@pytest.fixture
def docs_site(db) -> Site:
    """A site whose configuration names only a few keys: the rest must come from defaults."""
    return Site.objects.create(
        hostname="docs.example.com",
        is_enabled=False,
        config={
            "title": "Docs",
            "description": "Product documentation",
            "discoverable": True,
            "defaults": {"tocDepth": {"min": 2, "max": 4}},
            "locales": {"primary": "fr", "active": ["fr", "en", "ar-eg"]},
            "theme": {"dark": True, "colorPrimary": "#FF0000"},
            "features": {"ratingsMode": "stars", "reasonForChange": "required"},
            "authStrategies": [{"id": "x", "order": 0, "isVisible": True}],
        },
    )


def test_installed_site(anonymous, default_site):
    response = anonymous(SITES)

    assert response.status == 200, response.body
    assert response.body == {"data": {"sites": [expected_site(default_site)]}}
    assert default_site.config == default_site_config()


def test_missing_configuration_keys_take_defaults(anonymous, docs_site):
    response = anonymous(SITE_BY_ID, {"id": str(docs_site.pk)})

    site = response.data["siteById"]
    expected = expected_site(docs_site)
    expected.update(
        {
            "isEnabled": False,
            "title": "Docs",
            "description": "Product documentation",
            "discoverable": True,
            "defaults": {"tocDepth": {"min": 2, "max": 4}},
            "locales": {
                "primary": "fr",
                "active": [
                    {
                        **ENGLISH,
                        "code": "fr",
                        "language": "fr",
                        "name": "French",
                        "nativeName": "Français",
                    },
                    ENGLISH,
                    {
                        **ENGLISH,
                        "code": "ar-eg",
                        "language": "ar",
                        "name": "ar-eg",
                        "nativeName": "ar-eg",
                        "region": "eg",
                        "isRTL": True,
                    },
                ],
            },
        }
    )
    expected["theme"] = {**expected["theme"], "dark": True, "colorPrimary": "#FF0000"}
    expected["features"] = {
        **expected["features"],
        "ratingsMode": "stars",
        "reasonForChange": "required",
    }
    assert site == expected
    assert site["config"] == docs_site.config


def test_sites_are_ordered_by_hostname(anonymous, docs_site):
    Site.objects.create(hostname="alpha.example.com", config={"title": "Alpha"})

    response = anonymous(SITE_NAMES)

    assert response.body == {
        "data": {
            "sites": [
                {"hostname": "*", "title": "Default Site"},
                {"hostname": "alpha.example.com", "title": "Alpha"},
                {"hostname": "docs.example.com", "title": "Docs"},
            ]
        }
    }


def test_site_by_id(anonymous, default_site):
    response = anonymous(SITE_BY_ID, {"id": str(default_site.pk).upper()})

    assert response.body == {"data": {"siteById": expected_site(default_site)}}


def test_site_by_unknown_id_is_null(anonymous):
    response = anonymous(SITE_BY_ID, {"id": str(uuid.uuid4())})

    assert response.status == 200
    assert response.body == {"data": {"siteById": None}}


@pytest.mark.parametrize(
    ("hostname", "exact", "expected"),
    [
        ("docs.example.com", True, "docs.example.com"),
        ("docs.example.com", False, "docs.example.com"),
        ("DOCS.Example.com ", True, "docs.example.com"),
        ("unknown.example.com", True, None),
        ("unknown.example.com", False, "*"),
        ("", False, "*"),
        ("*", True, "*"),
    ],
)
def test_site_by_hostname(anonymous, docs_site, hostname, exact, expected):
    response = anonymous(SITE_BY_HOSTNAME, {"hostname": hostname, "exact": exact})

    assert response.status == 200
    assert "errors" not in response.body
    site = response.data["siteByHostname"]
    if expected is None:
        assert site is None
    else:
        assert site["hostname"] == expected
        assert site["id"] == str(Site.objects.get(hostname=expected).pk)


def test_no_fallback_without_a_wildcard_site(anonymous, docs_site, default_site):
    default_site.delete()

    response = anonymous(SITE_BY_HOSTNAME, {"hostname": "unknown.example.com", "exact": False})

    assert response.body == {"data": {"siteByHostname": None}}


@pytest.mark.parametrize("client_name", ["anonymous", "user_client", "admin_key_client"])
def test_sites_are_public(request, client_name):
    response = request.getfixturevalue(client_name)(SITE_NAMES)

    assert response.body == {"data": {"sites": [{"hostname": "*", "title": "Default Site"}]}}


def test_sites_query_count_does_not_grow(anonymous):
    anonymous(SITES)  # warm-up
    with CaptureQueriesContext(connection) as one:
        anonymous(SITES)
    for n in range(9):
        Site.objects.create(hostname=f"s{n}.example.com", config={"title": f"S{n}"})
    # A write to sites changes the access version (accounts migration 0008): the next request
    # reads the caller's groups again, once.
    anonymous(SITES)
    with CaptureQueriesContext(connection) as ten:
        assert len(anonymous(SITES).data["sites"]) == 10

    assert len(ten.captured_queries) == len(one.captured_queries)
