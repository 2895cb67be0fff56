"""Importing a folder of Markdown files as pages (``manage.py importpages``).

Each file becomes the page at the path its location gives (``docs/Install Guide.md`` ->
``docs/install-guide``), created or updated through the page services, so tags, history,
rendering, search and the tree stay as consistent as after an edit in the API. The import is
idempotent: a page is matched by (site, locale, path), a file that states nothing new is
skipped without a history version, and a changed file updates only the fields that differ.

Every file is judged on its own, in its own transaction: one that cannot be imported is
reported with the reason and the run goes on. Only foreseen problems are reported that way
(unreadable or oversized files, bad front matter, invalid paths, refusals of the services);
anything else is a defect and stops the run, leaving the files already imported in place.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction

from accounts.services import delegated_author
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site

from . import validation as v
from .edits import PagePatch, update_page
from .frontmatter import Document, FrontMatterError, first_heading, parse_document
from .models import Page, PublishState
from .services import PageInput, create_page

MARKDOWN_SUFFIXES = (".md", ".markdown")
# A folder's own page: ``docs/index.md`` or ``docs/README.md`` is the page ``docs``.
INDEX_NAMES = ("index", "readme")
# Where an index file at the top of the folder (or of a locale folder) goes: Wiki.js's home.
HOME_PATH = "home"
HOME_TITLE = "Home"
EDITOR = "markdown"
# What a file may state with ``published:``; ``scheduled`` needs dates no file gives.
IMPORT_STATES = (PublishState.PUBLISHED.value, PublishState.DRAFT.value)
_NOT_IN_PATHS = re.compile(r"[^a-z0-9_-]+")
_MIB = 1024 * 1024


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"  # the page already says what the file says
    FAILED = "failed"


@dataclass(frozen=True)
class FileResult:
    """What importing one file did (or, in a dry run, would do)."""

    file: str  # relative to the imported folder, with ``/``
    outcome: Outcome
    locale: str | None = None
    path: str | None = None
    page_id: uuid.UUID | None = None
    changed: tuple[str, ...] = ()  # the fields an update changed, by their contract names
    reason: str = ""  # why the file failed

    @property
    def address(self) -> str:
        return f"{self.locale}/{self.path}" if self.path else ""


@dataclass(frozen=True)
class SourceFile:
    relative: PurePosixPath
    location: Path
    refusal: str = ""  # found while walking the folder (a link leading outside it)


@dataclass(frozen=True)
class Scan:
    """The Markdown files of a folder in import order, and how many entries were left out."""

    files: list[SourceFile]
    ignored: int  # hidden entries, files that are not Markdown, links to folders


class FileRefused(Exception):
    """A file this import cannot take; the message says why, for the operator."""


def is_markdown(name: str) -> bool:
    return name.lower().endswith(MARKDOWN_SUFFIXES)


def scan_folder(root: Path) -> Scan:
    """Walk ``root`` depth first in name order: the same folder is always imported alike.

    Names starting with ``.`` are hidden and left out with everything below them. Symbolic
    links are followed only to files inside ``root``; a link leading outside is refused (it
    would import files the operator did not point at), a link to a folder is not followed
    (no loops, no page imported twice).
    """
    root = root.resolve()
    files: list[SourceFile] = []
    ignored = 0

    def walk(directory: Path, relative: PurePosixPath) -> None:
        nonlocal ignored
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            files.append(SourceFile(relative, directory, f"cannot list the folder: {error}"))
            return
        for entry in entries:
            child, location = relative / entry.name, Path(entry.path)
            if entry.name.startswith("."):
                ignored += 1
            elif entry.is_symlink():
                if not location.resolve().is_relative_to(root):
                    files.append(SourceFile(child, location, "a symbolic link to outside DIR"))
                elif is_markdown(entry.name) and not location.is_dir():
                    files.append(SourceFile(child, location))
                else:
                    ignored += 1
            elif entry.is_dir(follow_symlinks=False):
                walk(location, child)
            elif is_markdown(entry.name):
                files.append(SourceFile(child, location))
            else:
                ignored += 1

    walk(root, PurePosixPath())
    return Scan(files, ignored)


def path_segment(name: str) -> str:
    """A file or folder name as a path segment: ``Install Guide`` -> ``install-guide``,
    ``Café`` -> ``cafe``; characters a path cannot hold become single dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_IN_PATHS.sub("-", ascii_name.lower()).strip("-")


def page_address(relative: PurePosixPath, default_locale: str) -> tuple[str, str]:
    """(locale, path) of the page a file becomes; FileRefused when it can have none.

    A first folder named like a locale code (``fr/``, ``pt-br/``) gives its files' locale:
    such a segment can never start a page path, so nothing else could be meant.
    """
    *folders, name = relative.parts
    locale = default_locale
    if folders and v.LOCALE_CODE.fullmatch(folders[0].lower()):
        locale = folders.pop(0).lower()
    stem = PurePosixPath(name).stem
    names = folders if stem.lower() in INDEX_NAMES else [*folders, stem]
    segments = []
    for original in names:
        segment = path_segment(original)
        if not segment:
            raise FileRefused(f"{original!r} has no letter or digit a page path can use")
        segments.append(segment)
    try:
        return locale, v.normalize_path("/".join(segments) or HOME_PATH)
    except DomainError as error:
        raise FileRefused(f"no valid page path: {error.detail}") from error


def fallback_title(relative: PurePosixPath) -> str:
    """The title of a file whose front matter and text name none: its name as written."""
    stem = relative.stem
    if stem.lower() not in INDEX_NAMES:
        return stem
    folders = list(relative.parts[:-1])
    if folders and v.LOCALE_CODE.fullmatch(folders[0].lower()):
        folders.pop(0)
    return folders[-1] if folders else HOME_TITLE


def _size(count: int) -> str:
    return f"{count / _MIB:g} MiB" if count >= _MIB else f"{count} bytes"


def read_document(location: Path, max_bytes: int) -> Document:
    """The file's front matter and body; FileRefused for anything that is not a page."""
    try:
        status = location.stat()
        if not stat.S_ISREG(status.st_mode):
            raise FileRefused("not a regular file")  # a FIFO would block the run
        if status.st_size > max_bytes:
            raise FileRefused(f"larger than the {_size(max_bytes)} limit")
        with location.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as error:
        raise FileRefused(f"cannot read the file: {error.strerror or error}") from error
    if len(data) > max_bytes:
        raise FileRefused(f"larger than the {_size(max_bytes)} limit")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRefused(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from error
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if "\x00" in text:
        raise FileRefused("contains NUL characters (not a text file)")
    try:
        document = parse_document(text)
    except FrontMatterError as error:
        raise FileRefused(str(error)) from error
    if not document.body.strip():
        raise FileRefused("no content (the file is empty after its front matter)")
    return document


class MarkdownImporter:
    """Imports files into one site, as the trusted operator (``caller=None``: no permission
    checks, changes attributed to the root administrator, as for API keys).

    ``locale`` is the locale of files outside a locale folder (default: the site's primary
    locale); ``publish_state`` the state of
    new pages whose front matter has no ``published``. In a dry run every file goes through
    the same services inside a transaction that is then rolled back: the outcomes and
    refusals are the real ones, and nothing is written.
    """

    def __init__(
        self,
        site: Site,
        *,
        locale: str | None = None,
        publish_state: str = PublishState.PUBLISHED.value,
        dry_run: bool = False,
        max_bytes: int | None = None,
    ) -> None:
        if publish_state not in IMPORT_STATES:
            raise DomainError(
                ErrorKey.INVALID_INPUT, f"publish state must be one of {IMPORT_STATES}"
            )
        self.site = site
        self.locale = v.normalize_locale(locale or site.primary_locale)
        self.publish_state = publish_state
        self.dry_run = dry_run
        self.max_bytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if max_bytes is None else max_bytes
        # Every file would fail without someone to attribute the pages to: say so once.
        delegated_author()
        self._claimed: dict[tuple[str, str], str] = {}

    def run(self, scan: Scan) -> Iterator[FileResult]:
        for source in scan.files:
            yield self.import_file(source)

    def import_file(self, source: SourceFile) -> FileResult:
        name = source.relative.as_posix()
        locale = path = None
        try:
            if source.refusal:
                raise FileRefused(source.refusal)
            locale, path = page_address(source.relative, self.locale)
            earlier = self._claimed.setdefault((locale, path), name)
            if earlier != name:
                raise FileRefused(f"{earlier} is imported as the same page")
            document = read_document(source.location, self.max_bytes)
            title = (
                document.title or first_heading(document.body) or fallback_title(source.relative)
            )
            with transaction.atomic():
                result = self._write(name, locale, path, document, title)
                if self.dry_run:
                    transaction.set_rollback(True)
            return result
        except FileRefused as error:
            reason = str(error)
        except DomainError as error:
            reason = str(error)
        return FileResult(name, Outcome.FAILED, locale, path, reason=reason)

    def _write(
        self, name: str, locale: str, path: str, document: Document, title: str
    ) -> FileResult:
        page = Page.objects.filter(site=self.site, locale=locale, path=path).first()
        if page is None:
            state = self.publish_state
            if document.published is not None:
                state = _state(document.published)
            page = create_page(
                None,
                PageInput(
                    site_id=self.site.pk,
                    locale=locale,
                    path=path,
                    title=title,
                    description=document.description or "",
                    content=document.body,
                    editor=EDITOR,
                    publish_state=state,
                    tags=list(document.tags or ()),
                ),
            )
            return FileResult(name, Outcome.CREATED, locale, path, page.pk)
        if page.editor != EDITOR:
            # Markdown written into an HTML page would be shown as raw text.
            raise FileRefused(
                f"the page {locale}/{path} uses the {page.editor!r} editor, not Markdown"
            )
        patch, changed = planned_patch(page, document, title)
        if not changed:
            return FileResult(name, Outcome.SKIPPED, locale, path, page.pk)
        patch.reason_for_change = f"Imported from {name}"
        update_page(None, page.pk, patch)
        return FileResult(name, Outcome.UPDATED, locale, path, page.pk, tuple(changed))


def _state(published: bool) -> str:
    return PublishState.PUBLISHED.value if published else PublishState.DRAFT.value


def planned_patch(page: Page, document: Document, title: str) -> tuple[PagePatch, list[str]]:
    """The patch that makes ``page`` say what the file says, and the fields it changes.

    Title and content always come from the file; description, tags and publishing only when
    its front matter states them, so a value set in the wiki survives a file that is silent
    about it.
    """
    patch, changed = PagePatch(), []
    clean_title = v.clean_title(title)
    if clean_title != page.title:
        patch.title = clean_title
        changed.append("title")
    if document.description is not None:
        description = v.clean_short_text(document.description, "description")
        if description != page.description:
            patch.description = description
            changed.append("description")
    if document.tags is not None:
        tags = v.clean_tags(list(document.tags))
        if tags != list(page.tags or ()):
            patch.tags = tags
            changed.append("tags")
    if document.body != page.content:
        patch.content = document.body
        changed.append("content")
    if document.published is not None and _state(document.published) != page.publish_state:
        patch.publish_state = _state(document.published)
        changed.append("publishState")
    return patch, changed
