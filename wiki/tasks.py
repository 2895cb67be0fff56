"""Celery tasks of the wiki app: delivering the outbox (``wiki.outbox``).

A task message carries only an outbox id, never a message or a secret. ``acks_late`` with
``reject_on_worker_lost``: a worker killed mid-send leaves the message in the broker, which
hands it out again; the row lock and the pending status make a second run harmless.
"""

import logging

from celery import shared_task

from . import outbox

logger = logging.getLogger(__name__)


# max_retries=None: the outbox counts attempts (MAIL_MAX_ATTEMPTS); Celery's default of 3
# retries would end the retries early and leave the message to the periodic re-queue.
@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=None
)
def deliver_mail(self, mail_id: str) -> None:
    """One attempt at the outbox message ``mail_id``; a retry is scheduled when it fails."""
    if not isinstance(mail_id, str):
        # A message queued by an older version (it carried the whole mail): drop it.
        logger.warning("dropped a mail task that does not carry an outbox id")
        return
    outcome = outbox.deliver(mail_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)


@shared_task(ignore_result=True)
def requeue_stale_mail() -> int:
    """Run by Celery beat: queue again what the broker lost."""
    return outbox.requeue_stale()


@shared_task(ignore_result=True)
def purge_old_mail() -> int:
    """Run by Celery beat: forget delivered and failed messages after a while."""
    return outbox.purge_old()
