"""Celery tasks of the wiki app."""

import smtplib
from dataclasses import asdict

from celery import shared_task

from .mail import OutgoingMail, deliver


@shared_task(
    autoretry_for=(smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def deliver_mail(message: dict) -> None:
    """Deliver a message rendered by ``wiki.mail.render_mail``; retried on network errors."""
    deliver(message)


def queue_mail(message: OutgoingMail) -> None:
    """Hand the message to a worker (or send it now when no broker is configured)."""
    deliver_mail.delay(asdict(message))
