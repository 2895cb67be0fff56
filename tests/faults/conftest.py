"""Fixtures of the fault tests: one private PostgreSQL cluster for the session, migrated once,
with an administrator, an API key and a member; each test starts its own wiki server.

The tests skip when PostgreSQL's or Redis's programs are missing, and fail instead on CI
(``CI=true``), which must run them. They bring their own PostgreSQL whatever the suite's
database is, so they run in the suite's PostgreSQL pass only: CI's SQLite pass would repeat
the same minute of work.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.redis_support import unavailable

from .services import (
    PrivatePostgres,
    PrivateRedis,
    migrate,
    postgres_unavailable_reason,
    redis_unavailable_reason,
    run_python,
    server_env,
)

DATABASE = "wiki_faults"
MEMBER_EMAIL = "member@example.com"
MEMBER_PASSWORD = "Password123"  # noqa: S105 - tests.factories.UserFactory's

SETUP = f"""
import json
from accounts import apikeys
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy
from accounts.services import administrators_group, make_administrator
from tests.factories import UserFactory, default_site
from wiki.config import set_api_enabled

admin = UserFactory(email="admin@example.com", name="Administrator")
make_administrator(admin)
UserFactory(email="{MEMBER_EMAIL}", name="Member")
set_api_enabled(True)
# Self-registration with a verification mail (register queues a mail like forgotPassword).
local = AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID)
local.registration = True
local.config = {{**(local.config or {{}}), "emailValidation": True}}
local.save()
issued = apikeys.create_api_key(
    None, name="faults", expiration="1d", group_ids=[administrators_group().pk]
)
print(json.dumps({{
    "key": issued.token,
    "site": str(default_site().pk),
    "strategy": str(LOCAL_STRATEGY_ID),
}}))
"""


@dataclass(frozen=True)
class WikiDatabase:
    postgres: PrivatePostgres
    name: str
    key: str  # an API key of the Administrators group
    site: str
    strategy: str

    @property
    def url(self) -> str:
        return self.postgres.url(self.name)

    def scalar(self, sql: str, params=()):
        return self.postgres.scalar(self.name, sql, params)


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    if connection.vendor != "postgresql":
        pytest.skip(
            "the fault tests start their own PostgreSQL and run once, with the suite on "
            "PostgreSQL (DATABASE_URL=postgres://...)"
        )
    reason = postgres_unavailable_reason()
    if reason:
        unavailable(reason)
    directory = Path(tempfile.mkdtemp(prefix="wiki-faults-pg-"))
    cluster = PrivatePostgres(directory)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.is_running():
            cluster.stop(mode="immediate")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def wiki_database(private_postgres) -> WikiDatabase:
    private_postgres.create_database(DATABASE)
    env = server_env(private_postgres.url(DATABASE))
    migrate(env)
    made = json.loads(run_python(env, SETUP).strip().splitlines()[-1])
    return WikiDatabase(private_postgres, DATABASE, made["key"], made["site"], made["strategy"])


@pytest.fixture
def database(wiki_database) -> WikiDatabase:
    """The session's database, its cluster running (a test that stopped it starts it again)."""
    if not wiki_database.postgres.is_running():
        wiki_database.postgres.start()
    yield wiki_database
    if not wiki_database.postgres.is_running():
        wiki_database.postgres.start()


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    reason = redis_unavailable_reason()
    if reason:
        unavailable(reason)
    server = PrivateRedis(tmp_path / "redis")
    try:
        server.start()
        yield server
    finally:
        server.stop()
