"""Rate limits of the sign-in mutations (API.md §1.5), counted in Django's cache.

Every call of a limited field counts once, whatever carries it: an HTTP request with six
aliases of ``login`` is six calls. Calls are counted per client address and, when the service
knows it, per account (a lowercased email or a user id), each in its own counter; either one
over its limit refuses the call. The cache is Redis in production, so every worker process
sees the same counters.

The window slides in 10-second buckets: a call is counted in the bucket of its time and the
last seven buckets are summed, so a call weighs for at least 60 and at most 70 seconds. Five
calls at 0:59 and five more at 1:01 therefore do not all pass, as they would with a fixed
minute. Each bucket is one cache integer, raised with ``add`` + ``incr`` (atomic on Redis and
in the local-memory cache); a refused call takes its increment back, so a client that keeps
knocking is told the same retry time instead of locking itself out for longer.

Redis down does not stop anyone from signing in: a call that cannot reach the cache is counted
in the process's own memory instead (a WARNING says so), and for the next
``FALLBACK_SECONDS`` the process does not try Redis again, so that each call does not wait
out a connection attempt. Meanwhile every process counts for itself, as without Redis at all:
the limits still hold, per process. Counting picks up in Redis again once it answers (the calls
counted in memory meanwhile are not carried over).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time

import redis
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

LIMITS: dict[str, int] = {
    "login": 5,
    "loginTFA": 5,
    "register": 5,
    "changePassword": 5,
    "authenticatePasskeyGenerate": 5,
    "authenticatePasskeyVerify": 5,
    "forgotPassword": 3,
    "refreshToken": 30,
}
WINDOW_SECONDS = 60
BUCKET_SECONDS = 10
# The current bucket and the six before it: a call counts for 60 to 70 seconds.
BUCKETS = WINDOW_SECONDS // BUCKET_SECONDS + 1
KEY_PREFIX = "ratelimit"

# What a cache that cannot be reached raises (Django's Redis cache lets redis-py's errors out).
CACHE_DOWN_ERRORS = (redis.RedisError, OSError)
# Seconds the process counts in memory after the shared cache failed, before trying it again.
FALLBACK_SECONDS = 5.0
# The process's own counters while the shared cache is down.
_local_counters = LocMemCache("wiki-rate-limits-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
_shared_down_until = 0.0
_shared_lock = threading.Lock()


class RateLimited(Exception):  # noqa: N818 - the name the services and the API agree on
    """Too many calls of one field; ``retry_after`` seconds (at least 1) until the next may pass."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"Too many requests, please retry in {self.retry_after} seconds.")


def _now() -> float:
    return time.time()


def _counter_key(field_name: str, subject: str, value: str, bucket: int) -> str:
    # Hashed: addresses and emails are client input, and memcached-style keys allow no spaces
    # or control characters (Django warns about them on every backend).
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{KEY_PREFIX}:{field_name}:{subject}:{digest}:{bucket}"


def _raise_bucket(store: BaseCache, key: str) -> None:
    timeout = (BUCKETS + 1) * BUCKET_SECONDS
    store.add(key, 0, timeout=timeout)
    try:
        store.incr(key)
    except ValueError:
        # The key expired between add and incr (only at a bucket's very end): start it again.
        if not store.add(key, 1, timeout=timeout):
            store.incr(key)


def _undo(store: BaseCache, key: str) -> None:
    try:
        store.decr(key)
    except ValueError:
        pass  # expired meanwhile: nothing left to take back


def _counters() -> BaseCache:
    """The shared cache, or the process's memory while the shared one is known to be down."""
    return _local_counters if time.monotonic() < _shared_down_until else cache


def _shared_cache_failed(error: Exception) -> None:
    global _shared_down_until
    with _shared_lock:
        _shared_down_until = time.monotonic() + FALLBACK_SECONDS
    logger.warning(
        "rate limits: the cache cannot be reached (%s: %s); counting in this process's memory "
        "for the next %.0f s",
        type(error).__name__,
        error,
        FALLBACK_SECONDS,
    )


def _retry_after(counts: list[int], first_bucket: int, limit: int, now: float) -> int:
    """Seconds until the buckets still counting hold fewer than ``limit`` calls."""
    remaining = sum(counts)
    expires_at = now
    for offset, count in enumerate(counts):
        if remaining < limit:
            break
        remaining -= count
        expires_at = (first_bucket + offset + BUCKETS) * BUCKET_SECONDS
    return max(1, math.ceil(expires_at - now))


def hit(field_name: str, *, client_address: str, account: str | None = None) -> None:
    """Count one call of ``field_name``; raise ``RateLimited`` when it is one too many.

    ``client_address`` comes from ``wiki.clients.client_address``; ``account`` (an email,
    compared lowercased, or a user id) adds a counter shared by every address.
    """
    limit = LIMITS[field_name]
    subjects = [("address", str(client_address or "unknown"))]
    if account:
        subjects.append(("account", str(account).strip().lower()))
    store = _counters()
    try:
        _count(store, field_name, limit, subjects)
    except CACHE_DOWN_ERRORS as error:
        if store is _local_counters:
            raise
        _shared_cache_failed(error)
        _count(_local_counters, field_name, limit, subjects)


def _count(store: BaseCache, field_name: str, limit: int, subjects: list[tuple[str, str]]) -> None:
    now = _now()
    bucket = int(now // BUCKET_SECONDS)
    first = bucket - BUCKETS + 1
    current = [_counter_key(field_name, s, v, bucket) for s, v in subjects]
    for key in current:
        _raise_bucket(store, key)
    waits = []
    for subject, value in subjects:
        keys = [_counter_key(field_name, subject, value, b) for b in range(first, bucket + 1)]
        found = store.get_many(keys)
        counts = [int(found.get(key) or 0) for key in keys]
        if sum(counts) > limit:
            counts[-1] -= 1  # this call does not stand
            waits.append(_retry_after(counts, first, limit, now))
    if waits:
        for key in current:
            _undo(store, key)
        raise RateLimited(max(waits))
