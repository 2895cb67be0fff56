"""The domain reads Wiki.js 2's API needs (API-v2.md §3.1, §5.8): tree nodes by path, internal
links, search with its substring fallback, tags of readable pages, legacy-id lookups."""

import pytest

from accounts import scopes
from accounts.permissions import AccessPolicy, Caller, CallerKind
from pages import history, links, lookup, search, services, tree_nodes
from pages.models import TreeItem, TreeItemType
from tests.api.page_edit_support import make_page
from tests.factories import GroupFactory, default_site, rule
from wiki.errors import DomainError, ErrorKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _root_admin(admin):
    """Pages made by ``make_page`` are written by the root administrator."""


def docs_reader(*extra: str) -> Caller:
    """A caller reading (and ``extra``) under ``docs`` only."""
    roles = (scopes.READ_PAGES, *extra)
    group = GroupFactory(permissions=list(roles), rules=[rule(path="docs", roles=roles)])
    return Caller(CallerKind.USER, AccessPolicy.from_groups([group]))


def site():
    return default_site().pk


# --- tree nodes --------------------------------------------------------------------------------


def test_nodes_merge_a_page_and_a_folder_at_one_path():
    home = make_page("docs", title="Docs home")
    make_page("docs/intro", title="Intro")
    (node,) = tree_nodes.tree_nodes(None, site(), "en")
    folder = TreeItem.objects.get(path="docs", type=TreeItemType.FOLDER)
    assert node == tree_nodes.TreeNode(
        id=folder.legacy_id,
        path="docs",
        depth=1,
        title="Docs home",
        is_folder=True,
        parent=0,
        page_id=home.legacy_id,
        locale="en",
    )


def test_implicit_folders_take_their_segment_as_title_and_sort_first():
    make_page("b-page", title="A page at the root")
    make_page("zfolder/inner", title="Inner")
    nodes = tree_nodes.tree_nodes(None, site(), "en")
    assert [(n.title, n.is_folder) for n in nodes] == [
        ("zfolder", True),
        ("A page at the root", False),
    ]


def test_level_of_a_path_with_ancestors_and_modes():
    make_page("top/mid/leaf", title="Leaf")
    make_page("top/mid/other", title="Other")
    nodes = tree_nodes.tree_nodes(None, site(), "en", path="top/mid/leaf", include_ancestors=True)
    # Folders first, then by title ("mid" before "top").
    assert [n.path for n in nodes] == ["top/mid", "top", "top/mid/leaf", "top/mid/other"]
    pages_only = tree_nodes.tree_nodes(
        None, site(), "en", path="top/mid/leaf", include_ancestors=True, mode=tree_nodes.PAGES
    )
    # The ancestors are added whatever the mode.
    assert [n.path for n in pages_only] == ["top/mid", "top", "top/mid/leaf", "top/mid/other"]
    folders = tree_nodes.tree_nodes(None, site(), "en", path="top/mid/leaf", mode="FOLDERS")
    assert folders == []


def test_nodes_of_other_locales_and_unreadable_paths_are_left_out():
    make_page("docs/intro")
    make_page("secret/plan")
    make_page("docs/fr-only", locale="fr")
    assert [n.path for n in tree_nodes.tree_nodes(docs_reader(), site(), "en")] == ["docs"]
    assert [n.path for n in tree_nodes.tree_nodes(None, site(), "FR")] == ["docs"]


def test_tree_nodes_cost_two_queries(django_assert_num_queries, admin):
    for n in range(5):
        make_page(f"docs/p{n}")
    docs = TreeItem.objects.get(path="docs", type=TreeItemType.FOLDER).legacy_id
    site_id = site()
    with django_assert_num_queries(2):
        assert len(tree_nodes.tree_nodes(None, site_id, "en", parent=docs)) == 5


# --- links -------------------------------------------------------------------------------------


def test_internal_targets_follow_page_by_path_parsing():
    rendered = (
        '<a href="/docs/a#x">a</a><a href="/DE/docs/b?q=1">b</a><a href="/_assets/c">c</a>'
        '<a href="//cdn/x">d</a><a href="https://x.org/y">e</a><a href="/docs/a">again</a>'
        "<a href='/docs/c'>single quotes</a>"
    )
    assert links.internal_targets(rendered, "en") == [
        ("en", "docs/a"),
        ("de", "docs/b"),
        ("en", "docs/c"),
    ]


def test_page_links_keep_readable_targets_only():
    make_page("docs/source", content="[s](/secret/x) [d](/docs/target)")
    make_page("secret/other", content="[d](/docs/target)")
    result = links.page_links(docs_reader(), site(), "en")
    assert [(item.path, item.links) for item in result] == [("docs/source", ["en/docs/target"])]


# --- search with substrings --------------------------------------------------------------------


def test_substring_hits_follow_full_text_hits():
    full = make_page("docs/zeppelin", title="Zeppelin", content="# Z\n\nzeppelin facts")
    partial = make_page("docs/zepp", title="Zeppo notes", content="# N\n\nnothing")
    hits = search.search_with_substrings(None, site(), "zepp")
    assert partial.legacy_id in [hit.legacy_id for hit in hits]
    hits = search.search_with_substrings(None, site(), "zeppelin")
    assert hits[0].legacy_id == full.legacy_id


def test_substring_fallback_keeps_the_candidates_rules():
    make_page("secret/zeppo", title="Zeppo secret")
    make_page("docs/zeppo-draft", title="Zeppo draft", publish_state="draft")
    shown = make_page("docs/zeppo", title="Zeppo")
    hits = search.search_with_substrings(docs_reader(), site(), "ZEPPO")
    assert [hit.legacy_id for hit in hits] == [shown.legacy_id]


def test_search_is_capped():
    for n in range(4):
        make_page(f"docs/cap-{n}", title=f"Cap {n}")
    assert len(search.search_with_substrings(None, site(), "cap", limit=3)) == 3


# --- tags --------------------------------------------------------------------------------------


def test_readable_tags_and_their_search():
    make_page("docs/a", tags=("zeta", "alpha"))
    make_page("secret/b", tags=("hidden", "alpha"))
    assert [t.tag for t in lookup.readable_tags(None, site())] == ["alpha", "hidden", "zeta"]
    assert [t.tag for t in lookup.readable_tags(docs_reader(), site())] == ["alpha", "zeta"]
    assert lookup.search_readable_tags(docs_reader(), site(), " ZE ") == ["zeta"]
    assert lookup.search_readable_tags(None, site(), "") == ["alpha", "hidden", "zeta"]


# --- legacy ids --------------------------------------------------------------------------------


def test_pages_by_legacy_id():
    page = make_page("docs/a")
    assert services.get_page_by_legacy_id(None, page.legacy_id).pk == page.pk
    for missing in (0, -1, page.legacy_id + 100):
        with pytest.raises(DomainError) as caught:
            services.get_page_by_legacy_id(None, missing)
        assert caught.value.key == ErrorKey.PAGE_NOT_FOUND
    with pytest.raises(DomainError) as caught:
        history.page_id_for_legacy_id(0)
    assert caught.value.key == ErrorKey.PAGE_NOT_FOUND


def test_conflict_checks_need_write_or_manage_pages():
    page = make_page("docs/a")
    assert services.page_for_conflicts(docs_reader(scopes.WRITE_PAGES), page.legacy_id) == page
    assert services.page_for_conflicts(docs_reader(scopes.MANAGE_PAGES), page.legacy_id) == page
    with pytest.raises(DomainError) as caught:
        services.page_for_conflicts(docs_reader(), page.legacy_id)
    assert caught.value.key == ErrorKey.FORBIDDEN


def test_list_pages_by_legacy_user_ids(admin):
    other = make_page("docs/b")
    mine = make_page("docs/a")
    listed = services.list_pages(
        None, creator_legacy_id=admin.legacy_id, order_by="ID", by_legacy_id=True
    )
    assert [p.pk for p in listed] == [other.pk, mine.pk]
    assert list(services.list_pages(None, author_legacy_id=admin.legacy_id + 1000)) == []


def test_the_prepared_lookup_by_legacy_id_finds_each_page(django_assert_num_queries):
    first, second = make_page("docs/a"), make_page("docs/b")
    # The second call runs the query compiled by the first, with another integer.
    assert services.get_page_by_legacy_id(None, first.legacy_id, with_people=False) == first
    with django_assert_num_queries(1):
        found = services.get_page_by_legacy_id(None, second.legacy_id, with_people=False)
    assert found == second
    assert found.content == second.content
    with pytest.raises(DomainError):
        services.get_page_by_legacy_id(None, second.legacy_id + 50, with_people=False)
