"""A real SMTP server on a free loopback port (aiosmtpd) for the outbox tests.

It counts what it *accepted* (answered 250 to), which is what "delivered once" means in SMTP:
the server takes responsibility for a message only with that answer. It can also refuse every
message with a given answer, or hold the next one in DATA, the whole message received but not
yet answered, until the test releases it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from wiki.config import update_setting


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Accepted:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    at: float  # time.time() when accepted

    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class SmtpServer:
    """The handler and, while running, the aiosmtpd controller on ``port``."""

    port: int
    accepted: list[Accepted] = field(default_factory=list)
    data_commands: int = 0
    refuse_with: str = ""
    held: threading.Event = field(default_factory=threading.Event)
    _hold_answer: str = ""
    _release: threading.Event = field(default_factory=threading.Event)
    _controller: Controller | None = None

    # --- aiosmtpd handler ---
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
        self.accepted.append(
            Accepted(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.original_content, policy=policy.default),
                time.time(),
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
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._release.set()
            self._controller.stop()
            self._controller = None

    def configure_wiki(self) -> None:
        """Point the wiki's mail settings at this server (plain SMTP, no authentication)."""
        update_setting(
            "mail",
            host="127.0.0.1",
            port=self.port,
            secure=False,
            verifySSL=False,
            name="wiki.example.com",
            user="",
            senderEmail="wiki@example.com",
            senderName="Wiki Bot",
            defaultBaseURL="https://docs.example.org",
        )
