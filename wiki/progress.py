"""Progress of long commands (the import, the benchmark's seeding) on a terminal or in a log.

On a terminal: one bar per phase, redrawn in place. Elsewhere (CI logs, ``| tee``): a line at
each tenth, so a log shows the pace without thousands of lines.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

Progress = Callable[[str, int, int], None]


def progress_printer(stream: TextIO | None = None, *, width: int = 8) -> Progress:
    """A ``(what, done, total)`` callback; ``done == 0`` starts a phase (its clock and bar)."""
    stream = stream or sys.stderr
    started: dict[str, float] = {}
    shown_tenth: dict[str, int] = {}

    def show(what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == 0 or what not in started:
            started[what] = now
            shown_tenth[what] = -1
        elapsed = now - started[what]
        share = done / total if total else 1.0
        if stream.isatty():
            bar = "#" * int(share * 30)
            stream.write(f"\r  {what:<{width}} [{bar:<30}] {done:>7,}/{total:,}  {elapsed:5.1f} s")
            if done >= total:
                stream.write("\n")
        elif (done or not total) and (int(share * 10) != shown_tenth[what] or done >= total):
            shown_tenth[what] = int(share * 10)
            stream.write(f"  {what}: {done:,}/{total:,} ({elapsed:.1f} s)\n")
        stream.flush()

    return show
