"""Rules for text that comes from outside, shared by every way in (API, admin, pages)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import Enum
from typing import Any


def uuid_or_none(value: Any) -> uuid.UUID | None:
    """``value`` read as a UUID (a UUID, or its text in any accepted form), else None."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def is_storable(text: str) -> bool:
    """Whether ``text`` can be encoded as UTF-8, as every database column needs.

    JSON can carry lone surrogates (``"\\ud800"``) that Python decodes into a ``str`` no
    database accepts; they would otherwise fail deep inside a query.
    """
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def holds_unstorable_text(value: Any) -> bool:
    """Whether any string inside ``value`` (nested mappings and sequences too) is unstorable."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable(item):
                return True
        elif isinstance(item, Enum):
            continue
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            pending.extend(item)
    return False
