"""The one Redis database tests may use, and how they stay inside their own keys.

Tests touch Redis only through ``TEST_REDIS_URL`` (set by CI and passed on by the Makefile),
never through ``REDIS_URL``, which may name a database that holds real data. Inside that
database every key a test creates starts with a prefix unique to the test run, and cleaning up
deletes only those keys: nothing here ever runs FLUSHDB, so data that other programs keep in the
same database survives the suite.

Without ``TEST_REDIS_URL`` the tests that need Redis skip on a developer's machine and fail on
CI (``CI=true``), where a skipped worker test would hide a broken delivery path.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

ENV = "TEST_REDIS_URL"
# One prefix per test run (per process): keys of concurrent runs and of other programs differ.
RUN_PREFIX = f"wiki-test-{uuid.uuid4().hex[:12]}"


def configured_url() -> str:
    """``TEST_REDIS_URL``, or empty when it is not set."""
    return os.environ.get(ENV, "").strip()


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def unavailable(reason: str):
    """Skip the test on a developer's machine; fail it on CI, which must run it."""
    if on_ci():
        pytest.fail(f"{reason} (CI=true: the Redis tests must run)", pytrace=False)
    pytest.skip(reason)


def redacted(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def redis_url() -> str:
    """The test Redis database's URL, reachable; skips or fails the test otherwise."""
    url = configured_url()
    if not url:
        unavailable(f"{ENV} is not set: the tests that need Redis use only that database")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as error:
        unavailable(f"Redis is not reachable at {ENV}={redacted(url)}: {error}")
    finally:
        client.close()
    return url


def delete_keys(client: redis.Redis, prefix: str) -> int:
    """Delete the keys starting with ``prefix`` (SCAN, not KEYS, not FLUSHDB); how many."""
    deleted = 0
    batch = []
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        batch.append(key)
        if len(batch) == 500:
            deleted += client.delete(*batch)
            batch.clear()
    if batch:
        deleted += client.delete(*batch)
    return deleted


class RunScopedRedisCache(RedisCache):
    """Django's Redis cache whose ``clear()`` deletes this run's keys only.

    Django's own ``clear()`` is FLUSHDB, which would wipe every key of the database.
    """

    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        return bool(delete_keys(client, f"{self.key_prefix}:"))
