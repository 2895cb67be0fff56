"""``manage.py import_wikijs2``: move a Wiki.js 2 installation onto this server.

    manage.py import_wikijs2 --source postgres://wikijs:***@db-host/wiki [--dry-run]
    manage.py import_wikijs2 --source sqlite:////var/wiki/database.sqlite

Reads the Wiki.js 2.5 database read-only and imports users (with their passwords), groups
and their page rules, memberships, API keys and Wiki.js's signing key, the site's settings,
tags, pages and their whole history, keeping Wiki.js's integer ids (docs/wikijs2-import.md).
Run it again to bring over what changed since; ``--dry-run`` reports what a run would do and
writes nothing. The exit status is 0 when the target holds everything that was not skipped,
1 when the verification found a kind short, 2 when the import could not start.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wiki.progress import progress_printer

from ...wikijs2.run import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    ImportRefused,
    ImportReport,
    run_import,
)


class Command(BaseCommand):
    help = (
        "Import a Wiki.js 2.5 installation (PostgreSQL or SQLite database) into this server: "
        "pages with history, tags, users with their passwords, groups with page rules, API "
        "keys. Idempotent; --dry-run reports without writing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            required=True,
            help="The Wiki.js 2 database: postgres://user:pass@host:port/name or "
            "sqlite:////absolute/path/to/database.sqlite",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read everything and report what would be imported, conflicts and items "
            "that cannot be imported; write nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Items per batch and transaction (1-{MAX_BATCH_SIZE}; memory grows with "
            f"it). Default {DEFAULT_BATCH_SIZE}.",
        )
        parser.add_argument(
            "--report",
            metavar="FILE",
            help="Also write the report (counts per kind, everything skipped or adjusted) "
            "to FILE as JSON.",
        )

    def handle(self, *args, **options):
        try:
            report = run_import(
                options["source"],
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                progress=progress_printer(self.stderr._out, width=12),
            )
        except ImportRefused as refusal:
            raise CommandError(f"Nothing was imported: {refusal}", returncode=2) from refusal
        self._print(report)
        if options["report"]:
            Path(options["report"]).write_text(
                json.dumps(report_as_json(report), indent=2) + "\n", encoding="utf-8"
            )
        if not report.complete:
            raise CommandError(
                "The verification found fewer items in this server than the source holds "
                "(see the table above): run the import again; if it persists, report it.",
                returncode=1,
            )

    def _print(self, report: ImportReport) -> None:
        write = self.stdout.write
        mode = "Dry run: nothing was written." if report.dry_run else "Imported."
        write(f"{report.schema} at {report.source_label}. {mode} ({report.seconds:.1f} s)")
        write("")
        header = ("kind", "in source", "created", "updated", "unchanged", "skipped", "here")
        rows = [header] + [
            (
                k.name,
                f"{k.in_source:,}",
                f"{k.created:,}",
                f"{k.updated:,}",
                f"{k.unchanged:,}",
                f"{k.skipped:,}",
                f"{k.in_target:,}",
            )
            for k in report.kinds
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            cells = [row[0].ljust(widths[0])] + [
                cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
            ]
            write("  " + "  ".join(cells))
        for title, findings in (
            ("Skipped", report.skipped),
            ("Imported with a change", report.adjusted),
        ):
            if findings:
                write("")
                write(f"{title} ({len(findings):,}):")
                for finding in findings:
                    write(f"  {finding}")
        if report.dry_run:
            write("")
            write("Run the same command without --dry-run to import.")


def report_as_json(report: ImportReport) -> dict:
    return {
        "source": report.source_label,
        "schema": str(report.schema),
        "dryRun": report.dry_run,
        "seconds": round(report.seconds, 3),
        "complete": report.complete,
        "kinds": [
            {
                "name": k.name,
                "inSource": k.in_source,
                "created": k.created,
                "updated": k.updated,
                "unchanged": k.unchanged,
                "skipped": k.skipped,
                "inTarget": k.in_target,
                "seconds": round(k.seconds, 3),
            }
            for k in report.kinds
        ],
        "findings": [
            {
                "kind": f.kind,
                "sourceId": f.source_id,
                "outcome": f.outcome.value,
                "reason": f.reason,
            }
            for f in report.findings
        ],
    }
