"""In a real browser: the explorer at /graphql (API-v2.md §1.1) loads from the site's own files,
under the explorer's CSP, and runs queries against /graphql, signed in by the jwt cookie alone."""

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import sign_in_with_cookie
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUERY = "{\n  pages {\n    __typename\n  }\n}\n"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT_PANE = ".result-window .CodeMirror"


def _result_text(browser) -> str:
    return browser.execute_script(
        "const pane = document.querySelector(arguments[0]);"
        "return pane && pane.CodeMirror ? pane.CodeMirror.getValue() : '';",
        RESULT_PANE,
    )


def test_the_v2_explorer_runs_a_query_against_graphql(fresh_browser, live_server):
    browser, base = fresh_browser, live_server.url
    sign_in_with_cookie(browser, base, UserFactory(email="explorer@example.com"))

    browser.get(f"{base}/graphql")
    WebDriverWait(browser, 15).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, QUERY_EDITOR))
    )
    browser.execute_script(
        "document.querySelector(arguments[0]).CodeMirror.setValue(arguments[1]);",
        QUERY_EDITOR,
        QUERY,
    )
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    WebDriverWait(browser, 15).until(lambda b: '"PageQuery"' in _result_text(b))

    assert '"errors"' not in _result_text(browser)
    requested = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name);"
    )
    network = [url for url in requested if urlsplit(url).scheme in ("http", "https")]
    assert [url for url in network if not url.startswith(base + "/")] == []
    assert "/graphql" in {urlsplit(url).path for url in network}
    assert "/_graphql" not in {urlsplit(url).path for url in network}
