"""The benchmark's own PostgreSQL database: created fresh, dropped at the end."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wiki_bench"


class BenchDatabase:
    def __init__(self, url: str) -> None:
        self.url = url
        params = conninfo_to_dict(url)
        self.name = params.get("dbname") or ""
        if not self.name or self.name in {"postgres", "template0", "template1"}:
            raise ValueError(f"BENCH_DATABASE_URL must name a database of its own, not {url!r}")
        # Administrative statements run from the server's maintenance database.
        self._admin = make_conninfo(url, dbname="postgres")
        self.created = False

    def _execute(self, statement: sql.Composable) -> None:
        with psycopg.connect(self._admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement)

    def exists(self) -> bool:
        with psycopg.connect(self._admin, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return row.fetchone() is not None

    def create(self, replace: bool = False) -> None:
        if self.exists():
            if not replace:
                raise RuntimeError(
                    f"database {self.name!r} already exists (another run, or one that was "
                    "killed?): drop it, pass --replace-db, or set BENCH_DATABASE_URL to another name"
                )
            self.drop(force=True)
        self._execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.created = True

    def drop(self, force: bool = False) -> None:
        if not (self.created or force):
            return
        self._execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
        )
        self.created = False
