"""``manage.py importpages``: a folder of Markdown files becomes pages, and stays in step."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from pages import edits
from pages.models import Page, PageHistory, Tag, TreeItem
from tests.api.page_edit_support import make_page
from tests.factories import default_site
from wiki.models import Site

from .import_support import SAMPLE, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin")]

PAGES = [
    ("en", "docs", "docs", "", [], "published"),
    ("en", "docs/deep/cafe-notes", "Café crème ☕", "", ["drinks", "日本"], "draft"),
    ("en", "docs/install-guide", "Installing", "From zero to running", ["setup", "guide"], "published"),
    ("en", "home", "Welcome", "", [], "published"),
    ("fr", "guide/intro", "Introduction", "", ["guide", "intro"], "published"),
]  # fmt: skip
SUMMARY = "Imported into site '*': created 5, updated 0, skipped 0, failed 0 (3 hidden or non-Markdown entries ignored).\n"  # fmt: skip


@pytest.fixture
def sample(tmp_path) -> Path:
    return write(tmp_path / "wiki", SAMPLE)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args, stderr=None, **options) -> tuple[str, str]:
    out, err = io.StringIO(), stderr or io.StringIO()
    call_command("importpages", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing(*args, **options) -> tuple[CommandError, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("importpages", *map(str, args), stdout=out, stderr=err, **options)
    return caught.value, out.getvalue(), err.getvalue()


def pages() -> list[tuple]:
    rows = Page.objects.order_by("locale", "path")
    return [(p.locale, p.path, p.title, p.description, p.tags, p.publish_state) for p in rows]


def tree() -> list[tuple[str, str, str, str]]:
    rows = TreeItem.objects.order_by("locale", "path", "type")
    return [(item.locale, item.type, item.path, item.title) for item in rows]


def tag_counts() -> dict[str, int]:
    return dict(Tag.objects.values_list("tag", "usage_count"))


def test_a_folder_becomes_pages_with_their_tree(sample):
    out, err = run(sample, quiet=True)

    assert (out, err) == (SUMMARY, "")
    assert pages() == PAGES
    assert tree() == [
        ("en", "folder", "docs", "docs"),
        ("en", "page", "docs", "docs"),
        ("en", "folder", "docs/deep", "deep"),
        ("en", "page", "docs/deep/cafe-notes", "Café crème ☕"),
        ("en", "page", "docs/install-guide", "Installing"),
        ("en", "page", "home", "Welcome"),
        ("fr", "folder", "guide", "guide"),
        ("fr", "page", "guide/intro", "Introduction"),
    ]
    page = Page.objects.get(path="docs/deep/cafe-notes")
    assert (page.content, page.editor, page.content_type) == (
        "Ünïcödé body 😀\n",
        "markdown",
        "markdown",
    )
    assert page.render == "<p>Ünïcödé body 😀</p>\n"
    assert page.author.email == "admin@example.com"
    assert tag_counts() == {"setup": 1, "guide": 2, "drinks": 1, "日本": 1, "intro": 1}
    assert PageHistory.objects.count() == 0


def test_a_rerun_of_unchanged_files_changes_nothing(sample):
    run(sample, quiet=True)
    before = list(Page.objects.order_by("path").values())
    counts = tag_counts()

    out, _ = run(sample, quiet=True)

    assert out == SUMMARY.replace("created 5", "created 0").replace("skipped 0", "skipped 5")
    assert list(Page.objects.order_by("path").values()) == before
    assert PageHistory.objects.count() == 0
    assert tag_counts() == counts


def test_a_changed_file_updates_only_what_changed_with_one_version(sample):
    run(sample, quiet=True)
    guide = Page.objects.get(path="docs/install-guide")
    write(
        sample,
        {
            "docs/Install Guide.md": "---\ntitle: Installing\ndescription: From zero to running\n"
            "tags: [setup, linux]\n---\nRun `make install`.\n"
        },
    )

    out, _ = run(sample, verbosity=2, quiet=True)

    assert "updated  docs/Install Guide.md -> en/docs/install-guide (tags, content)\n" in out
    assert "skipped  index.md -> en/home\n" in out
    assert out.endswith("created 0, updated 1, skipped 4, failed 0 (3 hidden or non-Markdown entries ignored).\n")  # fmt: skip
    version = PageHistory.objects.get()
    assert (version.page_id, version.action, version.affected_fields, version.reason) == (
        guide.pk,
        "updated",
        ["content", "tags"],
        "Imported from docs/Install Guide.md",
    )
    assert (version.content, version.tags) == ("Run `make`.\n", ["setup", "guide"])
    guide.refresh_from_db()
    assert (guide.content, guide.tags, guide.description) == (
        "Run `make install`.\n",
        ["setup", "linux"],
        "From zero to running",
    )
    assert "make install" in guide.search_content
    assert TreeItem.objects.get(pk=guide.pk).tags == ["setup", "linux"]
    assert tag_counts() == {"setup": 1, "guide": 1, "linux": 1, "drinks": 1, "日本": 1, "intro": 1}


def test_what_the_front_matter_does_not_state_is_left_as_the_wiki_has_it(tmp_path):
    write(tmp_path, {"docs/page.md": "# Page\n\nText.\n"})
    run(tmp_path, quiet=True)
    page = Page.objects.get(path="docs/page")
    edits.update_page(None, page.pk, edits.PagePatch(description="Set in the wiki", tags=["kept"]))

    out, _ = run(tmp_path, quiet=True)

    assert "skipped 1" in out
    page.refresh_from_db()
    assert (page.description, page.tags, page.publish_state) == (
        "Set in the wiki",
        ["kept"],
        "published",
    )
    assert PageHistory.objects.count() == 1  # the wiki's own edit


def test_stated_fields_replace_the_wikis_values(tmp_path):
    page = make_page("docs/page", title="Old", description="Old text", tags=("old",))
    write(
        tmp_path,
        {
            "docs/page.md": "---\ndescription: ''\ntags: []\npublished: false\n---\n# Intro\n\nHello.\n"
        },
    )

    out, _ = run(tmp_path, verbosity=2, quiet=True)

    assert out.startswith(
        "updated  docs/page.md -> en/docs/page (title, description, tags, content, publishState)\n"
    )
    page.refresh_from_db()
    assert (page.title, page.description, page.tags, page.publish_state) == (
        "Intro",
        "",
        [],
        "draft",
    )
    assert tag_counts() == {"old": 0}


def test_broken_files_are_reported_and_skipped_while_the_others_import(tmp_path, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    write(
        tmp_path,
        {
            "good.md": "# Good\n",
            "admin.md": "# Reserved path\n",
            "bad-utf8.md": b"# Caf\xe9\n",
            "bad-front.md": "---\ntitle: x\ntitle: y\n---\nText\n",
            "empty.md": "---\ntitle: Nothing\n---\n\n  \n",
            "bad-tag.md": "---\ntags: [two words]\n---\nText\n",
            "big.md": "x" * 201,
            "nul.md": "a\x00b",
            "docs.md": "# Docs\n",
            "docs/index.md": "# Also docs\n",
        },
    )

    error, out, err = run_failing(tmp_path, quiet=True)

    assert (error.returncode, str(error)) == (1, "8 files not imported (reasons above).")
    assert err.splitlines() == [
        "failed   admin.md: no valid page path: reserved first segment 'admin': a route of the server uses it",
        "failed   bad-front.md: front matter line 3: 'title' is given twice",
        "failed   bad-tag.md: ERR_INVALID_INPUT: bad tag 'two words'",
        "failed   bad-utf8.md: not UTF-8 text (byte 0xe9 at offset 5)",
        "failed   big.md: larger than the 200 bytes limit",
        "failed   docs.md: docs/index.md is imported as the same page",
        "failed   empty.md: no content (the file is empty after its front matter)",
        "failed   nul.md: contains NUL characters (not a text file)",
    ]  # fmt: skip
    assert out.endswith("created 2, updated 0, skipped 0, failed 8.\n")
    assert [p[1] for p in pages()] == ["docs", "good"]
    assert Page.objects.get(path="docs").title == "Also docs"


def test_counter_lines_go_to_stderr_when_it_is_not_a_terminal(tmp_path):
    write(tmp_path, {f"docs/page-{n:02d}.md": f"# Page {n}\n" for n in range(12)})
    out, err = run(tmp_path)
    assert err.splitlines() == ["2/12 files", "4/12 files", "6/12 files", "8/12 files", "10/12 files", "12/12 files"]  # fmt: skip
    assert out == "Imported into site '*': created 12, updated 0, skipped 0, failed 0.\n"


def test_a_terminal_gets_a_bar_redrawn_in_place_and_erased(tmp_path):
    write(tmp_path, {"docs/one.md": "# One\n", "docs/two.md": "# Two\n", "x.md": "# Bad\n"})
    err = Tty()
    with pytest.raises(CommandError):
        run(tmp_path, stderr=err)
    screen = err.getvalue()
    assert screen.count("\r[") == 3
    assert "] 2/3 docs/two.md" in screen
    assert "] 3/3 x.md" in screen
    # A failure erases the bar before its line; the run ends with the bar erased.
    assert re.search(r"2/3 docs/two\.md *\r {20,}\r\S*failed   x\.md: no valid page path", screen)
    assert re.search(r"3/3 x\.md *\r {20,}\r$", screen)


def test_quiet_shows_only_failures_and_the_summary(sample):
    out, err = run(sample, quiet=True, stderr=Tty())
    assert (out, err) == (SUMMARY, "")


def test_a_dry_run_reports_the_real_outcomes_and_writes_nothing(sample):
    out, err = run(sample, "--dry-run")
    assert out == SUMMARY.replace("Imported", "Dry run, nothing written")
    assert (Page.objects.count(), TreeItem.objects.count(), Tag.objects.count()) == (0, 0, 0)

    run(sample, quiet=True)
    write(sample, {"index.md": "# Welcome back\n"})
    before = list(Page.objects.order_by("path").values())
    out, _ = run(sample, "--dry-run", verbosity=2)
    assert "updated  index.md -> en/home (title, content)\n" in out
    assert list(Page.objects.order_by("path").values()) == before
    assert PageHistory.objects.count() == 0


def test_site_locale_and_publish_state_options(sample):
    other = Site.objects.create(hostname="docs.example.com")
    run(
        sample,
        "--site",
        "DOCS.example.com",
        "--locale",
        "de",
        "--publish-state",
        "draft",
        quiet=True,
    )
    rows = Page.objects.filter(site=other).order_by("locale", "path")
    assert [(p.locale, p.path, p.publish_state) for p in rows] == [
        ("de", "docs", "draft"),
        ("de", "docs/deep/cafe-notes", "draft"),
        ("de", "docs/install-guide", "draft"),
        ("de", "home", "draft"),
        ("fr", "guide/intro", "draft"),
    ]
    assert not Page.objects.filter(site=default_site()).exists()
    out, _ = run(sample, "--site", str(other.pk), "--locale", "de", quiet=True)
    assert "skipped 5" in out


def test_a_page_written_with_another_editor_is_not_overwritten(tmp_path):
    page = make_page("docs/page", editor="wysiwyg", content="<p>HTML</p>")
    write(tmp_path, {"docs/page.md": "# Page\n"})
    _, _, err = run_failing(tmp_path, quiet=True)
    assert err == "failed   docs/page.md: the page en/docs/page uses the 'wysiwyg' editor, not Markdown\n"  # fmt: skip
    page.refresh_from_db()
    assert page.content == "<p>HTML</p>"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "nowhere.example.com"], "Unknown site 'nowhere.example.com': give a site id or hostname (sites: *)."),
        (["--site", "6f1c1a58-3a2f-4c5e-9a53-000000000000"], "Unknown site '6f1c1a58-3a2f-4c5e-9a53-000000000000': give a site id or hostname (sites: *)."),
        (["--locale", "english"], "Cannot import: bad locale 'english' (ERR_INVALID_INPUT)."),
    ],
)  # fmt: skip
def test_bad_options_stop_before_anything_is_done(sample, args, message):
    error, out, err = run_failing(sample, *args)
    assert (error.returncode, str(error), out, err) == (2, message, "", "")
    assert not Page.objects.exists()


def test_a_missing_folder_is_refused(tmp_path):
    error, _, _ = run_failing(tmp_path / "absent")
    assert (error.returncode, str(error)) == (2, f"{tmp_path / 'absent'} is not a folder.")


def test_without_the_wildcard_site_the_only_site_is_chosen_or_one_must_be_named(sample):
    Site.objects.filter(hostname="*").update(hostname="wiki.example.com")
    out, _ = run(sample, quiet=True)
    assert out.startswith("Imported into site 'wiki.example.com': created 5")
    Site.objects.create(hostname="other.example.com")
    error, _, _ = run_failing(sample)
    assert (error.returncode, str(error)) == (
        2,
        "There is no '*' site and not exactly one site: choose one with --site.",
    )


def test_without_an_administrator_nothing_is_attempted(sample, admin):
    User.objects.filter(pk=admin.pk).delete()
    error, _, _ = run_failing(sample)
    assert (error.returncode, str(error)) == (
        2,
        "Cannot import: no administrator exists: run createsuperuser (ERR_INVALID_USER).",
    )


def test_byte_order_mark_and_windows_line_endings_do_not_count_as_changes(tmp_path):
    write(
        tmp_path, {"docs/win.md": "\ufeff---\r\ntitle: Windows\r\n---\r\nLine one\r\nLine two\r\n"}
    )
    run(tmp_path, quiet=True)
    assert Page.objects.get(path="docs/win").content == "Line one\nLine two\n"
    write(tmp_path, {"docs/win.md": "---\ntitle: Windows\n---\nLine one\nLine two\n"})
    out, _ = run(tmp_path, quiet=True)
    assert "skipped 1" in out
