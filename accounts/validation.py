"""Input rules shared by every way of creating or changing an account (API.md §4.3)."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from wiki.errors import DomainError, ErrorKey

MIN_PASSWORD_LENGTH = 8
MIN_NAME_LENGTH = 2
MAX_NAME_LENGTH = 255
_email_validator = EmailValidator()


def clean_email(raw: str | None) -> str:
    email = (raw or "").strip().lower()
    if not email or len(email) > 255:
        raise DomainError(ErrorKey.EMAIL_ADDRESS_NOT_ALLOWED, "empty or longer than 255")
    try:
        _email_validator(email)
    except ValidationError as exc:
        raise DomainError(ErrorKey.EMAIL_ADDRESS_NOT_ALLOWED, "malformed") from exc
    return email


def name_problem(raw: str | None) -> str | None:
    """Which rule of a display name ``raw`` breaks: ``blank``, ``short``, ``long``; else None.

    Clients that name the failed rule in their messages (the Wiki.js 2 API, API-v2.md §2.8)
    ask this after ``clean_name`` refused a name, so both read the same rule.
    """
    name = (raw or "").strip()
    if not name:
        return "blank"
    if len(name) < MIN_NAME_LENGTH:
        return "short"
    if len(name) > MAX_NAME_LENGTH:
        return "long"
    return None


def clean_name(raw: str | None) -> str:
    if name_problem(raw) is not None:
        raise DomainError(ErrorKey.INVALID_INPUT, "name must be 2-255 characters")
    return (raw or "").strip()


def password_problem(password: str | None) -> str | None:
    """Which rule a new password breaks: ``blank`` (absent or empty), ``short``; else None."""
    if not password:
        return "blank"
    if len(password) < MIN_PASSWORD_LENGTH:
        return "short"
    return None


def check_password_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(ErrorKey.PASSWORD_TOO_SHORT)


def clean_label(raw: str | None, *, what: str = "name") -> str:
    """Names of groups and API keys: trimmed, 1-255 characters, no ``<``, ``>`` or ``"``."""
    value = (raw or "").strip()
    if not 1 <= len(value) <= 255 or any(ch in value for ch in '<>"'):
        raise DomainError(ErrorKey.INVALID_INPUT, f'{what} must be 1-255 characters without <>"')
    return value


# --- Date/time and display preferences (API.md §4.3) ------------------------------------------
DATE_FORMATS = frozenset({"", "DD/MM/YYYY", "DD.MM.YYYY", "MM/DD/YYYY", "YYYY-MM-DD", "YYYY/MM/DD"})
TIME_FORMATS = frozenset({"12h", "24h"})
APPEARANCES = frozenset({"site", "light", "dark"})
CVD_CHOICES = frozenset({"none", "protanopia", "deuteranopia", "tritanopia"})


@cache
def timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def preference_choices() -> dict[str, frozenset[str]]:
    """The allowed values of each ``prefs`` key (the timezone: every IANA zone name)."""
    return {
        "timezone": timezones(),
        "dateFormat": DATE_FORMATS,
        "timeFormat": TIME_FORMATS,
        "appearance": APPEARANCES,
        "cvd": CVD_CHOICES,
    }


def clean_preference(key: str, value) -> str:
    """One ``prefs`` value, exactly as stored: a text from the key's list, else invalid input."""
    if not isinstance(value, str) or value not in preference_choices()[key]:
        raise DomainError(ErrorKey.INVALID_INPUT, f"prefs.{key} is not valid")
    return value
