"""Wiki.js 2's publishing (a flag and two optional dates) over the domain's publish state.

API-v2.md §5.4: the domain keeps ``publishState`` with dates, and ``scheduled`` needs both. An
open end of a Wiki.js 2 window is stored as a sentinel date and read back as unset, so that
what a Wiki.js 2 client (or an imported Wiki.js 2 page) said is what it reads, and readers see
the same pages as Wiki.js 2 would show. The v2 API and the Wiki.js 2 import both map through
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from wiki.errors import DomainError, ErrorKey

from .models import PublishState

# Stored for an open start or end of a scheduled page; read as unset.
OPEN_START = datetime(1970, 1, 1, tzinfo=UTC)
OPEN_END = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)


@dataclass(frozen=True)
class LegacyPublishing:
    """Wiki.js 2's view of a page's publishing: a flag and two optional dates."""

    is_published: bool
    start: datetime | None
    end: datetime | None

    @classmethod
    def of(cls, state: str, start: datetime | None, end: datetime | None) -> LegacyPublishing:
        """What Wiki.js 2 shows for the stored ``state`` and dates (§5.4, "Reading")."""
        return cls(
            is_published=state != PublishState.DRAFT,
            start=None if start is None or start == OPEN_START else start,
            end=None if end is None or end == OPEN_END else end,
        )

    def stored(self) -> tuple[str, datetime | None, datetime | None]:
        """The domain's ``(publishState, start, end)`` for this view (§5.4's table);
        ``ERR_INVALID_INPUT`` for a published window that ends before it starts."""
        if not self.is_published:
            return PublishState.DRAFT, self.start, self.end
        if self.start is None and self.end is None:
            return PublishState.PUBLISHED, None, None
        start = self.start or OPEN_START
        end = self.end or OPEN_END
        if end <= start:
            raise DomainError(ErrorKey.INVALID_INPUT, "the publishing window ends before it starts")
        return PublishState.SCHEDULED, start, end
