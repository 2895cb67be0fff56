"""Turn a request's credential into a ``Caller`` (API.md §1.2-1.4)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest

from . import tokens
from .apikeys import recognise_api_key
from .models import Group, User
from .permissions import AccessPolicy, Caller, CallerKind
from .services import guest_user


def guest_caller() -> Caller:
    guest = guest_user()
    return Caller(CallerKind.GUEST, AccessPolicy.from_groups(guest.groups.all()), user=guest)


def user_caller(user: User) -> Caller:
    return Caller(CallerKind.USER, AccessPolicy.from_groups(user.groups.all()), user=user)


def api_key_caller(api_key) -> Caller:
    groups = Group.objects.filter(pk__in=api_key.group_ids)
    return Caller(CallerKind.API_KEY, AccessPolicy.from_groups(groups), api_key=api_key)


def resolve_caller(request: HttpRequest) -> Caller:
    """The caller of ``request``.

    A missing, malformed, badly signed or expired token, or a token whose user is gone or
    inactive, makes a guest request. An API key that is valid but refused raises
    ``accounts.apikeys.KeyRejected`` so the view can answer 401/403.
    """
    token = tokens.token_from_request(request)
    if not token:
        return guest_caller()
    try:
        claims = tokens.read_token(token)
    except tokens.TokenError:
        return guest_caller()
    if "api" in claims:
        return api_key_caller(recognise_api_key(token, claims))
    user = User.objects.filter(pk=_uuid_or_none(claims.get("id")), is_active=True).first()
    if user is None or user.is_system:
        return guest_caller()
    return user_caller(user)


def _uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
