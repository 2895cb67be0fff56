"""Expired sign-in state is deleted by the periodic task, and only expired state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import continuation
from accounts.models import PasskeyChallenge, UserKey
from accounts.passkeys import CHALLENGE_LIFETIME
from accounts.tasks import purge_expired_sign_in_state
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def challenge(user, purpose: str, age: timedelta) -> PasskeyChallenge:
    return PasskeyChallenge.objects.create(
        user=user,
        purpose=purpose,
        challenge=f"challenge-{age.total_seconds()}",
        rp_id="wiki.example.com",
        created_at=timezone.now() - age,
    )


def test_expired_tokens_and_challenges_are_deleted_and_live_ones_kept():
    user = UserFactory()
    live_token = continuation.issue(user, UserKey.Kind.RESET_PASSWORD)
    continuation.issue(user, UserKey.Kind.VERIFY)
    UserKey.objects.filter(kind=UserKey.Kind.VERIFY).update(valid_until=timezone.now())
    live = challenge(user, PasskeyChallenge.Purpose.LOGIN, timedelta(minutes=1))
    challenge(
        user, PasskeyChallenge.Purpose.REGISTRATION, CHALLENGE_LIFETIME + timedelta(seconds=1)
    )

    assert purge_expired_sign_in_state.apply().get() == {
        "continuation tokens": 1,
        "passkey challenges": 1,
    }

    assert continuation.consume(live_token, UserKey.Kind.RESET_PASSWORD).user_id == user.pk
    assert list(PasskeyChallenge.objects.all()) == [live]


def test_nothing_expired_deletes_nothing():
    user = UserFactory()
    continuation.issue(user, UserKey.Kind.TFA)

    assert purge_expired_sign_in_state.apply().get() == {
        "continuation tokens": 0,
        "passkey challenges": 0,
    }
    assert UserKey.objects.count() == 1
