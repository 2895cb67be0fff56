"""The rate limits with Redis away (wiki/rate_limits.py): calls are counted in the process's
memory (limits still hold), a WARNING says so once per fallback window, a hung Redis costs one
call its timeout and the next ones nothing, and counting returns to Redis once it answers.
The Redis servers here are real: a private ``redis-server`` stopped and started, a port where
nothing listens, and a socket that accepts and never answers."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import time

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache

from wiki import rate_limits
from wiki.rate_limits import RateLimited, hit

from .services import (
    BASE_DIR,
    PYTHON,
    PrivateRedis,
    free_port,
    loopback_redis_url,
    redis_unavailable_reason,
)

ADDRESS = "203.0.113.9"
WARNING = "counting in this process's memory"


def production_cache(url: str) -> RedisCache:
    """Django's Redis cache with the timeouts wiki/settings.py gives it."""
    return RedisCache(
        url,
        {
            "KEY_PREFIX": "wiki-faults-test",
            "OPTIONS": {
                "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT,
                "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
            },
        },
    )


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def warnings(self) -> list[str]:
        return [
            r.getMessage()
            for r in self.records
            if r.levelno == logging.WARNING and WARNING in r.getMessage()
        ]


@pytest.fixture
def rate_limit_log() -> Records:
    """The rate limits' own log records, caught on their logger itself: in the whole suite
    something upstream (not this module) keeps them from reaching pytest's caplog."""
    logger = logging.getLogger(rate_limits.__name__)
    assert not logger.disabled, "the wiki.rate_limits logger was disabled by an earlier test"
    # Whatever level or global switch an earlier test left behind, this test hears WARNING.
    previous_level, previous_disable = logger.level, logging.root.manager.disable
    logger.setLevel(logging.DEBUG)
    logging.disable(logging.NOTSET)
    handler = Records()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous_level)
    logging.disable(previous_disable)


@pytest.fixture(autouse=True)
def fresh_fallback(monkeypatch):
    monkeypatch.setattr(rate_limits, "_shared_down_until", 0.0)
    rate_limits._local_counters.clear()
    yield
    rate_limits._local_counters.clear()


def test_redis_refusing_connections_counts_in_memory_and_still_limits(monkeypatch, rate_limit_log):
    monkeypatch.setattr(rate_limits, "cache", production_cache(loopback_redis_url(free_port())))

    for _ in range(rate_limits.LIMITS["login"]):
        hit("login", client_address=ADDRESS)
    with pytest.raises(RateLimited):
        hit("login", client_address=ADDRESS)

    warnings = rate_limit_log.warnings()
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0]


def test_a_hung_redis_costs_one_call_its_timeout_and_the_next_ones_nothing(monkeypatch):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = loopback_redis_url(silent.getsockname()[1])
        monkeypatch.setattr(rate_limits, "cache", production_cache(url))

        started = time.monotonic()
        hit("forgotPassword", client_address=ADDRESS)
        first = time.monotonic() - started
        started = time.monotonic()
        for n in range(2):
            hit("forgotPassword", client_address=f"{ADDRESS}{n}")
        next_two = time.monotonic() - started

    assert settings.REDIS_SOCKET_TIMEOUT <= first < 2.0
    assert next_two < 0.1


@pytest.fixture
def private_redis(tmp_path):
    reason = redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def counter_keys(server: PrivateRedis) -> list[bytes]:
    return server.command("KEYS", "*ratelimit:login*")


def test_counting_returns_to_redis_once_it_answers(monkeypatch, private_redis, rate_limit_log):
    monkeypatch.setattr(rate_limits, "FALLBACK_SECONDS", 0.3)
    monkeypatch.setattr(rate_limits, "cache", production_cache(private_redis.url))
    hit("login", client_address=ADDRESS)
    assert len(counter_keys(private_redis)) == 1

    private_redis.stop()
    hit("login", client_address=ADDRESS)
    assert len(rate_limit_log.warnings()) == 1

    private_redis.start()  # empty: no persistence
    time.sleep(0.35)
    hit("login", client_address=ADDRESS)
    assert len(counter_keys(private_redis)) == 1
    assert private_redis.command("GET", counter_keys(private_redis)[0]) == b"1"


def test_production_settings_bound_redis_and_database_waits():
    """wiki/settings.py with REDIS_URL and a PostgreSQL DATABASE_URL (a process of its own:
    settings are read once)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DATABASE_"))},
        "DEBUG": "1",
        "REDIS_URL": loopback_redis_url(free_port()),
        "DATABASE_URL": "postgres://nobody@127.0.0.1:5432/nothing",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = (
        "import json; from wiki import settings as s; print(json.dumps({"
        "'cache': s.CACHES['default']['OPTIONS'], 'db': s.DATABASES['default']['OPTIONS'],"
        "'middleware': s.MIDDLEWARE[:5], 'exempt': s.SECURE_REDIRECT_EXEMPT}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [str(PYTHON), "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)

    assert found["cache"] == {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
    assert found["db"]["connect_timeout"] == 3
    # The probes answer before the host check and sessions; only the request line and the
    # security headers come first (wiki/settings.py).
    assert found["middleware"] == [
        "wiki.request_log.RequestLogMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "wiki.security_headers.SecurityHeadersMiddleware",
        "wiki.health.HealthCheckMiddleware",
        "wiki.db_unavailable.DatabaseUnavailableMiddleware",
    ]
    assert found["exempt"] == [r"^healthz$", r"^readyz$"]
