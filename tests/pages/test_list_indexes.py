"""Every ordering and filter of ``pages`` and ``users`` has an index that serves it (issue 6).

On PostgreSQL the planner is asked for each list query with sequential scans and sorts
priced out: a plan that still sorts (or scans the whole table) means no index gives that
order (or that filter). On SQLite the model's indexes are checked instead.
"""

import re
import uuid

import pytest
from django.db import connection

from accounts import directory
from accounts.models import User
from pages import services
from pages.models import Page
from tests.factories import PageFactory, UserFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="asks PostgreSQL's planner"
)


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def leading_columns(model) -> set[tuple[str, ...]]:
    """The column lists each index of ``model`` starts with."""
    found = set()
    for index in model._meta.indexes:
        columns = tuple(index.fields) or tuple(
            getattr(getattr(e, "expression", e), "name", None) for e in index.expressions
        )
        for size in range(1, len(columns) + 1):
            found.add(columns[:size])
    return found


@pytest.mark.parametrize("order_by", sorted(services.PAGE_ORDER_FIELDS))
def test_each_page_ordering_has_an_index(order_by):
    column = services.PAGE_ORDER_FIELDS[order_by]
    assert column == "id" or (column, "id") in leading_columns(Page)


@pytest.mark.parametrize("order_by", sorted(directory.USER_ORDER_FIELDS))
def test_each_user_ordering_has_an_index(order_by):
    column = directory.USER_ORDER_FIELDS[order_by]
    unique = User._meta.get_field(column).unique
    assert unique or (column, "id") in leading_columns(User)


@on_postgresql
@pytest.mark.parametrize("order_by", sorted(services.PAGE_ORDER_FIELDS))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_postgresql_orders_pages_from_an_index(order_by, direction):
    queryset = services.list_pages(None, limit=1000, order_by=order_by, direction=direction)
    text = plan(queryset)
    assert "Index" in text, text
    assert "Sort" not in text, text


@on_postgresql
@pytest.mark.parametrize("order_by", sorted(directory.USER_ORDER_FIELDS))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_postgresql_orders_users_from_an_index(order_by, direction):
    queryset = directory.filter_users(
        User.objects.all(), page=1, page_size=20, order_by=order_by, direction=direction
    )
    text = plan(queryset)
    assert "Index" in text, text
    assert "Sort" not in text, text


@on_postgresql
@pytest.mark.parametrize(
    ("filters", "columns"),
    [
        ({"locale": "de"}, ["locale"]),
        ({"site_id": uuid.uuid4()}, ["site_id"]),
        ({"creator_id": uuid.uuid4()}, ["creator_id"]),
        ({"author_id": uuid.uuid4()}, ["author_id"]),
        ({"creator_id": uuid.uuid4(), "author_id": uuid.uuid4()}, ["creator_id", "author_id"]),
        ({"tags": ["alpha"]}, ["tag"]),
    ],
    ids=lambda value: "+".join(value) if isinstance(value, dict) else "",
)
def test_postgresql_filters_pages_with_an_index(filters, columns):
    # Unordered: the question is how rows are found, not how they are sorted.
    text = plan(services.list_pages(None, **filters).order_by())
    leading = {
        _first_column(name)
        for name in re.findall(
            r"(?:Index Scan using|Index Only Scan using|Index Scan on) (\w+)", text
        )
    }
    for column in columns:
        assert column in leading, text


def _first_column(index_name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index_name])
        row = cursor.fetchone()
    return re.search(r"\((\w+)", row[0]).group(1) if row else ""


@on_postgresql
def test_postgresql_matches_path_prefixes_with_an_index():
    """Page rules on a path prefix are LIKE 'prefix%' (pages.visibility)."""
    PageFactory(path="docs/a")
    # Unordered: Page's default ordering joins the site, and with a tiny table the planner may
    # then reach the pages through the site's foreign-key index instead.
    text = plan(Page.objects.filter(path__startswith="docs/").order_by())
    assert "page_path_like_idx" in text, text


def test_orderings_still_put_never_logged_in_users_first_ascending():
    """The indexes changed how ``users`` orders its NOT NULL columns, not what it returns."""
    never = UserFactory(name="B never")
    once = UserFactory(name="A once")
    User.objects.filter(pk=once.pk).update(last_login="2024-05-01T12:00:00Z")
    users = directory.filter_users(User.objects.filter(pk__in=[never.pk, once.pk]))
    assert list(users) == [once, never]
    ascending = directory.filter_users(
        User.objects.filter(pk__in=[never.pk, once.pk]), order_by="lastLoginAt"
    )
    assert list(ascending) == [never, once]
    descending = directory.filter_users(
        User.objects.filter(pk__in=[never.pk, once.pk]), order_by="lastLoginAt", direction="desc"
    )
    assert list(descending) == [once, never]
