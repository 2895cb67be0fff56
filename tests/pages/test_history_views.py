"""History, source and download in a browser (/h/, /s/, /d/): who sees what (exactly what the
API gives the same person), versions, diffs, bounds, inert payloads and SQL counts."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import scopes, tokens
from accounts.models import GUESTS_GROUP_ID, Group, User
from pages import diffing, edits
from pages.history_views import PAGE_SIZE, download_name
from pages.models import Page, PageHistory
from tests.accounts.signin_page_support import signed_in_client
from tests.api.page_edit_support import make_page
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory, UserFactory, rule

pytestmark = pytest.mark.django_db

READ, HISTORY, SOURCE, WRITE = (
    scopes.READ_PAGES,
    scopes.READ_HISTORY,
    scopes.READ_SOURCE,
    scopes.WRITE_PAGES,
)
PEOPLE = ["guest", "reader", "historian", "writer", "admin"]
# The historian reads history and source everywhere except under docs/secret, where a DENY
# takes them away, but docs/secret/open is FORCEALLOWed back.
HISTORIAN_RULES = [
    rule(path="", roles=[READ, HISTORY, SOURCE]),
    rule(mode="DENY", path="docs/secret", roles=[HISTORY, SOURCE]),
    rule(mode="FORCEALLOW", match="EXACT", path="docs/secret/open", roles=[HISTORY, SOURCE]),
]
API_HISTORY = """query ($id: UUID!) { pageHistoryById(id: $id) { total trail { versionId } } }"""
API_VERSION = """query ($pageId: UUID!, $versionId: UUID!) {
  pageVersionById(pageId: $pageId, versionId: $versionId) { versionId content } }"""
API_CONTENT = """query ($path: String!) { pageByPath(siteId: "%s", path: $path) { id content } }"""


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made through the services with no caller are written by the root administrator."""


def edit(page, **fields):
    return edits.update_page(None, page.pk, edits.PagePatch(**fields))


def with_versions(path="docs/intro", edits_count=2, **fields):
    """A page created through the services and edited ``edits_count`` times."""
    page = make_page(path, content="line 0\n", **fields)
    for n in range(1, edits_count + 1):
        edit(page, content=f"line {n}\n")
    return page


def newest_first(page) -> list[PageHistory]:
    return list(PageHistory.objects.filter(page_id=page.pk).order_by("-legacy_id"))


@pytest.fixture
def person(admin):
    """``person(kind)`` -> (browser client, API client) of one and the same person."""

    def make(kind: str) -> tuple[Client, GraphQLClient]:
        if kind == "guest":
            return Client(), GraphQLClient()
        if kind == "admin":
            user = admin
        elif kind == "reader":
            user = UserFactory()  # the Users group only: read:pages, no history, no source
        elif kind == "historian":
            group = GroupFactory(permissions=[READ, HISTORY, SOURCE], rules=HISTORIAN_RULES)
            user = UserFactory(groups=[group])
        elif kind == "writer":
            group = GroupFactory(permissions=[READ, WRITE], rules=[rule(roles=[READ, WRITE])])
            user = UserFactory(groups=[group])
        else:
            raise ValueError(kind)
        return signed_in_client(user), GraphQLClient(tokens.issue_session_token(user))

    return make


def rows(response, css_class: str = "version") -> list[str]:
    return re.findall(rf'<tr class="{css_class}"[^>]*>(.*?)</tr>', response.content.decode(), re.S)


def diff_lines(response) -> list[tuple[str, str]]:
    """(marker, text) of each changed or context line of ``#diff``, as a reader sees them."""
    body = response.content.decode()
    table = re.search(r'<table id="diff".*?</table>', body, re.S)
    assert table, "no #diff table"
    found = re.findall(
        r'<tr class="diff-(?:add|del|same)">.*?<td class="diff-mark">(.)</td>'
        r'<td class="diff-text">(.*?)</td></tr>',
        table.group(0),
        re.S,
    )
    return [(mark, html.unescape(re.sub(r"<[^>]+>", "", text))) for mark, text in found]


# --- who may do what: the same as the API -------------------------------------------------


def _api_allows_history(api, page) -> bool:
    r = api(API_HISTORY, {"id": str(page.pk)})
    return r.data["pageHistoryById"] is not None


def _api_allows_source(api, page) -> bool:
    r = api(API_CONTENT % page.site_id, {"path": f"{page.locale}/{page.path}"})
    return bool(r.data and r.data["pageByPath"] and r.data["pageByPath"]["content"] is not None)


def _allowed(response) -> bool:
    if response.status_code == 200:
        return True
    assert response.status_code in (302, 403), response.status_code
    return False


@pytest.mark.parametrize("kind", PEOPLE)
@pytest.mark.parametrize("path", ["docs/intro", "docs/secret/plan", "docs/secret/open"])
def test_every_address_answers_as_the_api_does(person, kind, path):
    page = with_versions(path)
    version = newest_first(page)[0]
    browser, api = person(kind)
    h = f"/h/en/{path}"

    history_ok = _api_allows_history(api, page)
    source_ok = _api_allows_source(api, page)
    assert _allowed(browser.get(h)) is history_ok
    assert _allowed(browser.get(f"{h}?version={version.pk}")) is history_ok
    r = api(API_VERSION, {"pageId": str(page.pk), "versionId": str(version.pk)})
    assert (r.data["pageVersionById"] is not None) is history_ok
    older = newest_first(page)[1]
    assert _allowed(browser.get(f"{h}?from={older.pk}&to={version.pk}")) is history_ok
    # Against the current page: the source permission as well.
    compared = browser.get(f"{h}?from={version.pk}&to=current")
    assert _allowed(compared) is (history_ok and source_ok)
    assert _allowed(browser.get(f"/s/en/{path}")) is source_ok
    assert _allowed(browser.get(f"/d/en/{path}")) is source_ok

    expected = {
        "guest": (False, False),
        "reader": (False, False),
        "historian": (path != "docs/secret/plan", path != "docs/secret/plan"),
        "writer": (False, True),  # write:pages reads the source (API.md §3.5), not history
        "admin": (True, True),
    }[kind]
    assert (history_ok, source_ok) == expected


@pytest.mark.parametrize("address", ["/h/en/docs/intro", "/s/en/docs/intro", "/d/en/docs/intro"])
def test_a_guest_is_sent_to_sign_in_and_a_reader_gets_the_403_page(person, address):
    with_versions()
    guest, _ = person("guest")
    r = guest.get(address)
    assert r.status_code == 302
    assert r["Location"].startswith("/login?next=")

    reader, _ = person("reader")
    r = reader.get(address)
    assert r.status_code == 403
    assert "pages/forbidden.html" in [t.name for t in r.templates]


def test_guests_given_history_and_source_see_them_without_signing_in():
    Group.objects.filter(pk=GUESTS_GROUP_ID).update(
        rules=[rule(path="", roles=[READ, HISTORY, SOURCE])]
    )
    with_versions()
    guest = Client()
    assert guest.get("/h/en/docs/intro").status_code == 200
    assert guest.get("/s/en/docs/intro").status_code == 200
    assert guest.get("/d/en/docs/intro").status_code == 200
    assert "#sign-in" not in guest.get("/s/en/docs/intro").content.decode()


@pytest.mark.parametrize("prefix", ["h", "s", "d"])
def test_a_missing_page_is_the_404_page_offering_creation_to_writers(person, prefix):
    writer, _ = person("writer")
    r = writer.get(f"/{prefix}/en/nowhere/to/be/found")
    assert r.status_code == 404
    assert 'id="create-page"' in r.content.decode()
    reader, _ = person("reader")
    r = reader.get(f"/{prefix}/en/nowhere/to/be/found")
    assert r.status_code == 404
    assert 'id="create-page"' not in r.content.decode()


def test_an_unpublished_page_needs_write_for_its_source_as_in_the_api(person):
    draft = make_page("docs/draft", publish_state="draft")
    historian, api = person("historian")
    assert _api_allows_source(api, draft) is False
    assert historian.get("/s/en/docs/draft").status_code == 403
    # History does not look at publication (pageHistoryById does not either).
    assert historian.get("/h/en/docs/draft").status_code == 200
    writer, _ = person("writer")
    assert writer.get("/s/en/docs/draft").status_code == 200


# --- the history list ---------------------------------------------------------------------


def test_the_list_shows_each_version_newest_first_with_when_who_and_links(admin):
    page = with_versions(edits_count=2)
    edit(page, title="Renamed", reason_for_change="better name")
    versions = newest_first(page)
    r = signed_in_client(admin).get("/h/en/docs/intro")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="versions"' in body
    found = rows(r)
    assert len(found) == 3
    ids = re.findall(r'<tr class="version" data-version-id="([0-9a-f-]+)"', body)
    assert ids == [str(v.pk) for v in versions]
    for row, version in zip(found, versions, strict=True):
        assert f'class="version-view" href="/h/en/docs/intro?version={version.pk}"' in row
        assert version.author.name in row
        assert version.version_date.strftime("%Y-%m-%d") in row
        assert "Updated" in row
    assert "better name" in found[0]
    # The current state heads the list, and Compare is preselected: newest version -> current.
    assert 'class="current-version"' in body
    assert f'value="{versions[0].pk}" id="from-{versions[0].pk}" checked' in body
    assert 'value="current" id="to-current" checked' in body
    assert '<button type="submit" id="compare">' in body


def test_a_page_never_edited_says_so():
    make_page("docs/fresh")
    admin_browser = signed_in_client(
        UserFactory(
            groups=[GroupFactory(permissions=[READ, HISTORY], rules=[rule(roles=[READ, HISTORY])])]
        )
    )
    r = admin_browser.get("/h/en/docs/fresh")
    assert r.status_code == 200
    assert rows(r) == []
    assert "No earlier versions" in r.content.decode()


def test_the_list_pages_through_old_versions(admin):
    page = with_versions(edits_count=PAGE_SIZE + 3)
    versions = newest_first(page)
    browser = signed_in_client(admin)
    first = browser.get("/h/en/docs/intro")
    assert len(rows(first)) == PAGE_SIZE
    body = first.content.decode()
    assert f'href="/h/en/docs/intro?offset={PAGE_SIZE}" rel="next" id="older-versions"' in body
    second = browser.get(f"/h/en/docs/intro?offset={PAGE_SIZE}")
    ids = re.findall(r'data-version-id="([0-9a-f-]+)"', second.content.decode())
    assert ids == [str(v.pk) for v in versions[PAGE_SIZE:]]
    assert 'id="newer-versions"' in second.content.decode()
    assert 'id="older-versions"' not in second.content.decode()
    assert 'class="current-version"' not in second.content.decode()


@pytest.mark.parametrize("offset", ["-5", "abc", "9" * 40, "1e9"])
def test_odd_offsets_never_fail(admin, offset):
    with_versions()
    r = signed_in_client(admin).get(f"/h/en/docs/intro?offset={offset}")
    assert r.status_code == 200


# --- one version --------------------------------------------------------------------------


def test_a_version_shows_its_title_metadata_source_and_stored_render(admin):
    page = make_page("docs/intro", title="First title", content="# Old heading\n\nold body")
    edit(page, title="Second title", content="# New heading\n\nnew body", tags=["gamma"])
    version = newest_first(page)[0]
    r = signed_in_client(admin).get(f"/h/en/docs/intro?version={version.pk}")
    assert r.status_code == 200
    body = r.content.decode()
    assert '<h1 id="version-title">First title</h1>' in body
    assert "<dt>Tags</dt><dd>alpha, beta</dd>" in body
    assert "# Old heading\n\nold body" in body
    assert 'id="version-render"' in body
    assert version.render in body  # the stored render, not rendered again
    assert "new body" not in body
    assert f'href="/h/en/docs/intro?from={version.pk}&amp;to=current"' in body


def _other_page_version():
    other = with_versions("docs/other")
    return newest_first(other)[0].pk


@pytest.mark.parametrize(
    "version",
    ["nonsense", "", str(uuid.uuid4()), "12", "x" * 5000, "%00", "OTHER"],
)
def test_unknown_or_foreign_versions_are_404(admin, version):
    with_versions()
    if version == "OTHER":
        version = _other_page_version()
    browser = signed_in_client(admin)
    assert browser.get(f"/h/en/docs/intro?version={version}").status_code == 404
    # An empty choice is a missing one: the page asks for two (see below).
    expected = 400 if version == "" else 404
    assert browser.get(f"/h/en/docs/intro?from={version}&to=current").status_code == expected
    assert browser.get(f"/h/en/docs/intro?from=current&to={version}").status_code == expected


def test_a_foreign_version_is_404_even_for_someone_who_may_read_both_pages(admin):
    with_versions()
    foreign = _other_page_version()
    r = signed_in_client(admin).get(f"/h/en/docs/intro?version={foreign}")
    assert r.status_code == 404


# --- diffs --------------------------------------------------------------------------------


def test_a_known_edit_shows_the_right_lines(admin):
    old = "# Title\n\nalpha\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\ntheta\n"
    new = "# Title\n\nalpha\nbeta\nGAMMA\ndelta\nepsilon\nzeta\neta\ntheta\niota\n"
    page = make_page("docs/intro", content=old)
    edit(page, content=new, title="Retitled")
    version = newest_first(page)[0]
    r = signed_in_client(admin).get(f"/h/en/docs/intro?from={version.pk}&to=current")
    assert r.status_code == 200
    assert diff_lines(r) == [
        (" ", ""),
        (" ", "alpha"),
        (" ", "beta"),
        ("-", "gamma"),
        ("+", "GAMMA"),
        (" ", "delta"),
        (" ", "epsilon"),
        (" ", "zeta"),
        (" ", "eta"),
        (" ", "theta"),
        ("+", "iota"),
    ]
    body = r.content.decode()
    assert "2 lines added (+), 1 line removed (-)." in body
    assert "1 unchanged line</td>" in body  # the title line is left out
    assert "<del>gamma</del>" in body
    assert "<ins>GAMMA</ins>" in body
    assert "<td><del>Intro</del></td><td><ins>Retitled</ins></td>" in body
    assert 'id="diff-truncated"' not in body


def test_two_versions_compare_either_way_and_same_ones_are_identical(admin):
    page = with_versions(edits_count=2)
    newer, older = newest_first(page)
    browser = signed_in_client(admin)
    forward = browser.get(f"/h/en/docs/intro?from={older.pk}&to={newer.pk}")
    assert diff_lines(forward) == [("-", "line 0"), ("+", "line 1")]
    backward = browser.get(f"/h/en/docs/intro?from={newer.pk}&to={older.pk}")
    assert diff_lines(backward) == [("-", "line 1"), ("+", "line 0")]
    same = browser.get(f"/h/en/docs/intro?from={newer.pk}&to={newer.pk}")
    assert 'class="diff-identical"' in same.content.decode()


def test_a_compare_without_two_choices_asks_for_them(person, admin):
    with_versions()
    r = signed_in_client(admin).get("/h/en/docs/intro?from=current")
    assert r.status_code == 400
    assert 'id="diff-choice-missing"' in r.content.decode()
    # ... but tells a reader without history nothing more than the 403 page.
    reader, _ = person("reader")
    assert reader.get("/h/en/docs/intro?to=current").status_code == 403


def test_a_huge_diff_is_cut_cleanly_and_says_so(admin):
    old = "".join(f"old line {n}\n" for n in range(diffing.MAX_LINES * 3))
    new = "".join(f"new line {n}\n" for n in range(diffing.MAX_LINES * 3))
    page = make_page("docs/huge", content=old)
    edit(page, content=new)
    version = newest_first(page)[0]
    r = signed_in_client(admin).get(f"/h/en/docs/huge?from={version.pk}&to=current")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="diff-truncated"' in body
    lines = diff_lines(r)
    assert len(lines) == 2 * diffing.MAX_LINES
    assert lines[0] == ("-", "old line 0")
    assert lines[-1] == (
        "+",
        f"new line {diffing.MAX_LINES - 1}",
    )
    assert body.rstrip().endswith("</html>")


def test_a_huge_version_with_one_changed_line_is_diffed_whole():
    """A long page with a small edit is not cut: the shared start and end are matched first."""
    lines = [f"line {n}" for n in range(diffing.MAX_LINES * 20)]
    changed = list(lines)
    changed[len(lines) // 2] = "the edit"
    result = diffing.line_diff("\n".join(lines), "\n".join(changed))
    assert not result.truncated
    assert (result.added, result.removed) == (1, 1)
    assert [(row.marker, row.text) for row in result.lines if row.kind != "same"] == [
        ("…", ""),
        ("-", f"line {len(lines) // 2}"),
        ("+", "the edit"),
        ("…", ""),
    ]


def test_very_long_lines_are_shown_cut():
    result = diffing.line_diff("short", "x" * (diffing.MAX_LINE_CHARS * 3))
    added = [row for row in result.lines if row.kind == diffing.ADD]
    assert len(added) == 1
    assert added[0].cut
    assert len(added[0].text) == diffing.MAX_LINE_CHARS
    cut = diffing.line_diff("a\n" * 10, "b" * (diffing.MAX_CHARS + 1))
    assert cut.truncated


# --- source and download ------------------------------------------------------------------


def test_the_source_page_shows_the_markdown_in_a_pre(person):
    make_page("docs/intro", content="# Intro\n\n<b>bold</b> & more")
    historian, _ = person("historian")
    r = historian.get("/s/en/docs/intro")
    assert r.status_code == 200
    body = r.content.decode()
    assert '<pre class="source" id="page-source"' in body
    assert "# Intro\n\n&lt;b&gt;bold&lt;/b&gt; &amp; more" in body
    assert 'href="/d/en/docs/intro"' in body
    assert 'href="/h/en/docs/intro"' in body  # the historian may read the history too
    writer, _ = person("writer")
    assert 'href="/h/en/docs/intro"' not in writer.get("/s/en/docs/intro").content.decode()


def test_the_download_is_the_markdown_as_an_attachment(admin):
    make_page("docs/intro", content="# Intro\n\nHéllo ✓")
    r = signed_in_client(admin).get("/d/en/docs/intro")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/markdown; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="docs_intro.md"'
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r.content.decode("utf-8") == "# Intro\n\nHéllo ✓"


def test_a_download_in_another_locale_says_so_in_its_name(admin):
    make_page("docs/intro", locale="fr", content="# Bonjour")
    r = signed_in_client(admin).get("/d/fr/docs/intro")
    assert r["Content-Disposition"] == 'attachment; filename="docs_intro.fr.md"'


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("docs/intro", "docs_intro.md"),
        ('a"b;c\r\nd/ü e', "a_b_c_d_e.md"),
        ("../../etc/passwd", "etc_passwd.md"),
        ("...", "page.md"),
        ("x" * 300, "x" * 100 + ".md"),
    ],
)
def test_download_names_are_safe(path, name):
    assert download_name(path) == name


def test_an_html_source_is_downloaded_as_plain_text(admin):
    page = make_page("docs/raw", content="<script>alert(1)</script>", editor="wysiwyg")
    assert page.content_type == "html"
    r = signed_in_client(admin).get("/d/en/docs/raw")
    assert r["Content-Type"] == "text/plain; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="docs_raw.html"'


def test_only_get_and_head_are_answered(admin):
    with_versions()
    browser = signed_in_client(admin)
    for address in ("/h/en/docs/intro", "/s/en/docs/intro", "/d/en/docs/intro"):
        assert browser.head(address).status_code == 200
        assert browser.post(address).status_code in (403, 405)


# --- payloads come out inert --------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_payloads_in_titles_content_tags_and_reasons_are_inert(admin):
    page = make_page(
        "docs/intro",
        title=f"T {PAYLOAD}",
        description=f"D {PAYLOAD}",
        content=f"# Heading\n\n{PAYLOAD}\n",
    )
    edit(
        page,
        content=f"# Heading\n\n{PAYLOAD} changed\n",
        title=f"U {PAYLOAD}",
        reason_for_change=PAYLOAD,
    )
    User.objects.filter(pk=admin.pk).update(name=f"Admin {PAYLOAD}")
    # Version data as an import from elsewhere could leave it: tags and paths the page rules
    # would refuse today.
    PageHistory.objects.filter(page_id=page.pk).update(
        tags=["<b>tag</b>", PAYLOAD], path=f"docs/{PAYLOAD}"
    )
    version = newest_first(page)[0]
    browser = signed_in_client(admin)
    addresses = [
        "/h/en/docs/intro",
        f"/h/en/docs/intro?version={version.pk}",
        f"/h/en/docs/intro?from={version.pk}&to=current",
        "/s/en/docs/intro",
    ]
    for address in addresses:
        r = browser.get(address)
        assert r.status_code == 200, address
        body = r.content.decode()
        # Only the stored, sanitised render may carry markup of the page's own.
        outside_render = re.sub(r'<div class="version-render".*?</div>', "", body, flags=re.S)
        assert "<script>alert" not in outside_render, address
        assert "<img src=x" not in outside_render, address
        assert "<b>tag</b>" not in outside_render, address
        assert "&lt;script&gt;alert" in outside_render, address
        assert "<script" not in body, address  # no script at all, not even in the render


# --- SQL counts ---------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_versions_or_page_size(admin):
    small = with_versions("docs/small", edits_count=1)
    big = with_versions("docs/big", edits_count=PAGE_SIZE + 5)
    # Large sources, written straight to the rows: rendering them would only slow the test.
    Page.objects.filter(pk=big.pk).update(content="x\n" * 20000 + "now\n")
    PageHistory.objects.filter(page_id=big.pk).update(content="x\n" * 20000 + "then\n")
    browser = signed_in_client(admin)
    browser.get("/h/en/docs/small")  # warm up the per-process caches (site, settings)
    v_small, v_big = newest_first(small)[0].pk, newest_first(big)[0].pk
    for address in (
        "/h/en/{}",
        "/h/en/{}?version={}",
        "/h/en/{}?from={}&to=current",
        "/s/en/{}",
        "/d/en/{}",
    ):
        few = _count(browser, address.format("docs/small", v_small))
        many = _count(browser, address.format("docs/big", v_big))
        assert few == many, address
        assert many <= 8, address


@pytest.mark.parametrize("prefix", ["h", "s", "d"])
@pytest.mark.parametrize(
    "address", ["en/a%00b", "en/" + "x" * 3000, "en/%F0%9F%92%A9/..%2F..", "xx/en/docs", "en"]
)
def test_odd_addresses_are_not_found_never_an_error(admin, prefix, address):
    r = signed_in_client(admin).get(f"/{prefix}/{address}")
    assert r.status_code == 404


def test_comparing_the_current_page_with_itself_still_needs_history(person, admin):
    with_versions()
    writer, _ = person("writer")  # may read the source, not the history
    assert writer.get("/h/en/docs/intro?from=current&to=current").status_code == 403
    r = signed_in_client(admin).get("/h/en/docs/intro?from=current&to=current")
    assert r.status_code == 200
    assert 'class="diff-identical"' in r.content.decode()


def test_an_offset_past_the_oldest_version_says_so(admin):
    with_versions()
    r = signed_in_client(admin).get("/h/en/docs/intro?offset=500")
    assert r.status_code == 200
    assert "No versions this far back" in r.content.decode()
