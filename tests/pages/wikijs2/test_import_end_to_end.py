"""``manage.py import_wikijs2`` end to end: a Wiki.js 2.5 installation, imported, works.

The source is built as Wiki.js 2.5 leaves its database (tests/wikijs2/builder.py), on SQLite
and on PostgreSQL; the target is this run's test database. Everything after the import is
checked the way its users meet it: signing in with the old password, an integration calling
both endpoints with its old key and its stored ids, a browser following an old ``/i/<id>``.
"""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.management import call_command
from django.test import Client

from accounts.models import ApiKey, Group, Membership, User
from pages.models import Page, PageHistory, PageTag, Tag, TreeItem
from tests.api.v2.conftest import V2_URL
from tests.conftest import GraphQLClient
from tests.pages.wikijs2.conftest import ENGINES
from tests.wikijs2.builder import rule
from wiki.models import LegacyIdCounter, Setting

pytestmark = pytest.mark.django_db(transaction=False)

ALICE_PASSWORD = "AlicePassword1"  # noqa: S105
V2_LOGIN = """
mutation ($username: String!, $password: String!, $strategy: String!) {
  authentication { login(username: $username, password: $password, strategy: $strategy) {
    responseResult { succeeded errorCode slug message } jwt } }
}"""
V2_SINGLE = "query ($id: Int!) { pages { single(id: $id) { id path locale title tags { tag } } } }"
V2_HISTORY = """query ($id: Int!) { pages { history(id: $id) {
  trail { versionId actionType valueBefore valueAfter versionDate } total } } }"""
V2_SEARCH = "query ($q: String!) { pages { search(query: $q) { results { id path } totalHits } } }"
V3_PAGES = "{ pages { path title } }"


class Installation:
    """The Wiki.js 2 installation the tests import, and the ids Wiki.js gave its parts."""

    def __init__(self, source) -> None:
        self.source = source
        # Its integrations call the API: the administrator switched API access on.
        source.set_setting("api", {"isEnabled": True})
        self.editors = source.add_group(
            "Editors",
            ["read:pages", "write:pages", "read:history", "read:source"],
            [
                rule("e1", ["read:pages", "write:pages", "read:history"], "START", "docs"),
                rule("e2", ["read:pages"], "EXACT", "docs/secret", deny=True),
            ],
        )
        self.readers = source.add_group(
            "Readers", ["read:pages"], [rule("r1", ["read:pages"], "START", "")]
        )
        self.alice = source.add_user(
            "Alice@Example.com", "Alice", ALICE_PASSWORD, groups=[self.editors]
        )
        self.bob = source.add_user("bob@example.com", "Bob", "BobPassword1", groups=[self.readers])
        self.home = source.add_page("home", "Home", tags=["start"])
        self.install = source.add_page(
            "docs/install", "Installing", "# Installing\n\nRun the zanzibar installer.",
            tags=["howto", "start"], author=self.alice,
        )  # fmt: skip
        self.secret = source.add_page("docs/secret", "Secret", author=self.alice)
        self.guide = source.add_page("docs/guide", "Guide", "# Guide\n\nFirst words.")
        self.guide_v1 = source.edit_page(
            self.guide, content="# Guide\n\nSecond words.", author=self.alice
        )
        self.guide_v2 = source.edit_page(self.guide, content="# Guide\n\nThird words.")
        self.gone = source.add_page("docs/old", "Old page")
        self.gone_version = source.delete_page(self.gone)
        self.full_key_id, self.full_key = source.add_api_key("terraform")
        self.reader_key_id, self.reader_key = source.add_api_key(
            "reader bot", full_access=False, group=self.readers
        )
        self.revoked_key_id, self.revoked_key = source.add_api_key("old bot", revoked=True)


@pytest.fixture
def installation(wikijs2):
    return Installation(wikijs2)


def import_wikijs2(url: str, *args: str) -> str:
    out = io.StringIO()
    call_command("import_wikijs2", "--source", url, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def target_state() -> dict:
    """Everything an import writes, counted and summed up, to compare before and after."""
    return {
        "users": sorted(User.objects.values_list("legacy_id", "email", "password")),
        "groups": sorted(Group.objects.values_list("legacy_id", "name")),
        "memberships": Membership.objects.count(),
        "keys": sorted(ApiKey.objects.values_list("legacy_id", "key_digest", "is_revoked")),
        "pages": sorted(Page.objects.values_list("legacy_id", "path", "title", "content")),
        "versions": sorted(PageHistory.objects.values_list("legacy_id", "page_id", "title")),
        "tags": sorted(Tag.objects.values_list("tag", "usage_count")),
        "tag links": PageTag.objects.count(),
        "tree": sorted(TreeItem.objects.values_list("type", "path")),
        "counters": sorted(LegacyIdCounter.objects.values_list("kind", "last_value")),
        "settings": sorted((s.key, json.dumps(s.value, sort_keys=True)) for s in Setting.objects.all()),
    }  # fmt: skip


def v2(token: str | None = None) -> GraphQLClient:
    return GraphQLClient(token, url=V2_URL)


@ENGINES
def test_after_the_import_people_integrations_and_links_carry_on(installation, production_hashers):
    output = import_wikijs2(installation.source.url)
    assert "Wiki.js 2.5.128 on" in output
    assert "Imported." in output

    # A user signs in with the password they had, and it is stored anew with Argon2.
    signed_in = v2()(
        V2_LOGIN,
        {"username": "alice@example.com", "password": ALICE_PASSWORD, "strategy": "local"},
    ).data["authentication"]["login"]
    assert signed_in["responseResult"]["succeeded"], signed_in
    assert identify_hasher(User.objects.get(legacy_id=installation.alice).password).algorithm == (
        "argon2"
    )

    # An integration's key works on both endpoints, with the ids it stored.
    page = v2(installation.full_key)(V2_SINGLE, {"id": installation.install}).data
    assert page["pages"]["single"]["path"] == "docs/install"
    assert page["pages"]["single"]["id"] == installation.install
    assert {t["tag"] for t in page["pages"]["single"]["tags"]} == {"howto", "start"}
    listed = GraphQLClient(installation.full_key)(V3_PAGES)
    assert {"path": "docs/install", "title": "Installing"} in listed.data["pages"], listed.body

    # A revoked key stays revoked.
    refused = v2(installation.revoked_key)(V2_SINGLE, {"id": installation.install})
    assert refused.status == 401

    # An old link lands on the page.
    response = Client().get(f"/i/{installation.install}")
    assert (response.status_code, response["Location"]) == (302, "/docs/install")

    # Search finds imported pages; history keeps Wiki.js's versions, newest first.
    found = v2(installation.full_key)(V2_SEARCH, {"q": "zanzibar"}).data["pages"]["search"]
    assert [r["path"] for r in found["results"]] == ["docs/install"]
    trail = v2(installation.full_key)(V2_HISTORY, {"id": installation.guide}).data
    versions = [entry["versionId"] for entry in trail["pages"]["history"]["trail"]]
    assert versions == [installation.guide_v2, installation.guide_v1]

    # The key of a group carries that group's rights, not more.
    reader = v2(installation.reader_key)
    assert reader(V2_SINGLE, {"id": installation.secret}).data["pages"]["single"]["id"] == (
        installation.secret
    )


@ENGINES
def test_group_rules_mean_what_they_meant(installation, production_hashers):
    import_wikijs2(installation.source.url)
    token = v2()(
        V2_LOGIN,
        {"username": "alice@example.com", "password": ALICE_PASSWORD, "strategy": "local"},
    ).data["authentication"]["login"]["jwt"]
    alice = v2(token)
    assert alice(V2_SINGLE, {"id": installation.install}).data["pages"]["single"]["id"] == (
        installation.install
    )
    denied = alice(V2_SINGLE, {"id": installation.secret})
    assert denied.data["pages"]["single"] is None
    assert denied.errors


@ENGINES
def test_a_dry_run_reports_and_changes_nothing(installation):
    User.objects.create_user("bob@example.com", "Elsewhere1", name="Bob here")
    installation.source.add_page("ab/page", "Two-letter first segment")
    before = target_state()

    output = import_wikijs2(installation.source.url, "--dry-run")

    assert target_state() == before
    assert "Dry run: nothing was written." in output
    assert "Skipped (" in output
    assert "bob@example.com" in output  # the user whose email is taken here
    assert "ab/page" in output  # the path this server reserves
    assert "Run the same command without --dry-run to import." in output


@ENGINES
def test_running_it_again_updates_and_never_duplicates(installation):
    import_wikijs2(installation.source.url)
    first = target_state()

    again = import_wikijs2(installation.source.url)
    assert target_state() == {**first, "settings": target_state()["settings"]}
    skipped = again.split("Skipped (", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert skipped
    assert all(line.startswith("  settings ") for line in skipped), skipped

    installation.source.edit_page(installation.install, title="Installing, revised")
    new_page = installation.source.add_page("docs/new", "New since")
    import_wikijs2(installation.source.url)

    assert Page.objects.get(legacy_id=installation.install).title == "Installing, revised"
    assert Page.objects.filter(legacy_id=new_page).exists()
    assert PageHistory.objects.count() == len(first["versions"]) + 1
    assert Page.objects.count() == len(first["pages"]) + 1


def test_a_report_file_holds_the_counts(installation, tmp_path):
    report = tmp_path / "report.json"
    import_wikijs2(installation.source.url, "--report", str(report))
    written = json.loads(report.read_text())
    assert written["complete"] is True
    counted = {kind["name"]: kind for kind in written["kinds"]}
    assert counted["pages"]["inSource"] == counted["pages"]["inTarget"] == 4


def test_ids_handed_out_here_are_not_taken(installation):
    """A page created here before the import got legacy id 1: Wiki.js's page 1 is skipped."""
    from tests.pages.read_support import make_page

    User.objects.create_superuser("root@example.com", "RootPassword1", name="Root")
    local = make_page("local/page")
    assert local.legacy_id == installation.home

    output = import_wikijs2(installation.source.url)

    assert "  pages 1: skipped" in output
    assert Page.objects.get(legacy_id=installation.home).path == "local/page"
    assert not Page.objects.filter(path="home").exists()
    assert Page.objects.filter(legacy_id=installation.install, path="docs/install").exists()


def test_progress_is_shown_per_kind(installation):
    progress = io.StringIO()
    call_command(
        "import_wikijs2", "--source", installation.source.url, stdout=io.StringIO(),
        stderr=progress,
    )  # fmt: skip
    shown = progress.getvalue()
    for line in ("users: 4/4", "groups: 4/4", "pages: 4/4", "history: 3/3", "apiKeys: 3/3"):
        assert line in shown, shown
