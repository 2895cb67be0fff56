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
    with transaction.atomic():
        LegacyIdCounter.objects.get_or_create(
            kind=kind, defaults={"last_value": FIRST_FREE.get(kind, 0)}
        )
        table = LegacyIdCounter._meta.db_table
        with connection.cursor() as cursor:
            # One statement both increments and reads, so two writers never get the same id.
            cursor.execute(
                f"UPDATE {table} SET last_value = last_value + 1 WHERE kind = %s "  # noqa: S608
                "RETURNING last_value",
                [kind],
            )
            return int(cursor.fetchone()[0])


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
