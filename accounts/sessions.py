"""Starting a signed-in session: a session token, and ``lastLoginAt`` (API.md §1.3)."""

from __future__ import annotations

from django.utils import timezone

from . import tokens
from .models import User


def start_session(user: User) -> str:
    """A fresh session token for ``user``; every issuance updates ``lastLoginAt``."""
    token = tokens.issue_session_token(user)
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=now)
    user.last_login = now
    return token
