"""Rendering and sending the wiki's mail (API.md §4.6) through Django's mail backend.

Messages are rendered in the request (so a broken template is reported to the caller as
ERR_MAIL_RENDER_FAILED) and handed to a Celery task that delivers them with the SMTP
settings stored in the ``mail`` setting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from .config import get_setting


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str


def render_mail(template: str, context: dict[str, Any], *, to: str) -> OutgoingMail:
    """Render ``templates/mail/<template>.{subject.txt,txt,html}``; raises if any fails."""
    subject = render_to_string(f"mail/{template}.subject.txt", context).strip()
    return OutgoingMail(
        to=to,
        subject=" ".join(subject.split()),
        text=render_to_string(f"mail/{template}.txt", context),
        html=render_to_string(f"mail/{template}.html", context),
    )


def queue_mail(message: OutgoingMail) -> None:
    """Hand the message to a worker (or send it now when no broker is configured)."""
    from .tasks import deliver_mail

    deliver_mail.delay(asdict(message))


def deliver(message: dict[str, str]) -> None:
    """Send one rendered message with the configured SMTP server."""
    mail = get_setting("mail")
    username = str(mail.get("user") or "")
    connection = get_connection(
        host=mail.get("host"),
        port=int(mail.get("port") or 25),
        username=username if len(username) >= 2 else "",
        password=str(mail.get("pass") or "") if len(username) >= 2 else "",
        use_ssl=bool(mail.get("secure")),
        timeout=settings.EMAIL_TIMEOUT,
    )
    sender = mail.get("senderEmail") or settings.DEFAULT_FROM_EMAIL
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["text"],
        from_email=formataddr((str(mail.get("senderName") or ""), sender)),
        to=[message["to"]],
        connection=connection,
    )
    email.attach_alternative(message["html"], "text/html")
    email.send()


def site_url(site) -> str:
    """``https://<hostname>``, or the configured base URL for the ``*`` site."""
    if site is None or site.is_wildcard:
        return str(get_setting("mail").get("defaultBaseURL") or "").rstrip("/")
    return f"https://{site.hostname}"
