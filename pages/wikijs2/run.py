"""Driving the import: detect, then each kind batch by batch, then verify.

Every batch is one transaction on the target, holding the rows of the batch and the legacy
id counters advanced past the ids they use, so a run that stops half-way (an error, Ctrl-C,
a lost connection) leaves whole batches only, and running it again carries on where it
stopped: the kinds update what exists and create what does not.

A dry run does exactly what a real run does, inside one transaction that is rolled back at
its end: what it reports (counts, conflicts, unmappable items) is what the real run would
find, and the target is left as it was. It holds the target's write locks while it runs, so
run it before the server is opened to its users.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from wiki.models import Site

from .base import Finding, IdLedger, ImportContext, Kind, Outcome
from .schema import SchemaInfo, detect
from .source import SourceError, open_source

if TYPE_CHECKING:
    from .source import Source

# A step's progress: (kind name, items done, items in all); ``done == 0`` starts the kind.
Progress = Callable[[str, int, int], None]
DEFAULT_BATCH_SIZE = 500
MAX_BATCH_SIZE = 5000


class ImportRefused(Exception):
    """The import cannot start (bad source, bad arguments, no site); nothing was written."""


@dataclass(frozen=True)
class KindReport:
    name: str
    in_source: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    in_target: int
    seconds: float


@dataclass
class ImportReport:
    schema: SchemaInfo
    source_label: str
    dry_run: bool
    kinds: list[KindReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def skipped(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome is Outcome.SKIPPED]

    @property
    def adjusted(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome is Outcome.ADJUSTED]

    @property
    def complete(self) -> bool:
        """Whether the target holds every item of the source that was not skipped."""
        return all(k.in_target >= k.in_source - k.skipped for k in self.kinds)


def default_kinds() -> list[Kind]:
    from .accounts_kinds import ACCOUNT_KINDS
    from .page_kinds import PAGE_KINDS

    return [*ACCOUNT_KINDS, *PAGE_KINDS]


def run_import(
    source_url: str,
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    kinds: Sequence[Kind] | None = None,
) -> ImportReport:
    """Import the Wiki.js 2 installation at ``source_url`` into this server's default site.

    ``ImportRefused`` before anything is written when the source cannot be read or is not a
    Wiki.js 2.5 database."""
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ImportRefused(f"the batch size must be between 1 and {MAX_BATCH_SIZE}")
    site = Site.objects.filter(hostname="*").first()
    if site is None:
        raise ImportRefused("this server has no default site: run manage.py migrate first")
    try:
        source = open_source(source_url)
    except SourceError as error:
        raise ImportRefused(str(error)) from error
    with source:
        try:
            schema = detect(source)
        except SourceError as error:
            raise ImportRefused(str(error)) from error
        steps = list(kinds if kinds is not None else default_kinds())
        report = ImportReport(schema=schema, source_label=source.label, dry_run=dry_run)
        started = time.monotonic()
        if dry_run:
            with transaction.atomic():
                _run_steps(source, site, steps, report, dry_run, batch_size, progress)
                transaction.set_rollback(True)
        else:
            _run_steps(source, site, steps, report, dry_run, batch_size, progress)
        report.seconds = time.monotonic() - started
    return report


def _run_steps(
    source: Source,
    site: Site,
    steps: list[Kind],
    report: ImportReport,
    dry_run: bool,
    batch_size: int,
    progress: Progress | None,
) -> None:
    show = progress or (lambda name, done, total: None)
    ctx = ImportContext(
        source=source, site=site, dry_run=dry_run, batch_size=batch_size, ledger=IdLedger()
    )
    when = timezone.now().isoformat()
    for step in steps:
        started = time.monotonic()
        total = step.source_total(ctx)
        show(step.name, 0, total)
        done = 0
        for rows in source.batches(step.table, batch_size, key=_batch_key(source, step)):
            with transaction.atomic():
                step.import_batch(rows, ctx)
                ctx.ledger.save(source.label, when)
            done += len(rows)
            show(step.name, min(done, total), total)
        with transaction.atomic():
            step.finish(ctx)
            ctx.ledger.save(source.label, when)
        if done < total:  # the source shrank while read: cannot happen in one snapshot
            show(step.name, total, total)
        report.kinds.append(
            KindReport(
                name=step.name,
                in_source=total,
                created=ctx.tally[(step.name, "created")],
                updated=ctx.tally[(step.name, "updated")],
                unchanged=ctx.tally[(step.name, "unchanged")],
                skipped=ctx.skipped(step.name),
                in_target=step.target_total(ctx),
                seconds=time.monotonic() - started,
            )
        )
    report.findings = list(ctx.findings)


def _batch_key(source: Source, step: Kind) -> str:
    """The column a step's table is walked by: the step's ``key``, else ``id``, else the
    first column (the settings table is keyed by ``key``)."""
    declared = getattr(step, "key", "")
    if declared:
        return declared
    columns = source.columns(step.table)
    return "id" if "id" in columns or not columns else columns[0]
