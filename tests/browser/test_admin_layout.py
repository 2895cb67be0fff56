"""In a real browser: the admin pages an administrator lives in fit a 1400 px wide window."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.services import make_administrator
from tests.factories import GroupFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Browser-pass-1"
PAGES = [
    "/admin/accounts/user/",
    "/admin/accounts/group/",
    "/admin/pages/page/",
    "/admin/pages/treeitem/",
    "/admin/wiki/site/",
]


def test_the_admin_lists_need_no_sideways_scrolling_at_1400_px(fresh_browser, live_server):
    browser, base = fresh_browser, live_server.url
    admin = UserFactory(
        email="layout-admin@example.com", name="An Administrator", password=PASSWORD
    )
    make_administrator(admin)
    groups = [GroupFactory(name=f"A group with a long name {n}") for n in range(5)]
    for n in range(30):
        UserFactory(
            email=f"someone.with.a.long.address.{n}@departments.example.com",
            name=f"Someone With A Rather Long Name {n}",
            groups=groups,
        )
    browser.set_window_size(1400, 900)
    browser.get(f"{base}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys(admin.email)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "content")))
    too_wide = {}
    for page in PAGES:
        browser.get(base + page)
        WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "content")))
        # The page itself, and the change list's table, which the admin scrolls in its own box.
        widths = browser.execute_script(
            "const page = document.documentElement;"
            "const box = document.querySelector('#changelist .results');"
            "return [page.scrollWidth - window.innerWidth,"
            " box ? box.scrollWidth - box.clientWidth : 0];"
        )
        if max(widths) > 0:
            too_wide[page] = widths
    assert too_wide == {}
