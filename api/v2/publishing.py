"""Wiki.js 2's publishing fields over the domain's publish state (API-v2.md §5.4).

Wiki.js 2 keeps a flag and two optional dates; the domain keeps ``publishState`` with dates, and
``scheduled`` needs both. An open end is stored as a sentinel date, and read back as unset, so a
v2 client sees exactly what it wrote and readers see the same pages as Wiki.js 2 would show.
The mapping is the domain's (``pages.publishing``, which the Wiki.js 2 import uses too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pages.publishing import OPEN_END, OPEN_START, LegacyPublishing
from wiki.errors import DomainError

from .dialect import INPUT_INVALID, V2Error
from .scalars import Date

__all__ = ["OPEN_END", "OPEN_START", "V2Publishing", "date_text"]


@dataclass(frozen=True)
class V2Publishing(LegacyPublishing):
    """The v2 view of a page's publishing: the domain's mapping (``pages.publishing``), with
    its refusal as the v2 error."""

    def stored(self) -> tuple[str, datetime | None, datetime | None]:
        """The domain's ``(publishState, start, end)`` for this view (§5.4's table)."""
        try:
            return super().stored()
        except DomainError as error:
            raise V2Error(INPUT_INVALID) from error


def date_text(value: datetime | None) -> str:
    """A publish date as the non-null ``Date`` fields show it: ``""`` when unset."""
    return "" if value is None else Date.serialize(value)
