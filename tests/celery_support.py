"""Real Celery workers for tests, on the test Redis database and in keys of their own.

``private_worker``: a worker in a thread of the test process. ``private_broker`` +
``worker_process``: the ``celery worker -B`` program in a process of its own, as in
production, for the fault tests (a worker killed mid-send cannot be a thread). In both, the
test process publishes to a queue unique to the test, under a key prefix unique to the test.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from celery import signals
from celery.contrib.testing.worker import TestWorkController, start_worker
from django.db import connection, connections
from kombu import pools as kombu_pools

from tests.redis_support import RUN_PREFIX, delete_keys
from wiki.celery import app as celery_app

# What publishing to a private queue changes in the Celery app; restored afterwards.
WORKER_CONF = (
    "broker_url",
    "broker_transport_options",
    "task_always_eager",
    "task_default_queue",
    "task_routes",
    "worker_hijack_root_logger",
)
CELERY = Path(sys.executable).with_name("celery")
BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Broker:
    """Where a test's tasks go: the Redis database ``url``, the queue ``queue``, and every
    key the broker writes starting with ``prefix`` (kombu's ``global_keyprefix``)."""

    url: str
    queue: str
    prefix: str

    def keys(self) -> list[str]:
        client = redis.Redis.from_url(self.url)
        try:
            return sorted(key.decode() for key in client.scan_iter(match=f"{self.prefix}*"))
        finally:
            client.close()


def new_broker(url: str) -> Broker:
    queue = f"{RUN_PREFIX}-{uuid.uuid4().hex[:8]}"
    return Broker(url=url, queue=queue, prefix=f"{queue}:")


def reset_broker(app) -> None:
    """Drop the app's broker connections and routing, built from its configuration once."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.__dict__.pop("amqp", None)
    # kombu keeps producer pools per connection in a registry of its own: a pool closed above
    # would be found there again by the next connection to the same broker.
    kombu_pools.reset()


@contextmanager
def publishing_to(broker: Broker, *, url: str | None = None) -> Iterator[None]:
    """The Celery app of this process publishes every wiki task to ``broker``'s queue under
    its prefix (not eagerly); ``url`` replaces its address (a closed port: Redis down)."""
    saved = {key: copy.deepcopy(celery_app.conf[key]) for key in WORKER_CONF}
    celery_app.conf.update(
        broker_url=url or broker.url,
        broker_transport_options={
            **celery_app.conf.broker_transport_options,
            "global_keyprefix": broker.prefix,
        },
        task_always_eager=False,
        task_default_queue=broker.queue,
        task_routes={"wiki.*": {"queue": broker.queue}},
        worker_hijack_root_logger=False,
    )
    reset_broker(celery_app)
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        reset_broker(celery_app)


@contextmanager
def private_broker(url: str) -> Iterator[Broker]:
    """A queue and key prefix of the test's own on the Redis database ``url``, this process
    publishing there; only those keys are deleted afterwards.

    The queue's name is unique and every task of the wiki is routed there, so a developer's
    worker consuming the default queue of the same database cannot take a test's task (one
    once really mailed a welcome message with a password), and the test's worker takes none
    of theirs.
    """
    broker = new_broker(url)
    try:
        with publishing_to(broker):
            yield broker
    finally:
        client = redis.Redis.from_url(url)
        try:
            delete_keys(client, broker.prefix)
        finally:
            client.close()


def _close_connections(**_kwargs) -> None:
    # The worker thread has its own database connections; do not leave them open.
    connections.close_all()


@contextmanager
def private_worker(url: str) -> Iterator[TestWorkController]:
    """An in-thread worker consuming from a queue of its own on the Redis database ``url``
    (see ``private_broker``). The worker carries ``test_queue`` and ``test_prefix``."""
    signals.task_postrun.connect(_close_connections, weak=False)
    try:
        with private_broker(url) as broker:
            with start_worker(
                celery_app, pool="solo", perform_ping_check=False, queues=[broker.queue]
            ) as worker:
                worker.test_queue, worker.test_prefix = broker.queue, broker.prefix
                yield worker
    finally:
        signals.task_postrun.disconnect(_close_connections)


# --- The worker program -------------------------------------------------------------------------
class WorkerProcess:
    """``celery -A wiki worker -B`` in a process group of its own (beat runs in a child
    process), on ``broker`` and this test's database, with ``tests.worker_settings``."""

    def __init__(self, broker: Broker, directory: Path, env: dict[str, str]) -> None:
        self.broker = broker
        self.directory = directory
        self.env = env
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.log_path = directory / "worker-0.log"

    def start(self, timeout: float = 30.0) -> None:
        self.starts += 1
        self.log_path = self.directory / f"worker-{self.starts}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "WORKER_BROKER_URL": self.broker.url,
            "WORKER_QUEUE": self.broker.queue,
            "WORKER_KEY_PREFIX": self.broker.prefix,
            # The test database, not the one it was made for: the worker sees the test's rows.
            "WORKER_DATABASE_NAME": connection.settings_dict["NAME"],
            "PYTHONDONTWRITEBYTECODE": "1",
            **self.env,
        }
        command = [
            str(CELERY),
            "-A",
            "wiki",
            "worker",
            "-B",
            "--schedule",
            str(self.directory / "beat-schedule"),
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--queues",
            self.broker.queue,
            "--hostname",
            f"{self.broker.queue}-{self.starts}@%h",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while " ready." not in self.log():
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker was not ready in {timeout} s:\n{self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the worker and its beat (its process group): nothing runs on."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        try:
            # The beat child may outlive its parent for a moment.
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process = None


@contextmanager
def worker_process(broker: Broker, directory: Path, **env: str) -> Iterator[WorkerProcess]:
    """A ``WorkerProcess`` (not started: the test calls ``start()``), killed afterwards.

    ``env``: settings for the worker, e.g. ``MAIL_RETRY_DELAY="1"``.
    """
    worker = WorkerProcess(broker, directory, env)
    try:
        yield worker
    finally:
        worker.kill()
        _wait_for_other_sessions_to_end()


def _wait_for_other_sessions_to_end(timeout: float = 10.0) -> None:
    """Until the killed worker's database sessions are gone (PostgreSQL notices the closed
    socket a moment later): the test's teardown truncates tables, and the last one drops the
    database, which either would wait for or refuse while a session lingers."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (others,) = cursor.fetchone()
        if not others:
            return
        time.sleep(0.05)
