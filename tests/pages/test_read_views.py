"""The page view in a browser: home, welcome, title, content, TOC, tags, breadcrumbs, sidebar,
last editor, action links, locales and odd addresses (pages/read_views.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin as django_admin

from accounts import scopes
from pages.models import Page, TreeItem
from pages.tree import ensure_folders
from tests.factories import GroupFactory, UserFactory, default_site, rule
from wiki.models import Site

from .read_support import (
    browser,
    close_users_group,
    element,
    links_in,
    make_page,
    open_to_guests,
    text,
)

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES


# --- Home and welcome -------------------------------------------------------------------------
def test_home_serves_the_home_page_of_the_primary_locale(admin):
    make_page("home", title="Start here", content="Welcome **aboard**.")
    make_page("home", locale="fr", title="Accueil")
    open_to_guests([rule(roles=[READ])])

    response = browser().get("/")

    assert response.status_code == 200
    assert "Start here" in element(response, "page-title")
    assert "<strong>aboard</strong>" in element(response, "page-content")
    assert element(response, "page-title")
    assert "Accueil" not in text(response)


def test_without_a_home_page_an_administrator_is_told_how_to_create_it(admin):
    response = browser(admin).get("/")

    assert response.status_code == 200
    assert links_in(element(response, "create-page")) == ["/e/en/home"]
    assert "path <code>home</code>" in text(response)


def test_without_a_home_page_whoever_may_write_there_gets_the_link_and_nobody_else(admin):
    close_users_group()
    writers = GroupFactory(rules=[rule(match="EXACT", path="home", roles=[READ, WRITE])])
    writer, reader = UserFactory(groups=[writers]), UserFactory()

    assert links_in(element(browser(writer).get("/"), "create-page")) == ["/e/en/home"]
    for visitor in (reader, None):
        response = browser(visitor).get("/")
        assert response.status_code == 200
        assert element(response, "create-page") is None
        assert "no home page yet" in text(response)
    assert 'id="sign-in"' in text(browser().get("/"))


def test_the_home_page_for_a_guest_who_may_not_read_it_asks_to_sign_in(admin):
    make_page("home")

    response = browser().get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=%2F"


def test_the_admins_view_site_link_leads_to_the_wiki(admin):
    make_page("home", title="Wiki home")

    assert django_admin.site.site_url == "/"
    index = browser(admin).get("/admin/")
    assert 'href="/"' in text(index)
    home = browser(admin).get(django_admin.site.site_url)
    assert home.status_code == 200
    assert "Wiki home" in element(home, "page-title")


# --- What a page shows ------------------------------------------------------------------------
CONTENT = """# Guide

Intro text.

## Install

### Linux

#### Deep

## Use
"""


def test_the_page_shows_title_description_render_tags_editor_and_time(admin):
    page = make_page(
        "docs/guide",
        title="The guide",
        description="All you need",
        content=CONTENT,
        tags=["howto", "setup"],
    )

    response = browser(admin).get("/docs/guide")

    assert response.status_code == 200
    assert "The guide" in element(response, "page-title")
    assert "All you need" in element(response, "page-description")
    assert page.render in text(response)  # the stored render, as it is
    assert links_in(element(response, "page-tags")) == ["/t/howto", "/t/setup"]
    assert admin.name in element(response, "page-author")
    stored = Page.objects.get(pk=page.pk).updated_at
    assert f'datetime="{stored.isoformat()}"' in text(response)
    assert "<title>The guide · " in text(response)
    assert '<html lang="en">' in text(response)


def test_the_stored_render_is_served_not_rendered_again(admin):
    page = make_page("docs/guide", content="# Source heading")
    Page.objects.filter(pk=page.pk).update(render="<p>Stored render only</p>", toc=[])

    response = browser(admin).get("/docs/guide")

    assert "<p>Stored render only</p>" in element(response, "page-content")
    assert "Source heading" not in text(response)


def test_the_toc_lists_the_stored_headings_within_the_page_depth(admin):
    make_page("docs/guide", content=CONTENT, toc_depth={"min": 2, "max": 3})

    toc = element(browser(admin).get("/docs/guide"), "toc")

    assert links_in(toc) == ["#install", "#linux", "#use"]


def test_the_toc_nesting_never_goes_deeper_than_the_depth_setting(admin):
    page = make_page("docs/guide", content=CONTENT)
    # A TOC stored deeper than the page's 1..2 (imported, or kept from an older setting).
    Page.objects.filter(pk=page.pk).update(
        toc=[
            {
                "label": "A",
                "key": "a",
                "children": [
                    {"label": "B", "key": "b", "children": [{"label": "C", "key": "c"}]},
                    "not an entry",
                    {"label": "", "key": "empty"},
                ],
            }
        ]
    )

    toc = element(browser(admin).get("/docs/guide"), "toc")

    assert links_in(toc) == ["#a", "#b"]


def test_show_toc_show_tags_and_show_sidebar_off_hide_them(admin):
    make_page(
        "docs/guide",
        content=CONTENT,
        tags=["howto"],
        flags={"showToc": False, "showTags": False, "showSidebar": False},
    )

    response = browser(admin).get("/docs/guide")

    assert response.status_code == 200
    for hidden in ("toc", "page-tags", "sidebar"):
        assert element(response, hidden) is None, hidden
    assert element(response, "page-content") is not None


def test_a_page_without_headings_has_no_toc(admin):
    make_page("docs/plain", content="Just a paragraph.")

    assert element(browser(admin).get("/docs/plain"), "toc") is None


# --- Breadcrumbs and sidebar ------------------------------------------------------------------
def test_breadcrumbs_link_each_folder_to_its_page_when_the_visitor_may_read_it(admin):
    close_users_group()
    make_page("docs", title="Documentation")
    make_page("docs/team/secret", title="Team secret home")
    make_page("docs/team/secret/plan", title="The plan")
    TreeItem.objects.filter(type="folder", path="docs/team").update(title="The team")
    readers = GroupFactory(
        rules=[
            rule(path="docs", roles=[READ]),
            rule(mode="DENY", match="EXACT", path="docs/team/secret", roles=[READ]),
        ]
    )
    reader = UserFactory(groups=[readers])

    as_reader = element(browser(reader).get("/docs/team/secret/plan"), "breadcrumbs")
    as_admin = element(browser(admin).get("/docs/team/secret/plan"), "breadcrumbs")

    # docs: a page; docs/team: a folder only; docs/team/secret: a page the reader may not read.
    assert links_in(as_reader) == ["/", "/docs"]
    assert re.findall(r">([^<>]+)</(?:a|span|li)>", as_reader) == [
        "Home",
        "Documentation",
        "The team",
        "secret",
        "The plan",
    ]
    assert links_in(as_admin) == ["/", "/docs", "/docs/team/secret"]
    assert "Team secret home" in as_admin


def test_the_sidebar_lists_what_the_api_tree_shows_the_visitor(admin):
    close_users_group()
    make_page("docs/guide", title="Guide")
    make_page("docs/faq", title="FAQ")
    make_page("docs/draft", title="Draft", publish_state="draft")
    make_page("docs/hidden", title="Hidden", flags={"isBrowsable": False})
    make_page("docs/api/intro", title="API intro")
    make_page("docs/hr/pay", title="Pay")
    make_page("docs/guide/step-one", title="Step one")
    ensure_folders(default_site().pk, "en", ["docs/empty"])
    make_page("other/page", title="Elsewhere")
    readers = GroupFactory(
        rules=[
            rule(path="docs", roles=[READ]),
            rule(mode="DENY", path="docs/hr", roles=[READ]),
        ]
    )
    reader = UserFactory(groups=[readers])

    sidebar = element(browser(reader).get("/docs/guide"), "sidebar")

    # Folders api, empty (no pages inside); hr is denied; the draft is the writers'; the page
    # not meant for browsing is left out; guide (a page and a folder) shows its own children.
    assert sorted(re.findall(r'(?:<a [^>]*>|<span class="folder">)([^<]+)</', sidebar)) == sorted(
        ["api", "API intro", "empty", "FAQ", "Guide", "Step one"]
    )
    assert sorted(links_in(sidebar)) == [
        "/docs/api/intro",
        "/docs/faq",
        "/docs/guide",
        "/docs/guide/step-one",
    ]
    assert 'href="/docs/guide" aria-current="page"' in sidebar
    opened = re.search(r"<details open>(.*?)</details>", sidebar, re.DOTALL).group(1)
    assert links_in(opened) == ["/docs/guide/step-one"]
    assert "Inside Guide: </span>1 item</summary>" in opened
    assert "API intro" not in opened
    # A link is never inside a <summary> (nested controls).
    assert not re.search(r"<summary>[^/]*<a ", sidebar)


def test_the_sidebar_of_a_root_page_lists_the_root(admin):
    make_page("home", title="Home page")
    make_page("about", title="About us")

    sidebar = element(browser(admin).get("/"), "sidebar")

    assert links_in(sidebar) == ["/about", "/"]


# --- Action links -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([READ], set()),
        ([READ, WRITE], {"action-edit", "action-source"}),
        ([READ, scopes.READ_HISTORY], {"action-history"}),
        ([READ, scopes.READ_SOURCE], {"action-source"}),
        ([READ, scopes.MANAGE_PAGES], {"action-source"}),
    ],
)
def test_action_links_follow_the_visitors_roles_at_the_page(admin, roles, expected):
    close_users_group()
    make_page("docs/guide")
    person = UserFactory(groups=[GroupFactory(rules=[rule(path="docs", roles=roles)])])

    response = browser(person).get("/docs/guide")

    shown = {
        name
        for name in ("action-edit", "action-history", "action-source")
        if element(response, name)
    }
    assert shown == expected


def test_an_administrator_gets_every_action_link_with_the_locale_in_it(admin):
    make_page("docs/guide", locale="fr")

    response = browser(admin).get("/fr/docs/guide")

    assert links_in(element(response, "action-edit")) == ["/e/fr/docs/guide"]
    assert links_in(element(response, "action-history")) == ["/h/fr/docs/guide"]
    assert links_in(element(response, "action-source")) == ["/s/fr/docs/guide"]


# --- Locales ----------------------------------------------------------------------------------
def test_locales_have_their_own_pages_and_the_primary_one_needs_no_prefix(admin):
    make_page("docs/guide", title="English guide")
    make_page("docs/guide", locale="fr", title="Guide français")
    make_page("home", locale="fr", title="Accueil")
    http = browser(admin)

    assert "English guide" in element(http.get("/docs/guide"), "page-title")
    assert "English guide" in element(http.get("/en/docs/guide"), "page-title")
    french = http.get("/fr/docs/guide")
    assert "Guide français" in element(french, "page-title")
    assert '<html lang="fr">' in text(french)
    assert '<link rel="canonical" href="/fr/docs/guide">' in text(french)
    assert "Accueil" in element(http.get("/fr"), "page-title")
    assert "Accueil" in element(http.get("/FR/"), "page-title")


def test_a_missing_page_in_another_locale_offers_creation_there(admin):
    response = browser(admin).get("/de/docs/new")

    assert response.status_code == 404
    assert links_in(element(response, "create-page")) == ["/e/de/docs/new"]


def test_a_site_with_another_primary_locale_serves_it_without_prefix(admin):
    site = default_site()
    site.config = {**site.config, "locales": {"primary": "fr"}}
    site.save()
    make_page("docs/guide", locale="fr", title="Guide")
    make_page("home", locale="fr", title="Accueil")

    assert "Guide" in element(browser(admin).get("/docs/guide"), "page-title")
    assert "Accueil" in element(browser(admin).get("/"), "page-title")
    assert browser(admin).get("/en/docs/guide").status_code == 404


# --- Odd addresses ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "address",
    [
        "/docs/guide/",
        "/Docs/Guide",
        "/docs//../guide",
        "/docs/guide%3F",
        "/_x/docs/guide",
    ],
)
def test_addresses_are_read_as_page_by_path_reads_them(admin, address):
    make_page("docs/guide", title="Guide")

    response = browser(admin).get(address)

    assert response.status_code == 200
    assert "Guide" in element(response, "page-title")


@pytest.mark.parametrize(
    "address",
    [
        "/%00",
        "/a%00b",
        "/" + "x" * 5000,
        "/" + "/".join(["deep"] * 300),
        "/%E2%80%AE/%F0%9F%92%A9",
        "/%ZZ",
        "/docs?" + "q=" + "x" * 20000,
        "/favicon.ico",
        "/<script>alert(1)</script>",
    ],
)
def test_odd_addresses_get_a_404_page_never_an_error(admin, address):
    response = browser(admin).get(address)

    assert response.status_code == 404
    assert "<script>alert" not in text(response)


def test_a_route_that_wants_a_slash_still_gets_it(admin):
    response = browser(admin).get("/admin?x=1")

    assert response.status_code == 301
    assert response["Location"] == "/admin/?x=1"


def test_only_get_and_head_read_pages(admin):
    make_page("docs/guide")
    http = browser(admin)

    assert http.head("/docs/guide").status_code == 200
    assert http.put("/docs/guide").status_code == 405


def test_a_disabled_site_serves_no_page(admin):
    make_page("docs/guide")
    Site.objects.update(is_enabled=False)

    assert browser(admin).get("/docs/guide").status_code == 404


def test_settings_stored_in_an_odd_shape_do_not_break_the_page(admin):
    page = make_page("docs/odd", content=CONTENT, tags=["one"])
    Page.objects.filter(pk=page.pk).update(config=["x"], scripts="css", tags="one", toc={"a": 1})

    response = browser(admin).get("/docs/odd")

    assert response.status_code == 200
    assert element(response, "page-content") is not None
    assert element(response, "toc") is None
    assert element(response, "page-tags") is None
    assert browser(admin).get(f"/_page-style/{page.pk}.css").status_code == 404
