"""The outbox in the admin (wiki/admin_outbox.py): list, filters, search, the Resend action;
read-only, the body never shown, and only for manage:system."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone

from wiki import outbox
from wiki.celery import app as celery_app
from wiki.models import OutboundMail
from wiki.secrets import seal

from .admin_support import assert_sent_to_login, logged_in

pytestmark = pytest.mark.django_db

LIST = "/admin/wiki/outboundmail/"
SECRET_TEXT = "Your password: Initial-Pass1"


def change_url(row: OutboundMail) -> str:
    return f"{LIST}{row.pk}/change/"


def sealed_body(text: str = SECRET_TEXT) -> str:
    return seal(f'{{"text": "{text}", "html": "<p>{text}</p>"}}', outbox.BODY_PURPOSE)


def outbox_row(**fields) -> OutboundMail:
    values = {
        "kind": OutboundMail.Kind.WELCOME,
        "recipient": "jane@example.com",
        "subject": "Welcome to the wiki Default Site",
        "body": sealed_body(),
        "holds_password": True,
        "message_id": "<1@example.com>",
        "next_attempt_at": timezone.now(),
        **fields,
    }
    return OutboundMail.objects.create(**values)


@pytest.fixture
def rows():
    return {
        "pending": outbox_row(),
        "failed": outbox_row(
            kind=OutboundMail.Kind.RESET,
            recipient="joe@example.com",
            subject="Password Reset Request",
            holds_password=False,
            status="failed",
            attempts=8,
            last_error="421 4.3.2 try again later " + "x" * 200,
            last_attempt_at=timezone.now(),
        ),
        "sent": outbox_row(
            kind=OutboundMail.Kind.VERIFY,
            recipient="ann@example.com",
            subject="Verify your account",
            body="",
            status="sent",
            attempts=1,
            sent_at=timezone.now(),
        ),
    }


def listed(response) -> set[str]:
    return {row.recipient for row in response.context["cl"].result_list}


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- What it shows --------------------------------------------------------------------------------
def test_list_shows_the_columns_and_never_a_body(admin_http, rows):
    response = admin_http.get(LIST)

    assert response.status_code == 200
    assert listed(response) == {"jane@example.com", "joe@example.com", "ann@example.com"}
    html = response.content.decode()
    for heading in ("Recipient", "Kind", "Subject", "Status", "Attempts", "Last error"):
        assert heading in html
    for heading in ("Created at", "Last attempt at", "Sent at"):
        assert heading in html
    assert "Password Reset Request" in html
    assert "421 4.3.2 try again later" in html
    assert "x" * 100 not in html  # the list shortens the error
    assert SECRET_TEXT not in html
    for row in rows.values():
        if row.body:
            assert row.body not in html
            assert row.body[len("sealed:v1:") :][:40] not in html


def test_message_page_shows_the_state_but_not_the_body(admin_http, rows):
    failed = rows["failed"]

    response = admin_http.get(change_url(failed))
    sent = admin_http.get(change_url(rows["sent"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert failed.last_error in html  # in full
    assert "kept, sealed (erased once delivered)" in html
    assert SECRET_TEXT not in html
    assert failed.body not in html
    assert "erased" in sent.content.decode()
    assert b'name="_save"' not in response.content  # read-only


def test_a_body_no_key_opens_still_lists_it_is_never_opened(admin_http):
    row = outbox_row(body="sealed:v1:" + "A" * 80)

    assert admin_http.get(LIST).status_code == 200
    assert admin_http.get(change_url(row)).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "failed"}, {"joe@example.com"}),
        ({"status__exact": "pending"}, {"jane@example.com"}),
        ({"kind__exact": "verify"}, {"ann@example.com"}),
        ({"q": "joe@"}, {"joe@example.com"}),
        ({"q": "example.com", "status__exact": "sent"}, {"ann@example.com"}),
    ],
)
def test_filters_and_search(admin_http, rows, query, expected):
    response = admin_http.get(LIST, query)

    assert response.status_code == 200
    assert listed(response) == expected


def test_read_only(admin_http, rows):
    row = rows["failed"]

    assert admin_http.get(f"{LIST}add/").status_code == 403
    assert admin_http.post(change_url(row), {"recipient": "eve@example.com"}).status_code == 403
    assert admin_http.get(f"{LIST}{row.pk}/delete/").status_code == 403
    actions = admin_http.get(LIST).context["action_form"].fields["action"].choices
    assert [name for name, _ in actions if name] == ["resend_messages"]
    row.refresh_from_db()
    assert row.recipient == "joe@example.com"


# --- Resend ---------------------------------------------------------------------------------------
def resend(http, *rows: OutboundMail):
    return http.post(
        LIST,
        {"action": "resend_messages", "_selected_action": [str(r.pk) for r in rows], "index": 0},
        follow=True,
    )


def test_resend_in_process_sends_and_reports_each_message(admin_http, admin, rows, smtp):
    failed_with_password = outbox_row(status="failed", body="", recipient="max@example.com")

    response = resend(
        admin_http, rows["failed"], rows["sent"], rows["pending"], failed_with_password
    )

    assert response.status_code == 200
    assert sorted(page_messages(response)) == sorted(
        [
            "Password reset to joe@example.com: sent.",
            "Email verification to ann@example.com: not resent, the message body was erased.",
            "Welcome to jane@example.com: not resent, it is pending already.",
            "Welcome to max@example.com: not resent, the message body was erased.",
        ]
    )
    (accepted,) = smtp.received
    assert accepted.rcpt_tos == ["joe@example.com"]
    rows["failed"].refresh_from_db()
    assert (rows["failed"].status, rows["failed"].attempts) == ("sent", 1)
    entry = LogEntry.objects.get(object_id=str(rows["failed"].pk))
    assert (entry.action_flag, entry.user_id, entry.change_message) == (CHANGE, admin.pk, "Resent.")


def test_resend_with_a_broker_queues_it(admin_http, rows, django_capture_on_commit_callbacks):
    celery_app.conf.task_always_eager = False
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = resend(admin_http, rows["failed"])
    finally:
        celery_app.conf.task_always_eager = True

    assert page_messages(response) == ["Password reset to joe@example.com: queued."]
    assert [(c.func.__name__, c.args) for c in callbacks] == [("publish", (rows["failed"].pk,))]
    rows["failed"].refresh_from_db()
    assert (rows["failed"].status, rows["failed"].attempts) == ("pending", 0)


# --- Who may see it -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "permissions",
    [(), ("manage:users", "manage:groups", "manage:sites", "manage:api", "write:users")],
)
def test_other_administrators_are_refused(staff_http, rows, permissions):
    http = staff_http(*permissions)

    assert http.get(LIST).status_code == 403
    assert http.get(change_url(rows["failed"])).status_code == 403
    assert resend(http, rows["failed"]).status_code == 403
    assert b"/admin/wiki/outboundmail/" not in http.get("/admin/").content
    rows["failed"].refresh_from_db()
    assert rows["failed"].status == "failed"


def test_anonymous_and_plain_users_are_sent_to_login(client, user, rows):

    assert_sent_to_login(LIST, client, logged_in(user))


def test_manage_system_sees_it_in_the_index(admin_http):
    assert b'href="/admin/wiki/outboundmail/"' in admin_http.get("/admin/").content
