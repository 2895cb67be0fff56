"""A real SMTP server on a free loopback port (aiosmtpd), the messages it received, and the
mail settings that point the wiki at it: the one copy the mail tests share.

``SmtpServer`` records every message it *accepted* (answered 250 to), which is what "delivered
once" means in SMTP: the server takes responsibility for a message only with that answer. It
can refuse recipients or DATA with a given answer, hold the next message in DATA (the whole
message received but not yet answered) until the test releases it, and serve implicit TLS,
STARTTLS (``self_signed_context``) and authentication (``accepting``).

``Received`` is one accepted message as its recipient reads it (headers, both bodies, their
links) and as a DKIM verifier does (the bytes on the wire).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import cached_property

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wiki.mail_settings import update_mail_config

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
SENDER_NAME = "Wiki Bot"
SENDER_EMAIL = "wiki@example.com"
BASE_URL = "https://docs.example.org"


def free_port() -> int:
    """A loopback port nothing listens on (bound by the system, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The wiki's side ----------------------------------------------------------------------------
# Plain SMTP on loopback, no authentication, no DKIM; the other values are the defaults'.
PLAIN_SMTP = {
    "sender_name": SENDER_NAME,
    "sender_email": SENDER_EMAIL,
    "default_base_url": BASE_URL,
    "host": "127.0.0.1",
    "name": "",
    "secure": False,
    "verify_ssl": True,
    "user": "",
    "password": "",
    "use_dkim": False,
    "dkim_domain_name": "",
    "dkim_key_selector": "",
    "dkim_private_key": "",
}


def point_mail_at(port: int, **changes) -> None:
    """Replace the mail settings (§4.6) by ``PLAIN_SMTP`` at loopback ``port``, with ``changes``
    (``update_mail_config``'s arguments), through the service the admin and GraphQL use."""
    update_mail_config(**{**PLAIN_SMTP, "port": port, **changes})


# --- A received message -----------------------------------------------------------------------
@dataclass
class Received:
    """One message the server accepted, as it got it."""

    ehlo_name: str
    login: bytes | None  # the authenticated user, if any
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # the DATA bytes as sent on the wire (after dot-unstuffing): what DKIM signs
    encrypted: bool  # STARTTLS was used (implicit TLS does not show in aiosmtpd's session)
    at: float  # time.time() when accepted

    @cached_property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def sender(self) -> str:
        """The ``From`` header."""
        return str(self.message["From"])

    def _body(self, kind: str) -> str:
        # Line ends as "\n": SMTP sends CRLF, the message was written with LF.
        return self.message.get_body((kind,)).get_content().replace("\r\n", "\n")

    @property
    def text(self) -> str:
        return self._body("plain")

    @property
    def html(self) -> str:
        return self._body("html")

    @property
    def text_links(self) -> set[str]:
        return set(re.findall(r"https?://[^\s<>\"]+", self.text))

    @property
    def hrefs(self) -> set[str]:
        return set(re.findall(r'href="([^"]*)"', self.html))

    def link(self) -> str:
        """The one link of the message, the same in both bodies (asserted)."""
        text_links, hrefs = self.text_links, self.hrefs
        assert len(text_links) == 1, self.text
        assert hrefs == text_links, (hrefs, text_links)
        (link,) = text_links
        # Written out as well, for clients that show no button.
        assert f">{link}</a>" in self.html
        return link


# --- The server ---------------------------------------------------------------------------------
Authenticator = Callable[..., AuthResult]


def accepting(login: bytes, password: bytes) -> Authenticator:
    """An aiosmtpd authenticator that accepts only ``login`` with ``password``."""

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        accepted = (auth_data.login, auth_data.password) == (login, password)
        return AuthResult(success=accepted, auth_data=auth_data)

    return authenticate


def self_signed_context(tmp_path) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


@dataclass
class SmtpServer:
    """The aiosmtpd handler and, while running, its controller on loopback ``port``.

    ``tls_context`` serves implicit TLS, ``starttls`` offers STARTTLS, ``authenticator`` offers
    AUTH (also without TLS). Use as a context manager, or ``start()`` and ``stop()``: the port
    is chosen first, so the wiki can point at a server that is not up yet.
    """

    port: int = field(default_factory=free_port)
    tls_context: ssl.SSLContext | None = None
    starttls: ssl.SSLContext | None = None
    authenticator: Authenticator | None = None
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0
    refuse_with: str = ""  # the answer to DATA instead of 250
    refuse_recipients_with: str = ""  # the answer to RCPT instead of 250
    held: threading.Event = field(default_factory=threading.Event)
    _hold_answer: str = ""
    _release: threading.Event = field(default_factory=threading.Event)
    _controller: Controller | None = None

    # --- aiosmtpd handler ---
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.refuse_recipients_with:
            return self.refuse_recipients_with
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.data_commands += 1
        if self.refuse_with:
            return self.refuse_with
        if self._hold_answer:
            answer, self._hold_answer = self._hold_answer, ""
            self.held.set()
            # Awaiting, not blocking: the server keeps serving other sessions meanwhile.
            while not self._release.is_set():
                await asyncio.sleep(0.02)
            if not answer.startswith("250"):
                return answer
        self.received.append(
            Received(
                ehlo_name=session.host_name,
                login=session.auth_data.login if session.authenticated else None,
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.original_content,
                encrypted=session.ssl is not None,
                at=time.time(),
            )
        )
        return "250 Message accepted for delivery"

    # --- test controls ---
    def hold_next(self, answer: str) -> None:
        """Hold the next message in DATA until ``release()``, then answer ``answer``."""
        self._release.clear()
        self.held.clear()
        self._hold_answer = answer

    def release(self) -> None:
        self._release.set()

    def start(self) -> None:
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=self.tls_context,
            tls_context=self.starttls,
            authenticator=self.authenticator,
            auth_require_tls=False,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._release.set()
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
