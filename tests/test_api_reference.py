"""docs/api.md documents every root operation of the live schema, and nothing that is not.

A new query or mutation, or a new argument, fails this test until docs/api.md describes it;
an operation listed under "Not built yet" must move up once it is served.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accounts.scopes import ALL_SCOPES
from api.schema import schema
from wiki.errors import ErrorKey

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "api.md"
ROOT_TYPES = {
    "Queries": schema.graphql_schema.query_type,
    "Mutations": schema.graphql_schema.mutation_type,
}
HEADING = re.compile(r"^### `(\w+)`\s*$")


def chapters(text: str) -> dict[str, str]:
    """The text under each ``## `` heading, by title."""
    found, title, lines = {}, None, []
    for line in text.splitlines():
        if line.startswith("## "):
            if title:
                found[title] = "\n".join(lines)
            title, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if title:
        found[title] = "\n".join(lines)
    return found


def operations(chapter: str) -> dict[str, str]:
    """The text under each ``### `name` `` heading of a chapter, by operation name."""
    found, name, lines = {}, None, []
    for line in chapter.splitlines():
        heading = HEADING.match(line)
        if heading:
            if name:
                found[name] = "\n".join(lines)
            name, lines = heading.group(1), []
        elif name:
            lines.append(line)
    if name:
        found[name] = "\n".join(lines)
    return found


@pytest.fixture(scope="module")
def reference() -> dict[str, str]:
    return chapters(REFERENCE.read_text())


@pytest.mark.parametrize("chapter", sorted(ROOT_TYPES))
def test_every_root_field_and_argument_is_documented(reference, chapter):
    documented = operations(reference[chapter])
    missing, arguments = [], []
    for name, field in ROOT_TYPES[chapter].fields.items():
        if name not in documented:
            missing.append(name)
            continue
        arguments += [
            f"{name}({argument})"
            for argument in field.args
            if f"`{argument}`" not in documented[name]
        ]
    assert missing == []
    assert arguments == []


@pytest.mark.parametrize("chapter", sorted(ROOT_TYPES))
def test_only_live_operations_are_documented_as_served(reference, chapter):
    assert set(operations(reference[chapter])) <= set(ROOT_TYPES[chapter].fields)


def test_operations_not_built_yet_are_not_served(reference):
    listed = set(re.findall(r"`(\w+)`", reference["Not built yet"]))
    served = {name for root in ROOT_TYPES.values() for name in root.fields}
    assert listed & served == set()


def test_error_keys_and_scopes_named_in_the_reference_exist():
    text = REFERENCE.read_text()
    keys = set(re.findall(r"\bERR_[A-Z_]+\b", text))
    scopes = set(re.findall(r"`([a-z]+:[a-z]+)`", text))
    assert keys
    assert keys - {key.value for key in ErrorKey} == set()
    assert scopes - ALL_SCOPES == set()


def test_the_readme_links_the_reference_inside_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "(docs/api.md)" in readme
    assert "../shared/" not in readme


def test_the_checker_sees_headings_and_arguments():
    text = "## Queries\n### `pages`\n| `limit` | `Int` | x |\n### `sites`\nAll.\n## Mutations\n"
    found = chapters(text)

    assert operations(found["Queries"]) == {"pages": "| `limit` | `Int` | x |", "sites": "All."}
    assert operations(found["Mutations"]) == {}
