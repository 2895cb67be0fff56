"""What the tree costs in SQL statements (STYLE.md §4; API.md §4.2).

``tree`` answers 1 item and 50 items with the same number of queries, whoever asks; and adding,
moving or deleting a page touches only its own item and its folders, so a wiki of 20,000 pages
pays exactly what a wiki of 10 pages pays.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import scopes
from accounts.models import GUESTS_GROUP_ID, Group
from pages.models import Page, TreeItem, TreeItemType, page_hash, split_path
from pages.tree import ancestor_paths, folder_item, page_meta
from tests.factories import GroupFactory, UserFactory, default_site, rule
from wiki import legacy_ids

from .page_edit_support import make_page
from .permission_support import assert_mutation_succeeded
from .tree_support import make_folder, site_id

pytestmark = pytest.mark.django_db

GROWN = 50


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator, as by an operator."""


# --- tree: 1 item and 50 cost the same -------------------------------------------------------
ALL_FIELDS = """__typename id folderPath fileName title
  ... on TreeItemFolder { depth childrenCount isAncestor }
  ... on TreeItemPage { depth description editor pageType createdAt updatedAt }"""
LISTINGS = {
    "children": '{ tree(siteId: "%s", parentPath: "listed", locale: "en") { ' + ALL_FIELDS + " } }",
    "by tags": '{ tree(siteId: "%s", parentPath: "listed", locale: "en", types: [page],'
    ' tags: ["listed"], orderBy: updatedAt, orderByDirection: desc) { ' + ALL_FIELDS + " } }",
    "ancestors": '{ tree(siteId: "%s", parentPath: "listed", locale: "en", includeAncestors: true,'
    " includeRootFolders: true, orderBy: fileName) { " + ALL_FIELDS + " } }",
}
# Besides the listed children, "ancestors" answers the parent folder "listed" once more.
EXTRA = {"children": 0, "by tags": 0, "ancestors": 1}


def _grow_children() -> None:
    """49 more children of ``listed``: pages, and folders (some holding a page)."""
    for n in range(1, 25):
        make_page(f"listed/page-{n:03d}", title=f"page {n:03d}", tags=("listed",))
    for n in range(25):
        make_folder(f"listed/folder-{n:03d}")
        if n % 2:
            make_page(f"listed/folder-{n:03d}/child", title="child", tags=("listed",))


def _grow_tagged() -> None:
    for n in range(1, GROWN):
        make_page(f"listed/page-{n:03d}", title=f"page {n:03d}", tags=("listed",))


def _caller(kind, client_for, api_key_for, admin_client, anonymous):
    # Rules of every kind the filter has to apply, on pages and on folders.
    rules = [
        rule(path="listed"),
        rule(match="REGEX", path="^listed/"),
        rule(match="TAG", path="listed"),
        rule(mode="DENY", match="EXACT", path="listed/hidden"),
    ]
    if kind == "admin":
        return admin_client
    if kind == "guest":
        Group.objects.filter(pk=GUESTS_GROUP_ID).update(rules=rules)
        return anonymous
    group = GroupFactory(name="Caller", permissions=[scopes.READ_PAGES], rules=rules)
    if kind == "user":
        return client_for(UserFactory(name="Caller", groups=[group]))
    return api_key_for(group)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("kind", ["guest", "user", "api_key", "admin"])
@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_tree_costs_the_same_for_1_and_50_items(
    fast,
    kind,
    listing,
    settings,
    client_for,
    api_key_for,
    admin_client,
    anonymous,
    django_assert_num_queries,
):
    settings.GRAPHQL_FAST_LISTS = fast
    client = _caller(kind, client_for, api_key_for, admin_client, anonymous)
    query = LISTINGS[listing] % site_id()
    make_page("listed/page-000", title="page 000", tags=("listed",))

    def run() -> list:
        r = client(query)
        assert r.errors == [], r.body
        return r.data["tree"]

    run()  # warm whatever the caller's resolution caches
    with CaptureQueriesContext(connection) as small:
        assert len(run()) == 1 + EXTRA[listing]
    count = len(small.captured_queries)
    (_grow_tagged if listing == "by tags" else _grow_children)()
    run()
    with django_assert_num_queries(count):
        assert len(run()) == GROWN + EXTRA[listing]


# --- page writes: a wiki of 20,000 pages costs what a wiki of 10 costs -----------------------
SMALL, LARGE = 10, 20_000
SECTION = 100  # pages per folder: bulk/s000 ... bulk/s199

CREATE = """mutation ($site: UUID!, $path: String!) {
  createPage(siteId: $site, locale: "en", path: $path, title: "New", description: "",
             content: "# New", editor: "markdown", publishState: published) {
    operation { succeeded slug message } } }"""
MOVE = """mutation ($id: UUID!, $path: String!) {
  movePage(id: $id, destinationLocale: "en", destinationPath: $path) {
    operation { succeeded slug message } } }"""
DELETE = (
    """mutation ($id: UUID!) { deletePage(id: $id) { operation { succeeded slug message } } }"""
)
# The statements each write costs (caller, lock, checks, the author's row held, version, row,
# tags, tree item and its folders); the same at both sizes.
EXPECTED = {"createPage": 11, "movePage": 13, "deletePage": 10}


def _bulk_path(n: int) -> str:
    return f"bulk/s{n // SECTION:03d}/p{n:05d}"


def bulk_pages(start: int, stop: int, author) -> None:
    """Pages ``start..stop-1`` and their tree items, written as the tree keeps them, in bulk."""
    site, now = default_site(), timezone.now()
    page_ids = legacy_ids.allocate_many(Page.legacy_kind, stop - start)
    pages = []
    for n, legacy_id in zip(range(start, stop), page_ids, strict=True):
        path = _bulk_path(n)
        pages.append(
            Page(
                legacy_id=legacy_id,
                site=site,
                locale="en",
                path=path,
                hash=page_hash("en", path),
                title=f"Page {n:05d}",
                content="# Page",
                render="<h1>Page</h1>",
                publish_state="published",
                author=author,
                creator=author,
                owner=author,
                created_at=now,
                updated_at=now,
            )
        )
    Page.objects.bulk_create(pages, batch_size=1000)
    known = set(
        TreeItem.objects.filter(site=site, type=TreeItemType.FOLDER).values_list("path", flat=True)
    )
    wanted = dict.fromkeys(f for page in pages for f in ancestor_paths(page.path) if f not in known)
    items = [folder_item(site.pk, "en", path, created_at=now, updated_at=now) for path in wanted]
    for page in pages:
        folder_path, file_name = split_path(page.path)
        items.append(
            TreeItem(
                id=page.pk,
                page_id=page.pk,
                site=site,
                locale="en",
                type=TreeItemType.PAGE,
                folder_path=folder_path,
                file_name=file_name,
                path=page.path,
                depth=page.path.count("/"),
                title=page.title,
                hash=page.hash,
                tags=[],
                meta=page_meta(page),
                created_at=now,
                updated_at=now,
            )
        )
    item_ids = legacy_ids.allocate_many(TreeItem.legacy_kind, len(items))
    for item, legacy_id in zip(items, item_ids, strict=True):
        item.legacy_id = legacy_id
    TreeItem.objects.bulk_create(items, batch_size=1000)


@pytest.fixture
def writes(admin, admin_client):
    """``writes()``: the statements of one createPage, movePage and deletePage, after a warm-up.

    Each write uses pages of section s000 and stays in existing folders, so that the only
    difference between two calls is the size of the wiki around them.
    """
    site = site_id()
    counter = iter(range(1000))

    def page_id(n: int) -> str:
        return str(Page.objects.get(path=_bulk_path(n)).pk)

    def count(field: str, query: str, variables: dict) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert_mutation_succeeded(admin_client(query, variables), field)
        return len(queries.captured_queries)

    def run(first: int) -> dict[str, int]:
        result = {}
        for measured in (False, True):
            k = next(counter)
            costs = {
                "createPage": count(
                    "createPage", CREATE, {"site": site, "path": f"bulk/s000/new-{k}"}
                ),
                "movePage": count(
                    "movePage", MOVE, {"id": page_id(first + k % 2), "path": f"bulk/s000/m{k}"}
                ),
                "deletePage": count("deletePage", DELETE, {"id": page_id(first + 2 + k % 2)}),
            }
            if measured:
                result = costs
        return result

    return run


def test_page_writes_cost_the_same_in_a_wiki_of_20000_pages(admin, writes):
    bulk_pages(0, SMALL, admin)
    small = writes(first=0)  # pages 0-3
    bulk_pages(SMALL, LARGE, admin)
    assert Page.objects.count() == LARGE  # two created and two deleted on the way
    assert TreeItem.objects.filter(type=TreeItemType.FOLDER).count() == 1 + LARGE // SECTION
    large = writes(first=4)  # pages 4-7
    assert large == small
    assert small == EXPECTED
