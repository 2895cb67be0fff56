"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver).

Without them the tests skip, except on CI (``CI=true``) where a missing browser is a failure,
so a broken runner image cannot silently turn the suite green.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--window-size=1280,900",
)
# Selenium Manager must not look anything up on the internet: the paths are given.
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")


def _unavailable() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        return f"missing {', '.join(missing)} (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed"
    return None


def require_browser() -> None:
    """Skip when Chromium is unavailable, but fail on CI (``CI=true``)."""
    reason = _unavailable()
    if reason:
        message = f"browser tests need headless Chromium: {reason}"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def chromium(*, console_log: bool = False) -> Iterator:
    """A headless Chromium with a fresh profile, deleted afterwards; ``console_log`` keeps the
    page console for ``driver.get_log("browser")``."""
    require_browser()

    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="wiki-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module, with a fresh profile that is deleted afterwards."""
    with chromium() as driver:
        yield driver


def sign_in_with_cookie(browser, base: str, user) -> None:
    """Sign ``user`` in as the sign-in page would: their session token in the ``jwt`` cookie
    of the live server's origin (a static file of the site is opened first to set it on)."""
    from accounts import tokens

    browser.get(f"{base}/static/wiki/site.css")
    browser.add_cookie(
        {
            "name": tokens.COOKIE_NAME,
            "value": tokens.issue_session_token(user),
            "path": "/",
            "httpOnly": True,
            "sameSite": "Lax",
        }
    )


@pytest.fixture
def fresh_browser(browser):
    """The module's browser without cookies or stored explorer state from an earlier test."""
    browser.delete_all_cookies()
    yield browser
    if browser.current_url.startswith("http"):
        browser.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")
    browser.delete_all_cookies()


@dataclass
class HttpResult:
    status: int
    body: dict


def post_graphql(base_url: str, query: str, token: str | None = None) -> HttpResult:
    """POST a GraphQL operation to the live server the way an integration would."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (always the loopback live server)
        f"{base_url}/_graphql",
        data=json.dumps({"query": query}).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return HttpResult(response.status, json.loads(response.read()))
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, json.loads(error.read()))
