"""What a sign-in step answers (``AuthenticationAuthResponse`` without ``operation``).

Kept apart from ``accounts.signin`` so that the steps it calls (``accounts.totp``) can build
results without importing the module that calls them; ``accounts.signin`` re-exports both.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .models import User


class NextAction(StrEnum):
    CHANGE_PASSWORD = "changePassword"  # noqa: S105 - an action name
    SETUP_TFA = "setupTfa"
    PROVIDE_TFA = "provideTfa"
    REDIRECT = "redirect"


@dataclass
class SignInResult:
    """What ``AuthenticationAuthResponse`` carries besides ``operation``."""

    user: User | None = None
    next_action: NextAction | None = None
    jwt: str | None = None
    continuation_token: str | None = None
    redirect: str | None = None
    tfa_qr_image: str | None = None
