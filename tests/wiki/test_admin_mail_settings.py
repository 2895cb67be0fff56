"""The admin's "Mail settings" page (API.md §4.6): shows, saves and guards the SMTP settings,
and sends the test mail through a real SMTP server on loopback."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from tests.smtp_support import free_port
from wiki.config import update_setting
from wiki.mail_settings import MASK
from wiki.models import Setting

from . import mail_settings_support
from .admin_support import assert_sent_to_login, logged_in
from .mail_settings_support import (
    ARGUMENTS,
    DKIM_KEY_PEM,
    STORED,
    opened_setting,
    stored_rows,
    update,
)

PAGE = "/admin/mail-settings/"
TEST_MAIL = "/admin/mail-settings/test/"
# The fixtures, used here.
smtp_server = mail_settings_support.smtp_server
smtp_configured = mail_settings_support.smtp_configured

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    data = {**ARGUMENTS, **changes}
    # Unchecked boxes are not sent at all.
    return {field: value for field, value in data.items() if value is not False}


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_page_shows_the_settings_but_never_the_secrets(admin_http):
    update()

    response = admin_http.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    form = response.context["form"]
    assert {name: form[name].value() for name in ("host", "port", "name", "user")} == {
        "host": "smtp.example.com",
        "port": 587,
        "name": "wiki.example.com",
        "user": "mailer",
    }
    assert 'value="smtp.example.com"' in html
    assert "s3cret-pass" not in html
    assert "PRIVATE KEY" not in html
    assert DKIM_KEY_PEM.splitlines()[1] not in html
    assert html.count(f'placeholder="{MASK}"') == 2
    assert 'id="mail-configured-value">configured<' in html
    assert "no-store" in response["Cache-Control"]


def test_page_without_secrets_shows_no_placeholder(admin_http):
    response = admin_http.get(PAGE)

    html = response.content.decode()
    assert f'placeholder="{MASK}"' not in html
    assert 'value="https://wiki.example.com"' in html
    assert 'id="mail-configured-value">not configured<' in html


def test_post_saves_through_the_service(admin_http, admin):
    response = admin_http.post(PAGE, form_data(default_base_url="https://docs.example.org/"))

    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert opened_setting() == STORED
    followed = admin_http.get(PAGE)
    assert page_messages(followed) == ["Mail settings saved."]
    entry = LogEntry.objects.get(object_id=str(Setting.objects.get(key="mail").pk))
    assert (entry.action_flag, entry.user_id) == (CHANGE, admin.pk)
    assert "s3cret" not in str(entry.change_message)


def test_empty_secret_fields_keep_the_stored_values(admin_http):
    update()

    admin_http.post(PAGE, form_data(password="", dkim_private_key="", host="smtp2.example.com"))

    assert opened_setting() == {**STORED, "host": "smtp2.example.com"}


def test_typed_mask_keeps_and_remove_boxes_clear_the_secrets(admin_http):
    update()

    admin_http.post(PAGE, form_data(password=MASK, dkim_private_key=MASK))
    kept = opened_setting()
    admin_http.post(
        PAGE,
        form_data(
            password="",
            dkim_private_key="",
            remove_password="on",
            remove_dkim_private_key="on",
            use_dkim=False,
        ),
    )

    assert (kept["pass"], kept["dkimPrivateKey"]) == ("s3cret-pass", DKIM_KEY_PEM)
    assert (opened_setting()["pass"], opened_setting()["dkimPrivateKey"]) == ("", "")


def test_new_password_and_remove_together_are_refused(admin_http):
    update()
    before = stored_rows()

    response = admin_http.post(PAGE, form_data(password="other", remove_password="on"))

    assert response.status_code == 400
    assert "password" in response.context["form"].errors
    assert stored_rows() == before


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"port": 70000}, "port must be 1-65535"),
        ({"port": 0}, "port must be 1-65535"),
        ({"sender_email": "not-an-address"}, "senderEmail is not an address"),
        ({"default_base_url": "ftp://example.org"}, "defaultBaseURL must be an http(s) URL"),
        (
            {"dkim_private_key": "not a key"},
            "the DKIM private key is not a PEM private key",
        ),
        (
            {"remove_dkim_private_key": "on", "dkim_private_key": ""},
            "DKIM needs a private key",
        ),
    ],
)
def test_invalid_input_shows_the_error_key_and_changes_nothing(admin_http, changes, detail):
    update()
    before = stored_rows()

    response = admin_http.post(PAGE, form_data(password="typed-new-pass", **changes))

    assert response.status_code == 400
    assert page_messages(response) == [f"ERR_INVALID_INPUT: {detail}"]
    assert "typed-new-pass" not in response.content.decode()
    assert stored_rows() == before
    assert not LogEntry.objects.exists()


def test_non_numeric_port_is_a_form_error(admin_http):
    before = stored_rows()

    response = admin_http.post(PAGE, form_data(port="smtp"))

    assert response.status_code == 400
    assert "port" in response.context["form"].errors
    assert stored_rows() == before


@pytest.mark.parametrize(
    "permissions", [(), ("manage:api",), ("manage:users", "manage:groups", "write:pages")]
)
def test_staff_without_manage_system_is_refused(staff_http, permissions):
    update()
    before = stored_rows()
    http = staff_http(*permissions)

    page = http.get(PAGE)
    posted = http.post(PAGE, form_data(host="evil.example.com"))
    tested = http.post(TEST_MAIL, {"recipient_email": "jane@example.com"})

    for response in (page, posted, tested):
        assert response.status_code == 403
        assert response.context["form"] is None
        assert page_messages(response)[0].startswith("ERR_FORBIDDEN")
        assert "smtp.example.com" not in response.content.decode()
    assert stored_rows() == before


def test_staff_with_manage_system_may_read_and_save(staff_http):
    update(host="old.example.com")
    http = staff_http("manage:system")

    page = http.get(PAGE)
    posted = http.post(PAGE, form_data())

    assert page.status_code == 200
    assert page.context["form"]["host"].value() == "old.example.com"
    assert (posted.status_code, posted["Location"]) == (302, PAGE)
    assert opened_setting() == STORED


def test_page_refuses_anonymous_and_plain_users(client, user):
    assert_sent_to_login(PAGE, client, logged_in(user))


def test_post_needs_csrf(admin):
    before = stored_rows()

    response = logged_in(admin, enforce_csrf_checks=True).post(PAGE, form_data())

    assert response.status_code == 403
    assert stored_rows() == before


def test_admin_index_links_to_the_page(admin_http):
    response = admin_http.get("/admin/")

    assert f'href="{PAGE}" id="mail-settings-link"' in response.content.decode()


# --- The installation placeholder of defaultBaseURL -------------------------------------------
def test_placeholder_base_url_is_warned_about(admin_http):
    html = admin_http.get(PAGE).content.decode()

    assert 'id="mail-placeholder-base-url"' in html
    assert "installation placeholder <code>https://wiki.example.com</code>" in html
    assert "<code>*</code> site would point there" in html


@pytest.mark.parametrize("url", ["https://docs.example.org", "https://wiki.example.com/wiki"])
def test_no_warning_once_the_base_url_is_set(admin_http, url):
    update(default_base_url=url)

    html = admin_http.get(PAGE).content.decode()

    assert 'id="mail-placeholder-base-url"' not in html


# --- Send test mail -------------------------------------------------------------------------------
def test_page_has_the_test_mail_form(admin_http):
    html = admin_http.get(PAGE).content.decode()

    assert f'action="{TEST_MAIL}" id="mail-test-form"' in html
    assert 'name="recipient_email"' in html
    assert 'id="mail-test-submit" value="Send test mail"' in html


def test_test_mail_is_sent_and_reported(admin_http, smtp_configured):
    recorder, _port = smtp_configured

    response = admin_http.post(TEST_MAIL, {"recipient_email": " jane@example.com "})

    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert page_messages(admin_http.get(PAGE)) == ["Test mail sent to jane@example.com."]
    [received] = recorder.received
    assert received.rcpt_tos == ["jane@example.com"]
    assert received.message["Subject"] == "A test email from your wiki"
    text, html = received.text, received.html
    assert "This is a test email sent from your wiki." in text
    assert "This is a test email sent from your wiki." in html


def test_refused_test_mail_shows_the_smtp_answer_escaped(admin_http, smtp_configured):
    recorder, _port = smtp_configured
    recorder.refuse_with = "550 5.7.1 <jane@example.com> refused by <policy> & co"

    response = admin_http.post(TEST_MAIL, {"recipient_email": "jane@example.com"})

    assert response.status_code == 400
    assert page_messages(response) == [
        "ERR_MAIL_SEND_FAILED: 550 5.7.1 <jane@example.com> refused by <policy> & co"
    ]
    html = response.content.decode()
    assert "550 5.7.1 &lt;jane@example.com&gt; refused by &lt;policy&gt; &amp; co" in html
    assert "<policy>" not in html
    assert response.context["test_form"]["recipient_email"].value() == "jane@example.com"
    assert recorder.received == []


def test_unreachable_server_is_reported(admin_http, smtp_configured):
    update_setting("mail", port=free_port())

    response = admin_http.post(TEST_MAIL, {"recipient_email": "jane@example.com"})

    assert response.status_code == 400
    [message] = page_messages(response)
    assert message.startswith("ERR_MAIL_SEND_FAILED: ConnectionRefusedError")


@pytest.mark.parametrize(
    ("recipient", "message"),
    [
        ("", "ERR_MAIL_INVALID_RECIPIENT: recipient empty or too short"),
        ("a@b.c", "ERR_MAIL_INVALID_RECIPIENT: recipient empty or too short"),
        ("not an address", "ERR_MAIL_INVALID_RECIPIENT: recipient is not an address"),
    ],
)
def test_invalid_recipient_is_reported(admin_http, smtp_configured, recipient, message):
    recorder, _port = smtp_configured

    response = admin_http.post(TEST_MAIL, {"recipient_email": recipient})

    assert (response.status_code, page_messages(response)) == (400, [message])
    assert recorder.received == []


def test_test_mail_without_settings_is_not_configured(admin_http):
    response = admin_http.post(TEST_MAIL, {"recipient_email": "jane@example.com"})

    assert (response.status_code, page_messages(response)) == (400, ["ERR_MAIL_NOT_CONFIGURED"])


def test_test_mail_page_never_shows_the_secrets(admin_http, smtp_configured):
    recorder, port = smtp_configured
    update(host="127.0.0.1", port=port, user="")
    recorder.refuse_with = "554 no"

    html = admin_http.post(TEST_MAIL, {"recipient_email": "jane@example.com"}).content.decode()

    assert "s3cret-pass" not in html
    assert DKIM_KEY_PEM.splitlines()[1] not in html
    assert "PRIVATE KEY" not in json.dumps(Setting.objects.get(key="mail").value)


def test_test_mail_needs_post_and_csrf(admin, admin_http, smtp_configured):
    recorder, _port = smtp_configured

    got = admin_http.get(TEST_MAIL)
    forged = logged_in(admin, enforce_csrf_checks=True).post(
        TEST_MAIL, {"recipient_email": "jane@example.com"}
    )

    assert (got.status_code, forged.status_code) == (405, 403)
    assert recorder.received == []


def test_test_mail_refuses_anonymous_and_plain_users(client, user, smtp_configured):
    recorder, _port = smtp_configured

    for browser in (client, logged_in(user)):
        response = browser.post(TEST_MAIL, {"recipient_email": "jane@example.com"})
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert recorder.received == []
