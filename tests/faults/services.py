"""Private services for the fault tests: a PostgreSQL cluster, a Redis server and the wiki
under gunicorn, each a process of the test's own on a free loopback port, in a temporary
folder, stopped and started by the test. The machine's shared PostgreSQL and Redis are never
touched.

PostgreSQL refuses to run as root (``initdb`` and ``postgres`` both stop). When the tests run
as root, the cluster's folder is given to the ``postgres`` system user and every PostgreSQL
program is run as that user (``runuser -u postgres``); as any other user they run directly.
The test connects over TCP with trust authentication, which only loopback clients reach.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlunsplit

import psycopg
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.with_name("gunicorn")
SERVER_SETTINGS = "tests.faults.server_settings"
SECRET_KEY = "faults-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123"


def free_port() -> int:
    """A loopback port nothing listens on (bound by the system, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what: str, timeout: float = 20.0, interval: float = 0.05):
    """Poll ``condition`` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Phases:
    """Seconds spent in each phase of a fault test, printed as the run's figures."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = self.last = time.monotonic()
        self.spent: list[tuple[str, float]] = []

    def done(self, phase: str) -> None:
        now = time.monotonic()
        self.spent.append((phase, now - self.last))
        self.last = now

    def report(self, **figures) -> str:
        phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in self.spent)
        counts = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in figures.items())
        total = time.monotonic() - self.started
        return f"[faults] {self.name}: {counts}; {phases}; total {total:.1f} s"


# --- PostgreSQL ---------------------------------------------------------------------------------
def postgres_bin() -> Path | None:
    """The folder of initdb, pg_ctl and postgres (the newest installed), or None."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _as_cluster_owner() -> list[str]:
    """The prefix that runs a PostgreSQL program as a user it accepts."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def postgres_unavailable_reason() -> str | None:
    if postgres_bin() is None:
        return "PostgreSQL's initdb and pg_ctl are not installed (/usr/lib/postgresql/*/bin)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to own a private cluster"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster in ``directory``, listening on 127.0.0.1:``port`` only."""

    directory: Path
    port: int = field(default_factory=free_port)
    user: str = "postgres"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        bin_dir = postgres_bin()
        assert bin_dir is not None
        program = [str(bin_dir / command[0]), *command[1:]]
        result = subprocess.run(  # noqa: S603 - fixed PostgreSQL programs
            [*_as_cluster_owner(), *program],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.directory,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{' '.join(program)} failed ({result.returncode}):\n{result.stdout}\n"
                f"{result.stderr}\n{self.read_log()}"
            )

    def read_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )

    def start(self) -> None:
        # Loopback TCP only; the socket folder is the cluster's own (not /var/run/postgresql);
        # fsync off: a test's data need not survive a crash of the machine, only of the server.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c synchronous_commit=on -c full_page_writes=off "
            "-c max_connections=40 -c shared_buffers=16MB"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def create_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def scalar(self, database: str, sql: str, params=()):
        with self.connect(database) as conn:
            return conn.execute(sql, params).fetchone()[0]


# --- Redis --------------------------------------------------------------------------------------
def loopback_redis_url(port: int) -> str:
    """A Redis URL on a loopback port these tests picked themselves: a private
    ``redis-server``, a free port where nothing listens, or a socket that never answers.
    Never the machine's shared Redis, which tests reach only through ``TEST_REDIS_URL``
    (tests/redis_support.py)."""
    return urlunsplit(("redis", f"127.0.0.1:{port}", "/0", "", ""))


def redis_unavailable_reason() -> str | None:
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    return None


@dataclass
class PrivateRedis:
    """``redis-server`` on 127.0.0.1:``port``, no persistence, in a process of its own."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return loopback_redis_url(self.port)

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - the installed redis-server
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, f"redis-server on port {self.port}", timeout=10)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """SIGKILL: Redis gone at once, as a crash or a lost host would leave it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def command(self, *args: str):
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=2)
        try:
            return client.execute_command(*args)
        finally:
            client.close()


# --- The wiki -----------------------------------------------------------------------------------
def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like wiki process (DEBUG off) on ``database_url``."""
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the developer's or CI's own configuration leaks in.
        if not key.startswith(("DATABASE_", "REDIS_", "TEST_", "CELERY_", "MAIL_", "GUNICORN_"))
        and key not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE=SERVER_SETTINGS,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        DATABASE_URL=database_url,
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def run_python(env: dict[str, str], code: str, timeout: float = 120) -> str:
    """Run ``code`` in a Django process with ``env``; its standard output."""
    script = "import django\ndjango.setup()\n" + code
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [str(PYTHON), "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"python failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [str(PYTHON), "manage.py", "migrate", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"migrate failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str
    seconds: float

    def json(self):
        return json.loads(self.text)


class WikiServer:
    """The wiki under gunicorn (``gunicorn.conf.py``) on a free loopback port."""

    def __init__(self, directory: Path, env: dict[str, str], workers: int = 2) -> None:
        self.directory = directory
        self.port = free_port()
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESS_LOG": "",
        }
        self.process: subprocess.Popen | None = None
        self.log_path = directory / "gunicorn.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the project's gunicorn
                [str(GUNICORN), "-c", "gunicorn.conf.py"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._up, "gunicorn to answer /healthz", timeout=30)

    def _up(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log()}")
        try:
            return self.get("/healthz", timeout=1).status == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def request(
        self, method: str, path: str, body: bytes | None = None, timeout: float = 15, **headers
    ) -> Answer:
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            self.base + path, data=body, method=method, headers=headers
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status, head, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, head, raw = error.code, error.headers, error.read()
        return Answer(
            status=status,
            headers={key.lower(): value for key, value in head.items()},
            text=raw.decode("utf-8", "replace"),
            seconds=time.monotonic() - started,
        )

    def get(self, path: str, timeout: float = 15, **headers) -> Answer:
        return self.request("GET", path, timeout=timeout, **headers)

    def graphql(
        self, query: str, variables: dict | None = None, token: str | None = None
    ) -> Answer:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.request("POST", "/_graphql", body, **headers)


def skip_unless(reason: str | None) -> None:
    if reason:
        pytest.skip(reason)
