"""The ``authentication`` namespace (API-v2.md §3.5): API keys, strategies, sign-in.

Adapters onto the services /_graphql calls (``accounts.apikeys``, ``accounts.signin``,
``accounts.registration``, ``accounts.strategy_listing``). The public sign-in operations are
rate-limited inside those services, per domain operation (§1.7): a ``login`` here and one on
/_graphql spend the same budget, and ``RateLimited`` escapes the resolvers as a G error.
"""

from __future__ import annotations

import uuid

import graphene

from accounts import apikeys, registration, scopes, signin
from accounts.models import LOCAL_STRATEGY_ID, ApiKey, Group
from accounts.services import administrators_group
from accounts.strategy_listing import active_strategies, auto_enroll_group_ids
from wiki.errors import DomainError, ErrorKey
from wiki.sites import site_for_request

from ..core.context import client_address, selected_fields
from .auth_types import (
    LOCAL_MODULE,
    ActiveStrategy,
    AuthenticationActiveStrategy,
    AuthenticationApiKey,
    AuthenticationCreateApiKeyResponse,
    AuthenticationLoginResponse,
    AuthenticationRegisterResponse,
    AuthenticationStrategy,
    login_payload,
)
from .dialect import (
    AUTH_GENERIC,
    AUTH_REGISTRATION_DOMAIN_UNAUTHORIZED,
    INPUT_INVALID,
    DefaultResponse,
    V2Error,
    raising,
    reporting,
)
from .gates import SYSTEM, gate

API_GATE = (SYSTEM, scopes.MANAGE_API)

# createApiKey's refusals that Wiki.js 2 has no class for (§2.7; the elevation message is the
# contract's own).
ELEVATION_REFUSED = "You are not authorized to create an API key with an administrative group."
INVALID_GROUP = "Invalid Group ID"
CREATE_KEY_RENDERING = {
    ErrorKey.INVALID_GROUP: INVALID_GROUP,
    ErrorKey.FORBIDDEN: ELEVATION_REFUSED,
    ErrorKey.NOT_AUTHENTICATED: ELEVATION_REFUSED,
}
# A group id that names no group: the domain answers ERR_INVALID_GROUP for it in its own turn
# (after the name and the expiration are checked).
NO_GROUP = uuid.UUID(int=0)

PASSWORD_TOO_SHORT = "Password must be at least 8 characters!"  # noqa: S105 - a message


def _site_id(info) -> uuid.UUID | None:
    """The request's site (None when no site serves it: the domain then fails generically)."""
    site = site_for_request(info.context)
    return site.pk if site is not None else None


def _login_strategy_id(strategy: str) -> uuid.UUID | None:
    """``local`` or the local strategy's id; anything else names no strategy (the domain then
    answers ERR_INVALID_STRATEGY, after counting the attempt)."""
    if strategy == LOCAL_MODULE.key:
        return LOCAL_STRATEGY_ID
    try:
        given = uuid.UUID(strategy)
    except ValueError:
        return None
    return given if given == LOCAL_STRATEGY_ID else None


def _key_groups(full_access: bool, group: int | None) -> list:
    """What ``createApiKey`` embeds (§5.3): Administrators, or the group of legacy id ``group``.

    No group (or an id below 1) is no group at all: the domain answers ERR_INVALID_INPUT.
    """
    if full_access:
        return [administrators_group().pk]
    if group is None or group < 1:
        return []
    found = Group.objects.filter(legacy_id=group).values_list("pk", flat=True).first()
    return [found or NO_GROUP]


class AuthenticationQuery(graphene.ObjectType):
    api_keys = graphene.List(
        AuthenticationApiKey,
        description="All API keys, non-revoked first, then by name. "
        "Gate: manage:system, manage:api.",
    )
    api_state = graphene.Boolean(
        required=True,
        description="Whether API keys are accepted. Gate: manage:system, manage:api.",
    )
    strategies = graphene.List(
        AuthenticationStrategy,
        description="The strategy modules this server implements (local). Gate: manage:system.",
    )
    active_strategies = graphene.List(
        AuthenticationActiveStrategy,
        enabled_only=graphene.Boolean(description="Only enabled strategies (default false)."),
        description="The configured strategies (the local one). No gate; their settings "
        "fields are gated.",
    )

    @staticmethod
    @raising(generic=AUTH_GENERIC)
    def resolve_api_keys(root, info) -> list[ApiKey]:
        return list(apikeys.list_api_keys(gate(info, *API_GATE)))

    @staticmethod
    @raising(generic=AUTH_GENERIC)
    def resolve_api_state(root, info) -> bool:
        return apikeys.api_state(gate(info, *API_GATE))

    @staticmethod
    @raising(generic=AUTH_GENERIC)
    def resolve_strategies(root, info) -> list:
        gate(info, SYSTEM)
        return [LOCAL_MODULE]

    @staticmethod
    @raising(generic=AUTH_GENERIC)
    def resolve_active_strategies(root, info, enabled_only=None) -> list[ActiveStrategy]:
        rows = active_strategies(enabled_only=bool(enabled_only))
        legacy_ids = {}
        if "autoEnrollGroups" in selected_fields(info):
            wanted = {pk for row in rows for pk in auto_enroll_group_ids(row)}
            legacy_ids = dict(Group.objects.filter(pk__in=wanted).values_list("pk", "legacy_id"))
        return [
            ActiveStrategy(
                row,
                [legacy_ids[pk] for pk in auto_enroll_group_ids(row) if pk in legacy_ids],
            )
            for row in rows
        ]


# --- API keys ---------------------------------------------------------------------------------
@reporting(
    "API Key created successfully",
    generic=AUTH_GENERIC,
    overrides=CREATE_KEY_RENDERING,
    output=AuthenticationCreateApiKeyResponse,
)
def create_api_key(root, info, name, expiration, full_access, group=None) -> dict:
    caller = gate(info, *API_GATE)
    issued = apikeys.create_api_key(
        caller,
        name=name,
        expiration=expiration,
        group_ids=_key_groups(full_access, group),
        created_by=caller.user if caller.is_user else None,
    )
    return {"key": issued.token}


@reporting("API Key revoked successfully", generic=AUTH_GENERIC)
def revoke_api_key(root, info, id) -> None:  # noqa: A002 - the contract's argument name
    caller = gate(info, *API_GATE)
    # An unknown id names no key: the domain answers ERR_INVALID_INPUT (InputInvalid).
    key_id = ApiKey.objects.filter(legacy_id=id).values_list("pk", flat=True).first()
    apikeys.revoke_api_key(caller, key_id)


@reporting("API State changed successfully", generic=AUTH_GENERIC)
def set_api_state(root, info, enabled) -> None:
    apikeys.set_api_state(gate(info, *API_GATE), enabled)


# --- Sign-in ----------------------------------------------------------------------------------
@reporting("Login success", generic=AUTH_GENERIC, output=AuthenticationLoginResponse)
def login(root, info, username, password, strategy) -> dict:
    result = signin.login(
        email=username,
        password=password,
        strategy_id=_login_strategy_id(strategy),
        site_id=_site_id(info),
        client_address=client_address(info),
    )
    return login_payload(result)


@reporting("TFA success", generic=AUTH_GENERIC, output=AuthenticationLoginResponse)
def login_tfa(root, info, continuation_token, security_code, setup=None) -> dict:
    result = signin.login_tfa(
        continuation_token=continuation_token,
        security_code=security_code,
        strategy_id=signin.TOKEN_STRATEGY,
        site_id=_site_id(info),
        setup=bool(setup),
        client_address=client_address(info),
    )
    return login_payload(result)


@reporting(
    "Password changed successfully", generic=AUTH_GENERIC, output=AuthenticationLoginResponse
)
def login_change_password(root, info, continuation_token, new_password) -> dict:
    try:
        result = signin.change_password_with_token(
            continuation_token=continuation_token,
            new_password=new_password,
            strategy_id=signin.TOKEN_STRATEGY,
            site_id=_site_id(info),
            client_address=client_address(info),
        )
    except DomainError as error:
        if error.key == ErrorKey.PASSWORD_TOO_SHORT:
            raise V2Error(INPUT_INVALID, PASSWORD_TOO_SHORT) from None
        raise
    return login_payload(result)


@reporting("Password reset request processed.", generic=AUTH_GENERIC)
def forgot_password(root, info, email) -> None:
    registration.forgot_password(
        email=email, site=site_for_request(info.context), client_address=client_address(info)
    )


def _registration_refusal(error: DomainError, password: str, name: str) -> V2Error | None:
    """The field messages Wiki.js 2 gives ``register``'s invalid input (§2.8), else None."""
    if error.key == ErrorKey.EMAIL_ADDRESS_NOT_ALLOWED:
        if error.check == registration.NOT_IN_ALLOW_LIST:
            return V2Error(AUTH_REGISTRATION_DOMAIN_UNAUTHORIZED)
        return V2Error(INPUT_INVALID, "Email is not a valid email")
    if error.key == ErrorKey.PASSWORD_TOO_SHORT:
        if not password:
            return V2Error(INPUT_INVALID, "Password can't be blank")
        return V2Error(INPUT_INVALID, "Password is too short (minimum is 8 characters)")
    if error.key == ErrorKey.INVALID_INPUT:  # the name is the only other input checked
        length = len((name or "").strip())
        if length == 0:
            return V2Error(INPUT_INVALID, "Name can't be blank")
        if length < 2:
            return V2Error(INPUT_INVALID, "Name is too short (minimum is 2 characters)")
        return V2Error(INPUT_INVALID, "Name is too long (maximum is 255 characters)")
    return None


@reporting("Registration success", generic=AUTH_GENERIC, output=AuthenticationRegisterResponse)
def register(root, info, email, password, name) -> dict:
    try:
        result = registration.register(
            email=email,
            password=password,
            name=name,
            site=site_for_request(info.context),
            client_address=client_address(info),
        )
    except DomainError as error:
        refusal = _registration_refusal(error, password, name)
        if refusal is not None:
            raise refusal from None
        raise
    return {"jwt": result.jwt}


class AuthenticationMutation(graphene.ObjectType):
    create_api_key = graphene.Field(
        AuthenticationCreateApiKeyResponse,
        args={
            "name": graphene.String(required=True, description="The key's label."),
            "expiration": graphene.String(
                required=True, description="Lifetime <number><unit>, e.g. 30d or 1y."
            ),
            "full_access": graphene.Boolean(
                required=True, description="True: the key carries the Administrators group."
            ),
            "group": graphene.Int(
                description="Legacy id of the group the key carries when fullAccess is false."
            ),
        },
        resolver=create_api_key,
        description="Create an API key. Gate: manage:system, manage:api.",
    )
    revoke_api_key = graphene.Field(
        DefaultResponse,
        id=graphene.Int(required=True, description="Legacy id of the key."),
        resolver=revoke_api_key,
        description="Revoke an API key. Gate: manage:system, manage:api.",
    )
    set_api_state = graphene.Field(
        DefaultResponse,
        enabled=graphene.Boolean(required=True, description="Whether API keys are accepted."),
        resolver=set_api_state,
        description="Switch API-key access on or off. Gate: manage:system, manage:api.",
    )
    login = graphene.Field(
        AuthenticationLoginResponse,
        username=graphene.String(required=True, description="The account's email."),
        password=graphene.String(required=True, description="The account's password."),
        strategy=graphene.String(
            required=True, description='"local" (or the local strategy\'s id).'
        ),
        resolver=login,
        description="Sign in with email and password. Public; rate limited.",
    )
    login_tfa = graphene.Field(
        AuthenticationLoginResponse,
        name="loginTFA",
        continuation_token=graphene.String(
            required=True, description="The token login answered with."
        ),
        security_code=graphene.String(required=True, description="The 6-digit TOTP code."),
        setup=graphene.Boolean(description="True completes a TOTP enrolment (default false)."),
        resolver=login_tfa,
        description="Give the TOTP code of a sign-in. Public; rate limited.",
    )
    login_change_password = graphene.Field(
        AuthenticationLoginResponse,
        continuation_token=graphene.String(
            required=True, description="The token login answered with (mustChangePwd)."
        ),
        new_password=graphene.String(required=True, description="At least 8 characters."),
        resolver=login_change_password,
        description="Set the new password a sign-in asks for. Public; rate limited.",
    )
    forgot_password = graphene.Field(
        DefaultResponse,
        email=graphene.String(required=True, description="Email of the account to reset."),
        resolver=forgot_password,
        description="Mail a password reset link. Public; rate limited.",
    )
    register = graphene.Field(
        AuthenticationRegisterResponse,
        args={
            "email": graphene.String(required=True, description="Sign-in email."),
            "password": graphene.String(required=True, description="At least 8 characters."),
            "name": graphene.String(required=True, description="Display name, 2-255 characters."),
        },
        resolver=register,
        description="Create an account with the local strategy. Public; rate limited.",
    )
