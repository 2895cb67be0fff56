"""In a real browser: a passkey is registered on the profile page and then signs its owner in.

Chromium's WebAuthn virtual authenticator (DevTools protocol) plays the platform
authenticator: a resident key with user verification, as a phone or laptop would. The relying
party is the site's hostname, ``localhost`` (browsers refuse IP addresses as relying-party
ids), and the origin the server expects is the live server's, port included.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import Passkey
from tests.factories import UserFactory
from wiki.models import Site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Browser-pass-1"


@pytest.fixture
def passkey_site(live_server, settings):
    """The live server's site: hostname ``localhost``, its origin accepted for passkeys."""
    assert live_server.url.startswith("http://localhost:"), live_server.url
    settings.WEBAUTHN_ORIGINS = [live_server.url]
    cache.clear()  # rate-limit counters of earlier tests
    return Site.objects.create(hostname="localhost", config={"title": "Browser Wiki"})


@pytest.fixture
def authenticator(fresh_browser):
    """A virtual platform authenticator in the browser for the length of one test."""
    fresh_browser.execute_cdp_cmd("WebAuthn.enable", {})
    added = fresh_browser.execute_cdp_cmd(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield added["authenticatorId"]
    fresh_browser.execute_cdp_cmd(
        "WebAuthn.removeVirtualAuthenticator", {"authenticatorId": added["authenticatorId"]}
    )
    fresh_browser.execute_cdp_cmd("WebAuthn.disable", {})


def _wait(browser, condition, timeout: int = 15):
    return WebDriverWait(browser, timeout).until(condition)


def _sign_in_with_password(browser, base: str, email: str, next_url: str) -> None:
    browser.get(f"{base}/login?next={next_url}")
    browser.find_element(By.ID, "id_username").send_keys(email)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()


def test_a_passkey_registered_on_the_profile_signs_its_owner_in(
    fresh_browser, live_server, passkey_site, authenticator
):
    browser, base = fresh_browser, live_server.url
    user = UserFactory(email="kim@example.com", name="Kim Browser", password=PASSWORD)

    _sign_in_with_password(browser, base, user.email, "/_profile")
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "profile-email"), user.email))
    browser.find_element(By.ID, "passkey-new-name").send_keys("Virtual key")
    browser.find_element(By.ID, "passkey-register").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "passkey-list")))
    assert "The passkey is registered." in browser.find_element(By.ID, "profile-done").text
    passkey = Passkey.objects.get(user=user)
    assert (passkey.name, passkey.rp_id) == ("Virtual key", "localhost")
    credentials = browser.execute_cdp_cmd(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator}
    )["credentials"]
    assert len(credentials) == 1
    assert credentials[0]["isResidentCredential"] is True

    browser.find_element(By.ID, "sign-out").click()
    _wait(browser, lambda b: b.get_cookie("jwt") is None)
    browser.get(f"{base}/_profile")
    _wait(browser, ec.presence_of_element_located((By.ID, "login-form")))
    assert browser.current_url == f"{base}/login?next=%2F_profile"

    browser.find_element(By.ID, "id_username").send_keys(user.email)
    browser.find_element(By.ID, "passkey-sign-in").click()
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "profile-email"), user.email))
    assert browser.current_url == f"{base}/_profile"
    assert browser.get_cookie("jwt")["httpOnly"] is True
    # The server checked and stored the authenticator's counter.
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    after = browser.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert passkey.sign_count == after["credentials"][0]["signCount"] > credentials[0]["signCount"]


def test_a_passkey_of_another_browser_signs_nobody_in(
    fresh_browser, live_server, passkey_site, authenticator
):
    """The account has a passkey, but not in this browser's authenticator: no way in."""
    browser, base = fresh_browser, live_server.url
    user = UserFactory(email="lee@example.com", password=PASSWORD)
    Passkey.objects.create(
        user=user,
        credential_id="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        public_key=b"not a key",
        name="Elsewhere",
        rp_id="localhost",
    )
    browser.set_script_timeout(30)
    browser.get(f"{base}/login")
    browser.find_element(By.ID, "id_username").send_keys(user.email)
    browser.find_element(By.ID, "passkey-sign-in").click()
    status = _wait(
        browser,
        lambda b: (
            (b.find_element(By.CSS_SELECTOR, "[data-passkey-status]").text or None)
            if "Waiting" not in b.find_element(By.CSS_SELECTOR, "[data-passkey-status]").text
            else None
        ),
        timeout=40,
    )
    assert status == "The passkey request was cancelled or timed out."
    assert browser.get_cookie("jwt") is None
