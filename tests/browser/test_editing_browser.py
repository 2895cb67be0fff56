"""In a real browser: sign in, create a page from its 404, edit it, find the old version in its
history with a diff, and lose no edit to a second writer who saved in between.

The forms are plain posts: the browser runs no script of the wiki's for any of this.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from pages.models import Page, PageHistory
from tests.accounts.signin_page_support import hidden, signed_in_client
from tests.factories import GroupFactory, UserFactory, rule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Browser-pass-1"
WRITER_ROLES = ("read:pages", "write:pages", "read:history")


def _wait(browser, condition, timeout: int = 15):
    return WebDriverWait(browser, timeout).until(condition)


def _writer(email: str, name: str):
    group = GroupFactory(rules=[rule(roles=WRITER_ROLES)])
    return UserFactory(email=email, name=name, password=PASSWORD, groups=[group])


def _sign_in(browser, base: str, email: str, next_url: str) -> None:
    browser.get(f"{base}/login?next={next_url}")
    browser.find_element(By.ID, "id_username").send_keys(email)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()


def _type(browser, name: str, text: str) -> None:
    element = browser.find_element(By.CSS_SELECTOR, f"#editor-form [name={name}]")
    element.clear()
    element.send_keys(text)


def _editor_text(browser) -> str:
    return browser.find_element(By.ID, "id_content").get_property("value")


def _left_editor(url: str):
    return lambda browser: not browser.current_url.startswith(url)


def test_create_then_edit_a_page_in_the_editor(fresh_browser, live_server):
    browser, base = fresh_browser, live_server.url
    _writer("wren@example.com", "Wren Writer")
    editor_url = f"{base}/e/en/guides/browser-made"

    # Signing in brings the writer back to the page's address: it does not exist yet, and
    # its 404 offers to create it.
    _sign_in(browser, base, "wren@example.com", "/guides/browser-made")
    create = _wait(browser, ec.element_to_be_clickable((By.ID, "create-page")))
    assert browser.current_url == f"{base}/guides/browser-made"
    create.click()
    _wait(browser, ec.presence_of_element_located((By.ID, "editor-form")))
    assert browser.current_url == editor_url
    assert browser.find_element(By.ID, "editor-heading").text == "New page"
    assert _editor_text(browser) == ""

    _type(browser, "title", "Made in a browser")
    _type(browser, "tags", "guide, browser")
    _type(browser, "content", "# Hello\n\nWritten **here**.\n\n<script>window.hacked=1</script>")
    # The preview renders on the server and saves nothing.
    browser.find_element(By.ID, "preview").click()
    preview = _wait(browser, ec.presence_of_element_located((By.ID, "preview-html")))
    assert preview.find_element(By.TAG_NAME, "h1").text == "Hello"
    assert preview.find_element(By.TAG_NAME, "strong").text == "here"
    assert preview.find_elements(By.TAG_NAME, "script") == []
    assert browser.execute_script("return window.hacked === undefined")
    assert not Page.objects.filter(path="guides/browser-made").exists()
    assert _editor_text(browser).startswith("# Hello\n\nWritten **here**.")

    browser.find_element(By.ID, "save").click()
    _wait(browser, _left_editor(editor_url))
    assert browser.current_url == f"{base}/guides/browser-made"
    assert browser.find_element(By.ID, "page-title").text == "Made in a browser"
    assert browser.find_element(By.CSS_SELECTOR, "#page-content strong").text == "here"
    page = Page.objects.get(path="guides/browser-made")
    assert (page.title, page.tags) == ("Made in a browser", ["guide", "browser"])
    assert page.author.email == "wren@example.com"

    # Editing: the editor opens with the stored page.
    browser.get(editor_url)
    _wait(browser, ec.presence_of_element_located((By.ID, "editor-form")))
    assert browser.find_element(By.ID, "id_title").get_property("value") == "Made in a browser"
    assert _editor_text(browser) == page.content
    _type(browser, "content", "# Hello again\n\nA second version.")
    browser.find_element(By.ID, "save").click()
    _wait(browser, _left_editor(editor_url))
    page.refresh_from_db()
    assert page.content == "# Hello again\n\nA second version."
    assert PageHistory.objects.filter(page_id=page.pk).count() == 1

    # History: the old version is listed and can be opened; compared with the page as it is
    # now, the diff shows what the edit changed.
    browser.find_element(By.ID, "action-history").click()
    rows = _wait(
        browser, ec.presence_of_all_elements_located((By.CSS_SELECTOR, "#versions tr.version"))
    )
    assert len(rows) == 1
    rows[0].find_element(By.CSS_SELECTOR, "a.version-view").click()
    source = _wait(browser, ec.presence_of_element_located((By.ID, "version-source")))
    assert "Written **here**." in source.text
    browser.back()
    _wait(browser, ec.element_to_be_clickable((By.ID, "compare"))).click()
    _wait(browser, ec.presence_of_element_located((By.ID, "diff")))
    changes = [
        (row.get_attribute("class"), row.text)
        for row in browser.find_elements(By.CSS_SELECTOR, "#diff tr.diff-add, #diff tr.diff-del")
    ]
    assert any("diff-del" in kind and "# Hello" in text for kind, text in changes)
    assert any("diff-add" in kind and "A second version." in text for kind, text in changes)


def test_a_second_writer_saving_first_refuses_the_save_and_keeps_the_text(
    fresh_browser, live_server
):
    browser, base = fresh_browser, live_server.url
    _writer("wren@example.com", "Wren Writer")
    other = _writer("otto@example.com", "Otto Other")
    editor_url = f"{base}/e/en/shared/notes"

    _sign_in(browser, base, "wren@example.com", "/e/en/shared/notes")
    _wait(browser, ec.presence_of_element_located((By.ID, "editor-form")))
    _type(browser, "title", "Notes")
    _type(browser, "content", "First words.")
    browser.find_element(By.ID, "save").click()
    _wait(browser, _left_editor(editor_url))

    # Both open the page in the editor: Wren in the browser, Otto over HTTP.
    browser.get(editor_url)
    _wait(browser, ec.presence_of_element_located((By.ID, "editor-form")))
    otto = signed_in_client(other)
    form = otto.get("/e/en/shared/notes")
    saved = otto.post(
        "/e/en/shared/notes",
        {
            "page_id": hidden(form, "page_id"),
            "base_version": hidden(form, "base_version"),
            "title": "Notes",
            "description": "",
            "tags": "",
            "content": "Otto's words.",
            "action": "save",
        },
    )
    assert saved.status_code == 302

    # Wren saves from the version Otto replaced: refused, Otto's version shown, text kept.
    _type(browser, "content", "Wren's words.")
    browser.find_element(By.ID, "save").click()
    conflict = _wait(browser, ec.presence_of_element_located((By.ID, "edit-conflict")))
    assert browser.current_url == editor_url
    assert conflict.find_element(By.ID, "conflict-content").text == "Otto's words."
    assert conflict.find_element(By.ID, "conflict-author").text == "Otto Other"
    assert _editor_text(browser) == "Wren's words."
    assert Page.objects.get(path="shared/notes").content == "Otto's words."

    # Wren merges and saves again: the form now starts from Otto's version.
    _type(browser, "content", "Otto's words.\n\nWren's words.")
    browser.find_element(By.ID, "save").click()
    _wait(browser, _left_editor(editor_url))
    page = Page.objects.get(path="shared/notes")
    assert page.content == "Otto's words.\n\nWren's words."
    assert page.author.email == "wren@example.com"
    assert PageHistory.objects.filter(page_id=page.pk).count() == 2
