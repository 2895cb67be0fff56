"""The page view honours the site's navigation (API-v2.md §3.7): TREE shows the folder tree,
STATIC the locale's menu (items limited by visibilityGroups), MIXED both, NONE nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import GUESTS_GROUP_ID, Group
from pages.view_cache import page_views
from tests.factories import GroupFactory, UserFactory, default_site, rule
from tests.pages.read_support import browser, element, links_in, make_page, open_to_guests, text
from wiki import navigation as storage

pytestmark = pytest.mark.django_db

UPDATE_CONFIG = """
mutation ($mode: NavigationMode!) {
  navigation { updateConfig(mode: $mode) { responseResult { succeeded message } } }
}
"""
UPDATE_TREE = """
mutation ($tree: [NavigationTreeInput]!) {
  navigation { updateTree(tree: $tree) { responseResult { succeeded message } } }
}
"""


def item(item_id, label, target="", *, target_type="page", kind="link", **extra) -> dict:
    return {
        "id": item_id,
        "kind": kind,
        "label": label,
        "targetType": target_type,
        "target": target,
        "visibilityMode": extra.pop("visibilityMode", "all"),
        "visibilityGroups": extra.pop("visibilityGroups", []),
        **extra,
    }


def set_navigation(mode: str, trees: list[dict] | None = None, known=()) -> None:
    site = default_site()
    if trees is not None:
        storage.store_menus(site.pk, storage.clean_trees(trees, set(known)))
    storage.store_mode(site.pk, mode)


@pytest.fixture
def guides(admin):
    """A readable page inside a folder (so the tree sidebar has something to list)."""
    open_to_guests([rule(roles=["read:pages"])])
    make_page("guides/install", title="Install guide")
    make_page("guides/upgrade", title="Upgrade guide")
    return "/guides/install"


MENU = [
    {
        "locale": "en",
        "items": [
            item("h", "Documentation", kind="header"),
            item("a", "Start", "/en/home"),
            item("d", "", kind="divider"),
            item("b", "Status", "https://status.example.com/", target_type="externalblank"),
        ],
    },
    {"locale": "fr", "items": [item("f", "Accueil", "", target_type="home")]},
]


def test_tree_mode_is_the_default_and_shows_the_folder_tree(guides):
    page = browser().get(guides)

    assert page.status_code == 200
    assert "/guides/upgrade" in links_in(element(page, "sidebar"))
    assert element(page, "site-menu") is None


def test_static_mode_shows_the_menu_of_the_pages_locale_only(guides):
    set_navigation("STATIC", MENU)

    page = browser().get(guides)

    assert element(page, "sidebar") is None
    menu = element(page, "site-menu")
    assert links_in(menu) == ["/en/home", "https://status.example.com/"]
    assert '<span class="menu-header">Documentation</span>' in menu
    assert '<li class="menu-divider"><hr></li>' in menu
    assert (
        '<a href="https://status.example.com/" target="_blank" rel="noopener noreferrer">Status</a>'
    ) in menu
    assert "Accueil" not in text(page)


def test_a_page_of_another_locale_shows_that_locales_menu(guides):
    make_page("bienvenue", locale="fr", title="Bienvenue")
    set_navigation("STATIC", MENU)

    menu = element(browser().get("/fr/bienvenue"), "site-menu")

    assert links_in(menu) == ["/fr/home"]
    assert "Accueil" in menu


def test_a_locale_without_a_menu_shows_no_menu(guides):
    set_navigation("STATIC", [MENU[1]])

    page = browser().get(guides)

    assert element(page, "site-menu") is None
    assert element(page, "sidebar") is None


def test_mixed_mode_shows_both(guides):
    set_navigation("MIXED", MENU)

    page = browser().get(guides)

    assert links_in(element(page, "site-menu")) == ["/en/home", "https://status.example.com/"]
    assert "/guides/upgrade" in links_in(element(page, "sidebar"))


def test_none_mode_shows_no_sidebar_but_keeps_breadcrumbs(guides):
    set_navigation("NONE", MENU)

    page = browser().get(guides)

    assert page.status_code == 200
    assert element(page, "site-menu") is None
    assert element(page, "sidebar") is None
    assert element(page, "breadcrumbs") is not None


def test_restricted_items_show_to_members_of_their_groups_only(guides):
    insiders = GroupFactory(name="Insiders", rules=[rule(roles=["read:pages"])])
    member, outsider = UserFactory(groups=[insiders]), UserFactory()
    admin_group = Group.objects.get(legacy_id=1)
    menu = [
        {
            "locale": "en",
            "items": [
                item("all", "Everyone", "/all"),
                item(
                    "ins",
                    "Insiders only",
                    "/insiders",
                    visibilityMode="restricted",
                    visibilityGroups=[insiders.legacy_id],
                ),
                item(
                    "gst",
                    "Guests only",
                    "/guests",
                    visibilityMode="restricted",
                    visibilityGroups=[Group.objects.get(pk=GUESTS_GROUP_ID).legacy_id],
                ),
                item("nobody", "Nobody", "/nobody", visibilityMode="restricted"),
            ],
        }
    ]
    set_navigation("STATIC", menu, known={insiders.legacy_id, 2, admin_group.legacy_id})

    def seen(user):
        return links_in(element(browser(user).get(guides), "site-menu"))

    assert seen(member) == ["/all", "/insiders"]
    assert seen(outsider) == ["/all"]
    assert seen(None) == ["/all", "/guests"]


def test_unsafe_targets_are_not_links_and_labels_are_escaped(guides):
    menu = [
        {
            "locale": "en",
            "items": [
                item("js", "Script", "javascript:alert(1)"),
                item("js2", "Script2", " JavaScript:alert(1)", target_type="external"),
                item("data", "Data", "data:text/html,<b>x</b>"),
                item("proto", "Other site", "//evil.example.com/"),
                item("bs", "Backslash", "/\\evil.example.com/"),
                item("ws", "Tab", "/a\tb"),
                item("ftp", "Ftp", "ftp://files.example.com/"),
                item("xss", '<img src=x onerror="alert(1)">', "/fine?a=1&b=2"),
                item("odd", "Odd kind", "/odd", kind="widget"),
                item("tag", "Tagged", "a b", target_type="tag"),
                item("find", "Find", "x&y", target_type="search"),
            ],
        }
    ]
    set_navigation("STATIC", menu)

    page = browser().get(guides)
    menu_html = element(page, "site-menu")

    assert links_in(menu_html) == ["/fine?a=1&amp;b=2", "/t/a%20b", "/_search?q=x%26y"]
    assert "javascript" not in menu_html.lower()
    assert "<span>Script</span>" in menu_html
    assert "<span>Ftp</span>" in menu_html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in menu_html
    assert "<img" not in menu_html
    assert "Odd kind" not in menu_html


def test_a_navigation_change_shows_on_the_next_view_despite_kept_views(guides, settings, v2_admin):
    settings.PAGE_VIEW_CACHE_BYTES = 200_000
    page_views.forget()
    http = browser()
    first = http.get(guides)
    assert element(first, "site-menu") is None
    # Kept: the same view is served again while nothing changed.
    assert http.get(guides).content == first.content

    r = v2_admin(UPDATE_TREE, {"tree": MENU})
    assert r.data["navigation"]["updateTree"]["responseResult"]["succeeded"] is True
    r = v2_admin(UPDATE_CONFIG, {"mode": "STATIC"})
    assert r.data["navigation"]["updateConfig"]["responseResult"]["succeeded"] is True

    second = http.get(guides)
    assert links_in(element(second, "site-menu")) == ["/en/home", "https://status.example.com/"]
    assert element(second, "sidebar") is None

    v2_admin(UPDATE_TREE, {"tree": [{"locale": "en", "items": [item("n", "New", "/new")]}]})

    assert links_in(element(http.get(guides), "site-menu")) == ["/new"]


def test_a_page_that_hides_its_sidebar_hides_the_menu_too(guides):
    set_navigation("MIXED", MENU)
    page = make_page("plain", title="Plain")
    page.config = {**(page.config or {}), "showSidebar": False}
    page.save()

    view = browser().get("/plain")

    assert element(view, "site-menu") is None
    assert element(view, "sidebar") is None


# --- Cost -------------------------------------------------------------------------------------
def _queries(http, address: str) -> int:
    http.get(address)  # warm the process's caches (guest id, policies, sites)
    with CaptureQueriesContext(connection) as captured:
        response = http.get(address)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_menu_costs_no_query_and_restricted_items_one(guides, settings):
    settings.PAGE_VIEW_CACHE_BYTES = 0
    http = browser()
    tree_mode = _queries(http, guides)

    many = [item(f"i{n}", f"Item {n}", f"/item-{n}") for n in range(50)]
    set_navigation("STATIC", [{"locale": "en", "items": many}])
    static_mode = _queries(http, guides)
    set_navigation("MIXED", [{"locale": "en", "items": many}])
    mixed_mode = _queries(http, guides)
    restricted = [
        {**entry, "visibilityMode": "restricted", "visibilityGroups": [2]} for entry in many
    ]
    set_navigation("STATIC", [{"locale": "en", "items": restricted}], known={2})
    restricted_mode = _queries(http, guides)
    set_navigation("NONE")
    none_mode = _queries(http, guides)

    # The menu is read with the site (the breadcrumbs' listing runs in every mode); restricted
    # items read the visitor's groups once, however many there are.
    assert static_mode == mixed_mode == none_mode == tree_mode
    assert restricted_mode == tree_mode + 1
    assert len(links_in(element(browser().get(guides), "site-menu"))) == 0
