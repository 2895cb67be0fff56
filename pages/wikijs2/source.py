"""Reading a Wiki.js 2 database, PostgreSQL or SQLite, read-only.

One connection for the whole run, in one read-only snapshot (PostgreSQL: a REPEATABLE READ,
READ ONLY transaction; SQLite: the file opened ``mode=ro``), so that every kind is read as of
the same moment and nothing the import does can write to the source.

Rows come back as dicts keyed by Wiki.js's own column names, with the values normalised the
same way from both engines: booleans as ``bool`` (SQLite stores 0/1), JSON columns parsed
(SQLite stores text), everything else as the engine gives it (Wiki.js keeps its dates as ISO
text in both).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg.rows import dict_row

# How long connecting may take before the source counts as unreachable.
CONNECT_TIMEOUT_SECONDS = 10
# Most ``IN (...)`` values sent at once (SQLite's limit on parameters is 32,766).
MAX_IN_VALUES = 5000


def parse_date(text: Any) -> datetime | None:
    """A Wiki.js date (ISO text, ``moment.toISOString()``; ``""`` when unset) as an aware
    datetime; None when unset. ``ValueError`` for text that is not a date."""
    if text is None or text == "":
        return None
    if isinstance(text, datetime):
        moment = text
    else:
        moment = datetime.fromisoformat(str(text).strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def source_date(value: Any) -> datetime | None:
    """``parse_date`` for columns where a date that does not read counts as unset."""
    try:
        return parse_date(value)
    except ValueError:
        return None


class SourceError(Exception):
    """The source cannot be read as a Wiki.js 2 database; the message says why, for people."""


def _quote(name: str) -> str:
    if '"' in name:
        raise SourceError(f"unexpected identifier {name!r}")
    return f'"{name}"'


class Source:
    """A read-only Wiki.js 2 database."""

    engine = ""

    def __init__(self, label: str) -> None:
        self.label = label  # the URL without its password, for the report
        self._columns: dict[str, list[str]] = {}
        self._types: dict[str, dict[str, str]] = {}

    # --- What each engine provides ---------------------------------------------------------
    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _placeholder(self) -> str:
        raise NotImplementedError

    def tables(self) -> set[str]:
        raise NotImplementedError

    def _column_types(self, table: str) -> dict[str, str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # --- Shared --------------------------------------------------------------------------------
    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def column_types(self, table: str) -> dict[str, str]:
        """Column name -> declared type (lower case), in table order; empty if no table."""
        if table not in self._types:
            self._types[table] = self._column_types(table)
        return self._types[table]

    def columns(self, table: str) -> list[str]:
        return list(self.column_types(table))

    def has_table(self, table: str) -> bool:
        return table in self.tables()

    def count(self, table: str) -> int:
        rows = self._fetch(f"SELECT count(*) AS n FROM {_quote(table)}")  # noqa: S608
        return int(rows[0]["n"])

    def query(self, sql: str, params: Sequence[Any] = (), *, table: str = "") -> list[dict]:
        """Run ``sql`` with ``%s`` placeholders; rows normalised as ``table``'s when given."""
        rows = self._fetch(sql.replace("%s", self._placeholder()), params)
        return [self._normalise(table, row) for row in rows] if table else rows

    def all_rows(self, table: str, *, order_by: str = "id") -> list[dict[str, Any]]:
        """Every row of a small table (settings, groups, authentication)."""
        order = f" ORDER BY {_quote(order_by)}" if order_by else ""
        return self.query(f"SELECT * FROM {_quote(table)}{order}", table=table)  # noqa: S608

    def batches(
        self, table: str, size: int, *, columns: Iterable[str] | None = None, key: str = "id"
    ) -> Iterator[list[dict[str, Any]]]:
        """The rows of ``table`` in ``key`` order, ``size`` at a time (keyset pagination:
        each batch is one indexed range query, whatever the table's size)."""
        selected = ", ".join(_quote(c) for c in columns) if columns else "*"
        last = None
        while True:
            after = f" WHERE {_quote(key)} > %s" if last is not None else ""
            rows = self.query(
                f"SELECT {selected} FROM {_quote(table)}{after} "  # noqa: S608
                f"ORDER BY {_quote(key)} LIMIT {int(size)}",
                [last] if last is not None else [],
                table=table,
            )
            if not rows:
                return
            yield rows
            if len(rows) < size:
                return
            last = rows[-1][key]

    def rows_where_in(
        self,
        table: str,
        column: str,
        values: Iterable[Any],
        *,
        columns: Iterable[str] | None = None,
        order_by: str = "id",
    ) -> list[dict[str, Any]]:
        """The rows of ``table`` whose ``column`` is one of ``values`` (for example the tags
        of a batch of pages), in ``order_by`` order within each chunk of values."""
        wanted = list(dict.fromkeys(v for v in values if v is not None))
        selected = ", ".join(_quote(c) for c in columns) if columns else "*"
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), MAX_IN_VALUES):
            chunk = wanted[start : start + MAX_IN_VALUES]
            marks = ", ".join(["%s"] * len(chunk))
            order = f" ORDER BY {_quote(order_by)}" if order_by else ""
            found += self.query(
                f"SELECT {selected} FROM {_quote(table)} "  # noqa: S608
                f"WHERE {_quote(column)} IN ({marks}){order}",
                chunk,
                table=table,
            )
        return found

    def setting(self, key: str, default: Any = None) -> Any:
        """A Wiki.js setting as Wiki.js reads it: ``{"v": x}`` rows unwrapped to ``x``."""
        rows = self.query(
            'SELECT "value" FROM "settings" WHERE "key" = %s', [key], table="settings"
        )
        if not rows:
            return default
        value = rows[0]["value"]
        if isinstance(value, dict) and set(value) == {"v"}:
            return value["v"]
        return value

    def _normalise(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        types = self.column_types(table)
        for name, value in row.items():
            kind = types.get(name, "")
            if value is None:
                continue
            if kind in ("boolean", "bool") and not isinstance(value, bool):
                row[name] = bool(value)
            elif kind in ("json", "jsonb") and isinstance(value, str | bytes):
                try:
                    row[name] = json.loads(value)
                except ValueError:
                    row[name] = None  # unreadable JSON counts as absent; steps report it
        return row


class PostgresSource(Source):
    engine = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__(_redacted(url))
        try:
            self._connection = psycopg.connect(
                url,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                row_factory=dict_row,
                # Belt and braces: the session refuses writes even if a step tried one.
                options="-c default_transaction_read_only=on",
            )
        except psycopg.Error as error:
            raise SourceError(
                f"cannot connect to the source database {self.label}: {_first_line(error)}"
            ) from error
        self._connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self._connection.read_only = True
        self._tables: set[str] | None = None

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        try:
            with self._connection.cursor() as cursor:
                cursor.execute(sql, list(params))
                return list(cursor.fetchall())
        except psycopg.Error as error:
            raise SourceError(f"reading the source failed: {_first_line(error)}") from error

    def _placeholder(self) -> str:
        return "%s"

    def tables(self) -> set[str]:
        if self._tables is None:
            rows = self._fetch(
                "SELECT table_name AS name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
            self._tables = {row["name"] for row in rows}
        return self._tables

    def _column_types(self, table: str) -> dict[str, str]:
        rows = self._fetch(
            "SELECT column_name AS name, data_type AS type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return {row["name"]: str(row["type"]).lower() for row in rows}

    def close(self) -> None:
        self._connection.close()


class SqliteSource(Source):
    engine = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__(f"sqlite:///{path}")
        location = Path(path)
        if not location.is_file():
            raise SourceError(f"the source database {self.label} does not exist")
        try:
            self._connection = sqlite3.connect(
                f"{location.resolve().as_uri()}?mode=ro", uri=True, timeout=CONNECT_TIMEOUT_SECONDS
            )
            self._connection.row_factory = sqlite3.Row
            # One snapshot for the whole run, as on PostgreSQL.
            self._connection.execute("BEGIN")
            self._connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as error:
            raise SourceError(f"cannot open the source database {self.label}: {error}") from error

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        try:
            return [dict(row) for row in self._connection.execute(sql, list(params))]
        except sqlite3.Error as error:
            raise SourceError(f"reading the source failed: {error}") from error

    def _placeholder(self) -> str:
        return "?"

    def tables(self) -> set[str]:
        rows = self._fetch("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row["name"] for row in rows}

    def _column_types(self, table: str) -> dict[str, str]:
        rows = self._fetch(f"PRAGMA table_info({_quote(table)})")
        return {row["name"]: str(row["type"] or "").lower() for row in rows}

    def close(self) -> None:
        self._connection.close()


def open_source(url: str) -> Source:
    """The source named by ``url``: ``postgres://``/``postgresql://`` or ``sqlite:///path``."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("postgres", "postgresql"):
        return PostgresSource(url)
    if scheme == "sqlite":
        path = unquote(url.split("://", 1)[1])
        # sqlite:///relative.db and sqlite:////absolute.db, as Django's DATABASE_URL reads them.
        return SqliteSource(path[1:] if path.startswith("/") else path)
    raise SourceError(
        f"unsupported source {_redacted(url)!r}: give a postgres:// or sqlite:/// URL "
        "(Wiki.js 2 on MySQL, MariaDB or SQL Server: copy it into PostgreSQL first)"
    )


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
