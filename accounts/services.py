"""Account services: system identities, administrators and user creation.

The GraphQL API, the Django admin and management commands all call these, so every way in
applies the same rules. ``caller=None`` means a trusted operator (a management command).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from django.db import IntegrityError, transaction

from wiki import outbox
from wiki.config import get_setting, is_mail_configured
from wiki.errors import DomainError, ErrorKey
from wiki.locking import key_share
from wiki.models import OutboundMail, Site

from . import scopes
from .group_checks import GroupCheck
from .mail import render_welcome_mail
from .models import LOCAL_STRATEGY_ID, USERS_GROUP_ID, AuthStrategy, Group, User
from .permissions import Caller
from .validation import check_password_length, clean_email, clean_name

logger = logging.getLogger(__name__)


# --- System identities ------------------------------------------------------------------------
def administrators_group() -> Group:
    return Group.objects.administrators()


def guest_user() -> User:
    user_id = get_setting("auth").get("guestUserId")
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise User.DoesNotExist("the guest user is missing; run manage.py migrate")
    return user


def root_admin_user() -> User | None:
    """The root administrator: API-key changes are attributed to it (API.md §1.4)."""
    return User.objects.root_admin()


def delegated_author() -> User:
    """Who content written through an API key or by an operator (caller=None) is attributed to.

    The root administrator; should it have been deleted, the longest-standing administrator.
    """
    user = root_admin_user()
    if user is None:
        user = (
            User.objects.filter(memberships__group=administrators_group(), is_system=False)
            .order_by("legacy_id")
            .first()
        )
    if user is None:
        raise DomainError(ErrorKey.INVALID_USER, "no administrator exists: run createsuperuser")
    return user


def author_for(caller: Caller | None) -> User:
    """Who a change made by ``caller`` is attributed to (API.md §1.4).

    The caller's own user; an API key, or a trusted operator (``caller=None``), writes as the
    delegated author. Resolved here, not on ``Caller``: the permission engine knows no services.
    """
    if caller is None or caller.is_api_key:
        return delegated_author()
    return caller.user


def hold_author(author: User) -> User:
    """Hold the author's row (key share) for the rest of the write's transaction.

    ``deleteUser`` locks the row it deletes FOR UPDATE, so a page write attributed to that
    user either finishes first (and its rows are then re-attributed) or waits and learns here
    that the account is gone, instead of failing at commit on the foreign key.
    """
    if not key_share(User.objects.filter(pk=author.pk).values_list("pk", flat=True).order_by()):
        raise DomainError(ErrorKey.NOT_AUTHENTICATED, "the account was deleted")
    return author


def make_administrator(user: User) -> None:
    """Add ``user`` to Administrators and Users; the first one becomes root administrator."""
    User.objects.make_administrator(user)


def local_strategy_enabled() -> bool:
    return AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID, is_enabled=True).exists()


# --- Group membership rules (API.md §3.6) -----------------------------------------------------
def check_may_change_membership(caller: Caller | None, groups: Iterable[Group]) -> None:
    """Elevated groups need manage:groups; groups holding manage:system need manage:system.

    Both refusals carry one key; the elevation is checked first (API-v2.md §3.4 words them
    apart, in this order).
    """
    if caller is None:
        return
    for group in groups:
        permissions = group.permissions or []
        if scopes.is_elevated(permissions) and not caller.has_any(scopes.MANAGE_GROUPS):
            raise DomainError(
                caller.forbidden_key,
                f"group {group.pk} is elevated",
                check=GroupCheck.ELEVATED_GROUP,
            )
        if scopes.MANAGE_SYSTEM in permissions and not caller.has_any(scopes.MANAGE_SYSTEM):
            raise DomainError(
                caller.forbidden_key,
                f"group {group.pk} holds manage:system",
                check=GroupCheck.SYSTEM_GROUP,
            )


def existing_groups(group_ids: Iterable[uuid.UUID | str | None]) -> list[Group]:
    """The groups named by ``group_ids`` (nulls ignored), or ERR_INVALID_GROUP."""
    wanted = []
    for raw in group_ids or ():
        if raw is None:
            continue
        try:
            wanted.append(uuid.UUID(str(raw)))
        except ValueError as exc:
            raise DomainError(ErrorKey.INVALID_GROUP, str(raw)) from exc
    wanted = list(dict.fromkeys(wanted))
    found = {group.pk: group for group in Group.objects.filter(pk__in=wanted)}
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise DomainError(ErrorKey.INVALID_GROUP, ", ".join(missing))
    return [found[pk] for pk in wanted]


# --- createUser (API.md §4.3.2) ---------------------------------------------------------------
@dataclass
class CreatedUser:
    user: User
    # A welcome-mail failure after the user was committed (the user stays created).
    mail_error: ErrorKey | None = None


def new_user_profile(defaults: dict | None = None) -> dict[str, dict]:
    """``meta`` and ``prefs`` of a new user: empty profile, the installation's user defaults."""
    defaults = defaults if defaults is not None else get_setting("userDefaults")
    return {
        "meta": {"jobTitle": "", "location": "", "pronouns": ""},
        "prefs": {
            "timezone": defaults["timezone"],
            "dateFormat": defaults["dateFormat"],
            "timeFormat": defaults["timeFormat"],
            "appearance": "site",
            "cvd": "none",
        },
    }


def create_user(
    caller: Caller | None,
    *,
    email: str,
    name: str,
    password_raw: str | None = None,
    password: str | None = None,
    provider_key: str | None = None,
    group_ids: Iterable[uuid.UUID | str | None] = (),
    must_change_password: bool = False,
    send_welcome_email: bool = False,
    welcome_site_id: uuid.UUID | str | None = None,
    request_site: Site | None = None,
) -> CreatedUser:
    if caller is not None:
        caller.require_any(*scopes.CREATE_USERS_ANY)
    if not _is_local_provider(provider_key) or not local_strategy_enabled():
        raise DomainError(ErrorKey.INVALID_STRATEGY, str(provider_key))
    email = clean_email(email)
    if password_raw is None and password is None:
        raise DomainError(ErrorKey.INVALID_INPUT, "passwordRaw is required")
    if password_raw is not None and password is not None and password_raw != password:
        raise DomainError(ErrorKey.INVALID_INPUT, "passwordRaw and password differ")
    secret = password_raw if password_raw is not None else password
    check_password_length(secret)
    name = clean_name(name)
    groups = existing_groups(group_ids)
    check_may_change_membership(caller, groups)
    # iexact: an address stored before normalisation (admin, fixtures) still counts (§5).
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(ErrorKey.DUPLICATE_ACCOUNT_EMAIL)
    site = None
    if send_welcome_email:
        site = Site.objects.filter(pk=welcome_site_id).first() if welcome_site_id else request_site
        if site is None:
            raise DomainError(ErrorKey.INVALID_SITE)
        if not is_mail_configured():
            raise DomainError(ErrorKey.MAIL_NOT_CONFIGURED)

    # The account and its welcome message are written in one transaction: with a broker the
    # message is queued once both are committed, so neither exists without the other (a
    # crash in between loses no mail and mails no account that is not there). A message that
    # cannot be rendered, or without a broker not sent, still leaves the account (§4.3.2):
    # that failure is caught inside the transaction, which commits the account together with
    # the outbox row marked failed, and the answer names the mail's key.
    try:
        with transaction.atomic():
            user = insert_local_user(
                email=email,
                name=name,
                password=secret,
                groups=groups,
                must_change_password=bool(must_change_password),
            )
            mail_error = _queue_welcome_mail(user, site, secret) if send_welcome_email else None
    except IntegrityError as error:
        # Foreign keys are checked at commit, which is now this block's end: a group deleted
        # by a concurrent request since the checks fails here rather than in the insert.
        _raise_lost_race(error, email, groups)
    return CreatedUser(user, mail_error)


def _queue_welcome_mail(user: User, site: Site, password: str) -> ErrorKey | None:
    """Write the welcome mail to the outbox; the key of its failure, or None."""
    try:
        message = render_welcome_mail(user, site, password)
    except Exception:
        logger.exception("welcome mail for user %s failed to render", user.pk)
        return ErrorKey.MAIL_RENDER_FAILED
    try:
        # The body holds the password: sealed while it waits, erased once sent or failed.
        outbox.enqueue(message, kind=OutboundMail.Kind.WELCOME, holds_password=True)
    except DomainError as error:
        logger.warning("welcome mail for user %s was not sent: %s", user.pk, error.detail)
        return error.key
    return None


def insert_local_user(
    *,
    email: str,
    name: str,
    password: str,
    groups: Iterable[Group] = (),
    must_change_password: bool = False,
    is_verified: bool = True,
) -> User:
    """Insert a checked local account in Users plus ``groups`` (createUser, register).

    The inputs are already validated; what is left is the race with a concurrent request
    since the checks, reported with the key it would have met had it come first.
    """
    groups = list(groups)
    try:
        with transaction.atomic():
            user = User(
                email=email,
                name=name,
                is_active=True,
                is_verified=is_verified,
                must_change_password=must_change_password,
                **new_user_profile(),
            )
            user.set_password(password)
            user.save()
            user.groups.add(USERS_GROUP_ID, *[g for g in groups if g.pk != USERS_GROUP_ID])
    except IntegrityError as error:
        _raise_lost_race(error, email, groups)
    return user


def _raise_lost_race(error: IntegrityError, email: str, groups: list[Group]) -> NoReturn:
    """Report an insert that failed because a concurrent request took the email or deleted a
    group since the checks, with the key it would have met had it come first. Anything else
    is not a foreseen condition and must not be reported as one: ``error`` is raised again."""
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(ErrorKey.DUPLICATE_ACCOUNT_EMAIL) from error
    if Group.objects.filter(pk__in=[g.pk for g in groups]).count() != len(groups):
        raise DomainError(ErrorKey.INVALID_GROUP) from error
    raise error


def _is_local_provider(provider_key: str | None) -> bool:
    """``local`` (exact), or the local strategy's id in any letter case, like UUIDs elsewhere."""
    if provider_key is None or provider_key == "local":
        return True
    return provider_key.lower() == str(LOCAL_STRATEGY_ID)
