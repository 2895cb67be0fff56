"""The soak's own wiki: a fresh PostgreSQL database, the README's set-up commands, gunicorn.

The server is a separate process, so it cannot see the test database's uncommitted rows: it
gets a database of its own (``soak_<random>``), created, migrated and dropped here. Its
settings come from the environment as in production (DEBUG off, a random SECRET_KEY), with the
project's gunicorn.conf.py on a free loopback port.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from psycopg import sql
from psycopg.conninfo import make_conninfo

from bench.servers import ROOT, Server, free_port

ADMIN_EMAIL = "soak-admin@example.com"


@dataclass
class SoakDatabase:
    """A database of its own on the PostgreSQL server the tests use; ``drop`` removes it."""

    host: str
    port: str
    user: str
    password: str
    name: str = field(default_factory=lambda: f"soak_{secrets.token_hex(6)}")
    created: bool = False

    @classmethod
    def beside(cls, settings_db: dict) -> SoakDatabase:
        """On the server of Django's ``DATABASES["default"]`` (host, port, role)."""
        return cls(
            host=settings_db.get("HOST") or "127.0.0.1",
            port=str(settings_db.get("PORT") or 5432),
            user=settings_db.get("USER") or "postgres",
            password=settings_db.get("PASSWORD") or "",
        )

    def conninfo(self, dbname: str | None = None) -> str:
        params = {"host": self.host, "port": self.port, "user": self.user}
        if self.password:
            params["password"] = self.password
        return make_conninfo(dbname=dbname or self.name, connect_timeout=10, **params)

    @property
    def url(self) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{self.name}"

    def create(self) -> None:
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.created = True

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(), autocommit=True)

    def drop(self) -> None:
        if not self.created:
            return
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
        self.created = False


def server_environment(database_url: str, redis_url: str, cache_prefix: str) -> dict[str, str]:
    """Production settings from the environment, whatever this process or a .env says."""
    env = {
        name: value
        for name, value in os.environ.items()
        # Nothing of the test run's own configuration reaches the server.
        if not name.startswith(("DJANGO_", "GUNICORN_", "TEST_", "SOAK_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.soak.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=cache_prefix,
        # Behind the README's TLS proxy: the soak's requests carry X-Forwarded-Proto: https.
        # No redirect of plain http, so that the readiness probe (plain) gets its answer.
        SECURE_PROXY="1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="",
        CSRF_COOKIE_SECURE="",
        WEB_CONCURRENCY=os.environ.get("SOAK_WORKERS", "2"),
        GUNICORN_TIMEOUT="",
        GUNICORN_MAX_REQUESTS="",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_CONTROL_SOCKET="",
        LOG_LEVEL="INFO",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


# The README's set-up commands, run by call_command in one process: Django starts once, not
# three times (seconds each on a busy machine).
SET_UP_COMMANDS = [
    ["migrate", "--noinput"],
    ["createsuperuser", "--noinput", "--email", ADMIN_EMAIL, "--name", "Soak Admin"],
    ["createapikey", "--name", "soak", "--groups", "Administrators", "--expiration", "1d"],
]
SET_UP_SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
for command in json.loads(sys.argv[1]):
    call_command(*command)
"""


@dataclass(frozen=True)
class Credentials:
    api_key: str
    admin_email: str
    admin_password: str


def set_up_wiki(env: dict[str, str]) -> Credentials:
    """The README's steps: tables, the root administrator, an administrators' API key (the
    last line createapikey prints)."""
    password = secrets.token_urlsafe(16)
    result = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", SET_UP_SCRIPT, json.dumps(SET_UP_COMMANDS)],
        cwd=ROOT,
        env={**env, "DJANGO_SUPERUSER_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"setting up the wiki failed:\n{result.stdout}\n{result.stderr}")
    return Credentials(lines[-1].strip(), ADMIN_EMAIL, password)


def start_gunicorn(env: dict[str, str], log: Path) -> Server:
    server = Server("soak", "wiki.wsgi:application", free_port(), env, log, probe="/_graphql")
    server.start(ready_within=90)
    return server


def delete_cache_keys(redis_url: str, prefix: str) -> int:
    """Remove the keys of this run's cache prefix (only those) from the Redis database."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()
