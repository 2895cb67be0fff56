"""Which site serves a request (wiki/sites.py): the host's own site, else the ``*`` site, found
in one prepared query that always reads the sites as they are now (nothing is cached)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from tests.factories import default_site
from wiki.models import Site
from wiki.sites import site_for_hostname, site_for_request

pytestmark = pytest.mark.django_db


def request_for(host: str):
    return RequestFactory().get("/", HTTP_HOST=host)


@pytest.fixture
def docs_site():
    return Site.objects.create(hostname="docs.example.org", config={"title": "Docs"})


def test_a_host_finds_its_own_site_else_the_wildcard_one(docs_site, settings):
    settings.ALLOWED_HOSTS = ["*"]
    assert site_for_request(request_for("docs.example.org")) == docs_site
    assert site_for_request(request_for("DOCS.example.org:8080")) == docs_site
    assert site_for_request(request_for("other.example.org")) == default_site()
    assert site_for_hostname("other.example.org", exact=True) is None
    assert site_for_hostname("docs.example.org", exact=True) == docs_site


def test_one_query_whether_the_host_matches_or_falls_back(
    docs_site, settings, django_assert_num_queries
):
    settings.ALLOWED_HOSTS = ["*"]
    site_for_request(request_for("docs.example.org"))  # compiled once per connection
    wildcard = default_site()
    with django_assert_num_queries(1):
        assert site_for_request(request_for("docs.example.org")) == docs_site
    with django_assert_num_queries(1):
        assert site_for_request(request_for("elsewhere.example.org")) == wildcard


def test_a_change_to_the_sites_is_seen_by_the_next_request(docs_site, settings):
    settings.ALLOWED_HOSTS = ["*"]
    assert site_for_request(request_for("docs.example.org")) == docs_site
    docs_site.hostname = "handbook.example.org"
    docs_site.config = {**docs_site.config, "title": "Handbook"}
    docs_site.save()

    assert site_for_request(request_for("docs.example.org")) == default_site()
    found = site_for_request(request_for("handbook.example.org"))
    assert (found, found.title) == (docs_site, "Handbook")
    docs_site.delete()
    assert site_for_request(request_for("handbook.example.org")) == default_site()
    Site.objects.filter(hostname="*").delete()
    assert site_for_request(request_for("handbook.example.org")) is None
