"""The account mails end to end: a real SMTP server on loopback, the three operations that
mail, and reading a received message the way its recipient would (its link, then following
that link with Django's test client against the host the link names)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from django.test import Client

from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy
from wiki.mail_settings import update_mail_config

SENDER_NAME = "Wiki Bot"
SENDER_EMAIL = "wiki@example.com"
# The `*` site's links start here; the test client is told this host is allowed.
BASE_URL = "https://docs.example.org"
BASE_HOST = "docs.example.org"
NAMED_HOST = "wiki.example.com"
EMAIL = "jane@example.com"
PASSWORD = "Initial-Pass1"

CREATE_USER = """
mutation ($email: String!, $name: String!, $password: String) {
  createUser(email: $email, name: $name, passwordRaw: $password, sendWelcomeEmail: true) {
    operation { succeeded slug message }
    user { id email }
  }
}
"""
REGISTER = """
mutation ($email: String!, $password: String!, $name: String!) {
  register(email: $email, password: $password, name: $name) {
    operation { succeeded slug message }
    jwt nextAction continuationToken redirect
  }
}
"""
FORGOT_PASSWORD = """
mutation ($email: String!) { forgotPassword(email: $email) { operation { succeeded slug message } } }
"""


# --- The SMTP server ------------------------------------------------------------------------
class Recorder:
    """Accepts every message and keeps its envelope."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Refuser(Recorder):
    """Refuses every recipient with a permanent 550, as for an unknown mailbox."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 Mailbox unavailable"


def free_port() -> int:
    """A loopback port nothing listens on (bound by the system, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(handler: Recorder) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def point_mail_at(port: int, *, base_url: str = BASE_URL) -> None:
    """The mail settings of §4.6 for a plain-text SMTP server on loopback ``port``."""
    update_mail_config(
        sender_name=SENDER_NAME,
        sender_email=SENDER_EMAIL,
        default_base_url=base_url,
        host="127.0.0.1",
        port=port,
        name="",
        secure=False,
        verify_ssl=True,
        user="",
        password="",
        use_dkim=False,
        dkim_domain_name="",
        dkim_key_selector="",
        dkim_private_key="",
    )


def open_validating_registration() -> None:
    """Self-registration on, with the verification mail (the local strategy's settings)."""
    local = AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID)
    local.registration = True
    local.config = {**(local.config or {}), "emailValidation": True}
    local.save()


# --- A received message -----------------------------------------------------------------------
@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()

    def link(self) -> str:
        """The one link of the message, the same in both bodies (asserted)."""
        text_links = set(re.findall(r"https?://[^\s<>\"]+", self.text))
        hrefs = set(re.findall(r'href="([^"]*)"', self.html))
        assert len(text_links) == 1, self.text
        assert hrefs == text_links, (hrefs, text_links)
        (link,) = text_links
        # Written out as well, for clients that show no button.
        assert f">{link}</a>" in self.html
        return link


def received(recorder: Recorder) -> Received:
    """The only message the server took."""
    (envelope,) = recorder.envelopes
    message = message_from_bytes(envelope.original_content, policy=policy.default)
    return Received(list(envelope.rcpt_tos), message)


def follow(link: str, client: Client | None = None, **extra):
    """GET ``link`` from this server as its host: the ``Host`` header and scheme it names."""
    parts = urlsplit(link)
    client = client or Client()
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return client.get(path, HTTP_HOST=parts.netloc, secure=parts.scheme == "https", **extra)


def post_as(link_host: str, client: Client, path: str, data: dict, *, secure: bool = True):
    return client.post(path, data, HTTP_HOST=link_host, secure=secure)
