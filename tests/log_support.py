"""What the server writes to its log, as an operator reads it: through the handler that
``settings.LOGGING`` configured (its filters and formatter), not through pytest's capture,
which sees records before the handler's filters ran."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from wiki.log_format import JsonFormatter


def console_handler() -> logging.Handler:
    (handler,) = (h for h in logging.getLogger().handlers if h.get_name() == "console")
    return handler


@dataclass
class ServerLog:
    stream: io.StringIO = field(default_factory=io.StringIO)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def entries(self) -> list[dict]:
        """The JSON objects written under ``capture_server_log(json_lines=True)``."""
        return [json.loads(line) for line in self.lines]

    def request_lines(self) -> list[str]:
        return [line for line in self.lines if " wiki.request " in line]


@contextmanager
def capture_server_log(
    level: int = logging.DEBUG, *, json_lines: bool = False
) -> Iterator[ServerLog]:
    """Everything the console handler writes meanwhile, with the root logger at ``level``.

    ``json_lines``: with the formatter that ``LOG_FORMAT=json`` selects.
    """
    handler = console_handler()
    root = logging.getLogger()
    log = ServerLog()
    previous_stream = handler.setStream(log.stream)
    previous_formatter = handler.formatter
    previous_level = root.level
    if json_lines:
        handler.setFormatter(JsonFormatter())
    root.setLevel(level)
    try:
        yield log
    finally:
        root.setLevel(previous_level)
        handler.setFormatter(previous_formatter)
        handler.setStream(previous_stream)
