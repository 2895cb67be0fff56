"""Deleting sign-in state that can no longer be used.

Continuation tokens (``UserKey``) and pending passkey ceremonies (``PasskeyChallenge``) are
refused once expired, but their rows would stay forever: an unauthenticated caller can make
them (``login`` of a TFA account, ``forgotPassword``, ``authenticatePasskeyGenerate``), so
they are deleted periodically (Celery beat, ``accounts.tasks.purge_expired_sign_in_state``).
"""

from __future__ import annotations

from django.utils import timezone

from .models import PasskeyChallenge, UserKey
from .passkeys import CHALLENGE_LIFETIME


def purge_expired() -> dict[str, int]:
    """Delete expired continuation tokens and passkey challenges; how many of each."""
    now = timezone.now()
    keys, _ = UserKey.objects.filter(valid_until__lte=now).delete()
    challenges, _ = PasskeyChallenge.objects.filter(
        created_at__lte=now - CHALLENGE_LIFETIME
    ).delete()
    return {"continuation tokens": keys, "passkey challenges": challenges}
