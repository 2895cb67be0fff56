"""Front matter of Markdown files: the ``---`` block at the top that names a page's title,
description, tags and publishing state (what ``manage.py importpages`` reads).

A small strict reader of the YAML subset such blocks use, not a YAML parser: ``key: value``
lines, plain or quoted values, lists as ``[a, b]``, as ``- a`` lines under an empty key, or (as
Wiki.js 2 writes them) as ``tags: a, b``. Values are taken literally (``title: Fix #5`` keeps
its ``#5``). Keys other than the four known ones (``date``, ``editor``, ``layout`` ...) are
ignored together with their indented lines, so files written for other tools import as they
are; anything else that does not fit is an error naming the line, never a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = "---"
CLOSERS = ("---", "...")
KNOWN_KEYS = ("title", "description", "tags", "published")
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:(?:\s+(.*))?$")
_LIST_ITEM = re.compile(r"^\s*-(?:\s+(.*))?$")
_HEADING = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t"}


class FrontMatterError(ValueError):
    """The front matter cannot be read; the message names the line and the problem."""


@dataclass(frozen=True)
class Document:
    """A Markdown file split into its front matter fields and its body.

    ``None`` means the front matter does not state the field (which differs from an empty
    value: ``tags: []`` states that the page has no tags).
    """

    body: str
    title: str | None = None
    description: str | None = None
    tags: tuple[str, ...] | None = None
    published: bool | None = None


def parse_document(text: str) -> Document:
    """Split ``text`` (line endings already ``\\n``) into front matter and body."""
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        return Document(body=text)
    for end in range(1, len(lines)):
        if lines[end].rstrip() in CLOSERS:
            break
    else:
        raise FrontMatterError("the front matter opened by '---' on line 1 is never closed")
    fields = _read_fields(lines[1:end])
    # The blank lines that separate the block from the text are not part of the content.
    body = "\n".join(lines[end + 1 :]).lstrip("\n")
    return Document(body=body, **fields)


def _read_fields(lines: list[str]) -> dict:
    """The known fields of the block's lines (line numbers count from the opening ``---``)."""
    entries: dict[str, tuple[int, str, list[str] | None]] = {}
    current: str | None = None  # the key whose indented or ``- item`` lines may follow
    for number, line in enumerate(lines, start=2):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        item = _LIST_ITEM.match(line)
        if current is not None and current not in KNOWN_KEYS and (item or line[0] in " \t"):
            continue  # a list or nested value of an ignored key
        if current is not None and item:
            first, value, items = entries[current]
            if value:
                raise _error(number, f"a '- item' line cannot follow the value of {current!r}")
            entries[current] = (first, value, [*(items or []), item.group(1) or ""])
            continue
        if line[0] in " \t":
            raise _error(number, "unexpected indented line")
        match = _KEY_LINE.match(line)
        if not match:
            raise _error(number, "expected 'key: value'")
        key = match.group(1).lower()
        if key in entries:
            raise _error(number, f"{key!r} is given twice")
        entries[key] = (number, (match.group(2) or "").strip(), None)
        current = key
    return {key: _convert(key, *entries[key]) for key in KNOWN_KEYS if key in entries}


def _convert(key: str, number: int, value: str, items: list[str] | None):
    if key == "tags":
        if items is not None:
            return tuple(_scalar(item.strip(), number) for item in items)
        if value.startswith("["):
            return tuple(_flow_list(value, number))
        # ``tags: a, b`` (Wiki.js 2's own front matter) or one tag.
        return tuple(part.strip() for part in _scalar(value, number).split(",") if part.strip())
    if items is not None:
        raise _error(number, f"{key!r} takes one value, not a list")
    if value.startswith("["):
        raise _error(number, f"{key!r} takes one value, not a list")
    if value[:1] in ("|", ">"):
        raise _error(number, f"{key!r}: block scalars ('|', '>') are not supported")
    text = _scalar(value, number)
    if key == "published":
        flag = _BOOLEANS.get(text.lower())
        if flag is None:
            raise _error(number, f"'published' must be true or false, not {text!r}")
        return flag
    return text


def _scalar(value: str, number: int) -> str:
    """A plain value as written, or a quoted one without its quotes."""
    if not value or value[0] not in "\"'":
        return value
    text, rest = _quoted(value, number)
    if rest.strip():
        raise _error(number, f"unexpected text after the closing quote: {rest.strip()!r}")
    return text


def _quoted(value: str, number: int) -> tuple[str, str]:
    """The quoted string at the start of ``value`` and what follows its closing quote."""
    quote, chars, index = value[0], [], 1
    while index < len(value):
        char = value[index]
        if quote == "'" and char == "'":
            if value[index + 1 : index + 2] == "'":  # '' is a quote inside single quotes
                chars.append("'")
                index += 2
                continue
            return "".join(chars), value[index + 1 :]
        if quote == '"' and char == "\\":
            escaped = _ESCAPES.get(value[index + 1 : index + 2])
            if escaped is None:
                raise _error(number, f"unsupported escape {value[index : index + 2]!r}")
            chars.append(escaped)
            index += 2
            continue
        if quote == '"' and char == '"':
            return "".join(chars), value[index + 1 :]
        chars.append(char)
        index += 1
    raise _error(number, "a quoted value is not closed")


def _flow_list(value: str, number: int) -> list[str]:
    """``[a, "b c", 'd']``: items separated by commas, each plain or quoted."""
    rest, items = value[1:].lstrip(), []
    if rest.startswith("]"):
        return _closed(items, rest, number)
    while True:
        if rest[:1] in ("'", '"'):
            item, rest = _quoted(rest, number)
        else:
            end = min((rest.find(c) for c in ",]" if c in rest), default=-1)
            if end < 0:
                raise _error(number, "a '[' list is not closed")
            item, rest = rest[:end].strip(), rest[end:]
            if "[" in item or "{" in item:
                raise _error(number, "nested lists and mappings are not supported")
        items.append(item)
        rest = rest.lstrip()
        if rest.startswith("]"):
            return _closed(items, rest, number)
        if not rest.startswith(","):
            raise _error(number, "expected ',' or ']' in a '[' list")
        rest = rest[1:].lstrip()


def _closed(items: list[str], rest: str, number: int) -> list[str]:
    if rest[1:].strip():
        raise _error(number, f"unexpected text after ']': {rest[1:].strip()!r}")
    return items


def _error(number: int, message: str) -> FrontMatterError:
    return FrontMatterError(f"front matter line {number}: {message}")


def first_heading(body: str) -> str | None:
    """The text of the first ``# heading`` outside fenced code, the fallback title."""
    fence = None
    for line in body.split("\n"):
        opening = _CODE_FENCE.match(line)
        if opening:
            marker = opening.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            continue
        if fence is None:
            heading = _HEADING.match(line)
            if heading:
                return heading.group(1).strip()
    return None
