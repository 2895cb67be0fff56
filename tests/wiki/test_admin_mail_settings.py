"""The admin's "Mail settings" page (API.md §4.6): shows, saves and guards the SMTP settings."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from tests.wiki.test_mail_settings import ARGUMENTS, STORED, stored_rows, update
from wiki.config import get_setting
from wiki.mail_settings import MASK
from wiki.models import Setting

from .admin_support import assert_sent_to_login, logged_in

PAGE = "/admin/mail-settings/"

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
    assert "MIIB" not in html
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
    assert get_setting("mail") == STORED
    followed = admin_http.get(PAGE)
    assert page_messages(followed) == ["Mail settings saved."]
    entry = LogEntry.objects.get(object_id=str(Setting.objects.get(key="mail").pk))
    assert (entry.action_flag, entry.user_id) == (CHANGE, admin.pk)
    assert "s3cret" not in str(entry.change_message)


def test_empty_secret_fields_keep_the_stored_values(admin_http):
    update()

    admin_http.post(PAGE, form_data(password="", dkim_private_key="", host="smtp2.example.com"))

    assert get_setting("mail") == {**STORED, "host": "smtp2.example.com"}


def test_typed_mask_keeps_and_remove_boxes_clear_the_secrets(admin_http):
    update()

    admin_http.post(PAGE, form_data(password=MASK, dkim_private_key=MASK))
    kept = get_setting("mail")
    admin_http.post(
        PAGE,
        form_data(
            password="", dkim_private_key="", remove_password="on", remove_dkim_private_key="on"
        ),
    )

    assert (kept["pass"], kept["dkimPrivateKey"]) == ("s3cret-pass", ARGUMENTS["dkim_private_key"])
    assert (get_setting("mail")["pass"], get_setting("mail")["dkimPrivateKey"]) == ("", "")


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

    for response in (page, posted):
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
    assert get_setting("mail") == STORED


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
