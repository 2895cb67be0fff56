"""The site's static menu in Chromium (API-v2.md §3.7): shown beside the folder tree in MIXED
mode, readable (axe-core finds no serious problem), and its links lead where they say."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from accounts.models import GUESTS_GROUP_ID, Group
from tests.factories import default_site, rule
from tests.pages.read_support import make_page
from wiki import navigation as storage

from .axe_support import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MENU = [
    {
        "locale": "en",
        "items": [
            {"id": "h", "kind": "header", "label": "Documentation"},
            {
                "id": "a",
                "kind": "link",
                "label": "Second part",
                "targetType": "page",
                "target": "/docs/part-2",
            },
            {"id": "d", "kind": "divider"},
            {"id": "x", "kind": "link", "label": "Unsafe", "target": "javascript:alert(1)"},
        ],
    }
]


@pytest.fixture
def menu_site(admin):
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule(path="docs")]
    guests.save()
    for n in (1, 2):
        make_page(f"docs/part-{n}", title=f"Part {n}")
    site = default_site()
    storage.store_menus(site.pk, storage.clean_trees(MENU, set()))
    storage.store_mode(site.pk, storage.MIXED)


def test_mixed_mode_menu_is_accessible_and_its_links_work(fresh_browser, live_server, menu_site):
    base = live_server.url
    assert_accessible(fresh_browser, f"{base}/docs/part-1")

    menu = fresh_browser.find_element(By.ID, "site-menu")
    assert [a.text for a in menu.find_elements(By.TAG_NAME, "a")] == ["Second part"]
    assert "Unsafe" in menu.text
    sidebar = fresh_browser.find_element(By.ID, "sidebar")
    assert sidebar.is_displayed()
    assert "Part 2" in sidebar.text

    menu.find_element(By.LINK_TEXT, "Second part").click()
    assert fresh_browser.find_element(By.ID, "page-title").text == "Part 2"
