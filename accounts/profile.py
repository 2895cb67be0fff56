"""A user's own profile, and the defaults new accounts start from (API.md §4.3.1, §4.3.2).

``updateProfile`` is self-service: only a signed-in user changes their own account, never an
API key (which has no identity) nor the guest. ``userDefaults`` is the setting of that name
(§5); ``accounts.services.new_user_profile`` copies it into every new account's ``prefs``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db import transaction

from wiki.config import get_setting, update_setting
from wiki.errors import DomainError, ErrorKey

from . import scopes
from .models import User
from .permissions import Caller
from .services import delegated_author
from .validation import clean_name, clean_preference

DEFAULTS_KEYS = ("timezone", "dateFormat", "timeFormat")
MAX_META_LENGTH = 255


@dataclass
class ProfileChanges:
    """The arguments of ``updateProfile``: ``None`` leaves a value as it is."""

    name: str | None = None
    location: str | None = None
    job_title: str | None = None
    pronouns: str | None = None
    timezone: str | None = None
    date_format: str | None = None
    time_format: str | None = None
    appearance: str | None = None
    cvd: str | None = None


# Where each argument is stored: (``meta`` or ``prefs``, key).
_META = {"location": "location", "job_title": "jobTitle", "pronouns": "pronouns"}
_PREFS = {
    "timezone": "timezone",
    "date_format": "dateFormat",
    "time_format": "timeFormat",
    "appearance": "appearance",
    "cvd": "cvd",
}


def _check_may_serve_self(user: User | None) -> User:
    if user is None:
        # Deleted since the request began: no identity left to act as.
        raise DomainError(ErrorKey.NOT_AUTHENTICATED, "the account was deleted")
    if not user.is_active:
        raise DomainError(ErrorKey.INACTIVE_USER)
    if not user.is_verified:
        raise DomainError(ErrorKey.USER_NOT_VERIFIED)
    return user


def check_own_account(caller: Caller) -> User:
    """The checks every self-service change starts with: a signed-in user (not the guest, not
    an API key) whose account is active and verified; the account read afresh."""
    caller.require_signed_in_user()
    return _check_may_serve_self(User.objects.filter(pk=caller.user.pk).first())


def own_profile(caller: Caller) -> User:
    """The account whose profile the caller reads: their own; an API key reads the root
    administrator's (the Wiki.js 2 API does, API-v2.md §1.5); the guest has none."""
    if caller.is_api_key:
        return delegated_author()
    caller.require_signed_in_user()
    user = User.objects.filter(pk=caller.user.pk).first()
    if user is None:
        raise DomainError(ErrorKey.NOT_AUTHENTICATED, "the account was deleted")
    if not user.is_active:
        raise DomainError(ErrorKey.INACTIVE_USER)
    return user


def update_profile(caller: Caller, changes: ProfileChanges) -> User:
    """Checks in contract order on the caller's locked row, then one save."""
    caller.require_signed_in_user()
    with transaction.atomic():
        user = _check_may_serve_self(
            User.objects.select_for_update().filter(pk=caller.user.pk).first()
        )
        given = {f.name: getattr(changes, f.name) for f in fields(changes)}
        given = {name: value for name, value in given.items() if value is not None}
        name = clean_name(given["name"]) if "name" in given else None
        meta = {
            _META[arg]: _clean_meta_text(given[arg], _META[arg]) for arg in _META if arg in given
        }
        prefs = {
            _PREFS[arg]: clean_preference(_PREFS[arg], _trimmed(given[arg]))
            for arg in _PREFS
            if arg in given
        }
        if name is not None:
            user.name = name
        # Stored objects may lack keys (older rows): the given ones are set, the rest kept.
        user.meta = {**(user.meta or {}), **meta}
        user.prefs = {**(user.prefs or {}), **prefs}
        user.save(update_fields=["name", "meta", "prefs", "updated_at"])
    return user


def _trimmed(value):
    return value.strip() if isinstance(value, str) else value


def _clean_meta_text(value, key: str) -> str:
    text = _trimmed(value)
    if not isinstance(text, str) or len(text) > MAX_META_LENGTH:
        raise DomainError(ErrorKey.INVALID_INPUT, f"meta.{key} is a text of 255 or fewer")
    return text


# --- userDefaults, updateUserDefaults ---------------------------------------------------------
def user_defaults(caller: Caller | None) -> dict[str, str]:
    """``userDefaults``: readable by whoever may list users."""
    if caller is not None:
        caller.require_any(*scopes.READ_USERS_ANY)
    stored = get_setting("userDefaults")
    return {key: stored[key] for key in DEFAULTS_KEYS}


def update_user_defaults(
    caller: Caller | None, *, timezone: str, date_format: str, time_format: str
) -> dict[str, str]:
    """Replace the defaults of new accounts; existing accounts keep their preferences."""
    if caller is not None:
        caller.require_any(*scopes.MANAGE_USERS_ANY)
    values = {
        "timezone": clean_preference("timezone", _trimmed(timezone)),
        "dateFormat": clean_preference("dateFormat", _trimmed(date_format)),
        "timeFormat": clean_preference("timeFormat", _trimmed(time_format)),
    }
    stored = update_setting("userDefaults", **values)
    return {key: stored[key] for key in DEFAULTS_KEYS}
