"""The outbox (``wiki.outbox``, API.md §4.6 "Delivery") in process, against a real SMTP server
on loopback: failures, retries, giving up, the re-queue, resend, rotation of SECRET_KEY.

"Queued" tests switch the Celery app from running tasks in the request to publishing them, on
its in-memory broker (kombu's memory transport, the test settings' broker), and then run the
delivery themselves as the worker's task would: ``outbox.deliver(id)``. The worker process
itself is tested in tests/wiki/test_outbox_worker.py.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.celery_support import Broker, publishing_to
from tests.smtp_support import SMTP_BACKEND, SmtpServer, free_port, point_mail_at
from wiki import outbox
from wiki.celery import app as celery_app
from wiki.errors import DomainError
from wiki.mail import MailNotSent, OutgoingMail
from wiki.models import OutboundMail
from wiki.tasks import deliver_mail, purge_old_mail

MESSAGE = OutgoingMail(
    to="jane@example.com",
    subject="Welcome",
    text="Your password: Initial-Pass1",
    html="<p>Your password: <b>Initial-Pass1</b></p>",
)


@pytest.fixture
def queued(settings):
    """Tasks are published (to the in-memory broker), not run in the request; ``queued()``
    takes the outbox ids published since the last call."""
    celery_app.conf.task_always_eager = False
    taken()  # nothing left over from another test
    yield taken
    taken()
    celery_app.conf.task_always_eager = True


def taken() -> list[str]:
    ids = []
    with celery_app.connection_for_read() as conn:
        while (message := conn.default_channel.basic_get("celery", no_ack=True)) is not None:
            (args, _kwargs, _embed) = message.payload
            ids.extend(args)
    return ids


def pending_row(queued, **changes) -> OutboundMail:
    row = outbox.enqueue(MESSAGE, kind=OutboundMail.Kind.WELCOME, holds_password=True)
    if changes:
        OutboundMail.objects.filter(pk=row.pk).update(**changes)
        row.refresh_from_db()
    return row


def due_now(row: OutboundMail) -> None:
    OutboundMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


# --- Failures -----------------------------------------------------------------------------------
def test_permanent_refusal_fails_at_once_with_the_reason(smtp, queued):
    smtp.refuse_with = "550 5.1.1 <jane@example.com>: no such user"
    row = pending_row(queued)

    outcome = outbox.deliver(row.pk)

    row.refresh_from_db()
    assert outcome == outbox.Outcome(reason="550 5.1.1 <jane@example.com>: no such user")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "550 5.1.1 <jane@example.com>: no such user"
    assert row.body == ""  # it held a password
    assert smtp.received == []


def test_transient_failure_schedules_a_retry_in_the_backoff_window(smtp, queued, settings):
    settings.MAIL_RETRY_DELAY = 30
    smtp.refuse_with = "421 4.3.2 try again later"
    row = pending_row(queued)

    outcome = outbox.deliver(row.pk)

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "421 4.3.2 try again later")
    assert 15 <= outcome.retry_in <= 30
    wait = (row.next_attempt_at - row.last_attempt_at).total_seconds()
    assert wait == pytest.approx(outcome.retry_in, abs=0.5)
    # A second task arriving before the retry is due does nothing.
    assert outbox.deliver(row.pk) == outbox.NOTHING_TO_DO
    row.refresh_from_db()
    assert row.attempts == 1
    assert smtp.data_commands == 1


def test_retry_delays_double_up_to_the_maximum_less_a_random_half(settings):
    settings.MAIL_RETRY_DELAY = 30
    settings.MAIL_RETRY_MAX_DELAY = 1800
    ceilings = {1: 30, 2: 60, 3: 120, 6: 960, 7: 1800, 12: 1800}

    for attempts, ceiling in ceilings.items():
        delays = [outbox.retry_delay(attempts) for _ in range(200)]
        assert ceiling / 2 <= min(delays)
        assert max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 10  # jittered, not one value


def test_last_attempt_fails_with_the_reason_and_erases_a_password(smtp, queued, settings):
    settings.MAIL_MAX_ATTEMPTS = 3
    smtp.refuse_with = "421 4.3.2 try again later"
    row = pending_row(queued)

    outcomes = []
    for _ in range(3):
        outcomes.append(outbox.deliver(row.pk))
        due_now(row)

    row.refresh_from_db()
    assert [outcome.retry_in is not None for outcome in outcomes] == [True, True, False]
    assert outcomes[-1] == outbox.Outcome(reason="421 4.3.2 try again later")
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "421 4.3.2 try again later")
    assert row.body == ""
    assert outbox.deliver(row.pk) == outbox.NOTHING_TO_DO
    assert smtp.data_commands == 3


def test_an_unexpected_error_counts_as_an_attempt(smtp, queued, settings, caplog):
    """Not rolled back with the transaction: the message would otherwise be re-queued forever
    without its attempts ever adding up to MAIL_MAX_ATTEMPTS."""
    settings.EMAIL_BACKEND = "wiki.no_such_module.EmailBackend"  # a broken configuration
    settings.MAIL_MAX_ATTEMPTS = 2
    row = pending_row(queued)

    first = outbox.deliver(row.pk)
    due_now(row)
    last = outbox.deliver(row.pk)

    row.refresh_from_db()
    reason = "ModuleNotFoundError: No module named 'wiki.no_such_module'"
    assert first.retry_in is not None
    assert last == outbox.Outcome(reason=reason)
    assert (row.status, row.attempts, row.last_error) == ("failed", 2, reason)
    assert "unexpected error while sending" in caplog.text


def test_a_failed_message_without_a_password_keeps_its_body_for_a_resend(smtp, queued):
    smtp.refuse_with = "554 5.7.1 rejected"
    row = outbox.enqueue(MESSAGE, kind=OutboundMail.Kind.RESET)

    outbox.deliver(row.pk)

    row.refresh_from_db()
    assert row.status == "failed"
    assert outbox.message_of(row) == MESSAGE


def test_delivered_message_is_sent_once_and_its_body_erased(smtp, queued):
    row = pending_row(queued)

    assert outbox.deliver(row.pk) == outbox.Outcome(sent=True)
    assert outbox.deliver(row.pk) == outbox.NOTHING_TO_DO

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error, row.body) == ("sent", 1, "", "")
    (accepted,) = smtp.received
    assert accepted.message["Message-ID"] == row.message_id
    assert accepted.text.strip() == MESSAGE.text


@pytest.mark.parametrize("mail_id", ["not-a-uuid", "7d7a3a57-1f0e-4b7e-8f44-0a3e5b2d9c11"])
def test_unknown_ids_do_nothing(db, mail_id):
    assert outbox.deliver(mail_id) == outbox.NOTHING_TO_DO


def test_the_task_keeps_retrying_past_celerys_default_limit(smtp, queued, settings):
    # Celery gives up after 3 retries unless told otherwise; the outbox counts attempts.
    settings.MAIL_MAX_ATTEMPTS = 8
    smtp.refuse_with = "421 4.3.2 try again later"
    row = pending_row(queued, attempts=5)

    # Run as a worker's sixth try would be; a retry is scheduled, not MaxRetriesExceededError.
    with pytest.raises(Retry):
        deliver_mail.apply(args=[str(row.pk)], retries=5)

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 6)
    assert smtp.data_commands == 1


def test_an_old_task_carrying_the_whole_message_is_dropped(smtp, queued, caplog):
    row = pending_row(queued)
    old_style = {"to": "jane@example.com", "subject": "Welcome", "text": "pw", "html": "pw"}

    with caplog.at_level(logging.WARNING, logger="wiki.tasks"):
        result = deliver_mail.apply(args=[old_style])

    assert result.successful()
    assert "dropped a mail task that does not carry an outbox id" in caplog.text
    assert smtp.data_commands == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)


# --- The re-queue -------------------------------------------------------------------------------
def test_requeue_takes_only_overdue_pending_messages_once(
    smtp, queued, settings, django_capture_on_commit_callbacks
):
    settings.MAIL_REQUEUE_AFTER = 300
    long_ago = timezone.now() - timedelta(seconds=400)
    lost = pending_row(queued, next_attempt_at=long_ago)
    pending_row(queued, next_attempt_at=timezone.now() - timedelta(seconds=200))  # not yet
    pending_row(queued, next_attempt_at=timezone.now() + timedelta(seconds=600))  # retry later
    pending_row(queued, next_attempt_at=long_ago, status="failed")
    pending_row(queued, next_attempt_at=long_ago, status="sent")
    queued()

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.requeue_stale() == 1
    assert queued() == [str(lost.pk)]
    lost.refresh_from_db()
    assert abs((lost.next_attempt_at - timezone.now()).total_seconds()) < 5

    # The next run, while its task waits in the queue, leaves it alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.requeue_stale() == 0
    assert queued() == []


def test_requeue_runs_the_same_queries_for_one_message_or_many(
    smtp, queued, settings, django_capture_on_commit_callbacks
):
    settings.MAIL_REQUEUE_AFTER = 300
    long_ago = timezone.now() - timedelta(seconds=400)

    def queries_for(count: int) -> int:
        OutboundMail.objects.all().delete()
        for _ in range(count):
            pending_row(queued, next_attempt_at=long_ago)
        with CaptureQueriesContext(connection) as context:
            with django_capture_on_commit_callbacks(execute=True):
                assert outbox.requeue_stale() == count
        assert len(queued()) == count
        return len(context.captured_queries)

    assert queries_for(1) == queries_for(10)


def test_requeue_stops_publishing_when_the_broker_fails(
    smtp, queued, settings, django_capture_on_commit_callbacks, caplog
):
    settings.MAIL_REQUEUE_AFTER = 300
    for _ in range(3):
        pending_row(queued, next_attempt_at=timezone.now() - timedelta(seconds=400))
    # Any broker that cannot be reached (AMQP on a closed port: no Redis URL in the tests).
    closed = Broker(url=f"amqp://127.0.0.1:{free_port()}//", queue="celery", prefix="")
    with publishing_to(closed), django_capture_on_commit_callbacks(execute=True):
        assert outbox.requeue_stale() == 3

    # One failed publication, not three: the others would each wait out the retries.
    assert caplog.text.count("could not be queued") == 1


# --- Resend -------------------------------------------------------------------------------------
def test_resend_in_process_attempts_the_failed_message_again(smtp):
    smtp.refuse_with = "554 5.7.1 rejected"
    with pytest.raises(DomainError):
        outbox.enqueue(MESSAGE, kind=OutboundMail.Kind.RESET)
    row = OutboundMail.objects.get()
    assert row.status == "failed"
    smtp.refuse_with = ""

    assert outbox.resend(row) is True

    row.refresh_from_db()
    assert (row.status, row.attempts, row.body) == ("sent", 1, "")
    assert len(smtp.received) == 1


def test_resend_queued_makes_it_pending_with_fresh_attempts(
    smtp, queued, django_capture_on_commit_callbacks
):
    smtp.refuse_with = "554 5.7.1 rejected"
    row = outbox.enqueue(MESSAGE, kind=OutboundMail.Kind.RESET)
    outbox.deliver(row.pk)
    queued()

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.resend(row) is True

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert queued() == [str(row.pk)]
    # Pending already: nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.resend(row) is False
    assert queued() == []


def test_resend_refuses_an_erased_body(smtp, queued):
    smtp.refuse_with = "550 5.1.1 no such user"
    row = pending_row(queued)  # holds a password: erased on failure
    outbox.deliver(row.pk)
    row.refresh_from_db()

    with pytest.raises(MailNotSent, match="erased"):
        outbox.resend(row)

    row.refresh_from_db()
    assert row.status == "failed"


# --- SECRET_KEY rotation ------------------------------------------------------------------------
def test_bodies_stay_readable_across_a_secret_key_rotation(db, queued, settings):
    old_key = settings.SECRET_KEY
    row = pending_row(queued)
    sent = pending_row(queued, status="sent", body="")
    new_key = "a-new-secret-key-that-is-also-long-enough-for-django-0123456789-abcdef"
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new_key, [old_key]

    assert outbox.message_of(row) == MESSAGE  # through the fallback
    assert outbox.reseal_bodies() == 1
    assert outbox.reseal_bodies() == 0
    settings.SECRET_KEY_FALLBACKS = []

    row.refresh_from_db()
    assert outbox.message_of(row) == MESSAGE
    sent.refresh_from_db()
    assert sent.body == ""


def test_a_body_sealed_under_a_lost_key_fails_the_message(smtp, queued, settings):
    row = pending_row(queued)
    settings.SECRET_KEY = "another-secret-key-that-is-also-long-enough-for-django-0123456789"

    outcome = outbox.deliver(row.pk)

    row.refresh_from_db()
    assert row.status == "failed"
    assert outcome.reason.startswith("the message body cannot be opened")
    assert smtp.data_commands == 0


# --- Two deliveries at once (the row lock; PostgreSQL) -------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deliveries_and_requeue_send_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE SKIP LOCKED) need PostgreSQL")
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.MAIL_REQUEUE_AFTER = 1
    server = SmtpServer()
    point_mail_at(server.port, name="wiki.example.com", verify_ssl=False)
    server.start()
    celery_app.conf.task_always_eager = False
    try:
        row = outbox.enqueue(MESSAGE, kind=OutboundMail.Kind.RESET)  # published (memory)
        OutboundMail.objects.filter(pk=row.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=5)
        )
        server.hold_next("250")
        outcomes = []

        def first_delivery():
            try:
                outcomes.append(outbox.deliver(row.pk))
            finally:
                connection.close()

        thread = threading.Thread(target=first_delivery)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.held.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.held.is_set()

        # While the first holds the row (its SMTP session open): neither waits, neither sends.
        started = time.monotonic()
        assert outbox.deliver(row.pk) == outbox.NOTHING_TO_DO
        assert outbox.requeue_stale() == 0
        assert time.monotonic() - started < 2
        server.release()
        thread.join(timeout=10)
    finally:
        server.stop()
        celery_app.conf.task_always_eager = True
        taken()

    assert outcomes == [outbox.Outcome(sent=True)]
    assert len(server.received) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


def test_purge_deletes_old_delivered_and_failed_messages_only(db, queued, settings):
    settings.MAIL_OUTBOX_KEEP_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    rows = {status: pending_row(queued, status=status) for status in ("sent", "failed", "pending")}
    OutboundMail.objects.filter(pk__in=[row.pk for row in rows.values()]).update(created_at=old)
    recent = pending_row(queued, status="sent")

    assert purge_old_mail.apply().get() == 2

    assert set(OutboundMail.objects.values_list("pk", flat=True)) == {
        rows["pending"].pk,
        recent.pk,
    }
