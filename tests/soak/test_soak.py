"""A concurrency soak on PostgreSQL (issue 12): several client threads mix reads and writes
against gunicorn for a bounded time; then the database is counted against what the server
acknowledged. No 5xx, no lost or duplicated write, complete history, a consistent tree.

Slow by design (25 s of load, 35-45 s in all): marked ``soak``, so ``-m "not soak"``
leaves it out. ``SOAK_SECONDS``, ``SOAK_CLIENTS``, ``SOAK_WORKERS`` and ``SOAK_SEED`` make a
longer or different run (docs/operations.md, "A longer soak").
"""

from __future__ import annotations

import os
import random
import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bench.servers import Server

from . import documents as doc
from .live_server import (
    Credentials,
    SoakDatabase,
    delete_cache_keys,
    server_environment,
    set_up_wiki,
    start_gunicorn,
)
from .report import figures
from .snapshot import Snapshot
from .verify import folder_problems, history_problems, page_problems, tag_problems, tree_problems
from .workload import (
    Client,
    Http,
    Ledger,
    PageState,
    Plan,
    SharedPage,
    outcome_of,
    run_clients,
)

pytestmark = [
    pytest.mark.soak,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the soak is for PostgreSQL: SQLite runs one writer at a time, so nothing races",
    ),
]

SECONDS = float(os.environ.get("SOAK_SECONDS") or 25)
CLIENTS = int(os.environ.get("SOAK_CLIENTS") or 8)
SHARED_PAGES = 4  # updated by every client at once
DOOMED_PAGES = 5  # updated by every client, deleted half-way
# What the server must never log: a trace, an error, a killed worker.
SERVER_TROUBLE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|WORKER TIMEOUT")


@dataclass
class LiveWiki:
    database: SoakDatabase
    server: Server
    http: Http
    log: Path
    credentials: Credentials


@contextmanager
def live_wiki(log: Path):
    """A migrated database of its own, the README's admin and API key, gunicorn; all gone
    afterwards (the database dropped, this run's cache keys deleted)."""
    database = SoakDatabase.beside(settings.DATABASES["default"])
    redis_url = (os.environ.get("TEST_REDIS_URL") or "").strip()
    prefix = f"wiki-{database.name}"
    env = server_environment(database.url, redis_url, prefix)
    server = None
    database.create()
    try:
        credentials = set_up_wiki(env)
        server = start_gunicorn(env, log)
        yield LiveWiki(database, server, Http(server.port, credentials.api_key), log, credentials)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        database.drop()
        if redis_url:
            delete_cache_keys(redis_url, prefix)


def create_setup_page(http: Http, site_id: str, path: str) -> SharedPage:
    state = PageState(f"# {path}\n\nAs created before the soak.\n", f"Setup {path}", ("soak",))
    variables = {
        "siteId": site_id,
        "path": path,
        "title": state.title,
        "content": state.content,
        "tags": list(state.tags),
    }
    status, body = http.graphql(doc.CREATE_PAGE, variables)
    assert outcome_of(status, body, "createPage") == "ok", body
    return SharedPage(body["data"]["createPage"]["page"]["id"], path, state)


def make_plan(wiki: LiveWiki) -> Plan:
    http = wiki.http
    status, body = http.graphql(doc.SITES)
    assert outcome_of(status, body, "sites") == "ok", body
    site_id = body["data"]["sites"][0]["id"]
    # The administrator signs in for the browser pages (README: login through the API).
    login = {
        "siteId": site_id,
        "email": wiki.credentials.admin_email,
        "password": wiki.credentials.admin_password,
    }
    status, body = http.graphql(doc.LOGIN, login)
    assert outcome_of(status, body, "login") == "ok", body
    http.session = f"jwt={body['data']['login']['jwt']}"
    shared = [create_setup_page(http, site_id, f"soak/shared/s{n}") for n in range(SHARED_PAGES)]
    doomed = [create_setup_page(http, site_id, f"soak/doomed/d{n}") for n in range(DOOMED_PAGES)]
    return Plan(site_id, shared, doomed)


def merged(ledgers: list[Ledger]) -> Ledger:
    total = Ledger()
    for ledger in ledgers:
        total.answers += ledger.answers
        total.creates += ledger.creates
        total.updates += ledger.updates
        total.deletes += ledger.deletes
        total.moves += ledger.moves
        total.folders += ledger.folders
        total.folders_tried += ledger.folders_tried
        total.anomalies += ledger.anomalies
    return total


def deadlocks(database: SoakDatabase) -> int:
    with database.connect() as conn:
        row = conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s", [database.name]
        ).fetchone()
    return int(row[0] or 0)


def verify(snapshot: Snapshot, plan: Plan, ledger: Ledger) -> tuple[list[str], Counter]:
    """Every check of tests/soak/verify.py; the problems, and what was verified."""
    setup = plan.shared + plan.doomed
    problems = list(snapshot.version_order_problems)
    moves: dict[str, list[str]] = {}
    for move in ledger.moves:
        moves.setdefault(move.page_id, []).append(move.destination)
    last_place = {page_id: paths[-1] for page_id, paths in moves.items()}
    problems += page_problems(snapshot.pages, ledger.creates, setup, ledger.deletes, last_place)
    current = {row.page_id: row.state for row in snapshot.pages}
    updates: dict[str, list] = {}
    for update in ledger.updates:
        updates.setdefault(update.page_id, []).append(update)
    deleted = set(ledger.deletes)
    initial = {c.page_id: c.state for c in ledger.creates} | {p.page_id: p.initial for p in setup}
    created_at = {c.page_id: c.path for c in ledger.creates} | {p.page_id: p.path for p in setup}
    verified = Counter()
    for page_id, state in initial.items():
        found, applied = history_problems(
            page_id,
            state,
            snapshot.versions.get(page_id, []),
            current.get(page_id),
            updates.get(page_id, []),
            page_id in deleted,
            created_at[page_id],
            moves.get(page_id, []),
        )
        problems += found
        verified["pages"] += 1
        verified["updates in history"] += len(applied)
        verified["versions"] += len(snapshot.versions.get(page_id, []))
    unknown = set(updates) - set(initial)
    problems += [f"updates acknowledged for unknown page {pid}" for pid in unknown]
    problems += folder_problems(snapshot.tree, ledger.folders, ledger.folders_tried)
    problems += tree_problems(snapshot.pages, snapshot.tree)
    problems += tag_problems(snapshot.pages, snapshot.links, snapshot.usage)
    verified["tree items"] = len(snapshot.tree)
    return problems, verified


def test_concurrent_reads_and_writes_lose_nothing(tmp_path, capsys):
    seed = int(os.environ.get("SOAK_SEED") or random.randrange(1 << 30))  # noqa: S311
    began = time.monotonic()
    with live_wiki(tmp_path / "gunicorn.log") as wiki:
        plan = make_plan(wiki)
        started = time.monotonic()
        clients = [
            Client(n, wiki.http, plan, seed + n, started, started + SECONDS) for n in range(CLIENTS)
        ]
        run_clients(clients)
        ran_for = time.monotonic() - started
        # Stopped before counting: the workers' sessions end, their statistics are written.
        wiki.server.terminate()
        wiki.server.wait()
        log_text = wiki.log.read_text(errors="replace")
        ledger = merged([client.ledger for client in clients])
        with wiki.database.connect() as conn:
            snapshot = Snapshot.read(conn)
        deadlock_count = deadlocks(wiki.database)

    problems, verified = verify(snapshot, plan, ledger)
    writes = {
        "creates": len(ledger.creates),
        "updates": len(ledger.updates),
        "deletes": len(ledger.deletes),
        "moves": len(ledger.moves),
        "folders": len(ledger.folders),
    }
    report = figures(ledger.answers, ran_for, writes)
    report += (
        f"\n  verified: {verified['pages']} pages, {verified['updates in history']} updates in"
        f" their history, {verified['versions']} versions, {verified['tree items']} tree items;"
        f" deadlocks {deadlock_count}; seed {seed} (SOAK_SEED), {CLIENTS} clients;"
        f" set-up {started - began:.1f} s, whole test {time.monotonic() - began:.1f} s"
    )
    with capsys.disabled():
        print("\n" + report)

    server_errors = [a for a in ledger.answers if a.status >= 500]
    assert server_errors == [], f"{len(server_errors)} answers were 5xx\n{report}"
    assert ledger.anomalies == [], "\n".join(ledger.anomalies[:30]) + "\n" + report
    assert problems == [], "\n".join(problems[:50]) + "\n" + report
    assert deadlock_count == 0
    trouble = [line for line in log_text.splitlines() if SERVER_TROUBLE.search(line)]
    assert trouble == [], "\n".join(trouble[:30])
    # A soak that wrote little proves little. Floors low enough for a crowded machine (a few
    # requests a second per client), high enough that the clients raced for real.
    assert len(ledger.answers) >= 4 * SECONDS, report
    assert len(ledger.updates) >= SECONDS, report
    assert len(ledger.creates) >= SECONDS / 2, report
