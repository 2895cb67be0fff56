"""The explorer works under a strict Content-Security-Policy (issue 12, items 2 and 5).

The policy itself is the deployment's to send; this test sends the strictest one the explorer
is meant to need, on the explorer page only, and proves that Chromium reports no violation while
the page loads, fetches the schema, runs a query and shows the documentation.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from api.core.view import WikiGraphQLView
from tests.browser.conftest import sign_in_with_cookie

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# No 'unsafe-inline', no 'unsafe-eval', nothing from elsewhere. GraphiQL's stylesheet carries
# its fonts as data: URLs.
STRICT_POLICY = (
    "default-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT_PANE = ".result-window .CodeMirror"
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def strict_explorer(monkeypatch):
    """The explorer page with the strict policy (the live server runs in this process)."""
    serve = WikiGraphQLView.explorer_page

    def with_policy(self, request):
        response = serve(self, request)
        response["Content-Security-Policy"] = STRICT_POLICY
        return response

    monkeypatch.setattr(WikiGraphQLView, "explorer_page", with_policy)


def _result_text(browser) -> str:
    return browser.execute_script(
        "const pane = document.querySelector(arguments[0]);"
        "return pane && pane.CodeMirror ? pane.CodeMirror.getValue() : '';",
        RESULT_PANE,
    )


def test_the_explorer_runs_under_a_strict_policy(
    fresh_browser, live_server, admin, strict_explorer
):

    browser, base = fresh_browser, live_server.url
    # Runs before the page's own scripts, and is not itself subject to the page's policy.
    script = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS}
    )
    try:
        sign_in_with_cookie(browser, base, admin)
        browser.get(f"{base}/_graphql")
        WebDriverWait(browser, 15).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, QUERY_EDITOR))
        )
        policy = browser.execute_script(
            "return fetch(location.href, {headers: {Accept: 'text/html'}})"
            ".then(r => r.headers.get('Content-Security-Policy'));"
        )
        assert policy == STRICT_POLICY

        browser.execute_script(
            "document.querySelector(arguments[0]).CodeMirror.setValue(arguments[1]);",
            QUERY_EDITOR,
            "{ sites { hostname title } }",
        )
        browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
        WebDriverWait(browser, 15).until(lambda b: '"hostname": "*"' in _result_text(b))
        # The documentation pane is built from the introspected schema (the admin may have it).
        browser.find_element(
            By.CSS_SELECTOR, "button[aria-label='Show Documentation Explorer']"
        ).click()
        WebDriverWait(browser, 15).until(
            lambda b: "Query" in b.find_element(By.CSS_SELECTOR, ".graphiql-doc-explorer").text
        )

        assert browser.execute_script("return window.cspViolations;") == []

        # GraphiQL's dialogs (settings, shortcuts) add a scroll-lock <style> element, which the
        # policy blocks: one report, and the dialog still opens (the page never scrolls anyway).
        browser.find_element(By.CSS_SELECTOR, "button[aria-label='Open settings dialog']").click()
        WebDriverWait(browser, 15).until(
            lambda b: b.find_element(By.CSS_SELECTOR, "[role='dialog']").is_displayed()
        )
        assert "Clear storage" in browser.find_element(By.CSS_SELECTOR, "[role='dialog']").text
        assert set(browser.execute_script("return window.cspViolations;")) <= {
            "style-src-elem inline"
        }
    finally:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]}
        )
