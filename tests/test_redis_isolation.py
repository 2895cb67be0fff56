"""The suite touches only the Redis database it is given, and only its own keys there.

Regression: a worker test once hard-coded database 5 and ran FLUSHDB on it, deleting whatever
else lived there, and a developer's worker on that database took the test's task and really
mailed a welcome message.
"""

import re
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import signals
from django.core import mail
from django.db import connection

from tests.celery_support import private_broker, private_worker, worker_process
from tests.redis_support import RunScopedRedisCache, redacted, redis_url
from tests.smtp_support import free_port
from wiki import outbox
from wiki.celery import app as celery_app
from wiki.config import update_setting

TESTS = Path(__file__).resolve().parent
CREATE_USER = """
mutation { createUser(email: "jane@example.com", name: "Jane Doe", passwordRaw: "Initial-Pass1",
                      sendWelcomeEmail: true) { operation { succeeded message } } }
"""


# --- Which database ---------------------------------------------------------------------------
def test_without_test_redis_url_redis_tests_skip_on_a_developer_machine(monkeypatch):
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")  # never used by tests
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="TEST_REDIS_URL is not set"):
        redis_url()


def test_without_test_redis_url_redis_tests_fail_on_ci(monkeypatch):
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="TEST_REDIS_URL is not set.*CI=true"):
        redis_url()


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_unreachable_redis_skips_or_fails_without_showing_the_password(monkeypatch, ci, outcome):
    monkeypatch.setenv("TEST_REDIS_URL", f"redis://:hunter2@127.0.0.1:{free_port()}/4")
    monkeypatch.setenv("CI", ci)

    with pytest.raises(outcome, match="not reachable") as caught:
        redis_url()

    assert "hunter2" not in str(caught.value)


def test_redacted_hides_only_the_password():
    assert redacted("redis://127.0.0.1:6379/4") == "redis://127.0.0.1:6379/4"
    assert redacted("redis://app:pw@cache:6380/2") == "redis://app:***@cache:6380/2"


def test_no_test_flushes_a_database_or_names_one():
    """Every Redis URL comes from TEST_REDIS_URL; nothing calls FLUSHDB or FLUSHALL."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        text = path.read_text()
        if re.search(r"\.flush(db|all)\s*\(", text, re.IGNORECASE) or "redis://" in text:
            offenders.append(str(path.relative_to(TESTS)))
    assert offenders == []


def test_the_suite_never_uses_redis_url(settings):
    assert settings.CELERY_BROKER_URL == "memory://"
    location = settings.CACHES["default"].get("LOCATION", "")
    assert location in ("", settings.TEST_REDIS_URL)


# --- Only its own keys ------------------------------------------------------------------------
@pytest.fixture
def foreign_keys():
    """Keys in the test database that no test created: they must survive the suite."""
    client = redis.Redis.from_url(redis_url())
    owner = f"not-a-test-{uuid.uuid4().hex[:8]}"
    keys = {f"{owner}:sentinel": "keep me", f"{owner}:queue": "a developer's task"}
    client.set(f"{owner}:sentinel", "keep me")
    client.rpush(f"{owner}:queue", "a developer's task")
    try:
        yield client, keys
    finally:
        client.delete(*keys)
        client.close()


def survivors(client: redis.Redis, keys: dict) -> dict:
    found = {}
    for key in keys:
        kind = client.type(key).decode()
        if kind == "string":
            found[key] = client.get(key).decode()
        elif kind == "list":
            found[key] = b"|".join(client.lrange(key, 0, -1)).decode()
    return found


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_test_leaves_other_keys_alone_and_removes_its_own(foreign_keys, admin_key_client):
    client, keys = foreign_keys
    update_setting("mail", host="smtp.example.com", senderEmail="wiki@example.com")
    routing = []

    def remember(task=None, **_kwargs):
        routing.append(task.request.delivery_info["routing_key"])

    signals.task_prerun.connect(remember, weak=False)
    try:
        with private_worker(redis_url()) as worker:
            consumed = [queue.name for queue in worker.consumer.task_consumer.queues]
            route = celery_app.amqp.router.route({}, "wiki.tasks.deliver_mail")
            payload = admin_key_client(CREATE_USER).data["createUser"]
            deadline = time.monotonic() + 15
            while not mail.outbox and time.monotonic() < deadline:
                time.sleep(0.05)
            prefix = worker.test_prefix
            created = [k.decode() for k in client.scan_iter(match=f"{prefix}*")]
    finally:
        signals.task_prerun.disconnect(remember)

    assert payload["operation"] == {"succeeded": True, "message": "User created successfully."}
    assert len(mail.outbox) == 1
    # The task went through the test's own queue, which is all the worker consumed.
    assert consumed == [worker.test_queue]
    assert route["queue"].name == worker.test_queue
    assert routing == [worker.test_queue]
    assert worker.test_queue != "celery"
    # The broker really wrote to Redis, under its prefix only, and those keys are gone.
    assert created
    assert list(client.scan_iter(match=f"{prefix}*")) == []
    assert survivors(client, keys) == keys
    # The app is back to in-process tasks for the rest of the suite.
    assert celery_app.conf.task_always_eager is True
    assert celery_app.amqp.router.route({}, "wiki.tasks.deliver_mail")["queue"].name == "celery"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_program_writes_only_under_its_prefix(foreign_keys, tmp_path):
    """The ``celery worker -B`` process of the fault tests (tests/wiki/test_outbox_worker.py):
    its queue, bindings, unacknowledged messages and beat's tasks all carry the prefix."""
    if connection.vendor == "sqlite":
        pytest.skip("the worker process needs the PostgreSQL test database")
    client, keys = foreign_keys
    before = set(client.scan_iter())
    with private_broker(redis_url()) as broker:
        with worker_process(broker, tmp_path, MAIL_REQUEUE_INTERVAL="0.2") as worker:
            worker.start()
            assert outbox.publish(uuid.uuid4()) is True  # no such message: nothing to send
            deadline = time.monotonic() + 15
            while worker.log().count("succeeded") < 3 and time.monotonic() < deadline:
                time.sleep(0.05)  # the delivery task and at least two of beat's re-queues
            assert worker.log().count("succeeded") >= 3, worker.log()
            # Other programs may write to the database meanwhile; not under a test's names.
            written = {
                key.decode()
                for key in set(client.scan_iter()) - before
                if not key.startswith(b"wiki-test-cache-")
            }

    assert written
    assert {key for key in written if not key.startswith(broker.prefix)} == set()
    assert broker.keys() == []
    assert survivors(client, keys) == keys


def test_cache_clear_deletes_only_the_runs_keys(foreign_keys):
    client, keys = foreign_keys
    cache = RunScopedRedisCache(redis_url(), {"KEY_PREFIX": f"cache-check-{uuid.uuid4().hex[:8]}"})
    cache.set("answer", 42, timeout=None)
    assert cache.get("answer") == 42

    cache.clear()

    assert cache.get("answer") is None
    assert survivors(client, keys) == keys
