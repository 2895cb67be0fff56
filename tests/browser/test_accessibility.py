"""axe-core on the wiki's pages in headless Chromium: no serious or critical violations, in the
light and the dark scheme. Each page is one ``assert_accessible(browser, url)`` call."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By

from accounts.models import GUESTS_GROUP_ID, Group
from accounts.services import make_administrator
from pages.edits import PagePatch, update_page
from pages.models import Page
from pages.services import attach_tags
from tests.browser.conftest import sign_in_with_cookie
from tests.factories import PageFactory, UserFactory, rule

from .axe_support import assert_accessible, describe, run_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def public_pages(db):
    """A few pages the guest may read, with descriptions, tags and a text to find."""
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule(path="docs")]
    guests.save()
    for n in range(3):
        page = PageFactory(
            path=f"docs/page-{n}",
            title=f"Installing part {n}",
            description=f"How to install the wiki, step {n}",
            search_content=f"To install the wiki, run the installer; then step {n} follows.",
            tags=["install", f"step-{n}"],
        )
        attach_tags(page, page.tags)


def _sign_in(browser, base: str) -> None:
    """The session cookie a sign-in sets, set on the live server's origin."""
    sign_in_with_cookie(browser, base, UserFactory(name="Axe Reader"))


def test_the_helper_fails_on_serious_problems(fresh_browser):
    """axe finds what it must: an image without text (critical) and faint text (serious)."""
    document = (
        '<!DOCTYPE html><html lang="en"><title>Bad</title><main><h1>Bad</h1>'
        '<img src="nothing.png"><p style="color:#999;background:#aaa">faint</p></main></html>'
    )
    fresh_browser.get("data:text/html;charset=utf-8," + quote(document))

    found = {v["id"]: v["impact"] for v in run_axe(fresh_browser)}

    assert found.get("image-alt") == "critical"
    assert found.get("color-contrast") == "serious"
    assert "image-alt" in describe(run_axe(fresh_browser, "dark"))


def test_search_page_empty_with_results_and_refused(fresh_browser, live_server, public_pages):
    base = live_server.url
    assert_accessible(fresh_browser, f"{base}/_search")
    assert_accessible(fresh_browser, f"{base}/_search?q=install&tag=install&sort=title")
    assert len(fresh_browser.find_elements(By.CSS_SELECTOR, ".search-result")) == 3
    assert_accessible(fresh_browser, f"{base}/_search?q=nothing-matches-this")
    assert_accessible(fresh_browser, f"{base}/_search?q={'x' * 300}")


def test_search_page_signed_in(fresh_browser, live_server, public_pages):
    _sign_in(fresh_browser, live_server.url)
    assert_accessible(fresh_browser, f"{live_server.url}/_search?q=install")
    assert fresh_browser.find_element(By.ID, "signed-in-name").text == "Axe Reader"


def test_not_found_page(fresh_browser, live_server):
    # A guest's 404 (no "create this page"), through a route that answers the wiki's 404 page.
    assert_accessible(fresh_browser, f"{live_server.url}/sitemap.xml?page=99")


def _writer(browser, base: str) -> None:
    """A signed-in administrator: every action link and form of the pages shows."""
    admin = UserFactory(name="Axe Writer")
    make_administrator(admin)
    sign_in_with_cookie(browser, base, admin)


def test_page_view_tags_and_not_found_with_create(fresh_browser, live_server, public_pages):
    base = live_server.url
    assert_accessible(fresh_browser, f"{base}/docs/page-1")
    assert fresh_browser.find_element(By.ID, "page-title").text == "Installing part 1"
    assert_accessible(fresh_browser, f"{base}/t/install")
    assert_accessible(fresh_browser, f"{base}/t")
    _writer(fresh_browser, base)
    assert_accessible(fresh_browser, f"{base}/docs/page-1")
    assert fresh_browser.find_element(By.ID, "action-edit")
    assert_accessible(fresh_browser, f"{base}/docs/not-written-yet")
    assert fresh_browser.find_element(By.ID, "create-page")
    assert_accessible(fresh_browser, f"{base}/")


def test_editor_history_diff_and_source(fresh_browser, live_server, public_pages):
    base = live_server.url
    _writer(fresh_browser, base)
    page = Page.objects.get(path="docs/page-1")
    update_page(None, page.pk, PagePatch(content=page.content + "\n\nA second version."))
    assert_accessible(fresh_browser, f"{base}/e/en/docs/page-1")
    assert fresh_browser.find_element(By.ID, "editor-form")
    assert_accessible(fresh_browser, f"{base}/e/en/docs/brand-new")
    assert_accessible(fresh_browser, f"{base}/h/en/docs/page-1")
    version = fresh_browser.find_element(By.CSS_SELECTOR, "#versions tr.version")
    version_id = version.get_attribute("data-version-id")
    assert_accessible(fresh_browser, f"{base}/h/en/docs/page-1?version={version_id}")
    assert_accessible(fresh_browser, f"{base}/h/en/docs/page-1?from={version_id}&to=current")
    assert fresh_browser.find_element(By.ID, "diff")
    assert_accessible(fresh_browser, f"{base}/s/en/docs/page-1")


def test_sign_in_page(fresh_browser, live_server):
    assert_accessible(fresh_browser, f"{live_server.url}/login")
