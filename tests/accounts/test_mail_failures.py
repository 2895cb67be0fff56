"""The mail error keys of createUser, register and forgotPassword through real paths (§4.6),
and what each failure leaves behind (§2.3, §4.3.2), plus the outbox's bodies while queued.

``createUser`` keeps the user after a mail failure and returns it; ``register`` and
``forgotPassword`` leave nothing: the account or token and the outbox row are written in one
transaction, which the failure undoes. Send failures use a real SMTP client against loopback:
a port nothing listens on, and an aiosmtpd server refusing the recipient with 550.
"""

from __future__ import annotations

import re
import shutil

import pytest
from django.conf import settings as django_settings

from accounts.models import User, UserKey
from tests.factories import UserFactory
from tests.smtp_support import SmtpServer, free_port, point_mail_at
from wiki import outbox
from wiki.celery import app as celery_app
from wiki.models import OutboundMail

from .mail_support import (
    CREATE_USER,
    EMAIL,
    FORGOT_PASSWORD,
    PASSWORD,
    REGISTER,
    open_validating_registration,
)

KINDS = ["welcome", "reset", "verify"]
FIELD = {"welcome": "createUser", "reset": "forgotPassword", "verify": "register"}


def failed(key: str) -> dict:
    return {"succeeded": False, "slug": key, "message": key}


@pytest.fixture
def ask(db, admin_key_client, anonymous):
    """``ask(kind)``, once per test: the operation that sends the ``kind`` mail to Jane; its
    payload. For the reset mail Jane's account exists first; for the verification mail
    registration is open with email validation."""

    def run(kind: str) -> dict:
        if kind == "reset":
            UserFactory(email=EMAIL, name="Jane Doe")
        elif kind == "verify":
            open_validating_registration()
        variables = {"email": EMAIL, "name": "Jane Doe", "password": PASSWORD}
        if kind == "welcome":
            response = admin_key_client(CREATE_USER, variables)
        elif kind == "reset":
            response = anonymous(FORGOT_PASSWORD, {"email": EMAIL})
        else:
            response = anonymous(REGISTER, variables)
        assert response.status == 200, response.body
        assert response.errors == []
        return response.data[FIELD[kind]]

    return run


@pytest.fixture
def smtp_backend(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def assert_failed_leaving_only_the_user(payload: dict, kind: str, key: str) -> None:
    """createUser: the user stays and is returned; register / forgotPassword: no trace."""
    if kind == "welcome":
        user = User.objects.get(email=EMAIL)
        assert payload == {"operation": failed(key), "user": {"id": str(user.pk), "email": EMAIL}}
        assert user.check_password(PASSWORD)
    else:
        assert payload["operation"] == failed(key)
        assert all(value is None for name, value in payload.items() if name != "operation")
        # The reset mail's account was there before; the verification mail's is not created.
        assert User.objects.filter(email=EMAIL).count() == (1 if kind == "reset" else 0)
        assert OutboundMail.objects.count() == 0
    assert UserKey.objects.count() == 0


# --- Not configured ---------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_mail_not_configured(ask, kind):
    # The installation's mail settings: no host, no sender.
    payload = ask(kind)

    assert payload["operation"] == failed("ERR_MAIL_NOT_CONFIGURED")
    assert all(value is None for name, value in payload.items() if name != "operation")
    assert User.objects.filter(email=EMAIL).count() == (1 if kind == "reset" else 0)
    assert UserKey.objects.count() == 0
    assert OutboundMail.objects.count() == 0


# --- A template that does not render --------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("broken", ["{kind}.subject.txt", "{kind}.txt", "{kind}.html", "base.html"])
def test_render_failure(ask, smtp_backend, settings, tmp_path, kind, broken):
    shutil.copytree(django_settings.BASE_DIR / "templates" / "mail", tmp_path / "mail")
    (tmp_path / "mail" / broken.format(kind=kind)).write_text("{% if %}broken{% endif %}")
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    with SmtpServer() as recorder:
        point_mail_at(recorder.port)

        payload = ask(kind)

    assert_failed_leaving_only_the_user(payload, kind, "ERR_MAIL_RENDER_FAILED")
    assert OutboundMail.objects.count() == 0
    assert recorder.received == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_render_failure_of_a_missing_template(ask, smtp_backend, settings, tmp_path, kind):
    shutil.copytree(django_settings.BASE_DIR / "templates" / "mail", tmp_path / "mail")
    (tmp_path / "mail" / f"{kind}.txt").unlink()
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    point_mail_at(free_port())

    payload = ask(kind)

    assert_failed_leaving_only_the_user(payload, kind, "ERR_MAIL_RENDER_FAILED")
    assert OutboundMail.objects.count() == 0


# --- The SMTP server down, or refusing --------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_send_failure_smtp_down(ask, smtp_backend, kind):
    point_mail_at(free_port())  # nothing listens there: the connection is refused

    payload = ask(kind)

    assert_failed_leaving_only_the_user(payload, kind, "ERR_MAIL_SEND_FAILED")
    if kind == "welcome":
        assert_failed_welcome_row(reason=r"ConnectionRefusedError\b")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_send_failure_recipient_refused(ask, smtp_backend, kind):
    # A permanent 550 to every recipient, as for an unknown mailbox.
    with SmtpServer(refuse_recipients_with="550 5.1.1 Mailbox unavailable") as refuser:
        point_mail_at(refuser.port)

        payload = ask(kind)

    assert_failed_leaving_only_the_user(payload, kind, "ERR_MAIL_SEND_FAILED")
    assert refuser.received == []
    if kind == "welcome":
        assert_failed_welcome_row(reason=r"recipient refused: 550 5\.1\.1 Mailbox unavailable")


def assert_failed_welcome_row(*, reason: str) -> None:
    """One attempt, the reason kept, and the body holding the password erased."""
    row = OutboundMail.objects.get()
    assert (row.kind, row.recipient, row.status, row.attempts) == ("welcome", EMAIL, "failed", 1)
    assert re.match(reason, row.last_error), row.last_error
    assert row.holds_password is True
    assert row.body == ""
    assert row.sent_at is None


# --- While a message waits for the worker -----------------------------------------------------
@pytest.fixture
def with_broker(monkeypatch):
    """Delivery as with a broker: the row waits in the outbox for a task queued on commit
    (the test's transaction never commits, so none is; the test delivers the row itself)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_waiting_body_is_sealed_and_erased_once_sent(
    ask, smtp_backend, with_broker, django_capture_on_commit_callbacks, kind
):
    with SmtpServer() as recorder:
        point_mail_at(recorder.port)

        with django_capture_on_commit_callbacks() as on_commit:
            assert ask(kind)["operation"]["succeeded"] is True
        row = OutboundMail.objects.get()
        assert (row.kind, row.status, row.attempts) == (kind, "pending", 0)
        # Queued once the change commits, carrying the row's id only.
        queued = [call for call in on_commit if getattr(call, "func", None) is outbox.publish]
        assert [call.args for call in queued] == [(row.pk,)]
        assert recorder.received == []
        # What the message must not show in clear: the password, or the link's token.
        text = outbox.message_of(row).text
        secret = PASSWORD if kind == "welcome" else re.search(r"/([A-Za-z0-9_-]{21})\n", text)[1]
        assert secret in text
        stored = OutboundMail.objects.filter(pk=row.pk).values_list(
            "recipient", "subject", "body", "last_error", "message_id"
        )
        assert all(secret not in column for column in stored.get())

        assert outbox.deliver(row.pk).sent is True

    (mail,) = recorder.received
    assert secret in mail.text
    row.refresh_from_db()
    assert (row.status, row.attempts, row.body) == ("sent", 1, "")
