"""The floor: the rows an operation returns, as JSON, with no framework in between.

A bare WSGI callable, served by the same gunicorn (same config, same worker count) as the wiki.
For ``POST /<operation key>`` with the same JSON body the API gets, it runs the operation's
``floor_sql`` with the body's variables and answers ``{"data": {<root>: rows}}``: what any
implementation must at least spend to read those rows and send them. For a page view
(``Operation.address``), ``GET /<key>?<variables>`` answers a minimal HTML page holding the
stored render and the title (bench/html.py). The benchmark prints each figure as a ratio to
the floor's, which holds across machines better than absolute numbers.

    BENCH_FLOOR_DATABASE_URL=postgres://... gunicorn -c gunicorn.conf.py bench.floor:application
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from urllib.parse import parse_qsl

import psycopg
from psycopg.rows import dict_row
from psycopg.types.string import TextLoader

from bench.html import floor_page
from bench.operations import BY_KEY, Operation


class FloorApp:
    """WSGI app; ``connect`` opens the database connection (one per worker thread)."""

    def __init__(self, connect: Callable[[], psycopg.Connection]) -> None:
        self._connect = connect
        self._local = threading.local()

    def connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self._connect()
        return conn

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in ("", "/"):
            return _answer(start_response, "200 OK", b'{"ok": true}')
        operation = BY_KEY.get(environ.get("PATH_INFO", "").strip("/"))
        if operation is None or operation.floor_sql is None:
            return _answer(
                start_response, "404 Not Found", b'{"errors": [{"message": "no floor"}]}'
            )
        if operation.is_page_view:
            return self.page(operation, environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", b'{"errors": []}')
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            variables = body.get("variables") or {}
            with self.connection().cursor(row_factory=dict_row) as cursor:
                cursor.execute(operation.floor_sql, variables)
                rows = cursor.fetchall() if operation.many else cursor.fetchone()
        except (ValueError, AttributeError, psycopg.DataError) as exc:
            message = json.dumps({"errors": [{"message": str(exc)}]}).encode()
            return _answer(start_response, "400 Bad Request", message)
        payload = json.dumps({"data": operation.wrap(rows)}, default=str).encode()
        return _answer(start_response, "200 OK", payload)

    def page(self, operation: Operation, environ, start_response):
        """A page view's floor: one row by the query string's variables, as minimal HTML."""
        if environ.get("REQUEST_METHOD") != "GET":
            return _answer(start_response, "405 Method Not Allowed", b"", _HTML)
        variables = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        try:
            with self.connection().cursor(row_factory=dict_row) as cursor:
                cursor.execute(operation.floor_sql, variables)
                row = cursor.fetchone()
        except (KeyError, psycopg.ProgrammingError, psycopg.DataError) as exc:  # bad variables
            return _answer(start_response, "400 Bad Request", str(exc).encode(), _HTML)
        if row is None:
            return _answer(start_response, "404 Not Found", b"no such page", _HTML)
        return _answer(start_response, "200 OK", floor_page(row["title"], row["render"]), _HTML)


_JSON = "application/json"
_HTML = "text/html; charset=utf-8"


def _answer(start_response, status: str, payload: bytes, content_type: str = _JSON):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
    return [payload]


def _connect_from_environment() -> psycopg.Connection:
    connection = psycopg.connect(os.environ["BENCH_FLOOR_DATABASE_URL"], autocommit=True)
    # UUIDs arrive as the text the answer holds: json.dumps would otherwise call its
    # ``default`` once per id, work that the same JSON does not need (and that made the
    # floors of UUID-keyed lists slower than those of integer-keyed ones).
    connection.adapters.register_loader("uuid", TextLoader)
    return connection


application = FloorApp(_connect_from_environment)
