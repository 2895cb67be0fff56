"""The editor at /e/<locale>/<path> over HTTP, as a browser posts it (pages/edit_views.py).

It saves through createPage's and updatePage's services, so it must allow, refuse and validate
what they do; and it must never lose an edit silently: a save from an old version is refused
with the newer version shown and the writer's text kept.
"""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from accounts.services import make_administrator
from pages.edit_views import version_of
from pages.edits import PagePatch, delete_page, update_page
from pages.models import Page, PageHistory
from pages.services import PageInput, create_page
from tests.accounts.signin_page_support import hidden, signed_in_client
from tests.factories import GroupFactory, PageFactory, UserFactory, default_site, rule

pytestmark = pytest.mark.django_db

WRITER_ROLES = ("read:pages", "write:pages")


# --- People -----------------------------------------------------------------------------------
@pytest.fixture
def writer():
    group = GroupFactory(rules=[rule(roles=WRITER_ROLES)])
    return UserFactory(email="writer@example.com", name="Wren Writer", groups=[group])


@pytest.fixture
def other_writer():
    group = GroupFactory(rules=[rule(roles=WRITER_ROLES)])
    return UserFactory(email="other@example.com", name="Otto Other", groups=[group])


@pytest.fixture
def reader():
    return UserFactory(email="reader@example.com", name="Rita Reader")


@pytest.fixture
def admin_user():
    admin = UserFactory(email="boss@example.com", name="Ada Admin")
    make_administrator(admin)
    return admin


@pytest.fixture
def page():
    return PageFactory(
        path="docs/intro", title="Intro", description="About", content="# Intro\n\nOld text."
    )


# --- Reading the editor as a browser sees it --------------------------------------------------
def textarea(response) -> str:
    match = re.search(
        r'<textarea id="id_content"[^>]*>\n(.*?)</textarea>', response.content.decode(), re.S
    )
    assert match, "no content text area on the page"
    return html.unescape(match.group(1))


def field(response, name: str) -> str:
    match = re.search(
        rf'<input type="text" id="id_{name}" name="{name}" value="([^"]*)"',
        response.content.decode(),
    )
    assert match, f"no {name} field on the page"
    return html.unescape(match.group(1))


def error_key(response) -> str | None:
    match = re.search(
        r'id="edit-problem"[^>]*data-error-key="([A-Z_]*)"', response.content.decode()
    )
    return match.group(1) if match else None


def form_of(response, **changes) -> dict:
    """What the browser would post back: the form as shown, with ``changes`` typed in."""
    data = {
        "page_id": hidden(response, "page_id"),
        "base_version": hidden(response, "base_version"),
        "title": field(response, "title"),
        "description": field(response, "description"),
        "tags": field(response, "tags"),
        "content": textarea(response),
        "action": "save",
    }
    data.update(changes)
    return data


def new_form(**changes) -> dict:
    data = {
        "page_id": "",
        "base_version": "",
        "title": "New page",
        "description": "",
        "tags": "",
        "content": "Fresh text.",
        "action": "save",
    }
    data.update(changes)
    return data


# --- Who may open the editor ------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/e/en/docs/intro", "/e/en/docs/missing"])
def test_a_guest_is_sent_to_sign_in_and_back(page, url):
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"] == "/login?next=" + url.replace("/", "%2F")


@pytest.mark.parametrize("url", ["/e/en/docs/intro", "/e/en/docs/missing"])
def test_a_reader_is_refused(page, reader, url):
    response = signed_in_client(reader).get(url)

    assert response.status_code == 403
    assert b"You may not open this page" in response.content
    assert b"editor-form" not in response.content


@pytest.mark.parametrize("who", ["writer", "admin_user"])
def test_a_writer_or_admin_gets_the_page_in_the_editor(page, who, request):
    page.tags = ["guide", "setup"]
    page.save()
    response = signed_in_client(request.getfixturevalue(who)).get("/e/en/docs/intro")

    assert response.status_code == 200
    assert field(response, "title") == "Intro"
    assert field(response, "description") == "About"
    assert field(response, "tags") == "guide, setup"
    assert textarea(response) == "# Intro\n\nOld text."
    assert hidden(response, "page_id") == str(page.pk)
    assert hidden(response, "base_version") == version_of(page)
    body = response.content.decode()
    assert 'id="editor-form"' in body
    assert 'id="preview"' in body
    assert 'id="save"' in body
    assert 'action="/e/en/docs/intro"' in body
    assert "<script" not in body


def test_a_writer_gets_an_empty_editor_where_no_page_exists(writer):
    response = signed_in_client(writer).get("/e/en/docs/new-thing")

    assert response.status_code == 200
    assert hidden(response, "page_id") == ""
    assert hidden(response, "base_version") == ""
    assert textarea(response) == ""
    assert b"New page" in response.content


def test_page_rules_decide_as_for_the_api(page, admin_user):
    """Writing allowed everywhere but docs/, force-allowed again under docs/open."""
    group = GroupFactory(
        rules=[
            rule(roles=WRITER_ROLES),
            rule(mode="DENY", path="docs", roles=("write:pages",)),
            rule(mode="FORCEALLOW", path="docs/open", roles=("write:pages",)),
        ]
    )
    limited = signed_in_client(UserFactory(groups=[group]))

    assert limited.get("/e/en/docs/intro").status_code == 403
    assert limited.get("/e/en/docs/other").status_code == 403
    assert limited.get("/e/en/docs/open/x").status_code == 200
    assert limited.get("/e/en/elsewhere").status_code == 200
    refused = limited.post(
        "/e/en/docs/intro",
        {**new_form(), "page_id": str(page.pk), "base_version": version_of(page)},
    )
    assert refused.status_code == 403
    assert error_key(refused) == "ERR_PAGE_UPDATE_FORBIDDEN"
    assert textarea(refused) == "Fresh text."
    # The administrator passes every rule.
    assert signed_in_client(admin_user).get("/e/en/docs/intro").status_code == 200


# --- Creating and editing ---------------------------------------------------------------------
def test_a_writer_creates_a_page(writer):
    client = signed_in_client(writer)
    form = client.get("/e/en/guides/setup")

    response = client.post(
        "/e/en/guides/setup",
        form_of(
            form,
            title="Setup",
            description="How to",
            tags="Guide, #setup, guide",
            content="# Setup\n\nStep one.",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == "/guides/setup"
    created = Page.objects.get(path="guides/setup")
    assert (created.locale, created.title, created.description) == ("en", "Setup", "How to")
    assert created.tags == ["guide", "setup"]
    assert created.content == "# Setup\n\nStep one."
    assert '<h1 id="setup">' in created.render or "<h1" in created.render
    assert (created.editor, created.publish_state) == ("markdown", "published")
    assert created.author == writer
    assert created.creator == writer


def test_pages_of_another_locale_and_the_home_page(writer):
    client = signed_in_client(writer)

    french = client.post("/e/fr/docs/intro", new_form(title="Intro FR"))
    home = client.post("/e/en", new_form(title="Home"))

    assert french["Location"] == "/fr/docs/intro"
    assert Page.objects.get(locale="fr", path="docs/intro").title == "Intro FR"
    assert home["Location"] == "/"
    assert Page.objects.get(locale="en", path="home").title == "Home"


def test_crlf_line_breaks_are_stored_as_typed_lines(writer):
    signed_in_client(writer).post("/e/en/notes", new_form(content="one\r\ntwo\r\n"))

    assert Page.objects.get(path="notes").content == "one\ntwo\n"


def test_a_writer_edits_a_page(page, writer):
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/intro")

    response = client.post(
        "/e/en/docs/intro",
        form_of(form, title="Introduction", tags="start", content="# Intro\n\nNew text."),
    )

    assert response.status_code == 302
    assert response["Location"] == "/docs/intro"
    page.refresh_from_db()
    assert (page.title, page.tags, page.content) == (
        "Introduction",
        ["start"],
        "# Intro\n\nNew text.",
    )
    assert "New text." in page.render
    assert page.author == writer
    # updatePage's effect: the replaced state is a version in the history.
    version = PageHistory.objects.get(page_id=page.pk)
    assert (version.title, version.content) == ("Intro", "# Intro\n\nOld text.")


def test_an_emptied_text_is_refused_not_ignored(page, writer):
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/intro")

    response = client.post("/e/en/docs/intro", form_of(form, title="Changed", content="  \n"))

    assert response.status_code == 400
    assert error_key(response) == "ERR_INVALID_INPUT"
    assert field(response, "title") == "Changed"
    page.refresh_from_db()
    assert (page.title, page.content) == ("Intro", "# Intro\n\nOld text.")
    assert not PageHistory.objects.filter(page_id=page.pk).exists()


@pytest.mark.parametrize(
    ("changes", "key", "meaning"),
    [
        ({"title": "   "}, "ERR_PAGE_TITLE_MISSING", "Give the page a title."),
        ({"title": "t" * 256}, "ERR_INVALID_INPUT", "The title is longer than 255 characters."),
        ({"description": "d" * 256}, "ERR_INVALID_INPUT", "The description is longer"),
        ({"tags": "fine, not fine!"}, "ERR_INVALID_INPUT", "A tag holds only"),
        ({"content": ""}, "ERR_INVALID_INPUT", "Write some text"),
    ],
)
def test_a_refused_create_shows_the_meaning_and_keeps_everything_typed(
    writer, changes, key, meaning
):
    typed = new_form(
        title="Kept title",
        description="Kept description",
        tags="kept",
        content="Kept <text> & more",
    )
    typed.update(changes)

    response = signed_in_client(writer).post("/e/en/docs/new", typed)

    assert response.status_code == 400
    assert error_key(response) == key
    assert meaning in response.content.decode()
    assert field(response, "title") == typed["title"]
    assert field(response, "description") == typed["description"]
    assert field(response, "tags") == typed["tags"]
    assert textarea(response) == typed["content"]
    assert not Page.objects.filter(path="docs/new").exists()


def test_a_refused_edit_keeps_everything_typed(page, writer):
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/intro")

    response = client.post(
        "/e/en/docs/intro", form_of(form, title="", content="My long edit", tags="a, b")
    )

    assert response.status_code == 400
    assert error_key(response) == "ERR_PAGE_TITLE_MISSING"
    assert textarea(response) == "My long edit"
    assert field(response, "tags") == "a, b"
    # Still the edit of the same version: fixing the title saves.
    fixed = client.post("/e/en/docs/intro", form_of(response, title="Fixed"))
    assert fixed.status_code == 302
    page.refresh_from_db()
    assert (page.title, page.content) == ("Fixed", "My long edit")


# --- Preview ----------------------------------------------------------------------------------
def test_preview_renders_and_sanitises_as_a_save_would_and_saves_nothing(page, writer):
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/intro")
    text = '# Preview me\n\n<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">'

    response = client.post("/e/en/docs/intro", form_of(form, content=text, action="preview"))

    assert response.status_code == 200
    body = response.content.decode()
    preview = body.split('id="preview-html"', 1)[1].split("</section>", 1)[0]
    assert "<h1" in preview
    assert "Preview me" in preview
    assert "<script" not in preview
    assert "onerror" not in preview
    assert textarea(response) == text
    assert hidden(response, "base_version") == version_of(page)
    page.refresh_from_db()
    assert page.content == "# Intro\n\nOld text."
    assert not PageHistory.objects.filter(page_id=page.pk).exists()


def test_preview_of_a_new_page_creates_nothing(writer):
    response = signed_in_client(writer).post(
        "/e/en/docs/draft", new_form(content="**bold**", action="preview")
    )

    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.content.decode()
    assert not Page.objects.filter(path="docs/draft").exists()


def test_preview_needs_the_right_to_write(page, reader):
    response = signed_in_client(reader).post(
        "/e/en/docs/intro",
        {**new_form(content="**x**", action="preview"), "page_id": str(page.pk)},
    )

    assert response.status_code == 403
    assert error_key(response) == "ERR_PAGE_UPDATE_FORBIDDEN"
    assert 'id="preview-html"' not in response.content.decode()


# --- No edit lost silently --------------------------------------------------------------------
def test_a_save_from_an_older_version_is_refused_and_the_text_kept(page, writer, other_writer):
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/intro")
    # Someone else saves first, through the API's service.
    theirs = update_page(
        signed_in_caller(other_writer), page.pk, PagePatch(content="Their newer text.")
    )

    response = client.post("/e/en/docs/intro", form_of(form, content="My text.", title="Mine"))

    assert response.status_code == 409
    body = response.content.decode()
    conflict = body.split('id="edit-conflict"', 1)[1].split("</section>", 1)[0]
    assert "Their newer text." in conflict
    assert "Otto Other" in conflict
    assert theirs.updated_at.strftime("%Y-%m-%d %H:%M:%S") in conflict
    assert textarea(response) == "My text."
    assert field(response, "title") == "Mine"
    assert hidden(response, "base_version") == version_of(theirs)
    page.refresh_from_db()
    assert page.content == "Their newer text."
    assert PageHistory.objects.filter(page_id=page.pk).count() == 1

    # Merged and saved again from the newer version: it goes through.
    merged = client.post("/e/en/docs/intro", form_of(response, content="Merged text."))
    assert merged.status_code == 302
    page.refresh_from_db()
    assert (page.content, page.title, page.author) == ("Merged text.", "Mine", writer)


def test_two_saves_from_one_version_the_second_is_refused(page, writer, other_writer):
    first, second = signed_in_client(writer), signed_in_client(other_writer)
    form_a, form_b = first.get("/e/en/docs/intro"), second.get("/e/en/docs/intro")

    saved = first.post("/e/en/docs/intro", form_of(form_a, content="A's text."))
    refused = second.post("/e/en/docs/intro", form_of(form_b, content="B's text."))

    assert saved.status_code == 302
    assert refused.status_code == 409
    assert "A&#x27;s text." in refused.content.decode().split('id="edit-conflict"', 1)[1]
    assert textarea(refused) == "B's text."
    page.refresh_from_db()
    assert page.content == "A's text."


@pytest.mark.parametrize(
    "version", ["", "garbage", "2020-01-01T00:00:00", "2020-01-01T00:00:00+00:00"]
)
def test_a_missing_or_bad_version_is_a_conflict_never_a_blind_save(page, writer, version):
    response = signed_in_client(writer).post(
        "/e/en/docs/intro",
        {**new_form(content="Blind."), "page_id": str(page.pk), "base_version": version},
    )

    assert response.status_code == 409
    assert 'id="edit-conflict"' in response.content.decode()
    assert textarea(response) == "Blind."
    page.refresh_from_db()
    assert page.content == "# Intro\n\nOld text."


def test_a_page_created_meanwhile_is_a_conflict_showing_it(writer, other_writer):
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/race")
    create_page(
        signed_in_caller(other_writer),
        PageInput(
            site_id=default_site().pk,
            locale="en",
            path="docs/race",
            title="Theirs",
            description="",
            content="They were first.",
            editor="markdown",
            publish_state="published",
        ),
    )

    response = client.post("/e/en/docs/race", form_of(form, title="Mine", content="My draft."))

    assert response.status_code == 409
    conflict = response.content.decode().split('id="edit-conflict"', 1)[1]
    assert "They were first." in conflict
    assert "Otto Other" in conflict
    assert textarea(response) == "My draft."
    theirs = Page.objects.get(path="docs/race")
    assert hidden(response, "page_id") == str(theirs.pk)
    # Saving again now edits their page, from the version shown.
    merged = client.post("/e/en/docs/race", form_of(response, content="Both drafts."))
    assert merged.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.content, theirs.title) == ("Both drafts.", "Mine")


def test_a_page_deleted_meanwhile_keeps_the_text_and_saving_creates_it_again(
    page, writer, admin_user
):
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/intro")
    delete_page(signed_in_caller(admin_user), page.pk)

    response = client.post("/e/en/docs/intro", form_of(form, content="Still mine."))

    assert response.status_code == 409
    assert error_key(response) == "ERR_PAGE_NOT_FOUND"
    assert textarea(response) == "Still mine."
    assert hidden(response, "page_id") == ""
    again = client.post("/e/en/docs/intro", form_of(response))
    assert again.status_code == 302
    assert Page.objects.get(path="docs/intro").content == "Still mine."


def test_a_duplicate_create_another_may_not_edit_is_refused_without_showing_it(writer):
    secret = PageFactory(path="docs/secret", content="Hidden words.")
    group = GroupFactory(
        rules=[
            rule(roles=WRITER_ROLES),
            rule(mode="DENY", match="EXACT", path="docs/secret", roles=WRITER_ROLES),
        ]
    )
    limited = signed_in_client(UserFactory(groups=[group]))

    response = limited.post("/e/en/docs/secret", new_form(content="Mine."))

    assert response.status_code == 403
    assert error_key(response) == "ERR_FORBIDDEN"
    assert "Hidden words." not in response.content.decode()
    assert textarea(response) == "Mine."
    secret.refresh_from_db()
    assert secret.content == "Hidden words."


# --- Refusals that must not lose the text -----------------------------------------------------
def test_a_guest_post_is_refused_with_the_text_kept(page):
    response = Client().post(
        "/e/en/docs/intro",
        {
            **new_form(content="Guest words."),
            "page_id": str(page.pk),
            "base_version": version_of(page),
        },
    )

    assert response.status_code == 403
    assert error_key(response) == "ERR_NOT_AUTHENTICATED"
    assert textarea(response) == "Guest words."
    assert b"/login?next=" in response.content
    page.refresh_from_db()
    assert page.content == "# Intro\n\nOld text."


def test_a_guest_may_write_where_the_guests_rules_allow(page):
    from accounts.models import GUESTS_GROUP_ID, Group

    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule(roles=WRITER_ROLES, path="sandbox")]
    guests.save()

    assert Client().get("/e/en/sandbox/try").status_code == 200
    response = Client().post("/e/en/sandbox/try", new_form(content="From a guest."))
    assert response.status_code == 302
    assert Page.objects.get(path="sandbox/try").content == "From a guest."


def test_csrf_is_enforced(page, writer):
    client = signed_in_client(writer, enforce_csrf_checks=True)
    form = client.get("/e/en/docs/intro")
    data = form_of(form, content="Forged?")

    forged = client.post("/e/en/docs/intro", data)
    assert forged.status_code == 403
    page.refresh_from_db()
    assert page.content == "# Intro\n\nOld text."

    genuine = client.post(
        "/e/en/docs/intro",
        {**data, "csrfmiddlewaretoken": hidden(form, "csrfmiddlewaretoken")},
    )
    assert genuine.status_code == 302
    page.refresh_from_db()
    assert page.content == "Forged?"


@pytest.mark.parametrize(
    "address",
    [
        "/e/en/login",
        "/e/en/admin/x",
        "/e/en/_hidden",
        "/e/en/x",
        "/e/en/de",
        "/e/en/a%3Cb",
        "/e/en/docs//double",
        "/e/en/caf%C3%A9",
        "/e/en/nul%00byte",
        "/e/en/" + "a" * 300,
        "/e/en/docs/a..b",
        "/e/en/docs/%2e%2e/up",
    ],
)
def test_odd_addresses_show_the_path_rule_not_a_500(writer, address):
    client = signed_in_client(writer)

    shown = client.get(address)
    posted = client.post(address, new_form(content="Text for an odd place."))

    assert shown.status_code == 400
    assert b'data-error-key="ERR_INVALID_PATH"' in shown.content
    assert b"A page path is made of segments" in shown.content
    assert posted.status_code == 400
    assert error_key(posted) == "ERR_INVALID_PATH"
    assert textarea(posted) == "Text for an odd place."
    assert Page.objects.count() == 0


def test_an_odd_address_of_an_existing_page_edits_it(page, writer):
    """Found leniently, as pageByPath finds it; created only by the strict rule."""
    response = signed_in_client(writer).get("/e/en/Docs/Intro")

    assert response.status_code == 200
    assert hidden(response, "page_id") == str(page.pk)


def test_a_page_id_of_another_site_or_no_page_is_not_edited(page, writer):
    response = signed_in_client(writer).post(
        "/e/en/docs/intro", {**new_form(), "page_id": "not-a-uuid", "base_version": "x"}
    )

    assert response.status_code == 409
    assert error_key(response) == "ERR_PAGE_NOT_FOUND"
    page.refresh_from_db()
    assert page.content == "# Intro\n\nOld text."


def test_huge_content_is_refused_cleanly_like_the_api(page, writer, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/intro")

    response = client.post("/e/en/docs/intro", form_of(form, content="x" * (limit + 1)))

    assert response.status_code == 413
    assert b"The text is too large" in response.content
    assert b"5 MB at most" in response.content
    page.refresh_from_db()
    assert page.content == "# Intro\n\nOld text."


def test_large_content_under_the_limit_is_saved(page, writer):
    client = signed_in_client(writer)
    form = client.get("/e/en/docs/intro")
    text = ("A paragraph of text that goes on. " * 30 + "\n\n") * 200  # about 200 kB

    response = client.post("/e/en/docs/intro", form_of(form, content=text))

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.content == text


def test_other_methods_are_not_allowed(page, writer):
    response = signed_in_client(writer).put("/e/en/docs/intro")

    assert response.status_code == 405


# --- Output is inert --------------------------------------------------------------------------
def test_script_payloads_come_back_inert(writer):
    payload = '"><script>alert(1)</script>'
    page = PageFactory(
        path="docs/xss", title=payload, description=payload, content=f"</textarea>{payload}"
    )
    page.tags = ["ok"]
    page.save()

    response = signed_in_client(writer).get("/e/en/docs/xss")

    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert textarea(response) == f"</textarea>{payload}"
    assert field(response, "title") == payload


# --- Cost -------------------------------------------------------------------------------------
def test_the_editor_costs_the_same_queries_however_big_the_page(writer, django_assert_num_queries):
    small = PageFactory(path="docs/small", content="x", tags=["a"])
    big = PageFactory(path="docs/big", content="y\n" * 20000, tags=[f"t{i}" for i in range(50)])
    client = signed_in_client(writer)
    client.get("/e/en/docs/small")  # warm the per-process caches

    with django_assert_num_queries(count_for(client, "/e/en/docs/small")):
        client.get("/e/en/docs/big")
    assert small.pk != big.pk


def count_for(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def signed_in_caller(user):
    from accounts.authentication import user_caller

    return user_caller(user)
