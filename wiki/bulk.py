"""Writing many model rows at once, with exactly the values ``save()`` would write.

Each value is prepared by its field (``pre_save`` then ``get_db_prep_save``), so defaults,
``auto_now`` dates and column formats are the ORM's; only the transport differs. On PostgreSQL
rows travel by COPY (inserts straight into the table, updates through a temporary table and one
``UPDATE ... FROM``), elsewhere by one prepared statement run for every row (``executemany``:
SQLite's own fast path, and no limit on parameters per statement). Either way the statement
count is fixed whatever the number of rows, and row-level triggers (the search vector) fire as
for any write. Nothing here calls ``save()``: what a model's ``save()`` derives (a page's
``hash``, a tree item's ``path``) is set by the caller, as ``pages.tree`` and ``bench.seed`` do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction


def _written_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not getattr(f, "db_returning", False) and not getattr(f, "generated", False)
    ]


def _copy(table: str, fields: Sequence[models.Field], instances: Iterable, add: bool) -> int:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    written, db = 0, _wrapper()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy,
    ):
        for instance in instances:
            copy.write_row(_values(fields, instance, add, db))
            written += 1
    return written


def insert_instances(model: type[models.Model], instances: Iterable[models.Model]) -> int:
    """Insert ``instances`` (primary keys set by their defaults); returns how many."""
    fields = _written_fields(model)
    if connection.vendor == "postgresql":
        return _copy(model._meta.db_table, fields, instances, add=True)
    quote, db = connection.ops.quote_name, _wrapper()
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return _many(
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608
        [_values(fields, instance, True, db) for instance in instances],
    )


def _values(fields: Sequence[models.Field], instance: models.Model, add: bool, db: Any) -> list:
    return [f.get_db_prep_save(f.pre_save(instance, add), db) for f in fields]


def _wrapper() -> Any:
    """The connection itself: the thread-local proxy costs a lookup per value prepared."""
    return connections[DEFAULT_DB_ALIAS]


def _many(statement: str, rows: list[list]) -> int:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)
    return len(rows)


def update_instances(
    model: type[models.Model], instances: Iterable[models.Model], field_names: Sequence[str]
) -> int:
    """Write ``field_names`` of existing rows from ``instances`` (matched by primary key).

    PostgreSQL: four statements (a temporary table, COPY into it, one UPDATE, drop), in a
    transaction (a savepoint inside the caller's);
    elsewhere one UPDATE run for every row.
    """
    rows = list(instances)
    if not rows or not field_names:
        return 0
    opts = model._meta
    pk = opts.pk
    fields = [opts.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    if connection.vendor != "postgresql":
        db = _wrapper()
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        return _many(
            f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s",  # noqa: S608
            [[*_values(fields, row, False, db), *_values([pk], row, False, db)] for row in rows],
        )
    scratch = quote(f"bulk_{opts.db_table}_{uuid.uuid4().hex[:8]}")
    columns = ", ".join(quote(f.column) for f in [pk, *fields])
    assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields)
    with transaction.atomic():  # the temporary table lives as long as this transaction
        # ON COMMIT DROP: gone with the transaction even when a statement below fails (a DROP in a
        # ``finally`` would then fail itself, on the aborted transaction, and hide the first error).
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
        _copy(scratch.strip('"'), [pk, *fields], rows, add=False)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {scratch} s "  # noqa: S608
                f"WHERE {table}.{quote(pk.column)} = s.{quote(pk.column)}"
            )
            cursor.execute(f"DROP TABLE {scratch}")
    return len(rows)


def refresh_statistics(*models_: type[models.Model]) -> None:
    """Let PostgreSQL's planner see what bulk writes added (elsewhere: nothing to do).

    A table filled faster than autovacuum analyses it keeps the statistics of when it was
    empty, and the planner then scans it whole for lookups an index answers in a millisecond.
    """
    if connection.vendor != "postgresql" or not models_:
        return
    quote = connection.ops.quote_name
    tables = ", ".join(quote(model._meta.db_table) for model in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
