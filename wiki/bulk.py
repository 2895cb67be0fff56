"""Writing many model rows at once, with exactly the values ``save()`` would write.

Each value is prepared by its field (``pre_save`` then ``get_db_prep_save``), so defaults,
``auto_now`` dates and column formats are the ORM's; only the transport differs. On PostgreSQL
rows travel by COPY (inserts straight into the table, updates through a temporary table and one
``UPDATE ... FROM``), elsewhere by ``bulk_create`` and ``bulk_update``. Either way the statement
count is fixed whatever the number of rows, and row-level triggers (the search vector) fire as
for any write. Nothing here calls ``save()``: what a model's ``save()`` derives (a page's
``hash``, a tree item's ``path``) is set by the caller, as ``pages.tree`` and ``bench.seed`` do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.db import connection, models

# Rows per statement where the engine needs several (not PostgreSQL's COPY).
CHUNK = 500


def _written_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not getattr(f, "db_returning", False) and not getattr(f, "generated", False)
    ]


def _copy(table: str, fields: Sequence[models.Field], instances: Iterable, add: bool) -> int:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy,
    ):
        for instance in instances:
            copy.write_row(
                [f.get_db_prep_save(f.pre_save(instance, add), connection) for f in fields]
            )
            written += 1
    return written


def insert_instances(model: type[models.Model], instances: Iterable[models.Model]) -> int:
    """Insert ``instances`` (primary keys set by their defaults); returns how many."""
    if connection.vendor == "postgresql":
        return _copy(model._meta.db_table, _written_fields(model), instances, add=True)
    rows = list(instances)
    model.objects.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


def update_instances(
    model: type[models.Model], instances: Iterable[models.Model], field_names: Sequence[str]
) -> int:
    """Write ``field_names`` of existing rows from ``instances`` (matched by primary key).

    PostgreSQL: four statements (a temporary table, COPY into it, one UPDATE, drop), so a
    batch of any size costs the same round trips.
    """
    rows = list(instances)
    if not rows or not field_names:
        return 0
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, list(field_names), batch_size=CHUNK)
        return len(rows)
    opts = model._meta
    pk = opts.pk
    fields = [opts.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    scratch = quote(f"bulk_{opts.db_table}_{uuid.uuid4().hex[:8]}")
    columns = ", ".join(quote(f.column) for f in [pk, *fields])
    assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {scratch} AS SELECT {columns} FROM {table} WITH NO DATA"  # noqa: S608
        )
    try:
        _copy(scratch.strip('"'), [pk, *fields], rows, add=False)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {scratch} s "  # noqa: S608
                f"WHERE {table}.{quote(pk.column)} = s.{quote(pk.column)}"
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
    return len(rows)
