"""``make bench``: the API under gunicorn and wrk, beside a framework-free floor, in one table.

    make bench                                   # 10,000 pages, 10 s per run
    make bench BENCH_ARGS="--pages 1000,10000,100000 --duration 20"
    make bench BENCH_ARGS=--quick                # CI: 50 pages, 1 s runs, proves the harness

Creates a fresh PostgreSQL database (BENCH_DATABASE_URL, default the local server's
``wiki_bench``), migrates and seeds it, starts the wiki and bench/floor.py under the project's
gunicorn.conf.py with production settings on loopback, drives each operation of
bench/operations.py with wrk from a separate process, and prints requests/s, p50, p99, SQL
queries per request, worker RSS and the ratio to the floor. Servers and database are removed at
the end, also on errors and Ctrl-C. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import runpy
import secrets
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from .database import DEFAULT_URL, BenchDatabase
from .html import page_view_problems
from .load import WrkError, WrkResult, run_wrk, wrk_binary
from .operations import OPERATIONS, SEQ, USER_COUNT, Operation, with_seq
from .report import Row, comparisons, machine, ratio_comparisons, slowdowns, table
from .servers import ROOT, Server, free_port, stop_all


class BenchError(RuntimeError):
    pass


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--pages",
        action="append",
        help="wiki size(s) in pages, repeatable or comma-separated (default 10000)",
    )
    parser.add_argument(
        "--users",
        action="append",
        help=f"seeded users, repeatable or comma-separated (default {USER_COUNT})",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (reads)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (reads)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument(
        "--only", action="append", help="operation keys to run (default all): pages,pageById,..."
    )
    parser.add_argument("--port", type=int, help="first of two loopback ports (default: free)")
    parser.add_argument("--gunicorn-arg", action="append", default=[], help="extra flag, both")
    parser.add_argument("--quick", action="store_true", help="CI smoke: 50 pages, 1 s runs")
    parser.add_argument("--replace-db", action="store_true", help="drop the database first")
    parser.add_argument(
        "--seed-only", action="store_true", help="seed each size and report the time, no load"
    )
    parser.add_argument(
        "--import",
        dest="import_pages",
        type=int,
        metavar="PAGES",
        help="instead of the API: import a generated Wiki.js 2.5 installation of PAGES pages "
        "(bench/import_bench.py)",
    )
    parser.add_argument(
        "--import-versions", type=int, default=5, help="history versions per page (default 5)"
    )
    parser.add_argument(
        "--import-batch", type=int, default=500, help="import_wikijs2 --batch-size (default 500)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    args = parser.parse_args(argv)
    try:
        sizes = _counts(args.pages)
        user_counts = _counts(args.users)
    except ValueError as exc:
        parser.error(f"--pages and --users take whole numbers: {exc}")
    if args.quick:
        sizes = sizes or [50]
        args.duration, args.threads, args.connections = 1, 1, 2
        args.workers = args.workers or 2  # fewer Django boots on a busy CI machine
    args.sizes = sorted(set(sizes or [10000]))
    args.user_counts = sorted(set(user_counts or [USER_COUNT]))
    if any(size < 1 for size in args.sizes + args.user_counts) or args.duration < 1:
        parser.error("sizes, user counts and --duration must be positive")
    if args.import_pages is not None and (args.import_pages < 1 or args.import_versions < 0):
        parser.error("--import takes a positive page count, --import-versions zero or more")
    args.steps = wiki_steps(args.sizes, args.user_counts)
    args.threads = max(1, min(args.threads, args.connections))
    known = {op.key for op in OPERATIONS}
    only = {key for item in args.only or [] for key in item.split(",") if key}
    if only - known:
        parser.error(f"unknown operations {sorted(only - known)}; known: {sorted(known)}")
    args.operations = [op for op in OPERATIONS if not only or op.key in only]
    return args


def _counts(items: list[str] | None) -> list[int]:
    return [int(s) for item in items or [] for s in item.split(",") if s.strip()]


def wiki_steps(sizes: list[int], user_counts: list[int]) -> list[tuple[int, int]]:
    """The (pages, users) wikis measured, in order: a seeded wiki only grows, so pages grow at
    the fewest users, then users grow at the most pages."""
    steps = [(pages, user_counts[0]) for pages in sizes]
    steps += [(sizes[-1], users) for users in user_counts[1:]]
    return steps


def configured_workers(env: dict[str, str]) -> int:
    """The worker count gunicorn.conf.py chooses in this environment."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return int(runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"])
    finally:
        os.environ.clear()
        os.environ.update(saved)


def server_environment(database_url: str, workers: int | None) -> dict[str, str]:
    """Production settings (DEBUG off, a random key), plain http on loopback."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wiki.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # loopback http; TLS is the proxy's in production
        "SECURE_PROXY": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
        "BENCH_FLOOR_DATABASE_URL": database_url,
        "GUNICORN_ACCESS_LOG": "",  # a log line per request would be the disk's benchmark
    }
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    env["WEB_CONCURRENCY"] = str(configured_workers(env))
    return env


def post_json(url: str, body: dict, token: str) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return json.load(response)
    except urllib.error.HTTPError as exc:
        raise BenchError(f"{url} answered {exc.code}: {exc.read()[:500]!r}") from exc
    except OSError as exc:
        raise BenchError(f"{url}: {exc}") from exc


def get_html(url: str, cookie: str) -> str:
    """A browser's GET of ``url``: the HTML of a 200 answer; a redirect (a guest sent to sign
    in) or any other status is an error, since every figure would measure it."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("GET", target, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
    except OSError as exc:
        raise BenchError(f"{url}: {exc}") from exc
    finally:
        connection.close()
    if response.status != 200:
        location = response.getheader("Location")
        to = f" (to {location})" if location else ""
        raise BenchError(f"{url} answered {response.status}{to}: {body[:300]!r}")
    return body


def route_is_served(address: str) -> bool:
    """Whether the wiki has a route for ``address`` (a page view may land after its entry)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(urlsplit(address).path)
    except Resolver404:
        return False
    return True


def page_view_is_served(operation: Operation, facts) -> bool:
    variables = operation.variables(facts)
    return not variables or route_is_served(operation.address_for(variables[0]))


def session_cookie(token: str) -> str:
    """The Cookie header of a browser signed in with this session token (none for a guest)."""
    from accounts.tokens import COOKIE_NAME

    return f"{COOKIE_NAME}={token}" if token else ""


def check_answer(operation: Operation, answer: dict, where: str) -> None:
    """One request's answer must be a success, or every figure would measure an error."""
    result = operation.pick(answer.get("data"))
    if answer.get("errors") or result is None:
        raise BenchError(f"{operation.key} on {where}: {json.dumps(answer)[:800]}")
    outcome = result.get("operation") if isinstance(result, dict) else None
    if outcome is not None and not outcome.get("succeeded"):
        raise BenchError(f"{operation.key} on {where} did not succeed: {outcome}")


def sql_per_request(operation: Operation, body: dict, token: str) -> int:
    """Queries of one warm request, run in process by Django's test client on the same DB."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")

    def post(seq: str):
        response = client.post(
            operation.endpoint,
            json.dumps(with_seq(body, seq)),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        if response.status_code != 200:
            raise BenchError(f"{operation.key} in process: {response.status_code}")
        check_answer(operation, response.json(), "the in-process client")

    post("sql-warm")
    with CaptureQueriesContext(connection) as queries:
        post("sql-count")
    return len(queries.captured_queries)


def sql_per_page_view(operation: Operation, address: str, token: str) -> int:
    """Queries of one warm page view, in process, with the browser's cookie (or none)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.tokens import COOKIE_NAME

    client = Client(HTTP_HOST="127.0.0.1")
    if token:
        client.cookies[COOKIE_NAME] = token

    def get():
        response = client.get(address)
        if response.status_code != 200:
            raise BenchError(f"{operation.key} in process: {response.status_code} for {address}")

    get()
    with CaptureQueriesContext(connection) as queries:
        get()
    return len(queries.captured_queries)


def measure_page_view(
    operation: Operation, step: tuple[int, int], facts, seeder, api: Server, floor: Server, args
):
    """A page view's row: its HTML holds the floor's render, SQL count, warm-up, wrk on both."""
    from .seed import CALLERS

    variables = operation.variables(facts)
    if not variables:
        raise BenchError(f"{operation.key}: the seeded wiki has no page this caller may read")
    paths = [operation.address_for(v) for v in variables]
    floor_paths = [operation.floor_address_for(v) for v in variables]
    token = CALLERS[operation.caller](seeder)
    cookie = session_cookie(token)
    # The page view must serve the same stored render as the floor, or the ratio compares
    # nothing (and a render made per request would show here first).
    page = get_html(api.url + paths[0], cookie)
    problems = page_view_problems(page, get_html(floor.url + floor_paths[0], ""))
    if problems:
        raise BenchError(f"{operation.key} at {paths[0]}: {'; '.join(problems)}")
    queries = sql_per_page_view(operation, paths[0], token)
    workers = max(len(api.worker_pids()), args.connections)

    def load(url: str, addresses: list[str], cookie: str, seconds: int, connections: int):
        threads = min(args.threads, connections)
        return run_wrk(
            url,
            [],
            "",
            duration=seconds,
            threads=threads,
            connections=connections,
            paths=addresses,
            cookie=cookie,
        )

    targets = [(api.url, paths, cookie), (floor.url, floor_paths, "")]
    for url, addresses, with_cookie in targets if not args.quick else targets[:1]:
        load(url, addresses, with_cookie, 1, workers)  # warm every worker, outside the figures
    results = []
    for url, addresses, with_cookie in targets:
        result = load(url, addresses, with_cookie, args.duration, args.connections)
        if not result.ok:
            raise BenchError(f"{operation.key} at {url}: {result.problems()}")
        results.append(result)
    pages, users = step
    row = Row(operation.label, pages, results[0], queries, api.worker_rss_mib(), users=users)
    row.key, row.at_least_as_fast_as = operation.key, operation.at_least_as_fast_as
    row.floor, row.floor_rss_mib = results[1], floor.worker_rss_mib()
    return row


def measure(
    operation: Operation, step: tuple[int, int], facts, seeder, api: Server, floor: Server, args
):
    """One table row: checks, SQL count, warm-up, then wrk on the API and on the floor."""
    from .seed import CALLERS

    if operation.is_page_view:
        return measure_page_view(operation, step, facts, seeder, api, floor, args)

    bodies = [{"query": operation.document, "variables": v} for v in operation.variables(facts)]
    token = CALLERS[operation.caller](seeder)
    # The API and the floor must return the same rows, or the ratio compares nothing.
    api_answer = post_json(api.url + operation.endpoint, with_seq(bodies[0], "check"), token)
    check_answer(operation, api_answer, "the server")
    has_floor = operation.floor_sql is not None
    if has_floor:
        floor_answer = post_json(f"{floor.url}/{operation.key}", bodies[0], "")
        if floor_answer.get("data") != api_answer.get("data"):
            raise BenchError(
                f"{operation.key}: the floor's rows differ from the API's; fix floor_sql.\n"
                f"api:   {json.dumps(api_answer)[:400]}\nfloor: {json.dumps(floor_answer)[:400]}"
            )
    queries = sql_per_request(operation, bodies[0], token)

    threads, connections = (1, 1) if operation.sequential else (args.threads, args.connections)
    workers = max(len(api.worker_pids()), connections)

    def load(url: str, payloads: list[dict]) -> WrkResult:
        result = run_wrk(
            url, payloads, token, duration=args.duration, threads=threads, connections=connections
        )
        if not result.ok:
            raise BenchError(f"{operation.key} at {url}: {result.problems()}")
        return result

    def warm(url: str) -> None:
        """A first request costs a worker imports and connections: pay it outside the figures,
        with a connection per worker so that every worker gets some."""
        warm_bodies = with_seq(bodies, f"warm-{SEQ}")
        run_wrk(url, warm_bodies, token, duration=1, threads=1, connections=workers)

    targets = [(api.url + operation.endpoint, bodies)]
    if has_floor:
        targets.append((f"{floor.url}/{operation.key}", bodies))
    for url, _ in targets if not args.quick else targets[:1]:
        warm(url)
    api_result = load(*targets[0])
    pages, users = step
    row = Row(operation.label, pages, api_result, queries, api.worker_rss_mib(), users=users)
    row.max_slowdown = operation.max_slowdown
    row.key, row.at_least_as_fast_as = operation.key, operation.at_least_as_fast_as
    row.same_floor_ratio_as = operation.same_floor_ratio_as
    if has_floor:
        row.floor = load(*targets[1])
        row.floor_rss_mib = floor.worker_rss_mib()
    return row


def run(args: argparse.Namespace) -> int:
    wrk_binary()  # fail before creating anything when wrk is missing
    try:
        database = BenchDatabase(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL)
    except (ValueError, psycopg.Error) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    env = server_environment(database.url, args.workers)
    logs = Path(tempfile.mkdtemp(prefix="wiki-bench-logs-"))
    first_port = args.port or free_port()
    api = Server(
        "wiki", "wiki.wsgi:application", first_port, env, logs / "wiki.log", "/_graphql",
        args.gunicorn_arg,
    )  # fmt: skip
    floor = Server(
        "floor", "bench.floor:application", args.port + 1 if args.port else free_port(), env,
        logs / "floor.log", "/", args.gunicorn_arg,
    )  # fmt: skip
    rows: list[Row] = []
    skipped: list[str] = []
    started = time.monotonic()
    try:
        database.create(replace=args.replace_db)
    except (psycopg.Error, RuntimeError) as exc:
        print(f"bench: cannot create the database {database.name!r}: {exc}", file=sys.stderr)
        return 1
    try:
        os.environ.update(env)
        warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
        import django

        django.setup()
        from django.core.management import call_command

        from wiki.progress import progress_printer

        from .seed import Seeder

        print(f"database {database.name}: migrating and seeding", file=sys.stderr)
        call_command("migrate", verbosity=0)
        if args.import_pages:
            from .import_bench import run_import_bench

            print(
                run_import_bench(
                    database.url, env, args.import_pages, args.import_versions, args.import_batch
                )
            )
            print(f"\n({time.monotonic() - started:.0f} s in all)")
            return 0
        # As production's step 3: the pages' stylesheets come from the collected manifest.
        call_command("collectstatic", interactive=False, verbosity=0)
        seeder = Seeder(progress_printer())
        seeder.base(users=args.user_counts[0])
        if not args.seed_only:
            api.start()
            floor.start()
        workers = len(api.worker_pids())
        run_id = secrets.token_hex(3)
        for pages, users in args.steps:
            seeding = time.monotonic()
            added_users = seeder.users_up_to(users)
            added = seeder.pages_up_to(pages)
            print(
                f"{pages:,} pages, {users:,} users: {added:,} pages and {added_users:,} users"
                f" added in {time.monotonic() - seeding:.1f} s",
                file=sys.stderr,
            )
            if args.seed_only:
                continue
            facts = seeder.facts(f"r{run_id}-{pages}-{users}")
            for operation in args.operations:
                if operation.is_page_view and not page_view_is_served(operation, facts):
                    # Its entry came first; the route lands on its own (as tests/bench skips
                    # it). Said under the table, so a run never hides a missing figure.
                    note = f"{operation.label}: skipped, the wiki serves no {operation.address}"
                    if note not in skipped:
                        skipped.append(note)
                    print(f"  {operation.key}: skipped (no route yet)", file=sys.stderr)
                    continue
                print(f"  {operation.key} ...", file=sys.stderr)
                rows.append(measure(operation, (pages, users), facts, seeder, api, floor, args))
        if args.seed_only:
            return 0
        info = machine()
        print()
        print(
            f"{info['cpu']}, {info['cpus']} CPUs, {info['memory']}; Python {info['python']};"
            f" PostgreSQL on {database.url.rsplit('@', 1)[-1]}"
        )
        print(
            f"gunicorn.conf.py, {workers} workers (wiki and floor alike); wrk {args.threads}"
            f" threads x {args.connections} connections, {args.duration} s per run (writes: one"
            " client); floor = same rows via psycopg + json.dumps; x floor = req/s ratio"
        )
        print()
        print(table(rows))
        for line in slowdowns(rows) + comparisons(rows) + ratio_comparisons(rows) + skipped:
            print(line)
        print(f"\n({time.monotonic() - started:.0f} s in all)")
        if args.keep_logs:
            print(f"server logs in {logs}")
        else:
            shutil.rmtree(logs, ignore_errors=True)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {"machine": info, "workers": workers, "rows": [r.as_dict() for r in rows]},
                    indent=2,
                )
            )
        return 0
    except (BenchError, WrkError, RuntimeError) as exc:
        print(f"bench failed: {exc}\n(server logs in {logs})", file=sys.stderr)
        for server in (api, floor):
            if server.process is not None:
                print(f"--- {server.name} log (tail) ---\n{server.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench interrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        stop_all([api, floor])
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        database.drop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)  # runs the clean-up in run()'s finally

    signal.signal(signal.SIGTERM, terminate)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
