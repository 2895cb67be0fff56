"""TOTP second factor through django-otp (API.md §4.5.3, §4.5.5). PLACEHOLDER: issue 9's
TOTP work replaces this module."""

from __future__ import annotations


def second_factor_step(user, *, strategy, site):
    """Post-login step 1: a ``provideTfa`` or ``setupTfa`` result, or None to go on."""
    return None
