"""Support of the mail settings and test mail tests: DKIM keys, settings, SMTP fixtures.

``DKIM_KEY_PEM`` is a real RSA key whose public half ``dkim_dns`` serves to ``dkim.verify`` as
DNS would. ``smtp_server`` starts the shared ``SmtpServer`` (tests/smtp_support.py: plain SMTP,
implicit TLS or STARTTLS, accepting ARGUMENTS' login); ``smtp_configured`` also points the mail
settings at it.
"""

from __future__ import annotations

import base64
import ssl

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.smtp_support import SMTP_BACKEND, SmtpServer, accepting, point_mail_at
from wiki.mail_settings import SECRET_PURPOSES, update_mail_config
from wiki.models import Setting
from wiki.secrets import unseal


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


# --- A real SMTP server (tests/smtp_support.py) -----------------------------------------------
accept_mailer = accepting(b"mailer", b"s3cret-pass")  # the user and password of ARGUMENTS


@pytest.fixture
def smtp_server(settings):
    """``start(tls_context=None, starttls=None) -> (port, server)``: aiosmtpd on loopback that
    accepts ARGUMENTS' login, with Django's SMTP backend (the wiki's SMTP server) switched on."""
    settings.EMAIL_BACKEND = SMTP_BACKEND
    servers = []

    def start(tls_context: ssl.SSLContext | None = None, starttls: ssl.SSLContext | None = None):
        server = SmtpServer(tls_context=tls_context, starttls=starttls, authenticator=accept_mailer)
        server.start()
        servers.append(server)
        return server.port, server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_configured(db, smtp_server):
    """A plain SMTP server on loopback and mail settings pointing at it, DKIM off:
    ``(server, port)``."""
    port, server = smtp_server()
    point_mail_at(port)
    return server, port
