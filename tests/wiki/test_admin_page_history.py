"""The pages admin: versions and restore, move, and the contained preview of the render."""

from html.parser import HTMLParser

import pytest

from pages.edits import PagePatch, update_page
from pages.models import HistoryAction, Page, PageHistory, TreeItem
from tests.factories import PageFactory

from .admin_support import logged_in
from .page_admin_support import (
    ADD,
    change_url,
    create_data,
    docs_writer_rules,
    edit_data,
    messages_of,
    move_url,
    restore_url,
    service_page,
    versions_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _root_administrator(admin):
    """Pages made by a trusted operator are attributed to the root administrator."""


def _edited_twice() -> tuple[Page, PageHistory, PageHistory]:
    """A page at its third state; returns it and its two versions, oldest first."""
    page = service_page(content="First text.")
    update_page(None, page.pk, PagePatch(content="Second text.", reason_for_change="fix"))
    update_page(None, page.pk, PagePatch(content="Third text.", title="Guide 3"))
    oldest, newer = PageHistory.objects.filter(page_id=page.pk).order_by("legacy_id")
    page.refresh_from_db()
    return page, oldest, newer


# --- Versions and restore ---------------------------------------------------------------------
def test_versions_list_the_history_newest_first(admin_http, admin):
    page, oldest, newer = _edited_twice()

    response = admin_http.get(versions_url(page))

    assert response.status_code == 200
    assert list(response.context["versions"]) == [newer, oldest]
    text = response.content.decode()
    assert text.count('class="page-version"') == 2
    assert "<td>title, content</td>" in text  # the newer version's affected fields
    assert ">fix<" in text  # the older version's reason
    assert admin.name in text
    assert restore_url(page, oldest) in text
    assert 'id="page-versions-link"' in admin_http.get(change_url(page)).content.decode()


def test_restore_asks_then_restores_through_restore_page(admin_http, admin):
    page, oldest, _ = _edited_twice()

    confirm = admin_http.get(restore_url(page, oldest))
    assert confirm.status_code == 200
    assert 'id="restore-form"' in confirm.content.decode()
    assert Page.objects.get(pk=page.pk).content == "Third text."  # GET changes nothing

    response = admin_http.post(restore_url(page, oldest))

    assert response.status_code == 302
    assert response["Location"] == change_url(page)
    page.refresh_from_db()
    assert (page.content, page.title, page.author) == ("First text.", "Guide", admin)
    assert page.render == "<p>First text.</p>\n"
    latest = PageHistory.objects.filter(page_id=page.pk).order_by("-legacy_id").first()
    assert (latest.action, latest.content) == (HistoryAction.RESTORED, "Third text.")
    assert sorted(latest.affected_fields) == ["content", "title"]
    assert TreeItem.objects.get(pk=page.pk).title == "Guide"


def test_restore_post_needs_csrf(admin):
    page, oldest, _ = _edited_twice()
    strict = logged_in(admin, enforce_csrf_checks=True)

    response = strict.post(restore_url(page, oldest))

    assert response.status_code == 403
    page.refresh_from_db()
    assert page.content == "Third text."
    assert PageHistory.objects.filter(page_id=page.pk).count() == 2


def test_restore_of_another_pages_version_is_reported(admin_http):
    page, _, _ = _edited_twice()
    stranger = service_page("stranger")
    update_page(None, stranger.pk, PagePatch(title="Stranger 2"))
    foreign = PageHistory.objects.get(page_id=stranger.pk)

    shown = admin_http.get(restore_url(page, foreign), follow=True)
    posted = admin_http.post(restore_url(page, foreign), follow=True)

    assert messages_of(shown) == ["ERR_PAGE_NOT_FOUND: this page has no such version."]
    assert messages_of(posted) == [
        "ERR_PAGE_NOT_FOUND: the page or version no longer exists (no such version of this page)."
    ]
    page.refresh_from_db()
    assert page.content == "Third text."


def test_restore_needs_write_pages_at_the_page(staff_http):
    http = staff_http(rules=docs_writer_rules("read:history", "manage:pages"))
    page = service_page("docs/guide", content="First text.")
    update_page(None, page.pk, PagePatch(content="Second text."))
    version = PageHistory.objects.get(page_id=page.pk)

    listing = http.get(versions_url(page))
    response = http.post(restore_url(page, version), follow=True)

    assert listing.status_code == 200
    assert restore_url(page, version) not in listing.content.decode()
    assert messages_of(response) == [
        "ERR_PAGE_UPDATE_FORBIDDEN: your groups' page rules do not allow editing this page "
        "(needs write:pages at en/docs/guide)."
    ]
    page.refresh_from_db()
    assert page.content == "Second text."


def test_versions_need_read_history(staff_http):
    http = staff_http(rules=docs_writer_rules("write:pages"))
    page = service_page("docs/guide")

    response = http.get(versions_url(page), follow=True)

    assert messages_of(response) == [
        "ERR_FORBIDDEN: your groups' page rules do not allow this here "
        "(needs read:history at en/docs/guide)."
    ]
    assert "versions" not in response.context


# --- Move -------------------------------------------------------------------------------------
def test_move_goes_through_move_page(admin_http, admin):
    page = service_page("guide")

    form = admin_http.get(move_url(page))
    response = admin_http.post(
        move_url(page), {"locale": "de", "path": "handbuch/start", "title": "Handbuch"}
    )

    assert form.status_code == 200
    assert form.context["form"].initial == {"locale": "en", "path": "guide"}
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.locale, page.path, page.title, page.author) == (
        "de",
        "handbuch/start",
        "Handbuch",
        admin,
    )
    version = PageHistory.objects.get(page_id=page.pk)
    assert (version.action, version.path, version.affected_fields) == (
        HistoryAction.MOVED,
        "guide",
        ["locale", "path", "title"],
    )
    item = TreeItem.objects.get(pk=page.pk)
    assert (item.locale, item.path) == ("de", "handbuch/start")


@pytest.mark.parametrize(
    ("destination", "field", "key"),
    [
        ({"locale": "en", "path": "taken"}, "path", "ERR_PAGE_DUPLICATE_PATH"),
        ({"locale": "en", "path": "guide"}, "path", "ERR_PAGE_DUPLICATE_PATH"),
        ({"locale": "en", "path": "admin/x"}, "path", "ERR_INVALID_PATH"),
        ({"locale": "nope!", "path": "fine"}, "locale", "ERR_INVALID_INPUT"),
        ({"locale": "en", "path": "fine", "title": "t" * 256}, "title", "ERR_INVALID_INPUT"),
    ],
)
def test_move_refusals_are_form_errors_and_change_nothing(admin_http, destination, field, key):
    service_page("taken")
    page = service_page("guide")
    before = Page.objects.values().get(pk=page.pk)

    response = admin_http.post(move_url(page), destination)

    assert response.status_code == 400
    assert response.context["form"].errors[field][0].startswith(f"{key}: ")
    assert Page.objects.values().get(pk=page.pk) == before
    assert not PageHistory.objects.filter(page_id=page.pk).exists()


def test_move_needs_manage_pages(staff_http):
    http = staff_http(rules=docs_writer_rules("write:pages"))
    page = service_page("docs/guide")

    change = http.get(change_url(page))
    response = http.post(move_url(page), {"locale": "en", "path": "docs/moved"})

    assert 'id="page-move-link"' not in change.content.decode()
    assert response.context["form"].errors["__all__"][0].startswith("ERR_FORBIDDEN: ")
    assert Page.objects.get(pk=page.pk).path == "docs/guide"


# --- Preview ----------------------------------------------------------------------------------
class _Frames(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.frames.append(dict(attrs))


def _frames(html: str) -> list[dict]:
    parser = _Frames()
    parser.feed(html)
    return parser.frames


HOSTILE_RENDER = '<p>Hi</p><script>alert("pwned")</script><img src=x onerror="alert(2)">'


def test_preview_holds_the_render_in_a_sandboxed_frame_only(admin_http):
    # A render column as an old import or a sanitiser bug might have left it.
    page = PageFactory(render=HOSTILE_RENDER)

    response = admin_http.get(change_url(page))

    html = response.content.decode()
    [frame] = _frames(html)
    assert frame["sandbox"] == ""
    assert HOSTILE_RENDER in frame["srcdoc"]
    assert "default-src 'none'" in frame["srcdoc"]
    # Nowhere in the admin page as markup: only escaped, inside the attribute.
    assert '<script>alert("pwned")' not in html
    assert 'onerror="alert(2)"' not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html


def test_content_with_script_is_rendered_sanitised(admin_http):
    admin_http.post(
        ADD, create_data(content='Text <script>alert("x")</script> <b onclick="go()">bold</b>')
    )
    page = Page.objects.get(path="guides/install")

    response = admin_http.get(change_url(page))

    assert "<script" not in page.render
    assert "onclick" not in page.render
    [frame] = _frames(response.content.decode())
    assert page.render in frame["srcdoc"]
    assert "<b>bold</b>" in frame["srcdoc"]


def test_restore_confirmation_previews_the_version_in_a_sandbox(admin_http):
    page = service_page(content="First text.")
    update_page(None, page.pk, PagePatch(content="Second text."))
    version = PageHistory.objects.get(page_id=page.pk)
    PageHistory.objects.filter(pk=version.pk).update(render=HOSTILE_RENDER)

    response = admin_http.get(restore_url(page, version))

    html = response.content.decode()
    [frame] = _frames(html)
    assert frame["sandbox"] == ""
    assert HOSTILE_RENDER in frame["srcdoc"]
    assert '<script>alert("pwned")' not in html


def test_unchanged_form_writes_no_version(admin_http):
    page = service_page()
    before = Page.objects.values().get(pk=page.pk)

    response = admin_http.post(change_url(page), edit_data(page, reason_for_change="nothing"))

    assert response.status_code == 302
    assert Page.objects.values().get(pk=page.pk) == before
    assert not PageHistory.objects.filter(page_id=page.pk).exists()
