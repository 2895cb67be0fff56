"""Benchmarks of the hot API paths, run with `make bench`.

Builds a throw-away database (SQLite in a temp dir, or the one DATABASE_URL names plus a
`_bench` suffix), fills it, and times requests through the WSGI stack in process, so the
numbers cover routing, authentication, permission filtering, SQL and serialisation.

    make bench  BENCH_PAGES=2000 BENCH_REQUESTS=200
"""

import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
else:
    os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rstrip("/") + "_bench"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases  # noqa: E402

PAGES = int(os.environ.get("BENCH_PAGES", "1000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
QUERY = json.dumps({"query": "{ pages(orderBy: TITLE, limit: 50) { id path title tags } }"})


def populate():
    from accounts import apikeys, tokens
    from accounts.services import administrators_group, make_administrator
    from tests.factories import GroupFactory, PageFactory, UserFactory, rule
    from wiki.config import set_api_enabled

    admin = UserFactory(email="bench-admin@example.com")
    make_administrator(admin)
    author = UserFactory(email="bench-author@example.com")
    for n in range(PAGES):
        section = ("docs", "hr", "eng", "ops")[n % 4]
        PageFactory(path=f"{section}/page-{n:05d}", title=f"Page {n:05d}", author=author)
    reader_group = GroupFactory(
        rules=[
            rule("ALLOW", "START", ""),
            rule("DENY", "START", "hr"),
            rule("ALLOW", "EXACT", "hr/page-00001"),
        ]
    )
    reader = UserFactory(email="bench-reader@example.com", groups=[reader_group])
    set_api_enabled(True)
    key = apikeys.create_api_key(
        None, name="bench", expiration="1d", group_ids=[administrators_group().pk]
    )
    return {
        "admin session": tokens.issue_session_token(admin),
        "rule-filtered user": tokens.issue_session_token(reader),
        "api key (admin)": key.token,
    }


def measure(label: str, token: str) -> None:
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.post("/_graphql", QUERY, content_type="application/json", **headers)  # warm up
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
    ):
        client.post("/_graphql", QUERY, content_type="application/json", **headers)
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.post("/_graphql", QUERY, content_type="application/json", **headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content
    timings.sort()
    print(
        f"{label:22s} mean {statistics.mean(timings):7.2f} ms  p50 {timings[len(timings) // 2]:7.2f} ms"
        f"  p95 {timings[int(len(timings) * 0.95) - 1]:7.2f} ms  {len(queries)} SQL queries"
    )


def main() -> int:
    old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        call_command("migrate", verbosity=0)
        tokens_by_label = populate()
        print(f"pages(limit: 50) over {PAGES} pages, {REQUESTS} requests each, {connection.vendor}")
        for label, token in tokens_by_label.items():
            measure(label, token)
    finally:
        from django.test.utils import teardown_databases

        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
