"""In a real browser: a page's history, one old version, and a diff between two versions.

The versions are made through the services, as saves in the editor make them; the reader then
only clicks and reads, with the page's own links, radio buttons and Compare button.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from pages import edits
from pages.models import PageHistory
from tests.api.page_edit_support import make_page
from tests.browser.conftest import sign_in_with_cookie

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIRST = "# Guide\n\nStart here.\nThe old way.\nEnd.\n"
SECOND = "# Guide\n\nStart here.\nThe new way.\nEnd.\n"
THIRD = "# Guide\n\nStart here.\nThe new way.\nEnd.\nA last word.\n"


def _wait(browser, condition, timeout: int = 15):
    return WebDriverWait(browser, timeout).until(condition)


def _changes(browser) -> list[tuple[str, str]]:
    """(marker, text) of the changed lines of ``#diff``, as the reader sees them."""
    found = []
    for row in browser.find_elements(By.CSS_SELECTOR, "#diff tr.diff-add, #diff tr.diff-del"):
        cells = row.find_elements(By.TAG_NAME, "td")
        found.append((cells[2].text, cells[3].text))
    return found


def test_history_lists_versions_shows_one_and_compares_two(fresh_browser, live_server, admin):
    browser, base = fresh_browser, live_server.url
    page = make_page("docs/guide", title="Guide", content=FIRST)
    edits.update_page(None, page.pk, edits.PagePatch(content=SECOND))
    edits.update_page(None, page.pk, edits.PagePatch(content=THIRD, title="Guide, revised"))
    newer, older = PageHistory.objects.filter(page_id=page.pk).order_by("-legacy_id")
    sign_in_with_cookie(browser, base, admin)

    browser.get(f"{base}/h/en/docs/guide")
    _wait(browser, ec.presence_of_element_located((By.ID, "versions")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "History of Guide, revised"
    rows = browser.find_elements(By.CSS_SELECTOR, "#versions tr.version")
    assert [row.get_attribute("data-version-id") for row in rows] == [
        str(newer.pk),
        str(older.pk),
    ]

    # The oldest version, opened from its row.
    rows[1].find_element(By.CSS_SELECTOR, "a.version-view").click()
    source = _wait(browser, ec.presence_of_element_located((By.ID, "version-source")))
    assert "The old way." in source.text
    assert browser.find_element(By.ID, "version-title").text == "Guide"

    # Compare as preselected: the newest version against the page as it is now.
    browser.back()
    _wait(browser, ec.element_to_be_clickable((By.ID, "compare"))).click()
    _wait(browser, ec.presence_of_element_located((By.ID, "diff")))
    assert _changes(browser) == [("+", "A last word.")]
    assert "Guide, revised" in browser.find_element(By.ID, "field-changes").text

    # Any two versions: the oldest against the next.
    browser.get(f"{base}/h/en/docs/guide")
    browser.find_element(By.ID, f"from-{older.pk}").click()
    browser.find_element(By.ID, f"to-{newer.pk}").click()
    browser.find_element(By.ID, "compare").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "diff")))
    assert _changes(browser) == [("-", "The old way."), ("+", "The new way.")]
    assert (
        "1 line added (+), 1 line removed (-)." in browser.find_element(By.ID, "diff-summary").text
    )


def test_the_source_page_links_its_download(fresh_browser, live_server, admin):
    browser, base = fresh_browser, live_server.url
    make_page("docs/guide", title="Guide", content=FIRST)
    sign_in_with_cookie(browser, base, admin)

    browser.get(f"{base}/s/en/docs/guide")
    source = _wait(browser, ec.presence_of_element_located((By.ID, "page-source")))
    assert source.text.strip() == FIRST.strip()
    link = browser.find_element(By.ID, "download-source")
    assert link.get_attribute("href") == f"{base}/d/en/docs/guide"
