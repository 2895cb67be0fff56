"""``pages.importing`` called directly: one result per file, links, special files."""

from __future__ import annotations

import os

import pytest

from pages.importing import FileResult, MarkdownImporter, Outcome, scan_folder
from pages.models import Page
from tests.factories import default_site
from wiki.errors import DomainError, ErrorKey

from .import_support import SAMPLE, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin")]


@pytest.fixture
def sample(tmp_path):
    return write(tmp_path / "wiki", SAMPLE)


def test_the_importer_yields_one_result_per_file(sample):
    importer = MarkdownImporter(default_site(), locale="en")
    results = list(importer.run(scan_folder(sample)))
    assert [(r.file, r.outcome, r.address) for r in results] == [
        ("docs/Deep/Café Notes.md", Outcome.CREATED, "en/docs/deep/cafe-notes"),
        ("docs/Install Guide.md", Outcome.CREATED, "en/docs/install-guide"),
        ("docs/index.md", Outcome.CREATED, "en/docs"),
        ("fr/guide/intro.md", Outcome.CREATED, "fr/guide/intro"),
        ("index.md", Outcome.CREATED, "en/home"),
    ]
    assert {r.page_id for r in results} == set(Page.objects.values_list("pk", flat=True))


def test_the_importer_refuses_an_unknown_publish_state():
    with pytest.raises(DomainError) as caught:
        MarkdownImporter(default_site(), publish_state="scheduled")
    assert caught.value.key == ErrorKey.INVALID_INPUT


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_links_inside_are_read_links_outside_refused_links_to_folders_not_followed(tmp_path):
    outside = write(tmp_path / "outside", {"secret.md": "# Secret\n"})
    root = write(tmp_path / "root", {"docs/real.md": "# Real\n"})
    (root / "alias.md").symlink_to(root / "docs" / "real.md")
    (root / "leak.md").symlink_to(outside / "secret.md")
    (root / "leakdir").symlink_to(outside)
    (root / "loop").symlink_to(root / "docs")

    results = list(MarkdownImporter(default_site()).run(scan_folder(root)))

    assert results == [
        FileResult("alias.md", Outcome.CREATED, "en", "alias", Page.objects.get(path="alias").pk),
        FileResult("docs/real.md", Outcome.CREATED, "en", "docs/real", Page.objects.get(path="docs/real").pk),
        FileResult("leak.md", Outcome.FAILED, reason="a symbolic link to outside DIR"),
        FileResult("leakdir", Outcome.FAILED, reason="a symbolic link to outside DIR"),
    ]  # fmt: skip
    assert scan_folder(root).ignored == 1  # the link to docs/
    assert Page.objects.get(path="alias").title == "Real"


def test_a_fifo_is_refused_without_blocking(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    write(tmp_path, {"docs/ok.md": "# OK\n"})
    os.mkfifo(tmp_path / "docs" / "pipe.md")
    results = list(MarkdownImporter(default_site()).run(scan_folder(tmp_path)))
    assert [(r.file, r.outcome, r.reason) for r in results] == [
        ("docs/ok.md", Outcome.CREATED, ""),
        ("docs/pipe.md", Outcome.FAILED, "not a regular file"),
    ]
