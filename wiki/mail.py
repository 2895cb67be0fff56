"""Rendering and sending the wiki's mail (API.md §4.6) through Django's mail backend.

Messages are rendered in the request (so a broken template is reported to the caller as
ERR_MAIL_RENDER_FAILED), written to the outbox (``wiki.outbox``) and sent by ``send_message``
with the SMTP settings stored in the ``mail`` setting, DKIM-signed when that is switched on.
"""

from __future__ import annotations

import smtplib
import ssl
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr, make_msgid
from typing import Any

import dkim
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils.functional import cached_property

from .config import get_setting, is_mail_configured
from .mail_settings import dkim_signing_key, stored_secret
from .secrets import SecretUnreadable


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str


def render_mail(template: str, context: dict[str, Any], *, to: str) -> OutgoingMail:
    """Render ``templates/mail/<template>.{subject.txt,txt,html}``; raises if any fails.

    The HTML body is autoescaped like any Django template. The subject and the text body are
    not HTML, so they are rendered without escaping whatever the template says (a site named
    "Tom & Jerry" stays so). The subject becomes one line without control characters: a site
    title or a name holding a line break cannot add a header to the message.
    """
    return OutgoingMail(
        to=to,
        subject=_one_line(_render_text(f"mail/{template}.subject.txt", context)),
        text=_render_text(f"mail/{template}.txt", context),
        html=render_to_string(f"mail/{template}.html", context),
    )


def _render_text(name: str, context: dict[str, Any]) -> str:
    # The backend's wrapper renders with the engine's autoescape; its Django template takes
    # a Context that turns it off.
    return get_template(name).template.render(Context(context, autoescape=False))


def _one_line(text: str) -> str:
    """``text`` as a header value: control characters (CR, LF, NUL ...) and Unicode line and
    paragraph separators become spaces, and runs of white space one space."""
    visible = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in text
    )
    return " ".join(visible.split())


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


class MailNotSent(Exception):
    """The SMTP server refused the message or could not be reached; the text is the reason.

    ``permanent``: a refusal that another attempt would meet again (a 5xx answer other than
    an authentication failure, which an administrator may fix in the settings).
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


def failure_reason(error: BaseException) -> str:
    """What went wrong, for the outbox's last error and the admin: the SMTP server's answer
    when there is one, else the exception's type and message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = [
            f"{code} {text.decode(errors='replace')}" for code, text in error.recipients.values()
        ]
        return f"recipient refused: {'; '.join(answers)}"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _is_permanent(error: BaseException) -> bool:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


# What the signature covers: who it is from and to, what it says, and how to read the body.
DKIM_SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"content-transfer-encoding",
)


@dataclass(frozen=True)
class DkimSigner:
    """Signs a serialized message as ``d=<domain>``, ``s=<selector>`` (rsa-sha256)."""

    domain: str
    selector: str
    private_key: bytes  # unencrypted PKCS#1 PEM (wiki.mail_settings.dkim_signing_key)

    def signature_field(self, message: bytes, fields: Iterable[str]) -> bytes:
        """The ``DKIM-Signature:`` header field for ``message``, whose header has ``fields``."""
        present = {field.lower().encode() for field in fields}
        return dkim.sign(
            message,
            self.selector.encode(),
            self.domain.encode(),
            self.private_key,
            # Header fields relaxed (relays refold them), the body simple: not a byte changed.
            canonicalize=(b"relaxed", b"simple"),
            # Only fields the message has: signing an absent one forbids adding it later,
            # which is right in principle but would refuse a relay's harmless additions.
            include_headers=[name for name in DKIM_SIGNED_HEADERS if name in present],
        )


def dkim_signer(mail: dict[str, Any]) -> DkimSigner | None:
    """The signer the ``mail`` setting asks for, or None (DKIM off or not set up).

    Raises ``MailNotSent`` when the stored key cannot be opened or loaded: sending unsigned
    mail the administrator asked to sign would fail receivers' DMARC checks silently.
    """
    domain = str(mail.get("dkimDomainName") or "").strip()
    selector = str(mail.get("dkimKeySelector") or "").strip()
    if not (mail.get("useDKIM") and domain and selector and mail.get("dkimPrivateKey")):
        return None
    try:
        key = dkim_signing_key(stored_secret(mail, "dkimPrivateKey"))
    except SecretUnreadable as error:
        raise MailNotSent(f"the stored DKIM private key cannot be opened: {error}") from error
    except ValueError as error:
        raise MailNotSent(f"the stored DKIM private key cannot be loaded: {error}") from error
    return DkimSigner(domain=domain, selector=selector, private_key=key)


class DkimSignedMail(EmailMultiAlternatives):
    """A message whose ``message()`` carries a DKIM-Signature over its own serialization.

    Django's SMTP backend sends ``message().as_bytes(linesep="\\r\\n")``. The signature is
    computed over exactly that serialization, then put in front of the other header fields.
    Serializing again yields the same bytes for everything after the signature: the MIME
    boundary is fixed by the first serialization, and Date and Message-ID are set once.
    """

    def __init__(self, *args, signer: DkimSigner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.signer = signer

    def message(self):
        msg = super().message()
        field = self.signer.signature_field(msg.as_bytes(linesep="\r\n"), msg.keys())
        name, _, value = field.decode("ascii").partition(":")
        # Unfolded: the message's own policy folds it again, which relaxed canonicalization
        # of header fields (the signature's own included) does not notice.
        value = " ".join(value.split())
        # In front of the other fields (RFC 6376 §5.6), which are put back exactly as they
        # were: raw_items/set_raw move stored values without parsing or re-encoding them.
        existing = list(msg.raw_items())
        for header in {header for header, _ in existing}:
            del msg[header]
        msg.set_raw(name, value)
        for header, header_value in existing:
            msg.set_raw(header, header_value)
        return msg


def send_message(message: OutgoingMail, *, message_id: str | None = None) -> None:
    """Send one rendered message now with the configured SMTP server.

    Raises ``MailNotSent`` with the reason when the server refuses it or cannot be reached,
    or when DKIM is on and its key cannot be used.
    """
    mail = get_setting("mail")
    if not is_mail_configured(mail):
        raise MailNotSent("mail is not configured")
    # Before connecting: a key that cannot be used fails the same way every time.
    signer = dkim_signer(mail)
    username = str(mail.get("user") or "")
    authenticate = len(username) >= 2
    try:
        password = stored_secret(mail, "pass") if authenticate else ""
    except SecretUnreadable as error:
        raise MailNotSent(f"the stored SMTP password cannot be opened: {error}") from error
    # Django's SMTP backend stands for "the wiki's SMTP server": ours honours more settings.
    backend = settings.EMAIL_BACKEND
    connection = get_connection(
        "wiki.mail.SmtpBackend" if backend == DJANGO_SMTP_BACKEND else backend,
        host=mail.get("host"),
        port=int(mail.get("port") or 25),
        username=username if authenticate else "",
        password=password,
        use_ssl=bool(mail.get("secure")),
        timeout=settings.EMAIL_TIMEOUT,
        local_hostname=str(mail.get("name") or ""),
        verify_ssl=mail.get("verifySSL") is not False,
        fail_silently=False,
    )
    fields = {
        "subject": message.subject,
        "body": message.text,
        "from_email": sender_address(mail),
        "to": [message.to],
        "connection": connection,
        "headers": {"Message-ID": message_id} if message_id else None,
    }
    email = DkimSignedMail(**fields, signer=signer) if signer else EmailMultiAlternatives(**fields)
    email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except dkim.DKIMException as error:
        raise MailNotSent(f"the message could not be DKIM-signed: {error}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise MailNotSent(failure_reason(error), permanent=_is_permanent(error)) from error
    except ValueError as error:
        # BadHeaderError or an address Django cannot write: settings stored before they were
        # checked. Every attempt would meet it again.
        raise MailNotSent(f"the message has a bad header: {error}", permanent=True) from error


def sender_address(mail: dict[str, Any]) -> str:
    """``"<senderName>" <senderEmail>`` of the ``mail`` setting (§4.6)."""
    sender = mail.get("senderEmail") or settings.DEFAULT_FROM_EMAIL
    return formataddr((str(mail.get("senderName") or ""), sender))


def new_message_id(mail: dict[str, Any] | None = None) -> str:
    """A Message-ID in the sender's domain, kept for every attempt at one message."""
    mail = mail if mail is not None else get_setting("mail")
    domain = str(mail.get("senderEmail") or "").rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def site_url(site) -> str:
    """Where a mail about ``site`` links to, without a trailing ``/``: ``https://<hostname>``
    for a named site, the configured ``defaultBaseURL`` for the ``*`` site (or none), whose
    own address is not known (API.md §4.6)."""
    if site is None or site.is_wildcard:
        return str(get_setting("mail").get("defaultBaseURL") or "").rstrip("/")
    return f"https://{site.hostname}"
