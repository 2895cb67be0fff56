"""The benchmark's table, and the machine it ran on."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .load import WrkResult
from .operations import RATIO_TOLERANCE


@dataclass
class Row:
    operation: str
    pages: int
    api: WrkResult
    sql_per_request: int
    rss_mib: list[float] = field(default_factory=list)
    floor: WrkResult | None = None
    floor_rss_mib: list[float] = field(default_factory=list)
    max_slowdown: float | None = None  # Operation.max_slowdown
    users: int = 0  # seeded users (the wiki's other size)
    key: str = ""  # Operation.key
    at_least_as_fast_as: str | None = None  # Operation.at_least_as_fast_as
    same_floor_ratio_as: str | None = None  # Operation.same_floor_ratio_as

    @property
    def ratio(self) -> float | None:
        """Throughput as a share of the floor's (1.0 = as fast as bare SQL + json.dumps)."""
        if self.floor is None or not self.floor.rate:
            return None
        return self.api.rate / self.floor.rate

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio_to_floor": self.ratio}


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


COLUMNS = (
    "operation",
    "pages",
    "users",
    "req/s",
    "p50 ms",
    "p99 ms",
    "SQL/req",
    "RSS MiB",
    "floor req/s",
    "floor p50",
    "x floor",
)


def table(rows: list[Row]) -> str:
    lines = []
    for row in rows:
        floor = row.floor
        lines.append(
            (
                row.operation,
                f"{row.pages:,}",
                f"{row.users:,}",
                _rate(row.api.rate),
                _ms(row.api.p50_ms),
                _ms(row.api.p99_ms),
                str(row.sql_per_request),
                f"{max(row.rss_mib):.0f}" if row.rss_mib else "-",
                _rate(floor.rate) if floor else "-",
                _ms(floor.p50_ms) if floor else "-",
                f"{row.ratio:.2f}x" if row.ratio is not None else "-",
            )
        )
    widths = [max(len(c), *(len(line[i]) for line in lines)) for i, c in enumerate(COLUMNS)]

    def fmt(cells) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(COLUMNS), rule, *(fmt(line) for line in lines)])


def slowdowns(rows: list[Row]) -> list[str]:
    """For each operation with a bound measured at several sizes: smallest vs largest wiki.

    Pages are compared at one user count (the fewest: where ``wiki_steps`` grows pages)."""
    lines = []
    for label in dict.fromkeys(row.operation for row in rows if row.max_slowdown):
        measured = [row for row in rows if row.operation == label]
        fewest_users = min(row.users for row in measured)
        sized = sorted(
            (row for row in measured if row.users == fewest_users), key=lambda r: r.pages
        )
        small, large = sized[0], sized[-1]
        if small.pages == large.pages or not large.api.rate:
            continue
        factor = small.api.rate / large.api.rate
        verdict = "within" if factor <= small.max_slowdown else "OVER"
        lines.append(
            f"{label}: {_rate(small.api.rate)} req/s at {small.pages:,} pages,"
            f" {_rate(large.api.rate)} at {large.pages:,}: {factor:.2f}x slower"
            f" ({verdict} the {small.max_slowdown}x bound)"
        )
    return lines


def comparisons(rows: list[Row]) -> list[str]:
    """For each row bound to be at least as fast as another operation: its req/s against that
    operation's at the same (pages, users), in the same run. A slower one gets a FAIL line."""
    by_size = {(row.key, row.pages, row.users): row for row in rows}
    lines = []
    for row in rows:
        if not row.at_least_as_fast_as:
            continue
        size = f"{row.pages:,} pages, {row.users:,} users"
        other = by_size.get((row.at_least_as_fast_as, row.pages, row.users))
        if other is None or not other.api.rate:
            lines.append(
                f"{row.operation} at {size}: {row.at_least_as_fast_as} not measured in this run"
                " (nothing to compare with)"
            )
            continue
        factor = row.api.rate / other.api.rate
        figures = (
            f"{row.operation} at {size}: {_rate(row.api.rate)} req/s, {factor:.2f}x"
            f" {row.at_least_as_fast_as}'s {_rate(other.api.rate)}"
        )
        if factor >= 1:
            lines.append(f"ok: {figures} (at least as fast)")
        else:
            lines.append(f"FAIL: {figures} (slower than {row.at_least_as_fast_as})")
    return lines


def ratio_comparisons(rows: list[Row], tolerance: float | None = None) -> list[str]:
    """For each row bound to its twin's ratio to the floor (``same_floor_ratio_as``): its
    ``x floor`` against the twin's at the same size, in the same run. A ratio below
    ``tolerance`` times the twin's gets a FAIL line."""
    tolerance = RATIO_TOLERANCE if tolerance is None else tolerance
    by_size = {(row.key, row.pages, row.users): row for row in rows}
    lines = []
    for row in rows:
        if not row.same_floor_ratio_as:
            continue
        size = f"{row.pages:,} pages, {row.users:,} users"
        twin = by_size.get((row.same_floor_ratio_as, row.pages, row.users))
        if twin is None or twin.ratio is None or row.ratio is None:
            lines.append(
                f"{row.operation} at {size}: {row.same_floor_ratio_as} not measured in this run"
                " (no ratio to compare with)"
            )
            continue
        figures = (
            f"{row.operation} at {size}: {row.ratio:.2f}x floor,"
            f" {row.same_floor_ratio_as}'s {twin.ratio:.2f}x"
        )
        if row.ratio >= twin.ratio * tolerance:
            lines.append(f"ok: {figures} (the same ratio, within {tolerance:.0%})")
        else:
            lines.append(f"FAIL: {figures} (below {tolerance:.0%} of its twin's)")
    return lines


def machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    try:
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory_gib = f"{int(memory) / 1024 / 1024:.0f} GiB"
    except (OSError, IndexError, ValueError):
        memory_gib = "?"
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return {
        "cpu": cpu,
        "cpus": cpus,
        "memory": memory_gib,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }
