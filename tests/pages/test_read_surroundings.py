"""The page view's breadcrumbs and sidebar come from one prepared query
(``navigation.surroundings``): for every kind of caller and page they must be exactly what the
separate listings below give (the ancestors under ``tree``'s visibility condition, and the
API's own ``list_tree`` at depth 2), also when the compiled query is reused for another page,
folder, locale or access policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import scopes
from accounts.authentication import guest_caller, user_caller
from pages import navigation
from pages.browser import Visit
from pages.models import Page, TreeItem, TreeItemType, split_path
from pages.navigation import (
    Crumb,
    Sidebar,
    crumbs_from,
    sidebar_from,
    surroundings,
)
from pages.tree import ancestor_paths
from pages.tree_listing import TreeQuery, list_tree, visible_items_q
from tests.factories import GroupFactory, UserFactory, default_site, rule

from .read_support import close_users_group, make_page, open_to_guests

pytestmark = pytest.mark.django_db


# --- The reference: each listing on its own, as the API's tree finds it -------------------------
def breadcrumbs(visit: Visit, page: Page) -> list[Crumb]:
    """The visible folders and pages at the ancestors' paths, in a query of their own."""
    ancestors = ancestor_paths(page.path)
    if not ancestors:
        return []
    items = TreeItem.objects.filter(
        site_id=page.site_id,
        locale=page.locale,
        path__in=ancestors,
        type__in=(TreeItemType.FOLDER, TreeItemType.PAGE),
    )
    condition = visible_items_q(visit.caller)
    if condition is not None:
        items = items.filter(condition)
    return crumbs_from(visit, page, ancestors, items.order_by().only("type", "path", "title"))


def sidebar(visit: Visit, page: Page) -> Sidebar:
    """The page's folder as the API's ``tree`` (depth 2) lists it for this visitor."""
    folder_path, _ = split_path(page.path)
    query = TreeQuery(
        site_id=page.site_id,
        parent_path=folder_path,
        locale=page.locale,
        depth=2,
        limit=navigation.SIDEBAR_LIMIT + 1,  # read when called: a test lowers it
    )
    items = list(list_tree(visit.caller, query))
    top_depth = folder_path.count("/") + 1 if folder_path else 0
    return sidebar_from(visit, page, items, top_depth)


READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES

PATHS = [
    "home",
    "top",
    "docs",
    "docs/intro",
    "docs/guide/start",
    "docs/guide/advanced",
    "docs/guide/deep/one",
    "docs/secret/plan",
    "docs/secret",
    "docs/open/inside/page",
    "other/page",
]


@pytest.fixture
def wiki(admin):
    now = timezone.now()
    for path in PATHS:
        make_page(path)
    make_page("docs/draft", publish_state="draft")
    make_page(
        "docs/later",
        publish_state="scheduled",
        publish_start_date=now + timedelta(days=1),
        publish_end_date=now + timedelta(days=2),
    )
    make_page("docs/hidden", flags={"isBrowsable": False})
    make_page("docs/intro", locale="fr")
    make_page("docs/guide/start", locale="fr")
    open_to_guests([rule(path="docs", match="START", roles=[READ])])
    close_users_group()


def callers(admin):
    reader = UserFactory(
        groups=[
            GroupFactory(
                rules=[
                    rule(roles=[READ]),
                    rule(mode="DENY", path="docs/secret", roles=[READ]),
                    rule(mode="FORCEALLOW", path="docs/secret/plan", match="EXACT", roles=[READ]),
                ]
            )
        ]
    )
    writer = UserFactory(groups=[GroupFactory(rules=[rule(roles=[READ, WRITE])])])
    regex = UserFactory(
        groups=[
            GroupFactory(rules=[rule(match="REGEX", path="^docs/(guide|secret)", roles=[READ])])
        ]
    )
    french = UserFactory(groups=[GroupFactory(rules=[rule(roles=[READ], locales=["fr"])])])
    return {
        "guest": guest_caller(),
        "reader": user_caller(reader),
        "writer": user_caller(writer),
        "regex": user_caller(regex),
        "french": user_caller(french),
        "admin": user_caller(admin),
    }


def test_surroundings_are_the_breadcrumbs_and_sidebar_for_every_caller_and_page(wiki, admin):
    site = default_site()
    pages = list(Page.objects.order_by("locale", "path"))
    # Twice: the second round reuses every compiled query with other values.
    for _ in range(2):
        for name, caller in callers(admin).items():
            here = Visit(request=None, site=site, caller=caller, user=None)
            for page in pages:
                expected = (breadcrumbs(here, page), sidebar(here, page))
                assert surroundings(here, page, with_sidebar=True) == expected, (name, page.path)
                crumbs, none = surroundings(here, page, with_sidebar=False)
                assert (crumbs, none) == (expected[0], None), (name, page.path)


def test_a_page_whose_folder_has_no_folder_item_has_an_empty_sidebar_as_the_tree_says(wiki, admin):
    site = default_site()
    page = Page.objects.get(locale="en", path="docs/guide/start")
    TreeItem.objects.filter(type="folder", path="docs/guide").delete()
    here = Visit(request=None, site=site, caller=callers(admin)["admin"], user=None)
    crumbs, side = surroundings(here, page, with_sidebar=True)
    assert side == sidebar(here, page)
    assert side.entries == []
    assert [crumb.label for crumb in crumbs] == [crumb.label for crumb in breadcrumbs(here, page)]


def test_the_sidebar_of_a_full_folder_is_cut_as_before(wiki, admin, monkeypatch):
    monkeypatch.setattr("pages.navigation.SIDEBAR_LIMIT", 3)
    site = default_site()
    page = Page.objects.get(locale="en", path="docs/guide/start")
    here = Visit(request=None, site=site, caller=callers(admin)["reader"], user=None)
    crumbs, side = surroundings(here, page, with_sidebar=True)
    assert side.truncated
    assert (crumbs, side) == (breadcrumbs(here, page), sidebar(here, page))
