"""The soak's figures: requests per kind, HTTP statuses, latencies, writes."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from .workload import Answer


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(answers: list[Answer], seconds: float, writes: dict[str, int]) -> str:
    by_kind: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_kind[answer.kind].append(answer)
    times = [a.seconds for a in answers]
    lines = [
        f"soak: {len(answers)} requests in {seconds:.1f} s ({len(answers) / max(seconds, 1e-9):.0f}/s),"
        f" p50 {percentile(times, 0.5) * 1000:.1f} ms, p99 {percentile(times, 0.99) * 1000:.1f} ms",
        "  HTTP statuses: "
        + ", ".join(
            f"{status}: {n}" for status, n in sorted(Counter(a.status for a in answers).items())
        ),
        f"  {'kind':<24}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}  outcomes",
    ]
    for kind in sorted(by_kind):
        group = by_kind[kind]
        kind_times = [a.seconds for a in group]
        outcomes = Counter(a.outcome for a in group)
        lines.append(
            f"  {kind:<24}{len(group):>9}{percentile(kind_times, 0.5) * 1000:>9.1f}"
            f"{percentile(kind_times, 0.99) * 1000:>9.1f}  "
            + ", ".join(f"{o}: {n}" for o, n in outcomes.most_common())
        )
    lines.append("  writes: " + ", ".join(f"{name} {n}" for name, n in writes.items()))
    return "\n".join(lines)
