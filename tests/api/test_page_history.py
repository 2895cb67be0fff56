"""pageHistoryById and pageVersionById (API.md §4.1.2, §4.1.4): the trail newest first with
its action types, paging, checks in order, permissions and a constant query count."""

from datetime import timedelta

import pytest

from accounts import scopes
from pages import edits
from pages.models import PageHistory
from tests.factories import UserFactory, rule

from .page_edit_support import make_page
from .permission_support import KINDS, assert_query_refused

pytestmark = pytest.mark.django_db

HISTORY = """query ($id: UUID!, $offsetPage: Int, $offsetSize: Int) {
  pageHistoryById(id: $id, offsetPage: $offsetPage, offsetSize: $offsetSize) {
    total
    trail { versionId versionDate authorId authorName actionType valueBefore valueAfter } } }"""
VERSION = """query ($pageId: UUID!, $versionId: UUID!) {
  pageVersionById(pageId: $pageId, versionId: $versionId) {
    versionId pageId action authorId authorName content contentType render editor title
    description locale path tags isPublished isPrivate publishStartDate publishEndDate
    createdAt versionDate } }"""
NIL = "00000000-0000-0000-0000-000000000000"
READ, HISTORY_SCOPE = scopes.READ_PAGES, scopes.READ_HISTORY


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


def edit(page, **fields):
    return edits.update_page(None, page.pk, edits.PagePatch(**fields))


def history(client, page_id, **paging):
    return client(HISTORY, {"id": str(page_id), **paging})


@pytest.fixture
def moved_page():
    """Created, edited, moved, edited: three versions (the created, edited and moved states)."""
    page = make_page()
    edit(page, title="Two")
    edits.move_page(None, page.pk, "en", "guide/intro")
    edit(page, title="Three")
    return page


def test_trail_newest_first_with_action_types(moved_page, admin, admin_client):
    r = history(admin_client, moved_page.pk)
    assert r.errors == [], r.body
    result = r.data["pageHistoryById"]
    versions = list(PageHistory.objects.filter(page_id=moved_page.pk).order_by("-legacy_id"))
    assert result["total"] == 3
    assert [
        (e["versionId"], e["actionType"], e["valueBefore"], e["valueAfter"])
        for e in result["trail"]
    ] == [
        (str(versions[0].pk), "move", "docs/intro", "guide/intro"),
        (str(versions[1].pk), "edit", None, None),
        (str(versions[2].pk), "initial", None, None),
    ]
    assert {(e["authorId"], e["authorName"]) for e in result["trail"]} == {
        (str(admin.pk), admin.name)
    }
    dates = [e["versionDate"] for e in result["trail"]]
    assert dates == sorted(dates, reverse=True)


def test_paging(moved_page, admin_client):
    def page_of(offset_page, offset_size):
        r = history(admin_client, moved_page.pk, offsetPage=offset_page, offsetSize=offset_size)
        result = r.data["pageHistoryById"]
        return result["total"], [e["actionType"] for e in result["trail"]]

    assert page_of(0, 1) == (3, ["move"])
    # The last entry of a page still compares with the next older version (on the next page).
    assert page_of(0, 2) == (3, ["move", "edit"])
    assert page_of(1, 2) == (3, ["initial"])
    assert page_of(2, 2) == (3, [])
    assert page_of(0, 100) == (3, ["move", "edit", "initial"])


def test_a_page_without_versions(admin_client):
    page = make_page()
    r = history(admin_client, page.pk)
    assert r.data == {"pageHistoryById": {"total": 0, "trail": []}}


@pytest.mark.parametrize(
    ("page_id", "paging", "key"),
    [
        ("page", {"offsetPage": -1}, "ERR_INVALID_INPUT"),
        ("page", {"offsetSize": 0}, "ERR_INVALID_INPUT"),
        (NIL, {"offsetSize": 0}, "ERR_INVALID_INPUT"),  # input first
        (NIL, {}, "ERR_PAGE_NOT_FOUND"),
    ],
)
def test_history_checks_in_order(page_id, paging, key, admin_client):
    page = make_page()
    target = page.pk if page_id == "page" else page_id
    assert_query_refused(history(admin_client, target, **paging), "pageHistoryById", key)


def test_history_needs_read_history(client_with, anonymous):
    page = make_page("docs/private/plan")
    reader = client_with(rules=[rule(roles=[READ])])
    assert_query_refused(history(reader, page.pk), "pageHistoryById", "ERR_FORBIDDEN")
    assert_query_refused(history(anonymous, page.pk), "pageHistoryById", "ERR_NOT_AUTHENTICATED")
    # Not found before permission.
    assert_query_refused(history(anonymous, NIL), "pageHistoryById", "ERR_PAGE_NOT_FOUND")
    denied = client_with(
        rules=[
            rule(roles=[READ, HISTORY_SCOPE]),
            rule("DENY", path="docs/private", roles=[HISTORY_SCOPE]),
        ]
    )
    assert_query_refused(history(denied, page.pk), "pageHistoryById", "ERR_FORBIDDEN")


HISTORY_REFUSED = {
    "guest": "ERR_NOT_AUTHENTICATED",
    "user": "ERR_FORBIDDEN",
    "key_without": "ERR_FORBIDDEN",
}


@pytest.mark.parametrize("kind", KINDS)
def test_history_permission_matrix(kind, as_caller):
    page = make_page()
    edit(page, title="Two")
    client = as_caller(kind, rules=[rule(path="docs", roles=[READ, HISTORY_SCOPE])])
    version = PageHistory.objects.get(page_id=page.pk)
    trail = history(client, page.pk)
    one = client(VERSION, {"pageId": str(page.pk), "versionId": str(version.pk)})
    if kind in HISTORY_REFUSED:
        assert_query_refused(trail, "pageHistoryById", HISTORY_REFUSED[kind])
        assert_query_refused(one, "pageVersionById", HISTORY_REFUSED[kind])
        return
    assert trail.data["pageHistoryById"]["total"] == 1
    assert one.data["pageVersionById"]["title"] == "Intro"


@pytest.mark.parametrize("count", [1, 50])
def test_trail_costs_the_same_for_1_and_50_versions(
    count, admin, admin_client, django_assert_num_queries
):
    page = make_page()
    authors = [UserFactory() for _ in range(3)]
    base = page.updated_at
    PageHistory.objects.bulk_create(
        [
            PageHistory(
                page_id=page.pk,
                site_id=page.site_id,
                action="updated",
                locale="en",
                path=f"docs/v{n % 2}",
                hash="h",
                title=f"V{n}",
                author=authors[n % 3],
                version_date=base - timedelta(minutes=count - n),
                legacy_id=1000 + n,
            )
            for n in range(count)
        ]
    )
    # Caller (2), the page with its count of versions, the slice with authors' names.
    with django_assert_num_queries(4):
        r = history(admin_client, page.pk)
    result = r.data["pageHistoryById"]
    assert result["total"] == count
    assert len(result["trail"]) == count
    assert result["trail"][-1]["actionType"] == "initial"
    if count > 1:
        assert {e["actionType"] for e in result["trail"][:-1]} == {"move"}


# --- pageVersionById --------------------------------------------------------------------------
def test_version_by_id(admin_client):
    page = make_page(title="First", content="# One", tags=("alpha",))
    original = type(page).objects.get(pk=page.pk)
    edit(page, title="Second", reason_for_change="why")
    version = PageHistory.objects.get(page_id=page.pk)
    r = admin_client(VERSION, {"pageId": str(page.pk), "versionId": str(version.pk)})
    assert r.errors == [], r.body
    data = r.data["pageVersionById"]
    assert {k: data[k] for k in ("versionId", "pageId", "action", "title", "content", "path")} == {
        "versionId": str(version.pk),
        "pageId": str(page.pk),
        "action": "updated",
        "title": "First",
        "content": "# One",
        "path": "docs/intro",
    }
    assert (data["tags"], data["isPublished"], data["isPrivate"]) == (["alpha"], True, False)
    assert (data["contentType"], data["editor"], data["locale"]) == ("markdown", "markdown", "en")
    assert data["authorId"] == str(original.author_id)
    assert "One" in data["render"]
    assert data["versionDate"] <= data["createdAt"]


def test_version_checks(admin_client, client_with, anonymous):
    page = make_page()
    other = make_page("docs/other")
    edit(other, title="T")
    foreign = PageHistory.objects.get(page_id=other.pk)

    def version(client, page_id, version_id):
        return client(VERSION, {"pageId": str(page_id), "versionId": str(version_id)})

    assert_query_refused(
        version(admin_client, NIL, foreign.pk), "pageVersionById", "ERR_PAGE_NOT_FOUND"
    )
    reader = client_with(rules=[rule(roles=[READ])])
    assert_query_refused(version(reader, page.pk, NIL), "pageVersionById", "ERR_FORBIDDEN")
    assert_query_refused(
        version(anonymous, page.pk, NIL), "pageVersionById", "ERR_NOT_AUTHENTICATED"
    )
    # Unknown, or another page's: null without an error.
    for version_id in (NIL, foreign.pk):
        r = version(admin_client, page.pk, version_id)
        assert (r.errors, r.data) == ([], {"pageVersionById": None})
