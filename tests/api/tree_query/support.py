"""What the tree query tests share."""

from datetime import UTC, datetime, timedelta

from accounts import scopes

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
DAY = timedelta(days=1)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
