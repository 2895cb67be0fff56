"""A real Celery worker for tests, on the test Redis database and in keys of its own."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from celery import signals
from celery.contrib.testing.worker import TestWorkController, start_worker
from django.db import connections

from tests.redis_support import RUN_PREFIX, delete_keys
from wiki.celery import app as celery_app

# What the private worker changes in the Celery app; restored afterwards.
WORKER_CONF = (
    "broker_url",
    "broker_transport_options",
    "task_always_eager",
    "task_default_queue",
    "task_routes",
    "worker_hijack_root_logger",
)


def _reset_broker(app) -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    # Queues, routes and producers are built from the configuration once: rebuild them.
    app.__dict__.pop("amqp", None)


def _close_connections(**_kwargs) -> None:
    # The worker thread has its own database connections; do not leave them open.
    connections.close_all()


@contextmanager
def private_worker(url: str) -> Iterator[TestWorkController]:
    """An in-thread worker consuming from a queue of its own on the Redis database ``url``.

    The queue's name is unique and every task of the wiki is routed there, so a developer's
    worker consuming the default queue of the same database cannot take a test's task (one
    once really mailed a welcome message with a password), and this worker takes none of
    theirs. Every key the broker writes starts with the same unique prefix (kombu's
    ``global_keyprefix``); only those keys are deleted afterwards. The worker carries
    ``test_queue`` and ``test_prefix``.
    """
    queue = f"{RUN_PREFIX}-{uuid.uuid4().hex[:8]}"
    prefix = f"{queue}:"
    saved = {key: copy.deepcopy(celery_app.conf[key]) for key in WORKER_CONF}
    broker = redis.Redis.from_url(url)
    signals.task_postrun.connect(_close_connections, weak=False)
    celery_app.conf.update(
        broker_url=url,
        broker_transport_options={"global_keyprefix": prefix},
        task_always_eager=False,
        task_default_queue=queue,
        task_routes={"wiki.*": {"queue": queue}},
        worker_hijack_root_logger=False,
    )
    _reset_broker(celery_app)
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[queue]
        ) as worker:
            worker.test_queue, worker.test_prefix = queue, prefix
            yield worker
    finally:
        signals.task_postrun.disconnect(_close_connections)
        celery_app.conf.update(saved)
        _reset_broker(celery_app)
        delete_keys(broker, prefix)
        broker.close()
