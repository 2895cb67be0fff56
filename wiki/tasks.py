"""Celery tasks of the wiki app."""

import smtplib

from celery import shared_task

from .mail import deliver


@shared_task(
    autoretry_for=(smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def deliver_mail(message: dict) -> None:
    """Deliver a message rendered by ``wiki.mail.render_mail``; retried on network errors."""
    deliver(message)
