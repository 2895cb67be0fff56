"""Rate limits through the API (API.md §1.5): the refusal is a GraphQL error in ``errors[]``
with the field's data null, every call counts (aliases too), and the counters are shared
through the configured cache (Redis when TEST_REDIS_URL is set)."""

import pytest
import redis
from django.core import mail
from django.core.cache import caches

from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, User
from accounts.sessions import start_session
from tests.factories import UserFactory
from tests.redis_support import RunScopedRedisCache, redis_url
from wiki import rate_limits
from wiki.models import Site

REGISTER = """
mutation Register($email: String!) {
  register(email: $email, password: "Correct-Horse-9", name: "Jane Doe") {
    operation { succeeded slug message }
    jwt
  }
}
"""
FORGOT = """
mutation Forgot($email: String!) {
  forgotPassword(email: $email) { operation { succeeded slug message } }
}
"""
RETRY_MESSAGE = r"Too many requests, please retry in (\d+) seconds\."


@pytest.fixture
def open_registration(db):
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(
        registration=True, config={"emailValidation": False}
    )


@pytest.fixture
def frozen_clock(monkeypatch):
    """A fixed time in the middle of a bucket, so a test never straddles a bucket's end."""
    monkeypatch.setattr(rate_limits, "_now", lambda: 1_000_000_025.0)


def assert_rate_limited(response, field: str, retry_after: int) -> None:
    assert response.status == 200
    assert response.data == {field: None}
    (error,) = response.errors
    assert error["message"] == f"Too many requests, please retry in {retry_after} seconds."
    assert error["path"] == [field]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry_after}


@pytest.mark.django_db
def test_the_sixth_register_in_a_minute_is_refused(anonymous, open_registration, frozen_clock):
    for n in range(5):
        response = anonymous(REGISTER, {"email": f"user{n}@example.com"})
        assert response.data["register"]["operation"]["succeeded"] is True

    response = anonymous(REGISTER, {"email": "user5@example.com"})

    # The five calls fell in the bucket starting at ...020: counted until ...090.
    assert_rate_limited(response, "register", 65)
    assert not User.objects.filter(email="user5@example.com").exists()


@pytest.mark.django_db
def test_refused_calls_count_whatever_their_outcome(anonymous, open_registration, frozen_clock):
    """Failed registrations count as much as successful ones."""
    for _ in range(5):
        response = anonymous(REGISTER, {"email": "not an email"})
        assert response.data["register"]["operation"]["slug"] == "ERR_EMAIL_ADDRESS_NOT_ALLOWED"

    assert_rate_limited(anonymous(REGISTER, {"email": "jane@example.com"}), "register", 65)


@pytest.mark.django_db
def test_six_aliases_in_one_request(anonymous, open_registration, frozen_clock):
    aliases = "\n".join(
        f'r{n}: register(email: "user{n}@example.com", password: "Correct-Horse-9", '
        f'name: "User {n}") {{ operation {{ succeeded slug }} }}'
        for n in range(6)
    )

    response = anonymous(f"mutation {{ {aliases} }}")

    assert response.status == 200
    assert [response.data[f"r{n}"] for n in range(5)] == [
        {"operation": {"succeeded": True, "slug": "ok"}}
    ] * 5
    assert response.data["r5"] is None
    (error,) = response.errors
    assert error["path"] == ["r5"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 65}
    assert User.objects.filter(email__startswith="user").count() == 5


@pytest.mark.django_db
def test_the_limit_is_per_client_address(anonymous, open_registration, frozen_clock):
    for n in range(5):
        anonymous(REGISTER, {"email": f"user{n}@example.com"})

    response = anonymous(REGISTER, {"email": "other@example.com"}, REMOTE_ADDR="198.51.100.4")

    assert response.data["register"]["operation"]["succeeded"] is True


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_reset_the_count(
    anonymous, open_registration, frozen_clock, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        anonymous(REGISTER, {"email": f"user{n}@example.com"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    response = anonymous(REGISTER, {"email": "x@example.com"}, HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert_rate_limited(response, "register", 65)


@pytest.mark.django_db
def test_behind_a_trusted_proxy_clients_are_told_apart(
    anonymous, open_registration, frozen_clock, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        anonymous(REGISTER, {"email": f"user{n}@example.com"}, HTTP_X_FORWARDED_FOR="203.0.113.1")

    refused = anonymous(REGISTER, {"email": "a@example.com"}, HTTP_X_FORWARDED_FOR="203.0.113.1")
    other = anonymous(REGISTER, {"email": "b@example.com"}, HTTP_X_FORWARDED_FOR="203.0.113.2")
    # A client's own claim left of the proxy's entry changes nothing.
    spoofed = anonymous(
        REGISTER, {"email": "c@example.com"}, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.1"
    )

    assert_rate_limited(refused, "register", 65)
    assert other.data["register"]["operation"]["succeeded"] is True
    assert_rate_limited(spoofed, "register", 65)


@pytest.mark.django_db
def test_the_fourth_forgot_password_is_refused(anonymous, mail_configured, frozen_clock):
    UserFactory(email="jane@example.com")
    for _ in range(3):
        response = anonymous(FORGOT, {"email": "jane@example.com"})
        assert response.data["forgotPassword"]["operation"]["succeeded"] is True

    response = anonymous(FORGOT, {"email": "jane@example.com"})

    assert_rate_limited(response, "forgotPassword", 65)
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_forgot_password_is_limited_per_email_across_addresses(
    anonymous, mail_configured, frozen_clock
):
    UserFactory(email="jane@example.com")
    for n in range(3):
        anonymous(FORGOT, {"email": "Jane@Example.com"}, REMOTE_ADDR=f"198.51.100.{n}")

    response = anonymous(FORGOT, {"email": "jane@example.com"}, REMOTE_ADDR="203.0.113.50")

    assert_rate_limited(response, "forgotPassword", 65)
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_forgot_password_is_limited_per_address_across_emails(
    anonymous, mail_configured, frozen_clock
):
    for n in range(3):
        anonymous(FORGOT, {"email": f"nobody{n}@example.com"})

    response = anonymous(FORGOT, {"email": "someone@example.com"})

    assert_rate_limited(response, "forgotPassword", 65)


@pytest.mark.django_db
def test_limits_of_different_fields_do_not_mix(
    anonymous, open_registration, mail_configured, frozen_clock
):
    for n in range(5):
        anonymous(REGISTER, {"email": f"user{n}@example.com"})

    response = anonymous(FORGOT, {"email": "user0@example.com"})

    assert response.data["forgotPassword"]["operation"]["succeeded"] is True


@pytest.mark.django_db
def test_counters_are_kept_in_redis(anonymous, open_registration, frozen_clock):
    """With TEST_REDIS_URL the configured cache is Redis: the counters live there, where
    every worker process sees them."""
    url = redis_url()
    cache = caches["default"]
    assert isinstance(cache, RunScopedRedisCache)
    for n in range(5):
        anonymous(REGISTER, {"email": f"user{n}@example.com"})

    client = redis.Redis.from_url(url)
    try:
        keys = [k.decode() for k in client.scan_iter(match=f"{cache.key_prefix}:*ratelimit:*")]
        values = [int(client.get(key)) for key in keys]
    finally:
        client.close()
    assert len(keys) == 1
    assert ":ratelimit:register:address:" in keys[0]
    assert values == [5]
    assert_rate_limited(anonymous(REGISTER, {"email": "x@example.com"}), "register", 65)


@pytest.mark.django_db
def test_a_refusal_raised_by_any_resolver_reads_the_same(anonymous, monkeypatch):
    """Not only mutations built on WikiMutation: the error formatter knows the refusal too."""
    from api.accounts import strategy_queries

    def refuse(*args, **kwargs):
        raise rate_limits.RateLimited(7)

    monkeypatch.setattr(strategy_queries, "site_strategies", refuse)
    response = anonymous(
        "query ($id: UUID!) { authSiteStrategies(siteId: $id) { id } }",
        {"id": "7d7a3a57-1f0e-4b7e-8f44-0a3e5b2d9c11"},
    )

    assert_rate_limited(response, "authSiteStrategies", 7)


@pytest.mark.django_db
def test_an_unreachable_cache_counts_in_process_memory(
    anonymous, open_registration, frozen_clock, monkeypatch
):
    """Redis down does not stop sign-up (issue 12, faults): the calls are counted in the
    process's memory instead, and the limit still holds there."""

    class Down:
        def add(self, *args, **kwargs):
            raise redis.ConnectionError("cache is down")

    monkeypatch.setattr(rate_limits, "cache", Down())
    monkeypatch.setattr(rate_limits, "_shared_down_until", 0.0)
    rate_limits._local_counters.clear()

    response = anonymous(REGISTER, {"email": "jane@example.com"})

    assert response.data["register"]["operation"]["succeeded"] is True
    assert User.objects.filter(email="jane@example.com").exists()
    for n in range(4):
        anonymous(REGISTER, {"email": f"jane{n}@example.com"})
    assert_rate_limited(anonymous(REGISTER, {"email": "sixth@example.com"}), "register", 65)
    assert not User.objects.filter(email="sixth@example.com").exists()
    rate_limits._local_counters.clear()


REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(token: $token) { operation { succeeded slug } jwt }
}
"""


@pytest.mark.django_db
def test_the_thirty_first_refresh_in_a_minute_is_refused(anonymous, frozen_clock):
    token = start_session(UserFactory(), methods=("pwd",))
    for _ in range(30):
        response = anonymous(REFRESH, {"token": token})
        assert response.data["refreshToken"]["operation"]["succeeded"] is True

    assert_rate_limited(anonymous(REFRESH, {"token": token}), "refreshToken", 65)


@pytest.mark.django_db
def test_six_login_aliases_in_one_request(anonymous, frozen_clock):
    """The issue's case: the 6th login in a minute is refused, also as aliases of one request."""
    UserFactory(email="pat@example.com")
    site_id = Site.objects.get(hostname="*").pk
    aliases = " ".join(
        f'l{n}: login(username: "pat@example.com", password: "wrong-{n}", '
        f'strategyId: "{LOCAL_STRATEGY_ID}", siteId: "{site_id}") {{ operation {{ slug }} jwt }}'
        for n in range(6)
    )

    response = anonymous(f"mutation {{ {aliases} }}")

    assert [response.data[f"l{n}"] for n in range(5)] == [
        {"operation": {"slug": "ERR_LOGIN_FAILED"}, "jwt": None}
    ] * 5
    assert response.data["l5"] is None
    (error,) = response.errors
    assert error["path"] == ["l5"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 65}
