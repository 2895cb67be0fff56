"""``pathFromAlias`` and ``tags`` through /_graphql (API.md §4.1.2)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import GUESTS_GROUP_ID, Group
from pages.models import Tag
from pages.services import attach_tags
from tests.factories import PageFactory, default_site, rule
from wiki.models import Site

from .permission_support import assert_query_refused

pytestmark = pytest.mark.django_db

ALIAS = """
query Alias($siteId: UUID!, $alias: String!) {
  pathFromAlias(siteId: $siteId, alias: $alias) { id path }
}
"""
TAGS = """
query Tags($siteId: UUID!) {
  tags(siteId: $siteId) { id tag usageCount siteId createdAt updatedAt }
}
"""
UNKNOWN = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def site_id() -> str:
    return str(default_site().pk)


def alias_of(client, alias, site=None):
    return client(ALIAS, {"siteId": site or site_id(), "alias": alias})


def tagged(path, tags, **fields):
    page = PageFactory(path=path, tags=tags, **fields)
    attach_tags(page, tags)
    return page


# --- pathFromAlias: alias given, site, alias found, read:pages --------------------------------
@pytest.mark.parametrize("alias", ["", "   ", "\t"])
def test_missing_alias_comes_first(admin_client, alias):
    assert_query_refused(
        alias_of(admin_client, alias, UNKNOWN), "pathFromAlias", "ERR_PAGE_ALIAS_MISSING"
    )
    assert_query_refused(alias_of(admin_client, alias), "pathFromAlias", "ERR_PAGE_ALIAS_MISSING")


@pytest.mark.parametrize("who", ["anonymous", "user_client", "admin_client"])
def test_unknown_site_then_unknown_alias(request, who):
    PageFactory(path="docs", alias="handbook")
    client = request.getfixturevalue(who)
    assert_query_refused(alias_of(client, "handbook", UNKNOWN), "pathFromAlias", "ERR_INVALID_SITE")
    assert_query_refused(alias_of(client, "nothing"), "pathFromAlias", "ERR_PAGE_ALIAS_NOT_FOUND")


def test_alias_is_trimmed_and_case_sensitive(admin_client):
    page = PageFactory(path="docs/guide", alias="Guide")
    r = alias_of(admin_client, "  Guide ")
    assert r.body == {"data": {"pathFromAlias": {"id": str(page.pk), "path": "docs/guide"}}}
    assert_query_refused(
        alias_of(admin_client, "guide"), "pathFromAlias", "ERR_PAGE_ALIAS_NOT_FOUND"
    )


def test_alias_belongs_to_its_site(admin_client):
    other = Site.objects.create(hostname="other.example", config=default_site().config)
    page = PageFactory(path="there", alias="shared", site=other)
    assert_query_refused(
        alias_of(admin_client, "shared"), "pathFromAlias", "ERR_PAGE_ALIAS_NOT_FOUND"
    )
    r = alias_of(admin_client, "shared", str(other.pk))
    assert r.data == {"pathFromAlias": {"id": str(page.pk), "path": "there"}}


def test_locale_namespacing_prefixes_the_locale(admin_client):
    page = PageFactory(path="docs", locale="fr", alias="doc")
    site = default_site()
    site.config = {**site.config, "localeNamespacing": True}
    site.save()
    assert alias_of(admin_client, "doc").data == {
        "pathFromAlias": {"id": str(page.pk), "path": "fr/docs"}
    }


def test_read_permission_decides(anonymous, user_client, client_for, group_with, make_user):
    page = PageFactory(path="team/payroll", alias="pay", publish_state="draft")
    found = {"pathFromAlias": {"id": str(page.pk), "path": "team/payroll"}}
    assert_query_refused(alias_of(anonymous, "pay"), "pathFromAlias", "ERR_NOT_AUTHENTICATED")
    # No publish visibility here: read:pages is the whole rule (§3.5).
    assert alias_of(user_client, "pay").data == found
    deny = group_with(rules=[rule(mode="DENY", path="team")])
    denied = client_for(make_user(groups=[deny]))
    assert_query_refused(alias_of(denied, "pay"), "pathFromAlias", "ERR_FORBIDDEN")
    tag_deny = group_with(rules=[rule(mode="DENY", match="TAG", path="hr")])
    tagged("team/tagged", ["hr"], alias="tagged")
    tag_denied = client_for(make_user(groups=[tag_deny]))
    assert_query_refused(alias_of(tag_denied, "tagged"), "pathFromAlias", "ERR_FORBIDDEN")
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule()]
    guests.save()
    assert alias_of(anonymous, "pay").data == found


# --- tags --------------------------------------------------------------------------------------
def test_unknown_site(anonymous):
    assert_query_refused(anonymous(TAGS, {"siteId": UNKNOWN}), "tags", "ERR_INVALID_SITE")


@pytest.mark.parametrize("who", ["anonymous", "user_client", "admin_key_client"])
def test_vocabulary_by_tag_with_usage_counts(request, who):
    tagged("a", ["zeta", "alpha"])
    tagged("b", ["alpha"], publish_state="draft")  # counted: usage is not visibility
    tagged("c", ["mid"])
    Tag.objects.create(site=default_site(), tag="unused")
    other = Site.objects.create(hostname="other.example", config=default_site().config)
    tagged("d", ["alpha", "elsewhere"], site=other)
    r = request.getfixturevalue(who)(TAGS, {"siteId": site_id()})
    assert r.errors == [], r.body
    rows = r.data["tags"]
    assert [(t["tag"], t["usageCount"]) for t in rows] == [
        ("alpha", 2),
        ("mid", 1),
        ("unused", 0),
        ("zeta", 1),
    ]
    tags = {tag.tag: tag for tag in Tag.objects.filter(site=default_site())}
    assert rows[0]["id"] == str(tags["alpha"].pk)
    assert {t["siteId"] for t in rows} == {site_id()}
    assert all(t["createdAt"].endswith("Z") and t["updatedAt"].endswith("Z") for t in rows)


def test_usage_counts_follow_deleted_pages(anonymous):
    page = tagged("a", ["alpha"])
    tagged("b", ["alpha"])
    page.delete()
    r = anonymous(TAGS, {"siteId": site_id()})
    assert [(t["tag"], t["usageCount"]) for t in r.data["tags"]] == [("alpha", 1)]


def test_tags_cost_one_query_however_many(anonymous):
    tagged("a", ["t0"])
    anonymous("{ __typename }")
    with CaptureQueriesContext(connection) as small:
        assert len(anonymous(TAGS, {"siteId": site_id()}).data["tags"]) == 1
    for n in range(1, 50):
        tagged(f"p{n}", [f"t{n}", "t0"])
    anonymous("{ __typename }")  # new users changed the access version: the policy is re-read
    with CaptureQueriesContext(connection) as large:
        assert len(anonymous(TAGS, {"siteId": site_id()}).data["tags"]) == 50
    assert len(large) == len(small)
