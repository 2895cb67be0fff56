"""User types of the v2 dialect (API-v2.md §4.3), read from the domain's users (§5.7).

Profile texts come from ``meta``, preferences from ``prefs``; the ``site`` appearance is Wiki.js
2's ``""``. Only the local strategy exists, so every user's provider is ``local``.
"""

from __future__ import annotations

import graphene

from accounts import strategies, totp
from accounts.models import LOCAL_STRATEGY_ID
from accounts.models import User as UserModel
from pages.authorship import created_page_count

from .dialect import ResponseStatus
from .group_types import Group, remember_groups
from .scalars import Date

LOCAL_PROVIDER = "local"


def appearance_of(user: UserModel) -> str:
    """§5.7: the stored ``site`` is Wiki.js 2's ``""``; ``light`` and ``dark`` unchanged."""
    value = (user.prefs or {}).get("appearance") or "site"
    return "" if value == "site" else value


def _meta(key: str):
    return lambda user, info: str((user.meta or {}).get(key) or "")


def _pref(key: str):
    return lambda user, info: str((user.prefs or {}).get(key) or "")


def _local_strategy_name(info) -> str | None:
    """The local strategy's ``displayName``, read once per request."""
    request = info.context
    if not hasattr(request, "v2_local_strategy_name"):
        strategy = strategies.local_strategy()
        request.v2_local_strategy_name = strategy.display_name if strategy is not None else None
    return request.v2_local_strategy_name


class _UserRow:
    """Resolvers every v2 user type shares: the legacy id, and sign-in time by its v2 name."""

    @staticmethod
    def resolve_id(user, info):
        return user.legacy_id

    @staticmethod
    def resolve_last_login_at(user, info):
        return user.last_login


class UserMinimal(_UserRow, graphene.ObjectType):
    """A user in lists."""

    id = graphene.Int(required=True, description="Legacy user id (1 root administrator, 2 guest).")
    name = graphene.String(required=True, description="Display name.")
    email = graphene.String(required=True, description="Sign-in email.")
    provider_key = graphene.String(required=True, description="Always local.")
    is_system = graphene.Boolean(required=True, description="True for the guest user.")
    is_active = graphene.Boolean(required=True, description="Whether the account may sign in.")
    created_at = Date(required=True, description="When the account was created.")
    last_login_at = Date(description="When a session token was last issued; null if never.")

    @staticmethod
    def resolve_provider_key(user, info):
        return LOCAL_PROVIDER


class UserLastLogin(_UserRow, graphene.ObjectType):
    """A recent sign-in."""

    id = graphene.Int(required=True, description="Legacy user id.")
    name = graphene.String(required=True, description="Display name.")
    last_login_at = Date(required=True, description="When a session token was last issued.")


class _Profile:
    """The profile and preferences a user shows in ``User`` and ``UserProfile`` alike (§5.7)."""

    location = graphene.String(required=True, description="Profile location; empty if unset.")
    job_title = graphene.String(required=True, description="Profile job title; empty if unset.")
    timezone = graphene.String(required=True, description="IANA time zone name.")
    date_format = graphene.String(required=True, description="Date format; empty = site's.")
    appearance = graphene.String(required=True, description='light, dark or "" (the site\'s).')

    resolve_location = staticmethod(_meta("location"))
    resolve_job_title = staticmethod(_meta("jobTitle"))
    resolve_timezone = staticmethod(_pref("timezone"))
    resolve_date_format = staticmethod(_pref("dateFormat"))

    @staticmethod
    def resolve_appearance(user, info):
        return appearance_of(user)

    @staticmethod
    def resolve_provider_key(user, info):
        return LOCAL_PROVIDER

    @staticmethod
    def resolve_provider_name(user, info):
        return _local_strategy_name(info)


class User(_UserRow, _Profile, graphene.ObjectType):
    """A user with profile, preferences and groups."""

    id = graphene.Int(required=True, description="Legacy user id (1 root administrator, 2 guest).")
    name = graphene.String(required=True, description="Display name.")
    email = graphene.String(required=True, description="Sign-in email.")
    provider_key = graphene.String(required=True, description="Always local.")
    provider_name = graphene.String(description="The local strategy's display name.")
    provider_id = graphene.String(description="Always null.")
    provider_is_2fa_capable = graphene.Boolean(
        name="providerIs2FACapable", description="Always true (local)."
    )
    is_system = graphene.Boolean(required=True, description="True for the guest user.")
    is_active = graphene.Boolean(required=True, description="Whether the account may sign in.")
    is_verified = graphene.Boolean(required=True, description="Whether the email was verified.")
    created_at = Date(required=True, description="When the account was created.")
    updated_at = Date(required=True, description="Last change.")
    last_login_at = Date(description="When a session token was last issued; null if never.")
    tfa_is_active = graphene.Boolean(
        required=True, description="Whether a TOTP authenticator is set up and confirmed."
    )
    groups = graphene.List(Group, required=True, description="The user's groups, by name.")

    @staticmethod
    def resolve_provider_id(user, info):
        return None

    @staticmethod
    def resolve_provider_is_2fa_capable(user, info):
        return True

    @staticmethod
    def resolve_tfa_is_active(user, info):
        return totp.is_active(user, LOCAL_STRATEGY_ID)

    @staticmethod
    def resolve_groups(user, info):
        # Prefetched by the resolvers that return users (``users.single``); the groups'
        # members, when selected, then load in one query for all of them.
        return remember_groups(info, user.groups.all())


class UserProfile(_Profile, graphene.ObjectType):
    """The caller's own account."""

    id = graphene.Int(required=True, description="Legacy user id.")
    name = graphene.String(required=True, description="Display name.")
    email = graphene.String(required=True, description="Sign-in email.")
    provider_key = graphene.String(description="Always local.")
    provider_name = graphene.String(description="The local strategy's display name.")
    is_system = graphene.Boolean(required=True, description="True for the guest user.")
    is_verified = graphene.Boolean(required=True, description="Whether the email was verified.")
    created_at = Date(required=True, description="When the account was created.")
    updated_at = Date(required=True, description="Last change.")
    last_login_at = Date(description="Last sign-in; updatedAt when never signed in.")
    groups = graphene.List(graphene.String, required=True, description="Names of your groups.")
    pages_total = graphene.Int(required=True, description="How many pages you created.")

    resolve_id = staticmethod(User.resolve_id)

    @staticmethod
    def resolve_last_login_at(user, info):
        return user.last_login or user.updated_at

    @staticmethod
    def resolve_groups(user, info):
        return [group.name for group in user.groups.all()]

    @staticmethod
    def resolve_pages_total(user, info):
        return created_page_count(user.pk)


class UserResponse(graphene.ObjectType):
    response_result = graphene.Field(ResponseStatus, required=True)
    user = graphene.Field(User, description="The created user.")


class UserTokenResponse(graphene.ObjectType):
    response_result = graphene.Field(ResponseStatus, required=True)
    jwt = graphene.String(description="A fresh session token.")
