"""Page views find their site in a per-process table kept under the access version
(``wiki.sites.SiteTable``): no query of its own, and never a site's old settings, whoever
changed them (a trigger on the sites table changes the version, accounts migration 0008)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from accounts.models import AccessVersion
from tests.factories import rule
from wiki.models import Site
from wiki.sites import SiteTable

from .read_support import browser, make_page, open_to_guests, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_page(admin):
    open_to_guests([rule(path="", roles=[scopes.READ_PAGES])])
    return make_page("docs/intro", content="Hello.")


def _title_of(response) -> str:
    return response.content.decode().split("<title>", 1)[1].split("</title>", 1)[0]


def test_a_site_written_behind_the_services_back_is_seen_by_the_next_view(public_page):
    http = browser()
    site = Site.objects.get(hostname="*")
    assert http.get("/docs/intro").status_code == 200  # the table now holds the site

    # A queryset update sends no signal: only the trigger can tell the process.
    Site.objects.filter(pk=site.pk).update(config={**site.config, "title": "Renamed Wiki"})

    assert "Renamed Wiki" in _title_of(http.get("/docs/intro"))


def test_a_site_switched_off_stops_serving_at_once(public_page):
    http = browser()
    assert http.get("/docs/intro").status_code == 200
    Site.objects.filter(hostname="*").update(is_enabled=False)
    assert http.get("/docs/intro").status_code == 404


def test_a_site_added_for_a_host_takes_it_over_from_the_wildcard(public_page):
    http = browser()
    assert http.get("/docs/intro", HTTP_HOST="wiki.example.com").status_code == 200
    Site.objects.create(hostname="wiki.example.com", config={"title": "Own Site"})
    # The new site holds no page yet: its welcome page, under its own title.
    response = http.get("/", HTTP_HOST="wiki.example.com")
    assert "Own Site" in text(response)


def test_every_write_to_sites_changes_the_access_version():
    before = AccessVersion.objects.get(pk=1).value
    site = Site.objects.create(hostname="other.example.com")
    created = AccessVersion.objects.get(pk=1).value
    Site.objects.filter(pk=site.pk).update(is_enabled=False)
    updated = AccessVersion.objects.get(pk=1).value
    site.delete()
    deleted = AccessVersion.objects.get(pk=1).value
    assert len({before, created, updated, deleted}) == 4


def test_the_table_asks_once_per_host_and_stamp_and_never_without_a_stamp():
    table = SiteTable(limit=2)
    with CaptureQueriesContext(connection) as first:
        wildcard = table.lookup("unknown.example.com", stamp=1)
    with CaptureQueriesContext(connection) as again:
        assert table.lookup("unknown.example.com", stamp=1) is wildcard
    with CaptureQueriesContext(connection) as new_stamp:
        assert table.lookup("unknown.example.com", stamp=2).pk == wildcard.pk
    with CaptureQueriesContext(connection) as unstamped:
        table.lookup("unknown.example.com", stamp=None)
        table.lookup("unknown.example.com", stamp=None)
    assert wildcard.hostname == "*"
    assert (len(first), len(again), len(new_stamp), len(unstamped)) == (1, 0, 1, 2)


def test_the_table_stays_bounded_by_its_limit():
    table = SiteTable(limit=2)
    for n in range(5):
        table.lookup(f"host-{n}.example.com", stamp=7)
    with CaptureQueriesContext(connection) as latest:
        table.lookup("host-4.example.com", stamp=7)
    with CaptureQueriesContext(connection) as evicted:
        table.lookup("host-0.example.com", stamp=7)
    assert len(latest) == 0
    assert len(evicted) == 1
    assert len(table._table[1]) <= 2
