"""In a real browser: a page reads under its Content Security Policy with JavaScript's help where
the page has its own script, and without anything blocked that the page is allowed to use."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts import scopes
from accounts.services import make_administrator
from tests.factories import UserFactory, rule
from tests.pages.read_support import make_page, open_to_guests

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STYLE = "#page-content p { color: rgb(1, 2, 3) }"
SCRIPT = "document.documentElement.dataset.pageScript = 'ran';"
# What the page's own script sees when the browser refused something on the page.
WATCH_VIOLATIONS = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (event) => window.__violations.push(event.violatedDirective + ' ' + event.blockedURI));"
)


def test_the_page_its_css_script_and_table_alignment_work_under_the_policy(
    fresh_browser, live_server
):
    make_administrator(UserFactory(email="root@example.com"))
    make_page(
        "docs/styled",
        title="Styled page",
        content="Some text.\n\n| left | centre |\n|:--|:-:|\n| a | b |\n\n## Part\n",
        script_css=STYLE,
        script_js_load=WATCH_VIOLATIONS + SCRIPT,
    )
    open_to_guests([rule(roles=[scopes.READ_PAGES])])
    browser, base = fresh_browser, live_server.url

    browser.get(f"{base}/docs/styled")
    WebDriverWait(browser, 10).until(
        lambda driver: (
            driver.execute_script("return document.documentElement.dataset.pageScript") == "ran"
        )
    )

    assert browser.find_element(By.ID, "page-title").text == "Styled page"
    paragraph = browser.find_element(By.CSS_SELECTOR, "#page-content p")
    assert paragraph.value_of_css_property("color") == "rgba(1, 2, 3, 1)"
    centred = browser.find_element(By.CSS_SELECTOR, "#page-content td:nth-child(2)")
    assert centred.value_of_css_property("text-align") == "center"
    toc = browser.find_element(By.ID, "toc")
    assert toc.find_element(By.CSS_SELECTOR, "a").get_attribute("href").endswith("#part")
    # An inline script added now is refused by the policy, and reported.
    browser.execute_script(
        "const s = document.createElement('script');"
        "s.textContent = 'window.__inline = true';"
        "document.body.appendChild(s);"
    )
    WebDriverWait(browser, 5).until(
        lambda driver: driver.execute_script("return window.__violations.length") > 0
    )
    assert browser.execute_script("return window.__inline === undefined")
    assert browser.execute_script("return window.__violations") == ["script-src-elem inline"]


def test_the_sidebar_folders_open_without_any_script_of_ours(fresh_browser, live_server):
    make_administrator(UserFactory(email="root@example.com"))
    make_page("docs/guide", title="Guide")
    make_page("docs/api/intro", title="API intro")
    open_to_guests([rule(roles=[scopes.READ_PAGES])])
    browser, base = fresh_browser, live_server.url

    browser.get(f"{base}/docs/guide")
    sidebar = browser.find_element(By.ID, "sidebar")
    sidebar.find_element(By.CSS_SELECTOR, "summary").click()
    sidebar.find_element(By.LINK_TEXT, "API intro").click()

    WebDriverWait(browser, 10).until(ec.title_contains("API intro"))
    assert browser.find_element(By.ID, "page-title").text == "API intro"
