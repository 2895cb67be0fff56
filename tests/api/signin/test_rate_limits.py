"""The sign-in services count their attempts (API.md §1.5: 5 a minute per address and account).

Counted by ``wiki.rate_limits`` for real here; how a refusal reads in GraphQL is that
module's and the API core's business. A refused attempt checks nothing and spends nothing.
"""

import pytest
from django.core.cache import cache

from accounts import signin
from accounts.models import LOCAL_STRATEGY_ID, UserKey
from accounts.permissions import Caller, CallerKind
from tests.factories import UserFactory, default_site
from wiki import rate_limits
from wiki.errors import DomainError

from .support import PASSWORD, give_totp, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rate_hits():
    """Overrides the recording fixture of conftest.py: these tests count for real."""
    cache.clear()
    yield []
    cache.clear()


def attempt_login(email: str, address: str, password: str = "wrong-password") -> str:
    try:
        signin.login(
            email=email,
            password=password,
            strategy_id=LOCAL_STRATEGY_ID,
            site_id=default_site().pk,
            client_address=address,
        )
    except DomainError as error:
        return error.key.value
    return "ok"


def test_the_sixth_login_from_one_address_is_refused():
    for n in range(5):
        assert attempt_login(f"someone{n}@example.com", "203.0.113.9") == "ERR_LOGIN_FAILED"

    with pytest.raises(rate_limits.RateLimited) as refusal:
        attempt_login("someone5@example.com", "203.0.113.9")

    # A call counts for 60 to 70 seconds (wiki/rate_limits.py: sliding 10-second buckets).
    assert 0 < refusal.value.retry_after <= 70
    assert attempt_login("someone5@example.com", "203.0.113.10") == "ERR_LOGIN_FAILED"


def test_the_sixth_login_to_one_account_is_refused_whatever_the_address():
    UserFactory(email="target@example.com")
    for n in range(5):
        assert attempt_login("TARGET@example.com", f"203.0.113.{n}") == "ERR_LOGIN_FAILED"

    # Even the right password: the attempt is not looked at.
    with pytest.raises(rate_limits.RateLimited):
        attempt_login("target@example.com", "203.0.113.99", PASSWORD)


def test_a_refused_login_tfa_does_not_spend_its_token():
    user = UserFactory(email="tfa-limit@example.com")
    give_totp(user)
    for _ in range(5):
        with pytest.raises(DomainError):
            signin.login_tfa(
                continuation_token=token_for(user, UserKey.Kind.TFA),
                security_code="12345",
                strategy_id=LOCAL_STRATEGY_ID,
                site_id=None,
                setup=False,
                client_address="203.0.113.20",
            )
    token = token_for(user, UserKey.Kind.TFA)

    with pytest.raises(rate_limits.RateLimited):
        signin.login_tfa(
            continuation_token=token,
            security_code="123456",
            strategy_id=LOCAL_STRATEGY_ID,
            site_id=None,
            setup=False,
            client_address="203.0.113.21",  # another address: the account's count refuses it
        )

    assert UserKey.objects.filter(user=user).count() == 6


def test_the_sixth_password_change_is_refused():
    user = UserFactory(email="change-limit@example.com")
    caller = Caller(kind=CallerKind.USER, policy=None, user=user)

    def attempt():
        signin.change_own_password(
            caller,
            current_password="wrong-password",
            new_password="Another-123",
            strategy_id=LOCAL_STRATEGY_ID,
            client_address="203.0.113.30",
        )

    for _ in range(5):
        with pytest.raises(DomainError):
            attempt()
    with pytest.raises(rate_limits.RateLimited):
        attempt()
