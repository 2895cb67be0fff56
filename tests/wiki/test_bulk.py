"""``wiki.bulk``: rows written many at once hold what ``save()`` would have written."""

import pytest
from django.db import connection

from wiki.bulk import insert_instances, update_instances
from wiki.models import Setting

# Transactional (autocommit is the point of a test below); serialized, as every such test here
# is, so that the database the next one finds is the migrated one.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_inserted_rows_get_their_fields_defaults():
    written = insert_instances(
        Setting, [Setting(key="bulk-a", value={"n": 1}), Setting(key="bulk-b")]
    )
    assert written == 2
    assert Setting.objects.get(key="bulk-a").value == {"n": 1}
    assert Setting.objects.get(key="bulk-b").value == {}


def test_updates_outside_any_transaction_land_and_leave_no_table_behind():
    """Called in autocommit (no caller's transaction), the update still runs in one, so
    PostgreSQL's temporary table lives until the UPDATE has read it."""
    rows = [Setting.objects.create(key=f"bulk-{n}", value={"n": n}) for n in range(3)]
    for row in rows:
        row.value = {"n": row.value["n"] * 10}
    assert connection.get_autocommit()

    assert update_instances(Setting, rows, ["value"]) == 3

    assert sorted(Setting.objects.filter(key__startswith="bulk-").values_list("value", flat=True),
                  key=lambda v: v["n"]) == [{"n": 0}, {"n": 10}, {"n": 20}]  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bulk_%%'")
            assert cursor.fetchone()[0] == 0


def test_nothing_to_update_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert update_instances(Setting, [], ["value"]) == 0
