"""Wiki.js 2's publishing fields over the domain's publish state (API-v2.md §5.4).

Wiki.js 2 keeps a flag and two optional dates; the domain keeps ``publishState`` with dates, and
``scheduled`` needs both. An open end is stored as a sentinel date, and read back as unset, so a
v2 client sees exactly what it wrote and readers see the same pages as Wiki.js 2 would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pages.models import PublishState

from .dialect import INPUT_INVALID, V2Error
from .scalars import Date

# Stored for an open start or end of a scheduled page; shown as "" (unset).
OPEN_START = datetime(1970, 1, 1, tzinfo=UTC)
OPEN_END = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)


@dataclass(frozen=True)
class V2Publishing:
    """The v2 view of a page's publishing: a flag and two optional dates."""

    is_published: bool
    start: datetime | None
    end: datetime | None

    @classmethod
    def of(cls, state: str, start: datetime | None, end: datetime | None) -> V2Publishing:
        """What a v2 client reads for the stored ``state`` and dates (§5.4, "Reading")."""
        return cls(
            is_published=state != PublishState.DRAFT,
            start=None if start is None or start == OPEN_START else start,
            end=None if end is None or end == OPEN_END else end,
        )

    def stored(self) -> tuple[str, datetime | None, datetime | None]:
        """The domain's ``(publishState, start, end)`` for this view (§5.4's table)."""
        if not self.is_published:
            return PublishState.DRAFT, self.start, self.end
        if self.start is None and self.end is None:
            return PublishState.PUBLISHED, None, None
        start = self.start or OPEN_START
        end = self.end or OPEN_END
        if end <= start:
            raise V2Error(INPUT_INVALID)
        return PublishState.SCHEDULED, start, end


def date_text(value: datetime | None) -> str:
    """A publish date as the non-null ``Date`` fields show it: ``""`` when unset."""
    return "" if value is None else Date.serialize(value)
