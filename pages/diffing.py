"""Line diffs of page sources for the history pages, bounded in size and time.

``difflib.SequenceMatcher`` can take time quadratic in the number of lines it compares, and a
page's source may be megabytes. So the lines both sides share at the start and at the end are
matched first, in linear time (an ordinary edit touches a few lines in the middle), and only the
differing middle goes to difflib, cut to ``MAX_LINES`` lines and ``MAX_CHARS`` characters a
side. A cut diff says so (``truncated``) and the page tells the reader.

The text is returned as it is: the template escapes it (Django autoescaping).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

# What difflib compares at most, per side: well under a second on adversarial input here, and
# a diff page of at most ~4,000 rows that a browser still shows quickly.
MAX_LINES = 2000
MAX_CHARS = 200_000
# Lines longer than this are shown cut (the comparison still sees them whole).
MAX_LINE_CHARS = 2000
CONTEXT = 3

ADD, DELETE, SAME, GAP = "add", "del", "same", "gap"
MARKERS = {ADD: "+", DELETE: "-", SAME: " ", GAP: "…"}


@dataclass(frozen=True)
class DiffLine:
    """One row of the diff: ``old_no``/``new_no`` are 1-based line numbers (None where the
    line is not on that side); a ``gap`` row stands for ``skipped`` unchanged lines."""

    kind: str
    old_no: int | None
    new_no: int | None
    text: str
    skipped: int = 0
    cut: bool = False

    @property
    def marker(self) -> str:
        return MARKERS[self.kind]


@dataclass(frozen=True)
class Diff:
    lines: list[DiffLine]
    added: int
    removed: int
    truncated: bool

    @property
    def identical(self) -> bool:
        return not self.added and not self.removed and not self.truncated


def _bounded(lines: list[str], max_lines: int, max_chars: int) -> tuple[list[str], bool]:
    """The first lines of ``lines`` within both limits, and whether any were left out."""
    kept: list[str] = []
    total = 0
    for line in lines[:max_lines]:
        if total + len(line) > max_chars:
            return kept, True
        kept.append(line)
        total += len(line)
    return kept, len(lines) > max_lines


def _row(kind: str, old_no: int | None, new_no: int | None, text: str) -> DiffLine:
    if len(text) > MAX_LINE_CHARS:
        return DiffLine(kind, old_no, new_no, text[:MAX_LINE_CHARS], cut=True)
    return DiffLine(kind, old_no, new_no, text)


def line_diff(
    old: str,
    new: str,
    *,
    max_lines: int = MAX_LINES,
    max_chars: int = MAX_CHARS,
    context: int = CONTEXT,
) -> Diff:
    """The changes from ``old`` to ``new``, line by line, with ``context`` unchanged lines
    around each change and a gap row for the unchanged lines between."""
    a, b = old.splitlines(), new.splitlines()
    shortest = min(len(a), len(b))
    prefix = 0
    while prefix < shortest and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < shortest - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    middle_a, cut_a = _bounded(a[prefix : len(a) - suffix], max_lines, max_chars)
    middle_b, cut_b = _bounded(b[prefix : len(b) - suffix], max_lines, max_chars)
    truncated = cut_a or cut_b

    # Opcodes over the whole of both texts: shared prefix, difflib's middle, shared suffix.
    opcodes: list[tuple[str, int, int, int, int]] = []
    if prefix:
        opcodes.append(("equal", 0, prefix, 0, prefix))
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        opcodes.append((tag, i1 + prefix, i2 + prefix, j1 + prefix, j2 + prefix))
    # After a cut the rest is unknown: the shared suffix no longer lines up, so it is left out.
    if suffix and not truncated:
        opcodes.append(("equal", len(a) - suffix, len(a), len(b) - suffix, len(b)))

    rows: list[DiffLine] = []
    added = removed = 0
    last = len(opcodes) - 1
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            head = context if index > 0 else 0
            tail = context if index < last else 0
            if head + tail >= i2 - i1:
                rows.extend(_row(SAME, i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1))
                continue
            rows.extend(_row(SAME, i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(head))
            skipped = (i2 - i1) - head - tail
            rows.append(DiffLine(GAP, None, None, "", skipped=skipped))
            start_a, start_b = i2 - tail, j2 - tail
            rows.extend(
                _row(SAME, start_a + k + 1, start_b + k + 1, a[start_a + k]) for k in range(tail)
            )
            continue
        if tag in ("replace", "delete"):
            rows.extend(_row(DELETE, i + 1, None, a[i]) for i in range(i1, i2))
            removed += i2 - i1
        if tag in ("replace", "insert"):
            rows.extend(_row(ADD, None, j + 1, b[j]) for j in range(j1, j2))
            added += j2 - j1
    if not added and not removed and not truncated:
        rows = []
    return Diff(lines=rows, added=added, removed=removed, truncated=truncated)
