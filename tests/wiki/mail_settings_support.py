"""Support of the mail settings and test mail tests: a real SMTP server, DKIM keys, settings.

``smtp_server`` starts aiosmtpd on a free loopback port (plain SMTP, implicit TLS or STARTTLS
with a self-signed certificate) and records what arrives, byte for byte; it can answer DATA
with a refusal instead. ``DKIM_KEY_PEM`` is a real RSA key whose public half ``dkim_dns``
serves to ``dkim.verify`` as DNS would.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from wiki.config import update_setting
from wiki.mail_settings import SECRET_PURPOSES, update_mail_config
from wiki.models import Setting
from wiki.secrets import unseal

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _rsa_pem(bits: int) -> tuple[str, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode(), key


DKIM_KEY_PEM, _DKIM_KEY = _rsa_pem(2048)
DKIM_PUBLIC_KEY = base64.b64encode(
    _DKIM_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()

ARGUMENTS = {
    "sender_name": "Wiki Bot",
    "sender_email": "wiki@example.com",
    "default_base_url": "https://docs.example.org",
    "host": "smtp.example.com",
    "port": 587,
    "name": "wiki.example.com",
    "secure": False,
    "verify_ssl": False,
    "user": "mailer",
    "password": "s3cret-pass",
    "use_dkim": True,
    "dkim_domain_name": "example.com",
    "dkim_key_selector": "wiki",
    "dkim_private_key": DKIM_KEY_PEM,
}
# The ``mail`` setting ARGUMENTS leave, secrets opened (see ``opened_setting``).
STORED = {
    "senderName": "Wiki Bot",
    "senderEmail": "wiki@example.com",
    "defaultBaseURL": "https://docs.example.org",
    "host": "smtp.example.com",
    "port": 587,
    "name": "wiki.example.com",
    "secure": False,
    "verifySSL": False,
    "user": "mailer",
    "pass": "s3cret-pass",
    "useDKIM": True,
    "dkimDomainName": "example.com",
    "dkimKeySelector": "wiki",
    "dkimPrivateKey": DKIM_KEY_PEM,
}


def update(**changes) -> None:
    update_mail_config(**{**ARGUMENTS, **changes})


def stored_rows() -> list:
    return list(Setting.objects.order_by("key").values_list("key", "value"))


def opened_setting() -> dict:
    """The stored ``mail`` setting with its sealed secrets opened (they must be sealed)."""
    value = dict(Setting.objects.get(key="mail").value)
    for key, purpose in SECRET_PURPOSES.items():
        if value.get(key):
            value[key] = unseal(value[key], purpose)
    return value


def dkim_dns(name: bytes, timeout: int = 5) -> bytes:
    """dkimpy's DNS lookup, answering the test key for ``wiki._domainkey.example.com``."""
    if name == b"wiki._domainkey.example.com.":
        return f"v=DKIM1; k=rsa; p={DKIM_PUBLIC_KEY}".encode()
    return b""


# --- A real SMTP server -------------------------------------------------------------------------
@dataclass
class Received:
    """One message as the server got it."""

    ehlo_name: str
    login: bytes | None
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # the DATA bytes as sent on the wire (after dot-unstuffing)
    encrypted: bool  # STARTTLS was used (implicit TLS does not show in aiosmtpd's session)

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)

    def bodies(self) -> tuple[str, str]:
        """The plain-text and the HTML body (line ends as ``\\n``)."""
        message = self.message
        return tuple(
            message.get_body((kind,)).get_content().replace("\r\n", "\n")
            for kind in ("plain", "html")
        )


@dataclass
class Recorder:
    """aiosmtpd handler: records every message, or refuses DATA with ``refuse_with``."""

    received: list[Received] = field(default_factory=list)
    refuse_with: str = ""

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        self.received.append(
            Received(
                ehlo_name=session.host_name,
                login=session.auth_data.login if session.authenticated else None,
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.original_content,
                encrypted=session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


def accept_mailer(server, session, envelope, mechanism, auth_data):
    accepted = (auth_data.login, auth_data.password) == (b"mailer", b"s3cret-pass")
    return AuthResult(success=accepted, auth_data=auth_data)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_context(tmp_path) -> ssl.SSLContext:
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


@pytest.fixture
def smtp_server(settings):
    """``start(tls_context=None, starttls=None) -> (port, recorder)``: aiosmtpd on loopback,
    with Django's SMTP backend (the wiki's SMTP server) switched on."""
    settings.EMAIL_BACKEND = SMTP_BACKEND
    controllers = []

    def start(tls_context: ssl.SSLContext | None = None, starttls: ssl.SSLContext | None = None):
        recorder = Recorder()
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=free_port(),
            ssl_context=tls_context,
            tls_context=starttls,
            authenticator=accept_mailer,
            auth_require_tls=False,
        )
        controller.start()
        controllers.append(controller)
        return controller.port, recorder

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_configured(db, smtp_server):
    """A plain SMTP server on loopback and mail settings pointing at it, DKIM off:
    ``(recorder, port)``."""
    port, recorder = smtp_server()
    update_setting(
        "mail",
        host="127.0.0.1",
        port=port,
        secure=False,
        senderName="Wiki Bot",
        senderEmail="wiki@example.com",
        defaultBaseURL="https://docs.example.org",
    )
    return recorder, port
