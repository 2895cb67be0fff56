"""In a real browser, under the Content Security Policy the server sends: the GraphQL explorer,
the admin and the sign-in and profile pages work and nothing they do is refused.

A violation is seen two ways: a ``securitypolicyviolation`` listener installed in every
document before its own scripts run (DevTools protocol), and Chromium's console, which also
reports what happens in the admin's sandboxed preview frame (no script runs there). The
first test proves the detection itself: an inline script injected into an admin page is
reported.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.groups import administrators_group
from accounts.services import make_administrator
from pages.rendering import render
from tests.browser.conftest import chromium, sign_in_with_cookie
from tests.factories import PageFactory, UserFactory
from wiki.security_headers import ADMIN_POLICY, DOCUMENT_POLICY, EXPLORER_POLICY

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LISTENER = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(
    event.effectiveDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""
# What Chromium's console says about a refused resource or an unknown policy feature.
CONSOLE_SIGNS = ("Content Security Policy", "Permissions-Policy", "Permissions policy")
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT_PANE = ".result-window .CodeMirror"


@pytest.fixture(scope="module")
def csp_browser():
    """Chromium keeping its console log, with the violation listener in every document."""
    with chromium(console_log=True) as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTENER})
        yield driver


@pytest.fixture
def browser(csp_browser):
    csp_browser.delete_all_cookies()
    csp_browser.get_log("browser")  # start from an empty console
    yield csp_browser
    csp_browser.delete_all_cookies()


def violations(browser) -> list[str]:
    """What was refused in the current document and printed to the console since last time."""
    seen = browser.execute_script("return window.cspViolations || [];")
    console = [
        entry["message"]
        for entry in browser.get_log("browser")
        if any(sign in entry["message"] for sign in CONSOLE_SIGNS)
    ]
    return [*seen, *console]


def policy_of(browser, path: str, accept: str = "text/html") -> str | None:
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {headers: {Accept: arguments[1]}, credentials: 'same-origin'})"
        ".then(r => done(r.headers.get('content-security-policy')));",
        path,
        accept,
    )


def settled(browser) -> None:
    """The page has loaded, and its deferred scripts had a moment to run."""
    WebDriverWait(browser, 15).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )
    browser.execute_async_script(
        "const done = arguments[arguments.length - 1]; setTimeout(done, 150);"
    )


@pytest.fixture
def administrator():
    admin = UserFactory(email="csp-admin@example.com", name="CSP Admin")
    make_administrator(admin)
    return admin


def test_an_inline_script_in_the_admin_is_refused_and_reported(browser, live_server, administrator):
    base = live_server.url
    sign_in_with_cookie(browser, base, administrator)
    browser.get(f"{base}/admin/")
    settled(browser)
    assert violations(browser) == []

    browser.execute_script(
        "const s = document.createElement('script');"
        "s.textContent = 'window.injected = true;';"
        "document.head.appendChild(s);"
    )

    assert browser.execute_script("return window.injected === true;") is False
    found = violations(browser)
    assert any(line.startswith("script-src-elem blocked inline") for line in found), found


def test_the_explorer_runs_a_query_under_its_policy(browser, live_server):
    base = live_server.url
    browser.get(f"{base}/_graphql")
    WebDriverWait(browser, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, QUERY_EDITOR))
    )
    browser.execute_script(
        "document.querySelector(arguments[0]).CodeMirror.setValue(arguments[1]);",
        QUERY_EDITOR,
        "{ sites { hostname title } }",
    )
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    WebDriverWait(browser, 15).until(
        lambda b: (
            "Default Site"
            in b.execute_script(
                "const pane = document.querySelector(arguments[0]);"
                "return pane && pane.CodeMirror ? pane.CodeMirror.getValue() : '';",
                RESULT_PANE,
            )
        )
    )
    # The documentation explorer, and a dialog: a dialog locks the page's scrolling with a
    # <style> element written at run time (react-style-singleton), which needs the
    # policy's 'unsafe-inline' for style elements.
    styles_before = browser.execute_script("return document.querySelectorAll('style').length;")
    browser.find_element(By.CSS_SELECTOR, "[aria-label='Show Documentation Explorer']").click()
    browser.find_element(By.CSS_SELECTOR, "[aria-label='Open settings dialog']").click()
    WebDriverWait(browser, 15).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[role=dialog]"))
    )
    settled(browser)
    styles_after = browser.execute_script("return document.querySelectorAll('style').length;")

    assert styles_after > styles_before
    assert violations(browser) == []
    assert policy_of(browser, "/_graphql") == EXPLORER_POLICY


def test_the_admin_pages_load_without_a_refusal(browser, live_server, administrator):
    base = live_server.url
    content = "| left | centre |\n|:--|:-:|\n| a | b |"
    page = PageFactory(
        path="docs/aligned",
        title="Aligned",
        content=content,
        render=render(content, "markdown").html,
    )
    sign_in_with_cookie(browser, base, administrator)
    browser.get(f"{base}/admin/")
    settled(browser)
    lists = browser.execute_script(
        "return [...document.querySelectorAll('#content-main a[href^=\"/admin/\"]')]"
        ".map(a => a.getAttribute('href'));"
    )
    assert len(lists) >= 5, lists
    screens = [
        "/admin/",
        *dict.fromkeys(lists),
        f"/admin/accounts/user/{administrator.pk}/change/",
        f"/admin/accounts/group/{administrators_group().pk}/change/",
        f"/admin/pages/page/{page.pk}/change/",
        "/admin/pages/page/add/",
    ]

    refused = {}
    for path in screens:
        browser.get(f"{base}{path}")
        settled(browser)
        assert browser.find_elements(By.ID, "content"), path  # an admin screen, not an error
        if found := violations(browser):
            refused[path] = found

    assert refused == {}
    assert policy_of(browser, "/admin/") == ADMIN_POLICY
    # The preview frame shows the table with its alignment (the style hashes were allowed).
    browser.get(f"{base}/admin/pages/page/{page.pk}/change/")
    settled(browser)
    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe.page-preview"))
    alignment = browser.execute_script(
        "return getComputedStyle(document.querySelectorAll('td')[1]).textAlign;"
    )
    browser.switch_to.default_content()
    assert alignment == "center"
    assert violations(browser) == []


def test_the_sign_in_and_profile_pages_load_without_a_refusal(browser, live_server, user):
    base = live_server.url
    refused = {}
    for path in ("/login", "/admin/login/?next=/admin/"):
        browser.get(f"{base}{path}")
        settled(browser)
        assert browser.find_elements(By.ID, "login-form"), path
        if found := violations(browser):
            refused[path] = found

    sign_in_with_cookie(browser, base, user)
    browser.get(f"{base}/_profile")
    settled(browser)
    if found := violations(browser):
        refused["/_profile"] = found
    # Setting up TOTP shows the QR code (inline SVG).
    browser.find_element(By.CSS_SELECTOR, "#tfa-setup-form [type=submit]").click()
    WebDriverWait(browser, 15).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#tfa-qr svg"))
    )
    settled(browser)
    if found := violations(browser):
        refused["/_profile (TOTP set-up)"] = found

    # The page a refused mail link answers, styled from a file.
    browser.get(f"{base}/verify/not-a-token")
    settled(browser)
    assert browser.find_element(By.ID, "error-key").text == "ERR_INVALID_VALIDATION_TOKEN"
    assert browser.execute_script("return getComputedStyle(document.body).maxWidth;") == "576px"
    if found := violations(browser):
        refused["/verify/<token>"] = found

    assert refused == {}
    assert policy_of(browser, "/_profile") == DOCUMENT_POLICY
