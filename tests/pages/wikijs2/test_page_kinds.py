"""The page side of the Wiki.js 2 import: tags, pages and history, from both source engines."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from pages.models import Page, PageHistory, PageTag, Tag, TreeItem, TreeItemType
from pages.publishing import OPEN_END
from pages.tree import ancestor_paths
from pages.wikijs2.base import IdLedger, ImportContext, Outcome
from pages.wikijs2.history_kind import deleted_page_id
from pages.wikijs2.page_kinds import PAGE_KINDS
from pages.wikijs2.source import open_source
from tests.api.v2.conftest import V2_URL
from tests.conftest import GraphQLClient
from tests.factories import UserFactory
from tests.pages.read_support import browser, make_page
from tests.pages.wikijs2.conftest import ENGINES
from wiki.models import Site

pytestmark = pytest.mark.django_db(transaction=False)

SINGLE = """query ($id: Int!) { pages { single(id: $id) { id path locale title description
  isPublished publishStartDate publishEndDate isPrivate content render toc contentType editor
  scriptCss scriptJs authorId creatorId createdAt updatedAt tags { id tag } } } }"""
HISTORY = """query ($id: Int!) { pages { history(id: $id) {
  trail { versionId actionType valueBefore valueAfter versionDate authorId } total } } }"""
VERSION = """query ($pageId: Int!, $versionId: Int!) { pages { version(pageId: $pageId,
  versionId: $versionId) { action content path title tags versionDate versionId } } }"""
SEARCH = """query ($query: String!) { pages { search(query: $query) {
  results { id path } totalHits } } }"""


def run_import(url: str, batch_size: int = 3) -> ImportContext:
    """The runner's loop over the page kinds: a transaction per batch, then ``finish``."""
    with open_source(url) as source:
        ctx = ImportContext(
            source=source,
            site=Site.objects.get(hostname="*"),
            dry_run=False,
            batch_size=batch_size,
            ledger=IdLedger(),
        )
        for kind in PAGE_KINDS:
            for rows in source.batches(kind.table, batch_size):
                with transaction.atomic():
                    kind.import_batch(rows, ctx)
            with transaction.atomic():
                kind.finish(ctx)
        ctx.ledger.save(source.label, "2026-01-01T00:00:00Z")
    return ctx


def findings(ctx: ImportContext, outcome: Outcome) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for finding in ctx.findings:
        if finding.outcome is outcome:
            found.setdefault((finding.kind, finding.source_id), []).append(finding.reason)
    return found


@pytest.fixture
def root(db):
    """This server's root administrator (legacy id 1, as Wiki.js's first administrator)."""
    return User.objects.create_superuser("root@example.com", "Password123", name="Root")


@pytest.fixture
def wiki(wikijs2, root):
    """A Wiki.js 2 with a few pages, and this server with its users already imported."""
    ada = wikijs2.add_user("ada@example.com", "Ada")
    gone = wikijs2.add_user("gone@example.com", "Gone")
    UserFactory(email="ada@example.com", name="Ada", legacy_id=ada)
    w = wikijs2
    w.ids = {"ada": ada, "gone": gone}
    w.ids["setup"] = w.add_page(
        "docs/setup", "Setup", "# Setup\n\nInstall the zebrafish.",
        tags=["howto", "ops"], author=ada, extra={"js": "console.log(1)", "css": "p{}"},
    )  # fmt: skip
    w.ids["v1"] = w.edit_page(w.ids["setup"], content="# Setup\n\nSecond.", author=ada)
    w.ids["v2"] = w.move_page(w.ids["setup"], "docs/install")
    # Wiki.js's rendering (an administrator turned its sanitiser off) and its TOC.
    w.ids["v3"] = w.edit_page(
        w.ids["setup"], content="# Setup\n\nInstall the zebrafish.\n\n## Steps\n\nRun it.",
        render='<h1 class="toc-header" id="setup"><a href="#setup" class="toc-anchor">¶</a> '
        'Setup</h1><p>Install the zebrafish.</p><script>alert(1)</script>'
        '<h2 class="toc-header" id="steps"><a href="#steps" class="toc-anchor">¶</a> Steps</h2>'
        "<p>Run it.</p>",
        toc=[{"title": "Setup", "anchor": "#setup",
              "children": [{"title": "Steps", "anchor": "#steps", "children": []}]}],
    )  # fmt: skip
    w.ids["deep"] = w.add_page("docs/guides/deep/page", "Deep", tags=["howto"], render="")
    w.ids["reserved"] = w.add_page("Admin/secret", "Secret")
    w.ids["mixed"] = w.add_page("Mixed/Case", "Mixed", isPrivate=True)
    w.ids["api"] = w.add_page("apis/spec", "Spec", "openapi: 3", editorKey="api",
                              contentType="yml", render="")  # fmt: skip
    w.ids["scheduled"] = w.add_page("news/soon", "Soon", publishStartDate="2030-01-01T00:00:00Z")
    w.ids["orphan"] = w.add_page("people/gone", "Gone's", author=gone, creator=gone)
    w.ids["badtag"] = w.add_page("misc/tagged", "Tagged", tags=["Bad Tag", "ops"])
    w.ids["dup"] = w.add_page("docs/dup", "Dup")
    w.ids["taken"] = w.add_page("Docs/Dup", "Dup too")  # the same path once lowercased
    # HTML nested deeper than any renderer here would show (Wiki.js rendered it anyway).
    w.ids["nested"] = w.add_page("misc/nested", "Nested", render="<div>" * 600)
    deleted = w.add_page("old/removed", "Removed")
    w.ids["deleted"] = deleted
    w.ids["v_deleted"] = w.delete_page(deleted)
    return w


@ENGINES
def test_pages_tags_and_tree_are_imported(wiki):
    ctx = run_import(wiki.url)
    ids = wiki.ids

    page = Page.objects.get(legacy_id=ids["setup"])
    assert (page.locale, page.path, page.title) == ("en", "docs/install", "Setup")
    assert page.tags == ["howto", "ops"]
    assert page.author.legacy_id == ids["ada"]
    assert page.creator.legacy_id == ids["ada"]
    assert "<script" not in page.render
    assert 'id="steps"' in page.render
    assert page.toc == [
        {"label": "Setup", "key": "setup",
         "children": [{"label": "Steps", "key": "steps", "children": []}]}
    ]  # fmt: skip
    assert page.scripts == {"css": "p{}", "jsLoad": "console.log(1)", "jsUnload": ""}
    assert "zebrafish" in page.search_content
    assert page.updated_at > page.created_at
    assert {t.tag for t in Tag.objects.filter(page_links__page=page)} == {"howto", "ops"}

    deep = Page.objects.get(legacy_id=ids["deep"])
    assert deep.render.startswith('<h1 id="deep">')
    assert deep.toc[0]["key"] == "deep"
    mixed = Page.objects.get(legacy_id=ids["mixed"])
    assert mixed.path == "mixed/case"
    assert mixed.config["legacyIsPrivate"] is True
    scheduled = Page.objects.get(legacy_id=ids["scheduled"])
    assert (scheduled.publish_state, scheduled.publish_end_date) == ("scheduled", OPEN_END)
    assert scheduled.publish_start_date == datetime(2030, 1, 1, tzinfo=UTC)
    spec = Page.objects.get(legacy_id=ids["api"])
    assert (spec.editor, spec.content_type) == ("api", "text")
    assert "openapi: 3" in spec.render
    orphan = Page.objects.get(legacy_id=ids["orphan"])
    assert orphan.author.legacy_id == 1
    assert orphan.creator.legacy_id == 1
    assert Page.objects.get(legacy_id=ids["badtag"]).tags == ["ops"]

    # Tree: every folder above every imported page, and one item per page, with its id.
    for p in Page.objects.all():
        item = TreeItem.objects.get(pk=p.pk)
        assert (item.type, item.path, item.title) == (TreeItemType.PAGE, p.path, p.title)
        for folder in ancestor_paths(p.path):
            assert TreeItem.objects.filter(type="folder", path=folder, locale=p.locale).exists()
    assert TreeItem.objects.filter(type="folder", path="docs/guides/deep").count() == 1
    assert not TreeItem.objects.filter(legacy_id=None).exists()

    counts = {t.tag: t.usage_count for t in Tag.objects.all()}
    assert counts == {"howto": 2, "ops": 2}
    assert Tag.objects.get(tag="ops").legacy_id == wiki.tag_id("ops")

    skipped, adjusted = findings(ctx, Outcome.SKIPPED), findings(ctx, Outcome.ADJUSTED)
    assert set(skipped) == {("pages", str(ids["reserved"])), ("pages", str(ids["taken"])),
                            ("pages", str(ids["nested"])),
                            ("tags", str(wiki.tag_id("Bad Tag")))}  # fmt: skip
    assert "reserved first segment 'admin'" in skipped[("pages", str(ids["reserved"]))][0]
    assert skipped[("pages", str(ids["nested"]))] == [
        "its content cannot be shown here: the content nests HTML more than 512 deep"
    ]
    assert skipped[("pages", str(ids["taken"]))] == [f"en/docs/dup is page {ids['dup']}'s here"]
    assert any("no equivalent" in r for r in adjusted[("pages", str(ids["api"]))])
    assert any("'Mixed/Case'" in r for r in adjusted[("pages", str(ids["mixed"]))])
    assert any("author" in r for r in adjusted[("pages", str(ids["orphan"]))])
    assert any("'Bad Tag'" in r for r in adjusted[("pages", str(ids["badtag"]))])
    assert ctx.tally[("pages", "created")] == 8
    kinds = {kind.name: kind for kind in PAGE_KINDS}
    with open_source(wiki.url) as source:
        ctx.source = source
        assert kinds["pages"].source_total(ctx) == 11
        assert kinds["pages"].target_total(ctx) == 8
        assert (kinds["tags"].source_total(ctx), kinds["tags"].target_total(ctx)) == (3, 2)
        assert kinds["history"].target_total(ctx) == kinds["history"].source_total(ctx) == 4


@ENGINES
def test_history_reads_as_wikijs_shows_it(wiki, root):
    run_import(wiki.url)
    ids = wiki.ids
    v2 = GraphQLClient(_token(root), url=V2_URL)

    trail = v2(HISTORY, {"id": ids["setup"]}).data["pages"]["history"]
    # Wiki.js 2: newest first (versionDate desc); the oldest is "initial", a path change "move".
    assert [e["versionId"] for e in trail["trail"]] == [ids["v3"], ids["v2"], ids["v1"]]
    assert [e["actionType"] for e in trail["trail"]] == ["move", "edit", "initial"]
    assert (trail["trail"][0]["valueBefore"], trail["trail"][0]["valueAfter"]) == (
        "docs/setup",
        "docs/install",
    )
    assert trail["trail"][2]["authorId"] == ids["ada"]
    assert trail["total"] == 3

    version = v2(VERSION, {"pageId": ids["setup"], "versionId": ids["v1"]}).data["pages"]
    assert version["version"]["action"] == "updated"
    assert version["version"]["path"] == "docs/setup"
    assert version["version"]["title"] == "Setup"
    assert "zebrafish" in version["version"]["content"]
    source = wiki.row("pageHistory", ids["v1"])
    assert version["version"]["versionDate"] == source["versionDate"]

    removed = PageHistory.objects.get(legacy_id=ids["v_deleted"])
    assert removed.page_id == deleted_page_id(ids["deleted"])
    assert (removed.action, removed.path) == ("deleted", "old/removed")


@ENGINES
def test_pages_answer_by_their_wikijs_ids_and_search_finds_them(wiki, root):
    run_import(wiki.url)
    setup = wiki.ids["setup"]
    v2 = GraphQLClient(_token(root), url=V2_URL)

    single = v2(SINGLE, {"id": setup}).data["pages"]["single"]
    assert (single["id"], single["path"], single["title"]) == (setup, "docs/install", "Setup")
    assert (single["authorId"], single["creatorId"]) == (wiki.ids["ada"], wiki.ids["ada"])
    assert single["toc"] == (
        '[{"title": "Setup", "anchor": "#setup", "children": '
        '[{"title": "Steps", "anchor": "#steps", "children": []}]}]'
    )
    assert [t["tag"] for t in single["tags"]] == ["howto", "ops"]
    assert single["tags"][0]["id"] == wiki.tag_id("howto")
    assert single["isPublished"] is True
    assert single["isPrivate"] is False
    assert single["scriptJs"] == "console.log(1)"
    assert single["updatedAt"] == wiki.row("pages", setup)["updatedAt"]

    found = v2(SEARCH, {"query": "zebrafish"}).data["pages"]["search"]
    assert [r["path"] for r in found["results"]] == ["docs/install"]
    assert found["results"][0]["id"] == str(setup)

    response = browser(root).get(f"/i/{setup}")
    assert (response.status_code, response["Location"]) == (302, "/docs/install")


@ENGINES
def test_a_rerun_updates_what_changed_and_duplicates_nothing(wiki):
    run_import(wiki.url)

    def state():
        return {
            "pages": Page.objects.count(),
            "versions": PageHistory.objects.count(),
            "tags": Tag.objects.count(),
            "links": PageTag.objects.count(),
            "items": TreeItem.objects.count(),
        }

    before = state()
    again = run_import(wiki.url)
    assert state() == before
    assert again.tally[("pages", "created")] == again.tally[("pages", "updated")] == 0
    assert again.tally[("pages", "unchanged")] == 8
    assert again.tally[("history", "unchanged")] == 4
    assert again.tally[("tags", "unchanged")] == 2

    # Changed in the source since: a title, the tags (one dropped, one new) and a move.
    deep = wiki.ids["deep"]
    wiki.edit_page(deep, title="Deeper")
    wiki.execute('DELETE FROM "pageTags" WHERE "pageId" = %s', [deep])
    wiki.insert("pageTags", pageId=deep, tagId=wiki.tag_id("fresh"))
    wiki.move_page(wiki.ids["scheduled"], "news/later")
    third = run_import(wiki.url)

    assert third.tally[("pages", "updated")] == 2
    assert third.tally[("history", "created")] == 2
    page = Page.objects.get(legacy_id=deep)
    assert (page.title, page.tags) == ("Deeper", ["fresh"])
    assert TreeItem.objects.get(pk=page.pk).title == "Deeper"
    moved = Page.objects.get(legacy_id=wiki.ids["scheduled"])
    assert TreeItem.objects.get(pk=moved.pk).path == "news/later"
    assert {t.tag: t.usage_count for t in Tag.objects.all()} == {"howto": 1, "ops": 2, "fresh": 1}
    grown = state()
    assert grown["pages"] == before["pages"]
    assert grown["versions"] == before["versions"] + 2
    assert grown["links"] == before["links"]
    assert grown["tags"] == before["tags"] + 1
    assert grown["items"] == before["items"]  # news/later's folder "news" was there


@ENGINES
def test_ids_and_paths_this_server_holds_are_not_taken(wikijs2, root):
    """A Wiki.js id or path that names a page of this server's own: skipped, that page
    untouched."""
    mine = make_page("mine/here")
    clash = wikijs2.add_page("theirs/page", "Theirs")
    assert clash == mine.legacy_id  # both wikis count pages from 1
    same_place = wikijs2.add_page("mine/here", "Also here")
    ctx = run_import(wikijs2.url)
    assert findings(ctx, Outcome.SKIPPED) == {
        ("pages", str(clash)): [f"id {clash} is a page of this server's own"],
        ("pages", str(same_place)): [f"en/mine/here is page {mine.legacy_id}'s here"],
    }
    mine.refresh_from_db()
    assert (mine.path, mine.title) == ("mine/here", "Here")
    assert Page.objects.count() == 1


@pytest.mark.parametrize("empty_source", ["sqlite"], indirect=True)
def test_a_batch_costs_the_same_queries_whatever_its_size(wikijs2, root):
    """20 pages with tags and a version each, then 200: the same statements per batch."""
    for n in range(220):
        page = wikijs2.add_page(f"bulk/p{n}", f"Page {n}", tags=["one", "two"])
        wikijs2.edit_page(page, content=f"# Page {n}\n\nEdited.")
    tags, pages, history = PAGE_KINDS
    counted = []
    with open_source(wikijs2.url) as source:
        ctx = ImportContext(source, Site.objects.get(hostname="*"), False, 500, IdLedger())
        tags.import_batch(source.all_rows("tags"), ctx)
        for kind in (pages, history):
            (rows,) = source.batches(kind.table, 500)
            for part in (rows[:20], rows[20:]):
                with CaptureQueriesContext(connection) as queries:
                    kind.import_batch(part, ctx)
                counted.append(len(queries.captured_queries))
    assert Page.objects.count() == PageHistory.objects.count() == 220
    assert PageTag.objects.count() == 440
    assert counted[0] == counted[1]
    assert counted[2] == counted[3]


def _token(user) -> str:
    from accounts import tokens

    return tokens.issue_session_token(user)


def test_versions_of_a_missing_page_share_a_stable_id():
    assert deleted_page_id(7) == deleted_page_id(7) != deleted_page_id(8)
    assert isinstance(deleted_page_id(7), uuid.UUID)


@pytest.mark.parametrize("empty_source", ["sqlite"], indirect=True)
def test_a_rerun_leaves_this_servers_own_pages_alone(wikijs2, root):
    """Below the import's highest id lie ids this server gave out before it: never taken."""
    mine = make_page("mine/here")
    clash = wikijs2.add_page("theirs/page", "Theirs")
    assert clash == mine.legacy_id
    wikijs2.add_page("theirs/other", "Other")  # imported: the high-water mark passes ``mine``
    run_import(wikijs2.url)
    run_import(wikijs2.url)
    mine.refresh_from_db()
    assert (mine.path, mine.title) == ("mine/here", "Here")


@pytest.mark.parametrize("empty_source", ["sqlite"], indirect=True)
def test_tags_held_here_by_id_or_name_are_shared_not_taken(wikijs2, root):
    mine = make_page("mine/tagged", tags=["ops"])  # tag "ops" gets legacy id 1 here
    howto, ops = wikijs2.add_tag("howto"), wikijs2.add_tag("ops")
    assert howto == Tag.objects.get(tag="ops").legacy_id == 1
    wikijs2.add_page("theirs/first", "First")  # id 1: this server's page has it (skipped)
    page = wikijs2.add_page("theirs/tagged", "Tagged", tags=["howto", "ops"])
    ctx = run_import(wikijs2.url)

    assert findings(ctx, Outcome.ADJUSTED) == {
        ("tags", str(howto)): [f"id {howto} is another tag's here", f"id {howto} was used here: a new id"],
        ("tags", str(ops)): ["'ops' is a tag here already: its pages share it"],
    }  # fmt: skip
    assert Tag.objects.get(tag="ops").legacy_id == 1  # this server's own, untouched
    assert Tag.objects.get(tag="howto").legacy_id > 1
    assert {t.tag: t.usage_count for t in Tag.objects.all()} == {"ops": 2, "howto": 1}
    assert Page.objects.get(legacy_id=page).tags == ["howto", "ops"]
    assert mine.tags == ["ops"]
    kinds = {kind.name: kind for kind in PAGE_KINDS}
    with open_source(wikijs2.url) as source:
        ctx.source = source
        assert kinds["tags"].target_total(ctx) == 2
