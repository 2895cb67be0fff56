"""The outbox: mail that loses nothing and leaks nothing (API.md §4.6 "Delivery").

A message is written here in the transaction of the change that causes it (``enqueue``); once
that commits, a Celery task carrying only the message's id delivers it (``deliver``). The row,
not the broker, is the truth: the task sends only a pending message, under a row lock, so
running it twice sends once; SMTP failures are retried with exponential backoff and jitter and
the message marked failed, with the reason, after the last attempt; a periodic task
(``requeue_stale``) queues again what the broker lost (Redis flushed, down at commit, a worker
killed). Bodies are sealed (``wiki.secrets``), and a body holding a password is erased once the
message is delivered or has failed.

Without a broker (no ``REDIS_URL``) ``enqueue`` delivers at once, in the request, and a
transport failure raises ``DomainError(ERR_MAIL_SEND_FAILED)`` (§4.6).

One window stays open, as in any SMTP client: a worker killed after the server accepted the
message but before the row is marked sent delivers it again. The Message-ID is the same on
every attempt, so the receiving side can tell.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from .errors import DomainError, ErrorKey
from .mail import MailNotSent, OutgoingMail, failure_reason, new_message_id, send_message
from .models import OutboundMail
from .secrets import SecretUnreadable, opens_with_current_key, reseal, seal, unseal
from .text import uuid_or_none

logger = logging.getLogger(__name__)

BODY_PURPOSE = "mail.outbox-body"
Status = OutboundMail.Status
# A delivery that comes this early is a duplicate of one scheduled later (Celery's ETA is
# exact to well within this).
EARLY_SLACK = timedelta(seconds=2)
REQUEUE_BATCH = 500
DELIVER_TASK = "wiki.tasks.deliver_mail"


def enqueue(message: OutgoingMail, *, kind: str, holds_password: bool = False) -> OutboundMail:
    """Write ``message`` to the outbox and have it delivered once the transaction commits.

    ``holds_password``: the body holds a password (the welcome mail's), so it is erased
    once the message is delivered or has failed for good.

    With a broker the task is queued on commit; a broker that cannot be reached then is
    logged, not raised: the message stays pending and ``requeue_stale`` queues it again. In
    process (no broker) the message is sent now, and a transport failure marks it failed and
    raises ``DomainError(MAIL_SEND_FAILED)``.
    """
    now = timezone.now()
    row = OutboundMail.objects.create(
        kind=kind,
        recipient=message.to,
        subject=message.subject,
        body=seal(json.dumps({"text": message.text, "html": message.html}), BODY_PURPOSE),
        holds_password=holds_password,
        message_id=new_message_id(),
        next_attempt_at=now,
    )
    if runs_in_process():
        outcome = deliver(row.pk, last_attempt=True)
        if not outcome.sent:
            raise DomainError(ErrorKey.MAIL_SEND_FAILED, outcome.reason)
    else:
        transaction.on_commit(partial(publish, row.pk))
    return row


def runs_in_process() -> bool:
    """Whether tasks run in the request (no broker configured)."""
    from .celery import app

    return bool(app.conf.task_always_eager)


def publish(mail_id) -> bool:
    """Queue the delivery task for ``mail_id``; False (logged) when the broker is unreachable."""
    from .celery import app

    try:
        # A connection of its own with the short Redis timeouts (wiki/settings.py): a broker
        # that accepts connections and never answers costs the request a fraction of a
        # second, not the workers' socket_timeout for every publish attempt. The message
        # waits in the outbox meanwhile; nothing is lost by giving up early.
        with app.connection_for_write(transport_options=_publish_timeouts()) as connection:
            # By name: the task module runs this one (wiki.tasks.deliver_mail).
            app.send_task(DELIVER_TASK, args=(str(mail_id),), connection=connection)
    except Exception:
        logger.warning(
            "outbox message %s could not be queued; the periodic re-queue will retry",
            mail_id,
            exc_info=True,
        )
        return False
    return True


def _publish_timeouts() -> dict[str, float]:
    return {
        "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT,
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
    }


@dataclass(frozen=True)
class Outcome:
    """What one delivery did: ``sent``; else ``retry_in`` seconds, or given up (``reason``)."""

    sent: bool = False
    retry_in: float | None = None
    reason: str = ""


NOTHING_TO_DO = Outcome()


def deliver(mail_id, *, last_attempt: bool = False) -> Outcome:
    """Make one attempt at a pending message, under a row lock held through the SMTP session.

    A message that is no longer pending, locked by another delivery, or not yet due is left
    alone (``NOTHING_TO_DO``). ``last_attempt``: a failure marks the message failed at once
    (delivery in the request, which answers the failure itself).
    """
    mail_id = uuid_or_none(mail_id)
    if mail_id is None:
        return NOTHING_TO_DO
    with transaction.atomic():
        row = (
            OutboundMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, status=Status.PENDING)
            .first()
        )
        if row is None or row.next_attempt_at > timezone.now() + EARLY_SLACK:
            return NOTHING_TO_DO
        row.attempts += 1
        row.last_attempt_at = timezone.now()
        try:
            send_message(message_of(row), message_id=row.message_id)
        except MailNotSent as error:
            outcome = _failed(row, str(error), give_up=last_attempt or error.permanent)
        except DatabaseError:
            raise
        except Exception as error:
            # A surprise from a library (a DKIM signer, a backend): counted as an attempt like
            # any failure, so that the message ends failed instead of being retried forever
            # by the re-queue with its attempts rolled back each time.
            logger.exception("outbox message %s: unexpected error while sending", row.pk)
            outcome = _failed(row, failure_reason(error), give_up=last_attempt)
        else:
            row.status = Status.SENT
            row.sent_at = timezone.now()
            row.last_error = ""
            row.body = ""
            outcome = Outcome(sent=True)
        row.save()
    return outcome


def _failed(row: OutboundMail, reason: str, *, give_up: bool) -> Outcome:
    row.last_error = reason[:2000]
    if give_up or row.attempts >= settings.MAIL_MAX_ATTEMPTS:
        row.status = Status.FAILED
        if row.holds_password:
            row.body = ""
        logger.error("outbox message %s failed after %d attempts: %s", row.pk, row.attempts, reason)
        return Outcome(reason=reason)
    delay = retry_delay(row.attempts)
    row.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    logger.warning("outbox message %s: attempt %d failed (%s)", row.pk, row.attempts, reason)
    return Outcome(retry_in=delay, reason=reason)


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt: doubling from ``MAIL_RETRY_DELAY`` up to
    ``MAIL_RETRY_MAX_DELAY``, then a random half of it taken off, so that messages that failed
    together do not all come back together."""
    ceiling = min(settings.MAIL_RETRY_MAX_DELAY, settings.MAIL_RETRY_DELAY * 2 ** (attempts - 1))
    return ceiling * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret


def message_of(row: OutboundMail) -> OutgoingMail:
    """The message a row holds; ``MailNotSent`` (permanent) when its body is gone or sealed
    under a key this server no longer has."""
    if not row.body:
        raise MailNotSent("the message body was erased", permanent=True)
    try:
        body = json.loads(unseal(row.body, BODY_PURPOSE))
    except SecretUnreadable as error:
        raise MailNotSent(f"the message body cannot be opened: {error}", permanent=True) from error
    return OutgoingMail(to=row.recipient, subject=row.subject, text=body["text"], html=body["html"])


def requeue_stale() -> int:
    """Queue again the pending messages whose attempt is overdue by ``MAIL_REQUEUE_AFTER``;
    how many.

    Their task was lost (Redis flushed or down at commit, a retry never published, a worker
    killed while the broker's copy waits out its visibility timeout). Each one is made due
    from now, so that it is not queued again at every run while its task waits in the queue.
    A message being delivered right now is locked and skipped, not waited for. Two queries
    whatever the number of messages; at most ``REQUEUE_BATCH`` per run.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.MAIL_REQUEUE_AFTER)
    with transaction.atomic():
        stale = list(
            OutboundMail.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lt=cutoff)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:REQUEUE_BATCH]
        )
        if stale:
            OutboundMail.objects.filter(pk__in=stale).update(next_attempt_at=timezone.now())
            # After commit: a worker taking a task before it would find the row locked.
            transaction.on_commit(partial(_publish_all, stale))
    return len(stale)


def _publish_all(mail_ids: list) -> None:
    for mail_id in mail_ids:
        if not publish(mail_id):
            # The broker is unreachable: the rest would each wait out the publish retries.
            # They are due again after MAIL_REQUEUE_AFTER, like this one.
            break


def resend(row: OutboundMail) -> bool:
    """Make a failed or sent message pending again, with fresh attempts, and queue it (in
    process: attempt it now); False when it is pending already.

    Raises ``MailNotSent`` when its body is gone (every delivered message, and a welcome mail
    that failed, whose password was erased): set a new password or start a new reset instead.
    """
    if not row.body:
        raise MailNotSent("the message body was erased", permanent=True)
    with transaction.atomic():
        updated = (
            OutboundMail.objects.filter(pk=row.pk)
            .exclude(status=Status.PENDING)
            .exclude(body="")
            .update(status=Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        )
        if updated and not runs_in_process():
            transaction.on_commit(partial(publish, row.pk))
    if updated and runs_in_process():
        deliver(row.pk, last_attempt=True)
    return bool(updated)


def purge_old() -> int:
    """Delete sent and failed messages older than ``MAIL_OUTBOX_KEEP_DAYS``; how many.

    Pending ones stay, however old: they are still owed a delivery.
    """
    cutoff = timezone.now() - timedelta(days=settings.MAIL_OUTBOX_KEEP_DAYS)
    deleted, _ = (
        OutboundMail.objects.filter(created_at__lt=cutoff).exclude(status=Status.PENDING).delete()
    )
    return deleted


def reseal_bodies() -> int:
    """Seal the stored bodies again under the current key (rotatesecrets)."""
    count = 0
    for row in OutboundMail.objects.exclude(body="").only("pk", "body").iterator():
        if not opens_with_current_key(row.body, BODY_PURPOSE):
            OutboundMail.objects.filter(pk=row.pk, body=row.body).update(
                body=reseal(row.body, BODY_PURPOSE)
            )
            count += 1
    return count
