"""Queueing mail while the broker is away (wiki/outbox.py ``publish``): the change commits, the
message stays pending for the re-queue, and the request waits a bounded time, also for a
Redis that accepts connections and never answers (before: the broker's 10-second socket
timeout per attempt)."""

from __future__ import annotations

import socket
import time

import pytest

from tests.celery_support import Broker, publishing_to
from wiki import outbox
from wiki.mail import OutgoingMail
from wiki.models import OutboundMail

from .services import free_port, loopback_redis_url

MESSAGE = OutgoingMail(to="someone@example.com", subject="Reset", text="Reset it", html="<p>x")


def enqueue_and_commit(django_capture_on_commit_callbacks) -> tuple[OutboundMail, float]:
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.enqueue(MESSAGE, kind=OutboundMail.Kind.RESET)
    return row, time.monotonic() - started


@pytest.mark.django_db
def test_a_refusing_broker_leaves_the_message_pending(django_capture_on_commit_callbacks, caplog):
    broker = Broker(url=loopback_redis_url(free_port()), queue="faults", prefix="faults:")
    with publishing_to(broker):
        row, elapsed = enqueue_and_commit(django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert "could not be queued; the periodic re-queue will retry" in caplog.text
    assert elapsed < 2.0


@pytest.mark.django_db
def test_a_hung_broker_costs_the_request_seconds_not_the_worker(
    django_capture_on_commit_callbacks, caplog
):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = loopback_redis_url(silent.getsockname()[1])
        with publishing_to(Broker(url=url, queue="faults", prefix="faults:")):
            row, elapsed = enqueue_and_commit(django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert "could not be queued" in caplog.text
    # Three publish attempts (CELERY_TASK_PUBLISH_RETRY_POLICY), each bounded by
    # REDIS_SOCKET_TIMEOUT; the broker's own socket_timeout (10 s) would be 30 s.
    assert elapsed < 5.0, f"queueing waited {elapsed:.1f} s for a broker that never answers"
