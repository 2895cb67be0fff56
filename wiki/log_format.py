"""How log records are written: the request id on every line, secrets scrubbed, plain or JSON.

``settings.LOGGING`` puts ``RequestIdFilter`` and ``RedactSecretsFilter`` on the console
handler, so every record that handler writes, from our code, Django's or a library's, carries
the id of the request it was written in and has passed the scrubber. The scrubber is a safety
net, not the policy: the code does not log tokens, passwords or mail bodies in the first place
(tests/wiki/test_request_log_secrets.py checks real flows without relying on it). It also sits
on the loggers that write request paths themselves (``django.request``, ``django.server``), so
that their records are clean before any handler, a test's included, sees them.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime

import orjson

from .request_log import current_request_id

REDACTED = "[redacted]"

# Names whose value is a secret wherever it is written as ``name=value`` (query strings, form
# bodies, cookies, "password=..." in a message) or as ``"name": "value"`` (JSON, dict reprs).
_SECRET_NAME = (
    r"\w*(?:password|passwd|secret|token|api[_-]?key|authorization|cookie|jwt|csrf|sessionid)\w*"  # noqa: S105 - a pattern of names, no secret
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # An Authorization header's credential.
    (
        re.compile(r"\b(Bearer|Basic|JWT)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
        rf"\1 {REDACTED}",
    ),
    # JWT-shaped strings: session tokens, API keys (header.payload.signature, base64url).
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),
    # The single-use tokens of the companion routes that mails link to (API.md §1.6).
    (re.compile(r"/(login-reset|verify)/[^\s/?#\"'<>]+"), rf"/\1/{REDACTED}"),
    # name=value
    (re.compile(rf"\b({_SECRET_NAME})=[^\s&;,\"'<>]+", re.IGNORECASE), rf"\1={REDACTED}"),
    # "name": "value" and 'name': 'value'
    (
        re.compile(rf"([\"'])({_SECRET_NAME})\1(\s*:\s*)([\"'])(?:\\.|(?!\4).)*\4", re.IGNORECASE),
        rf"\1\2\1\3\4{REDACTED}\4",
    ),
)


# Every pattern above needs one of these; most lines hold none and cost one search.
_TRIGGER = re.compile(
    r"bearer|basic|jwt|eyJ|passw|secret|token|api[_-]?key|authoriz|cookie|csrf|sessionid"
    r"|/login-reset/|/verify/",
    re.IGNORECASE,
)


def scrub(text: str) -> str:
    """``text`` with every secret-looking part replaced by ``[redacted]``."""
    if _TRIGGER.search(text) is None:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RequestIdFilter(logging.Filter):
    """Stamps ``record.request_id``: the id of the request being served, else ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id() or "-"
        return True


class RedactSecretsFilter(logging.Filter):
    """Scrubs the message (after its arguments are merged in), the trace and the stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_fields", None) is not None:
            return True  # the request line: built from redacted fields (wiki.request_log)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: logging reports it itself
            return True
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACE_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


_TRACE_FORMATTER = logging.Formatter()


class PlainFormatter(logging.Formatter):
    """``time LEVEL logger [request id] message``, then the trace if any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        self._second: tuple[int, str] = (-1, "")  # one tuple: threads swap it whole

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # logging's own, with strftime done once a second rather than once a line.
        second, text = self._second
        if second != int(record.created):
            second = int(record.created)
            text = time.strftime(self.default_time_format, self.converter(second))
            self._second = (second, text)
        return self.default_msec_format % (text, record.msecs)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = "-"  # a handler without RequestIdFilter
        return super().format(record)


#: Attributes of a request's log line (``wiki.request_log``), written as fields of their own.
REQUEST_FIELDS = ("method", "path", "status", "caller", "operation", "duration_ms", "sql_queries")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, request_id, the request's
    fields on its request line, and ``exception`` (the trace) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or "-",
        }
        fields = getattr(record, "request_fields", None)
        if fields:
            entry.update((name, fields[name]) for name in REQUEST_FIELDS if name in fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()
