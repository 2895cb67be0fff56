"""Row locks Django's ORM does not spell."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable


def key_share(queryset: QuerySet) -> list:
    """Evaluate a ``values_list`` queryset holding its rows with ``FOR KEY SHARE`` until commit.

    The weakest row lock: it only conflicts with ``FOR UPDATE`` (and deletes), so writers that
    each hold it on the same row never wait for each other, while an operation that removes or
    rewrites the row waits for them (and they for it). SQLite runs one writing transaction at
    a time and needs no lock; there the rows are read plainly.
    """
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} FOR KEY SHARE", params)
        rows = cursor.fetchall()
    flat = queryset._iterable_class is FlatValuesListIterable
    return [row[0] for row in rows] if flat else rows
