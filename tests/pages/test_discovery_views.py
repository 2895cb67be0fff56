"""``/robots.txt`` and ``/sitemap.xml`` over HTTP: from the site's settings, public pages only."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import GUESTS_GROUP_ID, Group
from accounts.services import make_administrator
from tests.accounts.signin_page_support import signed_in_client
from tests.factories import PageFactory, UserFactory, default_site, rule
from wiki.models import Site

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def allow_guests(*rules):
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = list(rules)
    guests.save()


def configure(site: Site, **values) -> None:
    site.config = {**site.config, **values}
    site.save()


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def sitemap(client: Client, **params) -> ET.Element:
    response = client.get("/sitemap.xml", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ET.fromstring(body(response))  # noqa: S314 - our own output


def locations(root: ET.Element) -> list[str]:
    return [loc.text for loc in root.findall("sm:url/sm:loc", NS)]


# --- robots.txt --------------------------------------------------------------------------------
def test_robots_txt_disallows_the_actions_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = body(response).splitlines()
    assert lines[0] == "User-agent: *"
    for prefix in ("/e/", "/h/", "/s/", "/d/", "/_search", "/admin/", "/_graphql"):
        assert f"Disallow: {prefix}" in lines
    assert "Disallow: /" not in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_robots_txt_names_the_sitemap_on_the_requests_host(client):
    Site.objects.create(hostname="wiki.example.com")
    text = body(client.get("/robots.txt", HTTP_HOST="wiki.example.com", secure=True))
    assert "Sitemap: https://wiki.example.com/sitemap.xml" in text.splitlines()


def test_robots_txt_without_a_sitemap(client):
    configure(default_site(), sitemap=False)
    lines = body(client.get("/robots.txt")).splitlines()
    assert not any(line.startswith("Sitemap:") for line in lines)
    assert "Disallow: /e/" in lines


def test_robots_txt_keeps_crawlers_out_when_the_site_is_not_to_be_indexed(client):
    configure(default_site(), robots={"index": False, "follow": True})
    assert body(client.get("/robots.txt")).splitlines() == ["User-agent: *", "Disallow: /"]


@pytest.mark.parametrize(
    ("robots", "meta"),
    [
        ({"index": True, "follow": True}, None),
        ({"index": True, "follow": False}, "index, nofollow"),
        ({"index": False, "follow": True}, "noindex, follow"),
        ({"index": False, "follow": False}, "noindex, nofollow"),
    ],
)
def test_pages_carry_the_robots_settings_robots_txt_cannot_say(client, robots, meta):
    configure(default_site(), robots=robots)

    html = body(client.get("/_search"))

    if meta is None:
        assert '<meta name="robots"' not in html
    else:
        assert f'<meta name="robots" content="{meta}">' in html


def test_only_get_and_head(client):
    assert client.post("/robots.txt").status_code == 405
    assert client.post("/sitemap.xml").status_code == 405
    assert client.head("/robots.txt").status_code == 200


# --- sitemap.xml -------------------------------------------------------------------------------
def test_sitemap_lists_only_what_a_guest_may_read(client):
    allow_guests(rule(path="docs"), rule(mode="DENY", path="docs/team"))
    now = timezone.now()
    PageFactory(path="docs/intro", updated_at=now.replace(microsecond=0) - timedelta(days=1))
    PageFactory(path="docs/intro", locale="fr")
    PageFactory(path="docs/team/plan")  # denied
    PageFactory(path="private/notes")  # not allowed
    PageFactory(path="docs/draft", publish_state="draft")
    PageFactory(
        path="docs/over",
        publish_state="scheduled",
        publish_start_date=now - timedelta(days=9),
        publish_end_date=now - timedelta(days=1),
    )
    PageFactory(
        path="docs/running",
        publish_state="scheduled",
        publish_start_date=now - timedelta(days=1),
        publish_end_date=now + timedelta(days=1),
    )
    PageFactory(path="docs/locked", password="secret")
    PageFactory(path="docs/unsearchable", is_searchable=False)

    root = sitemap(client)

    assert locations(root) == [
        "http://testserver/docs/intro",
        "http://testserver/docs/running",
        "http://testserver/fr/docs/intro",
    ]
    lastmod = root.find("sm:url/sm:lastmod", NS).text
    assert lastmod == (now.replace(microsecond=0) - timedelta(days=1)).isoformat()


def test_sitemap_is_the_guests_whoever_asks(client, admin):
    allow_guests(rule(path="docs"))
    PageFactory(path="docs/intro")
    PageFactory(path="private/notes")
    make_administrator(admin)
    assert locations(sitemap(signed_in_client(admin))) == locations(sitemap(client))
    assert locations(sitemap(client)) == ["http://testserver/docs/intro"]


def test_sitemap_lists_the_home_page_at_the_root_and_escapes_addresses(client):
    allow_guests(rule())
    PageFactory(path="home")
    PageFactory(path="a-b_c/d")
    assert locations(sitemap(client)) == ["http://testserver/a-b_c/d", "http://testserver/"]


def test_sitemap_of_each_site_on_its_own_host(client):
    allow_guests(rule())
    other = Site.objects.create(hostname="wiki.example.com")
    PageFactory(path="here")
    PageFactory(path="there", site=other)
    response = client.get("/sitemap.xml", HTTP_HOST="wiki.example.com")
    assert locations(ET.fromstring(body(response))) == ["http://wiki.example.com/there"]  # noqa: S314


def test_sitemap_off_is_not_found(client):
    configure(default_site(), sitemap=False)
    assert client.get("/sitemap.xml").status_code == 404


def test_many_pages_make_a_sitemap_index(client, settings):
    settings.SITEMAP_PAGE_SIZE = 3
    allow_guests(rule())
    for n in range(7):
        PageFactory(path=f"p{n}")

    index = sitemap(client)
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    files = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert files == [f"http://testserver/sitemap.xml?page={n}" for n in (1, 2, 3)]

    listed = [locations(sitemap(client, page=n)) for n in (1, 2, 3)]
    assert listed == [
        ["http://testserver/p0", "http://testserver/p1", "http://testserver/p2"],
        ["http://testserver/p3", "http://testserver/p4", "http://testserver/p5"],
        ["http://testserver/p6"],
    ]


@pytest.mark.parametrize("number", ["0", "4", "x", "-1", "99999999999999999999", "", "²"])
def test_a_sitemap_file_that_does_not_exist_is_not_found(client, settings, number):
    settings.SITEMAP_PAGE_SIZE = 3
    allow_guests(rule())
    for n in range(7):
        PageFactory(path=f"p{n}")
    assert client.get("/sitemap.xml", {"page": number}).status_code == 404


def test_a_file_is_read_in_batches(client, settings, monkeypatch):
    """Keyset batches: each row once, in order, whatever the batch size."""
    monkeypatch.setattr("pages.discovery_views.BATCH", 2)
    settings.SITEMAP_PAGE_SIZE = 5
    allow_guests(rule())
    for n in range(12):
        PageFactory(path=f"p{n:02d}")
    listed = [locations(sitemap(client, page=n)) for n in (1, 2, 3)]
    assert sum(listed, []) == [f"http://testserver/p{n:02d}" for n in range(12)]
    assert [len(part) for part in listed] == [5, 5, 2]


def test_sitemap_query_count_does_not_grow_with_the_pages(client):
    allow_guests(rule(path="listed"), rule(match="REGEX", path="^listed/p[0-9]+$"))
    PageFactory(path="listed/p0")
    body(client.get("/sitemap.xml"))
    with CaptureQueriesContext(connection) as small:
        assert len(locations(sitemap(client))) == 1
    for n in range(1, 40):
        PageFactory(path=f"listed/p{n}", author=UserFactory())
    body(client.get("/sitemap.xml"))  # new people changed the access version: caches warm again
    with CaptureQueriesContext(connection) as large:
        assert len(locations(sitemap(client))) == 40
    assert len(large) == len(small), "\n".join(
        q["sql"][:200] for q in (*small.captured_queries, *large.captured_queries)
    )
