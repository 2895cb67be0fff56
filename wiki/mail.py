"""Rendering and sending the wiki's mail (API.md §4.6) through Django's mail backend.

Messages are rendered in the request (so a broken template is reported to the caller as
ERR_MAIL_RENDER_FAILED) and handed to a Celery task (``wiki.tasks.queue_mail``) that delivers
them with the SMTP settings stored in the ``mail`` setting.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend
from django.template.loader import render_to_string
from django.utils.functional import cached_property

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


DJANGO_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class SmtpBackend(EmailBackend):
    """Django's SMTP backend plus two settings of §4.6 it has no option for.

    ``local_hostname``: the name announced in HELO/EHLO (``mail.name``; Django always sends
    the machine's FQDN). ``verify_ssl=False``: a TLS context that accepts any certificate.
    Without implicit TLS, STARTTLS is used whenever the server offers it.
    """

    def __init__(self, *args, local_hostname: str = "", verify_ssl: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.local_hostname = local_hostname
        self.verify_ssl = verify_ssl

    @property
    def connection_class(self):
        connect = super().connection_class

        def open_connection(host, port, **params):
            if self.local_hostname:
                # EmailBackend.open() passes its own local_hostname; this one replaces it.
                params["local_hostname"] = self.local_hostname
            connection = connect(host, port, **params)
            if not self.use_ssl and not self.use_tls:
                # Upgrade with STARTTLS whenever the server offers it (as Wiki.js's mailer
                # does), so credentials and messages do not cross the network in clear.
                connection.ehlo()
                if connection.has_extn("starttls"):
                    connection.starttls(context=self.ssl_context)
                    connection.ehlo()
            return connection

        return open_connection

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        context = super().ssl_context
        if not self.verify_ssl:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def deliver(message: dict[str, str]) -> None:
    """Send one rendered message with the configured SMTP server."""
    mail = get_setting("mail")
    username = str(mail.get("user") or "")
    # Django's SMTP backend stands for "the wiki's SMTP server": ours honours more settings.
    backend = settings.EMAIL_BACKEND
    connection = get_connection(
        "wiki.mail.SmtpBackend" if backend == DJANGO_SMTP_BACKEND else backend,
        host=mail.get("host"),
        port=int(mail.get("port") or 25),
        username=username if len(username) >= 2 else "",
        password=str(mail.get("pass") or "") if len(username) >= 2 else "",
        use_ssl=bool(mail.get("secure")),
        timeout=settings.EMAIL_TIMEOUT,
        local_hostname=str(mail.get("name") or ""),
        verify_ssl=mail.get("verifySSL") is not False,
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
