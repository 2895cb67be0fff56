"""PostgreSQL stopped and started again under a running server (issue 12, "Faults").

The wiki runs under gunicorn (two sync workers, ``gunicorn.conf.py``) on a private PostgreSQL
cluster. A writer keeps creating pages while the cluster is stopped (``pg_ctl stop -m fast``:
every session is ended, new connections are refused): every answer is either an acknowledged
page or a clean 503, never a 500. While the database is away ``/_graphql`` answers 503 with
``ERR_SERVICE_UNAVAILABLE`` and ``Retry-After``, a browser gets the friendly page, ``/readyz``
503 and ``/healthz`` 200. Once the cluster is back the same server processes (no restart)
answer again, and every page whose creation was acknowledged is in the database.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .services import Phases, WikiServer, server_env, wait_until

pytestmark = pytest.mark.faults

CREATE_PAGE = """
mutation ($site: UUID!, $path: String!, $title: String!) {
  createPage(siteId: $site, locale: "en", path: $path, title: $title, description: "",
             content: "Written before, during or after the outage.", editor: "markdown",
             publishState: published) {
    operation { succeeded slug message }
    page { id }
  }
}"""
PAGES = "{ pages(limit: 1000) { id path } }"
KEY = "ERR_SERVICE_UNAVAILABLE"


class Writer(threading.Thread):
    """Creates pages one after another until stopped; records each answer."""

    def __init__(self, server: WikiServer, database, prefix: str) -> None:
        super().__init__(daemon=True)
        self.server, self.database, self.prefix = server, database, prefix
        self.acknowledged: list[str] = []  # paths whose creation the server confirmed
        self.unavailable = 0  # clean 503 answers
        self.other: list[tuple[int, str]] = []  # anything else: a failure of the test
        self.halt = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.halt.is_set():
            n += 1
            path = f"{self.prefix}/page-{n}"
            answer = self.server.graphql(
                CREATE_PAGE,
                {"site": self.database.site, "path": path, "title": f"Page {n}"},
                token=self.database.key,
            )
            body = answer.json() if answer.text.startswith("{") else {}
            created = (body.get("data") or {}).get("createPage") or {}
            if answer.status == 200 and (created.get("operation") or {}).get("succeeded"):
                self.acknowledged.append(path)
            elif answer.status == 503 and body["errors"][0]["extensions"]["code"] == KEY:
                self.unavailable += 1
                time.sleep(0.05)
            else:
                self.other.append((answer.status, answer.text[:500]))


def test_postgres_stopped_and_started_under_a_running_server(database, tmp_path):
    phases = Phases("postgres")
    server = WikiServer(tmp_path / "server", server_env(database.url))
    server.start()
    phases.done("server start")
    try:
        master = server.process.pid
        assert server.get("/readyz").json() == {"status": "ok", "checks": {"database": "ok"}}

        prefix = f"outage-{uuid.uuid4().hex[:8]}"
        writer = Writer(server, database, prefix)
        writer.start()
        wait_until(lambda: len(writer.acknowledged) >= 5, "five pages written")

        phases.done("writes before")
        database.postgres.stop(mode="fast")
        wait_until(lambda: writer.unavailable >= 3, "the writer to meet the outage")
        phases.done("stop")

        # --- while the database is away
        api = server.graphql(PAGES, token=database.key)
        assert api.status == 503
        assert api.headers["content-type"] == "application/json"
        assert api.headers["retry-after"] == "5"
        assert api.json() == {
            "data": None,
            "errors": [{"message": KEY, "extensions": {"code": KEY, "retryAfter": 5}}],
        }

        page = server.get("/", Accept="text/html,application/xhtml+xml")
        assert page.status == 503
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["retry-after"] == "5"
        assert "The wiki is temporarily unavailable" in page.text
        for leak in (
            "Traceback",
            "psycopg",
            "OperationalError",
            "5432",
            str(database.postgres.port),
        ):
            assert leak not in page.text

        ready = server.get("/readyz")
        assert (ready.status, ready.json()) == (
            503,
            {"status": "unavailable", "checks": {"database": "unavailable"}},
        )
        healthy = server.get("/healthz")
        assert (healthy.status, healthy.json()) == (200, {"status": "ok"})

        # --- the database is back; the same processes serve again
        phases.done("requests during the outage")
        database.postgres.start()
        wait_until(lambda: server.get("/readyz").status == 200, "readyz after the restart")
        phases.done("start and readyz back")
        wait_until(lambda: len(writer.acknowledged) >= 5 + 5, "pages written after the restart")
        writer.halt.set()
        writer.join(timeout=20)

        # Both workers serve again: four clients at once keep both busy (sync workers take
        # one request each), so each worker's kept connection is checked and replaced.
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: server.graphql(PAGES, token=database.key), range(24)))
        assert [answer.status for answer in answers] == [200] * 24
        assert all("errors" not in answer.json() for answer in answers)
        assert server.process.pid == master
        assert server.process.poll() is None
        assert server.log().count("Booting worker") == 2, "a worker was restarted"

        assert writer.other == [], "answers other than success or a clean 503"
        stored = database.scalar(
            "SELECT array_agg(path) FROM pages_page WHERE path LIKE %s", (prefix + "/%",)
        )
        missing = set(writer.acknowledged) - set(stored or [])
        assert missing == set(), f"acknowledged writes lost: {sorted(missing)}"
        # A write the server could not confirm may or may not have been committed; none is
        # stored twice.
        assert len(stored) == len(set(stored))
        # The outage is logged as what it is, one line a request, without a trace.
        log = server.log()
        assert "database unavailable, answered 503" in log
        assert "Traceback" not in log, log[-3000:]
        assert "Internal Server Error" not in log
        print(
            "\n"
            + phases.report(
                writes_acknowledged=len(writer.acknowledged),
                answered_503=writer.unavailable,
                rows_stored=len(stored),
                acknowledged_writes_lost=len(missing),
            )
        )
    finally:
        server.stop()
