"""The sites admin: a new site asks for title and hostname; settings are fields (API.md §4.7)."""

import pytest
from django.urls import reverse

from tests.factories import default_site
from wiki import site_settings
from wiki.errors import DomainError
from wiki.models import Site, default_site_config

from .admin_support import logged_in

pytestmark = pytest.mark.django_db

ADD = "/admin/wiki/site/add/"


def _change_url(site) -> str:
    return reverse("admin:wiki_site_change", args=[site.pk])


def _settings_data(**changes) -> dict:
    data = {
        "hostname": "docs.example.com",
        "is_enabled": "on",
        "title": "Docs",
        "description": "All the docs",
        "company": "Example Ltd",
        "content_license": "CC-BY-4.0",
        "footer_extra": "",
        "toc_min": "2",
        "toc_max": "4",
        "primary_locale": "fr",
        "active_locales": "en, FR",
        "locale_namespacing": "on",
        "robots_follow": "on",
        "sitemap": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _errors(response) -> str:
    return " ".join(str(error) for error in response.context["errors"])


def test_add_form_asks_for_title_and_hostname_only(admin_http):
    response = admin_http.get(ADD)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == ["title", "hostname"]


@pytest.mark.parametrize("who", ["superuser", "manage:sites"])
def test_adding_a_site_creates_it_with_the_default_configuration(admin_http, staff_http, who):
    http = admin_http if who == "superuser" else staff_http("manage:sites")

    response = http.post(ADD, {"title": "  Team Wiki ", "hostname": " Team.Example.COM. "})

    site = Site.objects.get(hostname="team.example.com")
    assert response.status_code == 302
    assert response["Location"] == _change_url(site)
    assert site.is_enabled is True
    assert site.config == {**default_site_config(), "title": "Team Wiki"}


@pytest.mark.parametrize(
    ("data", "field", "key"),
    [
        ({"title": "", "hostname": "a.example.com"}, "title", None),
        ({"title": "T", "hostname": "bad host"}, "hostname", "ERR_INVALID_INPUT"),
        ({"title": "T", "hostname": "wiki.example.com:8080"}, "hostname", "ERR_INVALID_INPUT"),
        ({"title": "T", "hostname": "*"}, "hostname", "ERR_INVALID_INPUT"),
    ],
)
def test_adding_refuses_bad_input(admin_http, data, field, key):
    before = Site.objects.count()

    response = admin_http.post(ADD, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    if key:
        assert errors[field][0].startswith(key)
    assert Site.objects.count() == before


def test_settings_are_saved_into_the_configuration(admin_http):
    site = site_settings.create_site(hostname="docs.example.com", title="Docs")
    site.config["theme"]["colorPrimary"] = "#123456"
    site.save()

    page = admin_http.get(_change_url(site))
    response = admin_http.post(_change_url(site), _settings_data())

    assert page.status_code == 200
    assert page.context["adminform"].form.initial["active_locales"] == "en"
    assert response.status_code == 302
    site.refresh_from_db()
    config = site.config
    assert (config["title"], config["description"], config["company"]) == (
        "Docs",
        "All the docs",
        "Example Ltd",
    )
    assert config["contentLicense"] == "CC-BY-4.0"
    assert config["defaults"]["tocDepth"] == {"min": 2, "max": 4}
    assert config["locales"] == {"primary": "fr", "active": ["en", "fr"]}
    assert config["localeNamespacing"] is True
    assert config["robots"] == {"index": False, "follow": True}
    assert (config["sitemap"], config["discoverable"], config["pageCasing"]) == (
        True,
        False,
        False,
    )
    assert config["theme"]["colorPrimary"] == "#123456"  # keys without a field are kept


@pytest.mark.parametrize(
    ("changes", "field", "key"),
    [
        ({"toc_min": "5", "toc_max": "2"}, "toc_max", "ERR_PAGE_INVALID_TOC_DEPTH"),
        ({"primary_locale": "de"}, "active_locales", "ERR_INVALID_INPUT"),
        ({"active_locales": "en, english"}, "active_locales", "ERR_INVALID_INPUT"),
        ({"hostname": "*"}, "hostname", "ERR_INVALID_INPUT"),
        ({"title": "   "}, "title", None),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(admin_http, changes, field, key):
    site = site_settings.create_site(hostname="docs.example.com", title="Docs")
    before = dict(site.config)

    response = admin_http.post(_change_url(site), _settings_data(**changes))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    if key:
        assert errors[field][0].startswith(key)
    site.refresh_from_db()
    assert site.config == before
    assert site.hostname == "docs.example.com"


def test_the_wildcard_site_keeps_its_hostname(admin_http):
    site = default_site()

    response = admin_http.post(_change_url(site), _settings_data(hostname="taken.example.com"))

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.hostname == "*"
    assert site.title == "Docs"


@pytest.mark.parametrize("permissions", [(), ("manage:users",), ("write:sites",)])
def test_without_manage_sites_nothing_is_added_or_changed(staff_http, permissions):
    http = staff_http(*permissions)
    site = default_site()

    add = http.post(ADD, {"title": "T", "hostname": "new.example.com"})
    change = http.post(_change_url(site), _settings_data(title="Hacked"))

    assert (add.status_code, change.status_code) == (403, 403)
    assert not Site.objects.filter(hostname="new.example.com").exists()
    site.refresh_from_db()
    assert site.title == "Default Site"


def test_site_forms_need_csrf(admin):
    strict = logged_in(admin, enforce_csrf_checks=True)

    response = strict.post(ADD, {"title": "T", "hostname": "new.example.com"})

    assert response.status_code == 403
    assert not Site.objects.filter(hostname="new.example.com").exists()


# --- The services directly --------------------------------------------------------------------
def test_update_site_refuses_an_unknown_site_and_a_taken_hostname():
    site_settings.create_site(hostname="one.example.com", title="One")
    two = site_settings.create_site(hostname="two.example.com", title="Two")

    with pytest.raises(DomainError) as unknown:
        site_settings.update_site("00000000-0000-4000-8000-000000000000", is_enabled=False)
    with pytest.raises(DomainError) as taken:
        site_settings.update_site(two.pk, hostname="ONE.example.com")

    assert unknown.value.key == "ERR_INVALID_SITE"
    assert taken.value.key == "ERR_INVALID_INPUT"
    two.refresh_from_db()
    assert two.hostname == "two.example.com"


def test_only_known_switches_are_set():
    site = site_settings.create_site(hostname="one.example.com", title="One")

    with pytest.raises(DomainError) as error:
        site_settings.update_site(
            site.pk, settings=site_settings.SiteSettings(extra={"title": True})
        )

    assert error.value.key == "ERR_INVALID_INPUT"
    site.refresh_from_db()
    assert site.title == "One"
