"""In a real browser: an administrator creates an API key, uses it, and revokes it."""

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from accounts.models import ApiKey
from accounts.services import administrators_group, make_administrator
from tests.factories import UserFactory

from .conftest import post_graphql

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GROUPS_QUERY = "{ groups { name } }"
PASSWORD = "Browser-pass-1"


def _sign_in(browser, base_url: str, email: str) -> None:
    browser.get(f"{base_url}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys(email)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "api-access-link")))


def _state(browser) -> str:
    return browser.find_element(By.ID, "api-state-value").text


def _wait(browser, condition) -> None:
    """Wait for ``condition`` across page loads: elements of the old page go stale."""
    WebDriverWait(
        browser, 10, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(condition)


def test_admin_switches_api_on_creates_uses_and_revokes_a_key(fresh_browser, live_server):
    browser, base = fresh_browser, live_server.url
    admin = UserFactory(email="browser-admin@example.com", password=PASSWORD)
    make_administrator(admin)
    admins = administrators_group()

    _sign_in(browser, base, admin.email)
    browser.find_element(By.ID, "api-access-link").click()
    _wait(browser, lambda b: b.current_url.endswith("/admin/api-access/") and _state(b))
    assert _state(browser) == "off"
    browser.find_element(By.ID, "api-state-switch").click()
    _wait(browser, lambda b: _state(b) == "on")

    browser.find_element(By.ID, "id_name").send_keys("Browser key")
    Select(browser.find_element(By.ID, "id_expiration")).select_by_value("90d")
    browser.find_element(By.CSS_SELECTOR, f'input[name="groups"][value="{admins.pk}"]').click()
    browser.find_element(By.ID, "create-api-key-submit").click()
    token = (
        WebDriverWait(browser, 10)
        .until(ec.presence_of_element_located((By.ID, "new-api-key")))
        .get_attribute("value")
    )

    copy = browser.find_element(By.ID, "copy-api-key")
    assert copy.is_displayed()  # the static script ran and showed the button
    copy.click()
    _wait(browser, lambda b: b.find_element(By.ID, "copy-api-key-status").text != "")

    api_key = ApiKey.objects.get()
    assert api_key.name == "Browser key"
    assert api_key.key_short == "..." + token[-20:]
    used = post_graphql(base, GROUPS_QUERY, token)
    assert used.status == 200
    assert "errors" not in used.body
    assert {"name": "Administrators"} in used.body["data"]["groups"]

    browser.get(f"{base}/admin/api-access/")
    assert token not in browser.page_source
    row = browser.find_element(By.ID, f"api-key-{api_key.pk}")
    assert row.find_element(By.CLASS_NAME, "api-key-status").text == "active"
    row.find_element(By.CLASS_NAME, "revoke-api-key").click()
    confirm = WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.ID, "confirm-revoke"))
    )
    api_key.refresh_from_db()
    assert api_key.is_revoked is False  # asking is not revoking
    confirm.click()
    _wait(
        browser,
        lambda b: (
            b.find_element(By.CSS_SELECTOR, f"#api-key-{api_key.pk} .api-key-status").text
            == "revoked"
        ),
    )

    refused = post_graphql(base, GROUPS_QUERY, token)
    assert (refused.status, refused.body) == (
        401,
        {"data": None, "errors": [{"message": "ERR_INVALID_TOKEN"}]},
    )
