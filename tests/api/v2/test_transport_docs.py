"""docs/api-v2/README.md, the index of the /graphql reference, says what the code does: its table of
error classes is dialect.ERROR_CLASSES, and it names the namespace pages."""

from __future__ import annotations

import re
from pathlib import Path

from api.v2.dialect import ERROR_CLASSES
from api.v2.view import ALLOWED_METHODS

ROOT = Path(__file__).resolve().parents[3]
INDEX = ROOT / "docs" / "api-v2" / "README.md"
CLASS_ROW = re.compile(r"^\| `(\w+)` \| (\d+) \| (.+) \|$")
NAMESPACE_PAGES = (
    "pages-read.md",
    "pages-write.md",
    "users.md",
    "groups.md",
    "authentication.md",
    "site.md",
)


def section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    rest = text[start + len(heading) + 1 :]
    end = re.search(r"^#{1,3} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def test_the_error_class_table_is_the_dialects():
    rows = [
        CLASS_ROW.match(line)
        for line in section(INDEX.read_text(), "### Error classes").splitlines()
    ]
    documented = {row[1]: (int(row[2]), row[3]) for row in rows if row}

    assert documented == {
        name: (error_class.code, error_class.message) for name, error_class in ERROR_CLASSES.items()
    }


def test_the_index_names_every_namespace_page():
    text = INDEX.read_text()
    for page in NAMESPACE_PAGES:
        assert f"]({page})" in text


def test_the_documented_methods_and_batch_bound_are_the_servers(settings):
    text = INDEX.read_text()
    assert f"`Allow: {ALLOWED_METHODS}`" in text
    assert f"At most **{settings.GRAPHQL_MAX_BATCH_OPERATIONS}** operations per batch" in text
