"""``manage.py importpages DIR``: fill a wiki from a folder of Markdown files.

    manage.py importpages docs/ [--site HOST|ID] [--locale fr] [--publish-state draft]
                                [--dry-run] [--quiet] [-v 2]

The rules (paths, front matter, what is updated) are ``pages.importing``'s; this command
picks the site, shows progress and sums up. Exit status: 0 when every file was imported or
was already up to date, 1 when some files failed (the others are imported; each failure is
printed with its reason), 2 when nothing was done (no such folder, unknown site, bad option,
no administrator to attribute pages to).
"""

from __future__ import annotations

import shutil
import uuid
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wiki.errors import DomainError
from wiki.models import WILDCARD_HOSTNAME, Site

from ...importing import IMPORT_STATES, FileResult, MarkdownImporter, Outcome, scan_folder

FAILED_FILES = 1
NOTHING_DONE = 2
# Counter lines (when stderr is not a terminal) report every tenth of the run.
COUNTER_STEPS = 10


def resolve_site(reference: str | None) -> Site:
    """A site by id or hostname; without one, the ``*`` site, else the only site."""
    sites = Site.objects.order_by("hostname")
    if reference:
        try:
            site = sites.filter(pk=uuid.UUID(reference)).first()
        except ValueError:
            site = sites.filter(hostname=reference.strip().lower()).first()
        if site is None:
            known = ", ".join(sites.values_list("hostname", flat=True)) or "none"
            raise CommandError(
                f"Unknown site {reference!r}: give a site id or hostname (sites: {known}).",
                returncode=NOTHING_DONE,
            )
        return site
    site = sites.filter(hostname=WILDCARD_HOSTNAME).first()
    if site is None:
        candidates = list(sites[:2])
        if len(candidates) != 1:
            raise CommandError(
                "There is no '*' site and not exactly one site: choose one with --site.",
                returncode=NOTHING_DONE,
            )
        site = candidates[0]
    return site


def _plain(text: str) -> str:
    return text


class Progress:
    """A bar redrawn in place on a terminal, counter lines elsewhere, or nothing."""

    def __init__(self, stream, total: int, mode: str) -> None:
        self.stream, self.total, self.mode = stream, total, mode
        self.done = 0
        self.shown = False  # a bar is on the screen and must be erased before other lines
        self.step = max(1, -(-total // COUNTER_STEPS))

    def advance(self, label: str) -> None:
        self.done += 1
        if self.mode == "bar":
            self._draw(label)
        elif self.mode == "lines" and (self.done % self.step == 0 or self.done == self.total):
            self.stream.write(f"{self.done}/{self.total} files", style_func=_plain)

    def _draw(self, label: str) -> None:
        width = max(20, shutil.get_terminal_size().columns - 1)
        counter = f" {self.done}/{self.total} "
        cells = max(10, min(40, width // 3))
        filled = cells * self.done // max(self.total, 1)
        line = f"[{'#' * filled}{'.' * (cells - filled)}]{counter}{label}"
        self.stream.write(f"\r{line[:width]:<{width}}", style_func=_plain, ending="")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            width = max(20, shutil.get_terminal_size().columns - 1)
            self.stream.write(f"\r{' ' * width}\r", style_func=_plain, ending="")
            self.shown = False


class Command(BaseCommand):
    help = (
        "Import a folder of Markdown files as pages: front matter gives title, description, "
        "tags and publishing, the file's path gives the page path. Re-running updates the "
        "pages of changed files and skips the others."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", metavar="DIR", help="The folder to import.")
        parser.add_argument(
            "--site",
            help="Site id or hostname (default: the '*' site, or the only site).",
        )
        parser.add_argument(
            "--locale",
            help="Locale of the pages (default: the site's primary locale), except files in "
            "a first folder named like a locale code (fr/, pt-br/), which take that locale.",
        )
        parser.add_argument(
            "--publish-state",
            default="published",
            choices=IMPORT_STATES,
            help="State of new pages whose front matter has no 'published' (default published).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every file and report what would happen; write nothing.",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="No progress output: only failures and the summary.",
        )

    def handle(self, *args, **options):
        root = Path(options["dir"])
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder.", returncode=NOTHING_DONE)
        site = resolve_site(options["site"])
        try:
            importer = MarkdownImporter(
                site,
                locale=options["locale"],
                publish_state=options["publish_state"],
                dry_run=options["dry_run"],
            )
        except DomainError as error:
            raise CommandError(
                f"Cannot import: {error.detail or error.key.value} ({error.key.value}).",
                returncode=NOTHING_DONE,
            ) from error
        scan = scan_folder(root)
        verbosity = options["verbosity"]
        mode = "off"
        if not options["quiet"] and verbosity >= 1:
            mode = "bar" if self.stderr.isatty() else "lines" if verbosity == 1 else "off"
        progress = Progress(self.stderr, len(scan.files), mode)
        counts: Counter[Outcome] = Counter()
        for result in importer.run(scan):
            counts[result.outcome] += 1
            self._report(result, progress, verbosity)
            progress.advance(result.file)
        progress.clear()
        self.stdout.write(self._summary(counts, scan.ignored, options["dry_run"], site))
        if counts[Outcome.FAILED]:
            failed = counts[Outcome.FAILED]
            raise CommandError(
                f"{failed} file{'s' if failed != 1 else ''} not imported (reasons above).",
                returncode=FAILED_FILES,
            )

    def _report(self, result: FileResult, progress: Progress, verbosity: int) -> None:
        if result.outcome == Outcome.FAILED:
            progress.clear()
            self.stderr.write(f"failed   {result.file}: {result.reason}")
        elif verbosity >= 2:
            progress.clear()
            changed = f" ({', '.join(result.changed)})" if result.changed else ""
            self.stdout.write(f"{result.outcome:<8} {result.file} -> {result.address}{changed}")

    @staticmethod
    def _summary(counts: Counter, ignored: int, dry_run: bool, site: Site) -> str:
        figures = ", ".join(f"{outcome} {counts[outcome]}" for outcome in Outcome)
        note = f" ({ignored} hidden or non-Markdown entries ignored)" if ignored else ""
        lead = "Dry run, nothing written" if dry_run else "Imported"
        return f"{lead} into site {site.hostname!r}: {figures}{note}."
