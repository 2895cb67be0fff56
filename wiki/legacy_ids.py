"""Stable integer ids for Wiki.js 2 clients (API-v2.md §1.6)."""

from django.db import connection, transaction

from .models import LegacyIdCounter

# Ids reserved for the entities the installation creates (API-v2.md §1.6).
USER_ROOT_ADMIN = 1
USER_GUEST = 2
GROUP_ADMINISTRATORS = 1
GROUP_GUESTS = 2
GROUP_USERS = 3
# The counters start past the reserved ids.
FIRST_FREE = {"user": 2, "group": 3}


def allocate(kind: str) -> int:
    """Return the next id of ``kind``; the counter row is locked until the caller commits."""
    return allocate_many(kind, 1).start


def allocate_many(kind: str, count: int) -> range:
    """``count`` consecutive new ids of ``kind``, in one statement whatever the count.

    The counter row is created on first use and locked until the caller commits, so two
    writers never get the same id. Ids a caller then does not use are gaps, never reused.
    """
    if count <= 0:
        return range(0)
    table = LegacyIdCounter._meta.db_table
    first_free = FIRST_FREE.get(kind, 0)
    with connection.cursor() as cursor:
        # An upsert both creates and advances the counter: no read, no savepoint.
        cursor.execute(
            f"INSERT INTO {table} (kind, last_value) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT (kind) DO UPDATE SET last_value = {table}.last_value + %s "
            "RETURNING last_value",
            [kind, first_free + count, count],
        )
        last = int(cursor.fetchone()[0])
    return range(last - count + 1, last + 1)


def advance_past(kind: str, value: int) -> None:
    """Make sure ``kind``'s counter never hands out ``value`` or anything below it (ids an
    import brought along); a counter already past it is left alone. Roll back with the caller."""
    table = LegacyIdCounter._meta.db_table
    start = max(value, FIRST_FREE.get(kind, 0))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, last_value) VALUES (%s, %s) "  # noqa: S608
            f"ON CONFLICT (kind) DO UPDATE SET last_value = "
            f"CASE WHEN {table}.last_value < %s THEN %s ELSE {table}.last_value END",
            [kind, start, value, value],
        )


def claim_reserved(kind: str, value: int) -> bool:
    """Hand out the reserved ``value`` of ``kind`` at most once, ever.

    A marker row remembers the claim, so a reserved id whose entity was deleted is not given
    to a later one (API-v2.md §1.6: ids are never reused). Roll back with the caller.
    """
    with transaction.atomic():
        _, created = LegacyIdCounter.objects.get_or_create(
            kind=f"{kind}#{value}", defaults={"last_value": value}
        )
    return created
