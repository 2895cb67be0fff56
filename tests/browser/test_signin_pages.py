"""In a real browser: the sign-in pages, and the admin area entered through them.

TOTP codes are computed from the device's sealed secret, as the person's authenticator app
would show them.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import TotpDevice
from accounts.services import make_administrator
from tests.api.signin.support import code, give_totp, stored_secret
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Browser-pass-1"


def _wait(browser, condition, timeout: int = 15):
    return WebDriverWait(browser, timeout).until(condition)


def _submit_password(browser, url: str, email: str, password: str = PASSWORD) -> None:
    browser.get(url)
    browser.find_element(By.ID, "id_username").send_keys(email)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()


def _submit_code(browser, value: str, form: str = "#tfa-form") -> None:
    field = _wait(browser, ec.presence_of_element_located((By.ID, "id_code")))
    field.send_keys(value)
    browser.find_element(By.CSS_SELECTOR, f"{form} [type=submit]").click()


def _problem(browser) -> tuple[str | None, str]:
    element = _wait(
        browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".problem[role=alert]"))
    )
    return element.get_attribute("data-error-key"), element.text


def test_an_administrator_with_totp_enters_the_admin_after_password_and_code(
    fresh_browser, live_server
):
    browser, base = fresh_browser, live_server.url
    admin = UserFactory(email="tfa-admin@example.com", name="TFA Admin", password=PASSWORD)
    make_administrator(admin)
    secret = give_totp(admin)

    _submit_password(browser, f"{base}/admin/login/?next=/admin/", admin.email)
    _wait(browser, ec.presence_of_element_located((By.ID, "tfa-form")))
    assert browser.get_cookie("jwt") is None
    # Without the code, the admin is still closed.
    browser.get(f"{base}/admin/")
    _wait(browser, ec.presence_of_element_located((By.ID, "login-form")))
    assert browser.current_url.startswith(f"{base}/admin/login/")

    _submit_password(browser, f"{base}/admin/login/?next=/admin/", admin.email)
    _submit_code(browser, code(secret))
    _wait(browser, ec.presence_of_element_located((By.ID, "api-access-link")))
    assert browser.current_url == f"{base}/admin/"
    assert browser.get_cookie("jwt")["httpOnly"] is True
    assert browser.get_cookie("sessionid") is None

    # The admin's own "Log out" (a POST form in its header) is the wiki's sign-out.
    browser.find_element(By.CSS_SELECTOR, "#logout-form [type=submit]").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "login-form")))
    assert browser.get_cookie("jwt") is None


def test_a_restricted_administrator_is_refused_by_the_admin(fresh_browser, live_server):
    browser, base = fresh_browser, live_server.url
    admin = UserFactory(
        email="restricted-admin@example.com", password=PASSWORD, restrict_login=True
    )
    make_administrator(admin)

    _submit_password(browser, f"{base}/admin/login/?next=/admin/", admin.email)
    key, text = _problem(browser)
    assert key == "ERR_LOGIN_RESTRICTED"
    assert text == "This account may not sign in. Ask an administrator."
    assert browser.get_cookie("jwt") is None
    browser.get(f"{base}/admin/")
    _wait(browser, ec.presence_of_element_located((By.ID, "login-form")))
    assert browser.current_url.startswith(f"{base}/admin/login/")


def test_a_wrong_password_reads_like_an_unknown_account(fresh_browser, live_server):
    browser, base = fresh_browser, live_server.url
    user = UserFactory(email="someone@example.com", password=PASSWORD)
    _submit_password(browser, f"{base}/login", user.email, "wrong-password")
    wrong = _problem(browser)
    _submit_password(browser, f"{base}/login", "nobody@example.com")
    unknown = _problem(browser)
    assert (
        wrong
        == unknown
        == (
            "ERR_LOGIN_FAILED",
            "The email address or the password is not right.",
        )
    )


def test_totp_set_up_on_the_profile_then_asked_at_sign_in(fresh_browser, live_server):
    browser, base = fresh_browser, live_server.url
    user = UserFactory(email="sam@example.com", name="Sam", password=PASSWORD)

    _submit_password(browser, f"{base}/login?next=/_profile", user.email)
    _wait(browser, ec.presence_of_element_located((By.ID, "tfa-setup-form")))
    browser.find_element(By.CSS_SELECTOR, "#tfa-setup-form [type=submit]").click()
    qr = _wait(browser, ec.visibility_of_element_located((By.CSS_SELECTOR, "#tfa-qr svg")))
    assert qr.size["width"] >= 100
    assert qr.size["height"] >= 100
    _submit_code(browser, code(stored_secret(user)), form="#tfa-confirm-form")
    _wait(browser, ec.presence_of_element_located((By.ID, "tfa-deactivate-form")))
    assert TotpDevice.objects.get(user=user).confirmed is True

    browser.find_element(By.ID, "sign-out").click()
    _wait(browser, lambda b: b.get_cookie("jwt") is None)
    _submit_password(browser, f"{base}/login?next=/_profile", user.email)
    _submit_code(browser, code(stored_secret(user), steps=1))
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "profile-email"), user.email))
    assert browser.current_url == f"{base}/_profile"
