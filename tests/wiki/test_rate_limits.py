"""The rate limiter (API.md §1.5): limits per field, the sliding window, per address and per
account, retry times, cache keys; on the local-memory cache and on Redis."""

import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from tests.redis_support import delete_keys, redis_url
from wiki import rate_limits
from wiki.clients import client_address
from wiki.rate_limits import RateLimited, hit

START = 1_000_000_020.0  # a bucket boundary: 10-second buckets start at multiples of 10


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(rate_limits, "_now", clock)
    return clock


@pytest.fixture
def local_cache(monkeypatch):
    cache = LocMemCache(f"rate-limit-test-{uuid.uuid4().hex}", {})
    monkeypatch.setattr(rate_limits, "cache", cache)
    return cache


@pytest.fixture
def redis_cache(monkeypatch):
    url = redis_url()
    prefix = f"wiki-test-ratelimit-{uuid.uuid4().hex[:12]}"
    cache = RedisCache(url, {"KEY_PREFIX": prefix})
    monkeypatch.setattr(rate_limits, "cache", cache)
    yield cache
    client = cache._cache.get_client(None, write=True)
    delete_keys(client, f"{prefix}:")
    client.connection_pool.disconnect()


@pytest.fixture(params=["local", "redis"])
def backend(request):
    return request.getfixturevalue(f"{request.param}_cache")


def calls_until_refused(field: str, *, limit: int = 100, **who) -> int:
    for n in range(1, limit + 1):
        try:
            hit(field, **who)
        except RateLimited:
            return n
    raise AssertionError(f"{field} was never refused")


@pytest.mark.parametrize(
    ("field", "allowed"),
    [
        ("login", 5),
        ("loginTFA", 5),
        ("register", 5),
        ("changePassword", 5),
        ("authenticatePasskeyGenerate", 5),
        ("authenticatePasskeyVerify", 5),
        ("forgotPassword", 3),
        ("refreshToken", 30),
    ],
)
def test_each_field_allows_its_limit_per_minute(backend, clock, field, allowed):
    assert calls_until_refused(field, client_address="203.0.113.7") == allowed + 1


def test_the_refusal_says_when_to_retry(backend, clock):
    for _ in range(5):
        hit("login", client_address="203.0.113.7")
    clock.now += 15

    with pytest.raises(RateLimited) as refused:
        hit("login", client_address="203.0.113.7")

    # The first five fell in the bucket [START, START+10), counted until START+70.
    assert refused.value.retry_after == 55
    assert str(refused.value) == "Too many requests, please retry in 55 seconds."


def test_retry_after_is_when_enough_calls_have_left_the_window(backend, clock):
    for _ in range(2):
        hit("login", client_address="203.0.113.7")
    clock.now += 20
    for _ in range(3):
        hit("login", client_address="203.0.113.7")
    clock.now += 5

    with pytest.raises(RateLimited) as refused:
        hit("login", client_address="203.0.113.7")

    # The two oldest calls leave at START+70: then three count, and two more may pass.
    assert refused.value.retry_after == 45
    clock.now = START + 69.5
    with pytest.raises(RateLimited) as refused:
        hit("login", client_address="203.0.113.7")
    assert refused.value.retry_after == 1
    clock.now = START + 70
    hit("login", client_address="203.0.113.7")
    hit("login", client_address="203.0.113.7")
    with pytest.raises(RateLimited) as refused:
        hit("login", client_address="203.0.113.7")
    # Now the three of START+20 are the oldest: they leave at START+90.
    assert refused.value.retry_after == 20


def test_the_window_slides_across_the_minute(backend, clock):
    """Five at 0:59 and five at 1:01 are not ten allowed calls."""
    clock.now = START + 59
    for _ in range(5):
        hit("login", client_address="203.0.113.7")
    clock.now = START + 61

    with pytest.raises(RateLimited):
        hit("login", client_address="203.0.113.7")


def test_a_call_counts_for_at_least_a_minute(backend, clock):
    clock.now = START + 9.9  # the end of a bucket
    for _ in range(5):
        hit("login", client_address="203.0.113.7")
    clock.now = START + 9.9 + 60

    with pytest.raises(RateLimited) as refused:
        hit("login", client_address="203.0.113.7")
    assert refused.value.retry_after == 1

    clock.now = START + 70
    hit("login", client_address="203.0.113.7")


def test_refused_calls_do_not_push_the_retry_time_back(backend, clock):
    for _ in range(5):
        hit("login", client_address="203.0.113.7")
    for _ in range(20):
        clock.now += 1
        with pytest.raises(RateLimited):
            hit("login", client_address="203.0.113.7")

    clock.now = START + 70
    for _ in range(5):
        hit("login", client_address="203.0.113.7")


def test_fields_are_counted_apart(backend, clock):
    for _ in range(5):
        hit("login", client_address="203.0.113.7")

    hit("loginTFA", client_address="203.0.113.7")
    hit("register", client_address="203.0.113.7")
    with pytest.raises(RateLimited):
        hit("login", client_address="203.0.113.7")


def test_addresses_are_counted_apart(backend, clock):
    for _ in range(5):
        hit("login", client_address="203.0.113.7")

    hit("login", client_address="203.0.113.8")
    with pytest.raises(RateLimited):
        hit("login", client_address="203.0.113.7")


def test_an_account_is_limited_across_addresses(backend, clock):
    for n in range(5):
        hit("login", client_address=f"203.0.113.{n}", account="Jane@Example.com")

    with pytest.raises(RateLimited):
        hit("login", client_address="198.51.100.1", account="jane@example.com")
    # The refused call did not count against its address.
    for _ in range(5):
        hit("login", client_address="198.51.100.1", account="other@example.com")


def test_an_address_is_limited_across_accounts(backend, clock):
    for n in range(3):
        hit("forgotPassword", client_address="203.0.113.7", account=f"user{n}@example.com")

    with pytest.raises(RateLimited):
        hit("forgotPassword", client_address="203.0.113.7", account="fresh@example.com")
    # The refused call did not count against the fresh account either.
    for n in range(3):
        hit("forgotPassword", client_address=f"198.51.100.{n}", account="fresh@example.com")


def test_an_unknown_field_is_a_programming_error(local_cache, clock):
    with pytest.raises(KeyError):
        hit("pages", client_address="203.0.113.7")


def test_keys_hold_no_client_input(local_cache, clock):
    hostile = "x\n y:{}" + "é" * 300
    for _ in range(3):
        hit("forgotPassword", client_address=hostile, account=hostile)

    keys = [key.split(":", 2)[2] for key in local_cache._cache]
    assert len(keys) == 2
    for key in keys:
        assert len(key) < 100
        assert key.isascii()
        assert " " not in key
        assert "\n" not in key
        assert "é" not in key
    with pytest.raises(RateLimited):
        hit("forgotPassword", client_address=hostile, account=hostile)


def test_counters_live_in_the_configured_cache(clock):
    """Django's default cache (the test Redis database when TEST_REDIS_URL is set)."""
    for _ in range(5):
        hit("login", client_address="203.0.113.7")
    with pytest.raises(RateLimited):
        hit("login", client_address="203.0.113.7")

    caches["default"].clear()

    hit("login", client_address="203.0.113.7")


# --- The client address -----------------------------------------------------------------------
def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/_graphql", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request_from("203.0.113.7", "198.51.100.9")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.9", "198.51.100.9"),
        # A client's own claim stays left of what the trusted proxy appended.
        (1, "1.2.3.4, 198.51.100.9", "198.51.100.9"),
        (2, "1.2.3.4, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
        # Fewer entries than proxies: the leftmost one was still written by a trusted proxy.
        (3, "198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (1, "  2001:DB8::1 ", "2001:db8::1"),
        # Not an address: fall back to the connection's.
        (1, "1.2.3.4, garbage", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_behind_trusted_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request_from("10.0.0.1", forwarded)) == expected


def test_a_request_without_an_address():
    request = RequestFactory().post("/_graphql")
    request.META.pop("REMOTE_ADDR", None)
    assert client_address(request) == "unknown"
