"""In a real browser: an administrator edits a group's page rules as rows (add, move, remove),
saves, and the API answers the group's member by the new rules at once."""

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from accounts import tokens
from accounts.services import make_administrator
from tests.factories import GroupFactory, PageFactory, UserFactory, default_site

from .conftest import post_graphql

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Browser-pass-1"
PAGE_QUERY = '{ pageByPath(siteId: "%s", path: "%s") { path } }'


def _sign_in(browser, base_url: str, email: str) -> None:
    browser.get(f"{base_url}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys(email)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "api-access-link")))


def _wait(browser, condition) -> None:
    WebDriverWait(
        browser, 10, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    ).until(condition)


def _rows(browser) -> list:
    return browser.find_elements(By.CSS_SELECTOR, "#rule-rows > li.rule-row")


def _add_row(browser, mode: str, match: str, path: str, roles: tuple[str, ...]) -> None:
    browser.find_element(By.ID, "add-rule-row").click()
    row = _rows(browser)[-1]
    Select(row.find_element(By.CSS_SELECTOR, "select[name$='-mode']")).select_by_value(mode)
    Select(row.find_element(By.CSS_SELECTOR, "select[name$='-match']")).select_by_value(match)
    row.find_element(By.CSS_SELECTOR, "input[name$='-path']").send_keys(path)
    for role in roles:
        row.find_element(By.CSS_SELECTOR, f"input[name$='-roles'][value='{role}']").click()


def _reads(base: str, token: str, path: str) -> list[str] | str:
    """The page's path when the member may read it, else the refusal's error keys."""
    answer = post_graphql(base, PAGE_QUERY % (default_site().pk, path), token)
    assert answer.status == 200
    if answer.body.get("errors"):
        return [error["message"] for error in answer.body["errors"]]
    return answer.body["data"]["pageByPath"]["path"]


def test_rules_edited_as_rows_are_honoured_by_the_api(fresh_browser, live_server):
    browser, base = fresh_browser, live_server.url
    admin = UserFactory(email="browser-admin@example.com", password=PASSWORD)
    make_administrator(admin)
    group = GroupFactory(name="Team readers", permissions=["read:pages"], rules=[])
    member = UserFactory(email="member@example.com", groups=[group])
    token = tokens.issue_session_token(member)
    for path in ("team/payroll", "team/faq", "home"):
        PageFactory(path=path)
    assert [_reads(base, token, p) for p in ("team/payroll", "team/faq")] == [
        "team/payroll",
        "team/faq",
    ]

    _sign_in(browser, base, admin.email)
    browser.get(f"{base}/admin/accounts/group/{group.pk}/change/")
    assert _rows(browser) == []
    _add_row(browser, "DENY", "START", "team", ("read:pages",))
    _add_row(browser, "DENY", "EXACT", "home", ("read:pages",))  # removed below
    _add_row(browser, "ALLOW", "EXACT", "team/faq", ("read:pages",))
    _rows(browser)[1].find_element(By.CLASS_NAME, "rule-remove").click()
    _rows(browser)[1].find_element(By.CLASS_NAME, "rule-up").click()
    paths = [r.find_element(By.CSS_SELECTOR, "input[name$='-path']") for r in _rows(browser)]
    assert [p.get_attribute("name") for p in paths] == ["rules-0-path", "rules-1-path"]
    assert [p.get_attribute("value") for p in paths] == ["team/faq", "team"]
    browser.find_element(By.CSS_SELECTOR, "input[name='_save']").click()
    _wait(browser, lambda b: b.current_url.endswith("/admin/accounts/group/"))

    group.refresh_from_db()
    assert [(r["mode"], r["match"], r["path"], r["roles"]) for r in group.rules] == [
        ("ALLOW", "EXACT", "team/faq", ["read:pages"]),
        ("DENY", "START", "team", ["read:pages"]),
    ]
    assert _reads(base, token, "team/payroll") == ["ERR_FORBIDDEN"]
    assert _reads(base, token, "team/faq") == "team/faq"
    assert _reads(base, token, "home") == "home"
