"""What the import's steps share: the run's context, its findings, and the id ledger.

A step (``Kind``) imports one kind of Wiki.js 2 entity, batch by batch, in Wiki.js id order.
The runner opens a transaction per batch (one for the whole run in a dry run, rolled back at
its end), so a step writes as if it were the only writer and never commits on its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from wiki import legacy_ids
from wiki.models import LegacyIdCounter, Setting

if TYPE_CHECKING:
    from wiki.models import Site

    from .source import Source

# The settings row that remembers what earlier runs imported (``IdLedger``).
LEDGER_KEY = "wikijs2Import"


class Outcome(StrEnum):
    SKIPPED = "skipped"  # not imported; the reason says why
    ADJUSTED = "adjusted"  # imported, with a change the reason describes


@dataclass(frozen=True)
class Finding:
    kind: str  # the step's name: "users", "pages", ...
    source_id: str  # the Wiki.js id (or key) of the item
    outcome: Outcome
    reason: str

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}: {self.outcome.value}, {self.reason}"


class IdLedger:
    """Which legacy integer ids the import may give to what it imports.

    Wiki.js ids are kept as this server's legacy ids (API-v2.md §1.6), whose counters never
    hand an id out twice. The ledger remembers, per kind, the counter as it stood when the
    first import of that kind began (``found_here``: every id up to it was this server's own)
    and the highest id imported since (``imported_up_to``). An id ``n`` is then

    * the import's (``owned``) when ``found_here < n <= imported_up_to``: the row holding it,
      if any, was written by an earlier run, and is updated;
    * free (``usable`` too) when ``n`` is above the counter now: this server never gave it out;
    * this server's own otherwise: the Wiki.js item is skipped rather than take or overwrite
      the id of an entity created here (before the first import, or between two runs).

    Reserved ids (users 1-2, groups 1-3) are mapped by the account steps themselves.
    ``record`` notes each id used; ``save`` advances the counters past them, so that entities
    created here later never get one, and keeps the marks for the next run.
    """

    def __init__(self) -> None:
        row = Setting.objects.filter(key=LEDGER_KEY).first()
        stored = (row.value if row else {}) or {}
        self.imported_up_to: dict[str, int] = {
            str(kind): int(value) for kind, value in (stored.get("importedUpTo") or {}).items()
        }
        self.counters: dict[str, int] = {
            row.kind: row.last_value for row in LegacyIdCounter.objects.exclude(kind__contains="#")
        }
        self.found_here: dict[str, int] = {
            str(kind): int(value) for kind, value in (stored.get("foundHere") or {}).items()
        }
        self.used: dict[str, int] = {}
        self.stamped = False  # whether this run's source and date are in the settings row

    def counter(self, kind: str) -> int:
        return self.counters.get(kind, legacy_ids.FIRST_FREE.get(kind, 0))

    def owned(self, kind: str, legacy_id: int) -> bool:
        """Whether ``legacy_id`` is the import's: an earlier run gave it to what it imported."""
        floor = self.found_here.get(kind, self.counter(kind))
        return floor < legacy_id <= self.imported_up_to.get(kind, 0)

    def usable(self, kind: str, legacy_id: int) -> bool:
        return self.owned(kind, legacy_id) or legacy_id > self.counter(kind)

    def refusal(self, kind: str, legacy_id: int, *, held: bool, what: str) -> str:
        """Why the Wiki.js item with ``legacy_id`` cannot have it ("" when it can); ``held``:
        a row here holds the id. ``what`` names the entity: "a page", "a version"."""
        if held and not self.owned(kind, legacy_id):
            return f"id {legacy_id} is {what} of this server's own"
        if not held and not self.usable(kind, legacy_id):
            return f"id {legacy_id} was given here to another {what.split(' ', 1)[-1]}"
        return ""

    def record(self, kind: str, legacy_id: int) -> None:
        if legacy_id > self.used.get(kind, 0):
            self.used[kind] = legacy_id

    def save(self, source_label: str, when: str) -> None:
        """Advance the counters past the ids used since the last save and remember the marks.

        Writes only when an id beyond the marks was used, and once per run for the run's date.
        """
        grown = {
            kind: highest
            for kind, highest in self.used.items()
            if highest > self.imported_up_to.get(kind, 0)
        }
        if not grown and self.stamped:
            return
        self.stamped = True
        for kind, highest in grown.items():
            self.found_here.setdefault(kind, self.counter(kind))
            legacy_ids.advance_past(kind, highest)
            self.imported_up_to[kind] = highest
        row, _ = Setting.objects.get_or_create(key=LEDGER_KEY, defaults={"value": {}})
        value = dict(row.value or {})
        value["importedUpTo"] = dict(sorted(self.imported_up_to.items()))
        value["foundHere"] = dict(sorted(self.found_here.items()))
        value["lastSource"] = source_label
        value["lastRunAt"] = when
        row.value = value
        row.save(update_fields=["value", "updated_at"])


@dataclass
class ImportContext:
    """One run: where it reads, where it writes, and what it found."""

    source: Source
    site: Site
    dry_run: bool
    batch_size: int
    ledger: IdLedger
    findings: list[Finding] = field(default_factory=list)
    # (step name, "created" | "updated" | "unchanged") -> how many items
    tally: Counter = field(default_factory=Counter)
    # What one step leaves for a later one (for example the source's audience for the keys).
    notes: dict[str, Any] = field(default_factory=dict)

    def skip(self, kind: str, source_id: Any, reason: str) -> None:
        self.findings.append(Finding(kind, str(source_id), Outcome.SKIPPED, reason))

    def adjust(self, kind: str, source_id: Any, reason: str) -> None:
        self.findings.append(Finding(kind, str(source_id), Outcome.ADJUSTED, reason))

    def count(self, kind: str, what: str, how_many: int = 1) -> None:
        self.tally[(kind, what)] += how_many

    def skipped(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind and f.outcome is Outcome.SKIPPED)


class Kind:
    """One step of the import: each kind subclasses this and names its ``table``."""

    name = ""  # shown in the progress bar and the report: "users", "pages", ...
    table = ""  # the Wiki.js table read batch by batch, in id order
    # (optional ``key``: the column to walk ``table`` by when it has no ``id``, e.g. settings)

    def source_total(self, ctx: ImportContext) -> int:
        """How many items the source holds (the verification's left column)."""
        return ctx.source.count(self.table)

    def import_batch(self, rows: list[dict[str, Any]], ctx: ImportContext) -> None:
        """Import ``rows`` (of ``table``, normalised by ``Source``) inside the runner's
        transaction: create or update each, or report it with ``ctx.skip``."""
        raise NotImplementedError

    def finish(self, ctx: ImportContext) -> None:
        """After the last batch, in a transaction of its own: recounts and the like."""

    def target_total(self, ctx: ImportContext) -> int:
        """How many of the source's items the target now holds (the right column)."""
        raise NotImplementedError
