"""Turn a request's credential into a ``Caller`` (API.md §1.2-1.4).

One query per request for every kind of caller: the caller's own row (the guest user, the
signed-in user or the API key), read fresh so that deactivation and revocation count at once,
annotated with the access version (and, for keys, the API state). The policy derived from the
caller's groups comes from ``accounts.access_cache`` while that version holds; after a change
to groups or memberships a second query reads the groups again.
"""

from __future__ import annotations

import logging
import uuid

from django.http import HttpRequest

from wiki import content_version
from wiki.config import get_setting, merged_setting, stored_setting
from wiki.errors import DomainError
from wiki.prepared import PreparedRow
from wiki.text import uuid_or_none

from . import access_cache, legacy_keys, sessions, tokens
from .apikeys import recognise_api_key, recognise_legacy_api_key
from .models import GUEST_EMAIL, User
from .permissions import Caller, CallerKind

logger = logging.getLogger("accounts")

# The caller rows, each with the access version; the guest's also with the ``auth`` setting.
# Both also carry the content version, which the browser's page views need (pages.view_cache).
_ACTIVE_USER = PreparedRow(
    lambda pk: User.objects.filter(pk=pk, is_active=True).annotate(
        access_version=access_cache.version_subquery(),
        content_version=content_version.version_subquery(),
    )
)
_GUEST = PreparedRow(
    lambda pk: User.objects.filter(pk=pk).annotate(
        access_version=access_cache.version_subquery(),
        content_version=content_version.version_subquery(),
        auth_setting=stored_setting("auth"),
    )
)

# The guest user's id, learnt on the first guest request and checked against the ``auth``
# setting (read in the same query) on every later one.
_guest_id: uuid.UUID | None = None


def guest_caller() -> Caller:
    guest = _guest_row()
    policy = access_cache.policy_for_user(guest.pk, guest.access_version)
    return Caller(CallerKind.GUEST, policy, user=guest, access_version=guest.access_version)


def user_caller(user: User) -> Caller:
    """The caller for an already loaded ``user`` (the admin's ``request.user``), under the
    access version read now: an admin view that changes groups checks the next step anew."""
    return _user_caller(user, access_cache.current_version())


def request_user_caller(user: User) -> Caller:
    """The caller for the user the request's cookie names (``active_user``), under the access
    version read with their row: a read-only page view needs no query for it."""
    version = getattr(user, "access_version", None)
    if version is None:
        return user_caller(user)
    return _user_caller(user, version)


def active_user(user_id: uuid.UUID) -> User | None:
    """The active, non-system user ``user_id`` with its ``access_version``: one query."""
    user = _ACTIVE_USER.get(user_id)
    if user is None or user.is_system:
        return None
    return user


def api_key_caller(api_key) -> Caller:
    return _api_key_caller(api_key, access_cache.current_version())


def _user_caller(user: User, version: int | None) -> Caller:
    policy = access_cache.policy_for_user(user.pk, version)
    return Caller(CallerKind.USER, policy, user=user, access_version=version)


def _api_key_caller(api_key, version: int | None) -> Caller:
    policy = access_cache.policy_for_groups(api_key.group_ids, version)
    return Caller(CallerKind.API_KEY, policy, api_key=api_key, access_version=version)


def resolve_caller(request: HttpRequest, *, renew: bool = False) -> Caller:
    """The caller of ``request``.

    A missing, malformed, badly signed or expired token, or a token whose user is gone or
    inactive, makes a guest request. An API key that is valid but refused raises
    ``accounts.apikeys.KeyRejected`` so the view can answer 401/403.

    ``renew``: Wiki.js 2's rule (API-v2.md §1.3), which ``/graphql`` keeps: an expired user
    session token within the renewal window is exchanged for a fresh one, and the request runs
    as its user (``Caller.renewed_token``). ``/_graphql`` does not renew (API.md §1.3: its
    clients call ``refreshToken``).
    """
    token = tokens.token_from_request(request)
    if not token:
        return guest_caller()
    try:
        claims = tokens.read_token(token)
    except tokens.TokenExpired as error:
        renewed = _renewed_caller(token) if renew else None
        return renewed or _ignoring_token(f"it does not verify: {error}")
    except tokens.TokenError as error:
        # Not ours: perhaps an API key of an imported Wiki.js 2 installation (API-v2.md §1.3).
        if legacy_keys.api_key_claims(token) is not None:
            api_key = recognise_legacy_api_key(token)
            return _api_key_caller(api_key, api_key.access_version)
        return _ignoring_token(f"it does not verify: {error}")
    if "api" in claims:
        api_key = recognise_api_key(token, claims)
        return _api_key_caller(api_key, api_key.access_version)
    user_id = uuid_or_none(claims.get("id"))
    user = _ACTIVE_USER.get(user_id) if user_id is not None else None
    if user is None or user.is_system:
        return _ignoring_token("its user is unknown or deactivated")
    return _user_caller(user, user.access_version)


def _renewed_caller(token: str) -> Caller | None:
    """The caller of an expired session token renewed now, or None when it cannot be.

    The checks are ``refreshToken``'s (``sessions.renewable_session``: within
    ``auth.tokenRenewal`` of its expiry, a session and not an API key, its user existing, not a
    system account, active). The new token is a sign-in like any other: it updates
    ``lastLoginAt`` and keeps the ways the session was signed in to (``amr``).
    """
    try:
        user, methods = sessions.renewable_session(token)
    except DomainError as refusal:
        logger.info("expired token not renewed: %s", refusal.key.value)
        return None
    caller = user_caller(user)
    caller.renewed_token = sessions.start_session(user, methods=methods)
    return caller


def _ignoring_token(reason: str) -> Caller:
    """A guest caller for a request whose token did not count, and a log line saying why.

    The contract makes such a request a guest one; the reason is kept on the caller so that
    the answer can hint at it (``WWW-Authenticate``), and logged for whoever pasted the token.
    """
    logger.info("token ignored, request runs as guest: %s", reason)
    caller = guest_caller()
    caller.ignored_token = reason
    return caller


def _guest_row() -> User:
    """The guest user, annotated with the access version: one query once the id is known."""
    global _guest_id
    if _guest_id is not None:
        guest = _GUEST.get(_guest_id)
    else:
        # The first guest request of this process: the guest the installation created, by
        # its fixed address, checked against the setting that names it (same query).
        guest = (
            User.objects.filter(email=GUEST_EMAIL, is_system=True)
            .annotate(
                access_version=access_cache.version_subquery(),
                content_version=content_version.version_subquery(),
                auth_setting=stored_setting("auth"),
            )
            .order_by()
            .first()
        )
    if guest is None or _guest_id_in(merged_setting("auth", guest.auth_setting)) != guest.pk:
        # The setting names another guest: follow it.
        guest_id = _guest_id_in(get_setting("auth"))
        guest = _GUEST.get(guest_id) if guest_id is not None else None
        if guest is None:
            raise User.DoesNotExist("the guest user is missing; run manage.py migrate")
    _guest_id = guest.pk
    return guest


def _guest_id_in(auth: dict) -> uuid.UUID | None:
    return uuid_or_none(auth.get("guestUserId"))
