"""Types of the ``authentication`` namespace (API-v2.md §4.5).

The strategy types describe the local strategy as Wiki.js 2 clients know it (key ``local``,
title ``Local``); their settings lists are gated (``manage:system``), and because
``domainWhitelist`` and ``autoEnrollGroups`` are non-null, a caller failing the gate gets the
whole strategy item as ``null`` (§2.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import graphene

from accounts.models import AuthStrategy
from accounts.signin import NextAction, SignInResult

from .dialect import ResponseStatus
from .gates import SYSTEM, gated
from .scalars import Date


class KeyValuePair(graphene.ObjectType):
    """One setting of a strategy."""

    key = graphene.String(required=True, description="Setting name.")
    value = graphene.String(required=True, description="Setting value, as text.")


class AuthenticationApiKey(graphene.ObjectType):
    """An API key's row; the key itself is shown only once, by createApiKey."""

    id = graphene.Int(required=True, description="Legacy id of the key (revokeApiKey's id).")
    name = graphene.String(required=True, description="The key's label.")
    key_short = graphene.String(
        required=True, description='"..." followed by the last 20 characters of the key.'
    )
    expiration = Date(required=True, description="When the key stops working.")
    created_at = Date(required=True, description="When the key was created.")
    updated_at = Date(required=True, description="When the key's row last changed.")
    is_revoked = graphene.Boolean(required=True, description="Whether the key was revoked.")

    @staticmethod
    def resolve_id(api_key, info) -> int:
        return api_key.legacy_id


class AuthenticationCreateApiKeyResponse(graphene.ObjectType):
    response_result = graphene.Field(ResponseStatus, description="The outcome.")
    key = graphene.String(description="The complete key (returned only here).")


class AuthenticationLoginResponse(graphene.ObjectType):
    """A sign-in step's answer; which fields are set depends on what comes next (§3.5)."""

    response_result = graphene.Field(ResponseStatus, description="The outcome.")
    jwt = graphene.String(description="Session token, once signed in.")
    must_change_pwd = graphene.Boolean(
        description="True: set a new password with loginChangePassword."
    )
    must_provide_tfa = graphene.Boolean(
        name="mustProvideTFA", description="True: give the TOTP code with loginTFA."
    )
    must_setup_tfa = graphene.Boolean(
        name="mustSetupTFA",
        description="True: scan tfaQRImage, then confirm with loginTFA(setup: true).",
    )
    continuation_token = graphene.String(description="Single-use token for the next step.")
    redirect = graphene.String(description="Where to go after signing in.")
    tfa_qr_image = graphene.String(
        name="tfaQRImage", description="SVG QR code of the new TOTP secret (mustSetupTFA)."
    )


class AuthenticationRegisterResponse(graphene.ObjectType):
    response_result = graphene.Field(ResponseStatus, description="The outcome.")
    jwt = graphene.String(
        description="Session token when the new account is signed in at once (no email "
        "validation), else null."
    )


def login_payload(result: SignInResult) -> dict:
    """``AuthenticationLoginResponse`` fields for the domain's next action (§3.5's table)."""
    action = result.next_action
    if action == NextAction.REDIRECT:
        return {"jwt": result.jwt, "redirect": result.redirect}
    payload = {"continuation_token": result.continuation_token, "redirect": result.redirect}
    if action == NextAction.PROVIDE_TFA:
        payload["must_provide_tfa"] = True
    elif action == NextAction.SETUP_TFA:
        payload["must_setup_tfa"] = True
        payload["tfa_qr_image"] = result.tfa_qr_image
    elif action == NextAction.CHANGE_PASSWORD:
        payload["must_change_pwd"] = True
    return payload


# --- Strategies -------------------------------------------------------------------------------
@dataclass(frozen=True)
class StrategyModule:
    """A kind of strategy as Wiki.js 2 describes it."""

    key: str
    title: str
    description: str | None = None
    is_available: bool = False
    use_form: bool = False
    username_type: str | None = None
    color: str | None = None
    logo: str | None = None
    website: str | None = None
    icon: str | None = None


LOCAL_MODULE = StrategyModule(
    key="local",
    title="Local",
    description="Email and password authentication",
    is_available=True,
    use_form=True,
    username_type="email",
    color="primary",
)
MODULES = {LOCAL_MODULE.key: LOCAL_MODULE}


def module_of(strategy: AuthStrategy) -> StrategyModule:
    """The module a configured strategy uses (one this server does not know: unavailable)."""
    return MODULES.get(strategy.module) or StrategyModule(
        key=strategy.module, title=strategy.module
    )


class AuthenticationStrategy(graphene.ObjectType):
    """A kind of strategy the server implements (only ``local``)."""

    key = graphene.String(required=True, description='The module key ("local").')
    props = graphene.List(
        KeyValuePair, description="The module's settings (none). Gate: manage:system."
    )
    title = graphene.String(required=True, description="Name of the module.")
    description = graphene.String(description="What the module does.")
    is_available = graphene.Boolean(description="Whether this server implements it.")
    use_form = graphene.Boolean(
        required=True, description="Whether sign-in uses the username/password form."
    )
    username_type = graphene.String(description='What the username is ("email").')
    logo = graphene.String(description="Logo URL (none).")
    color = graphene.String(description="Colour of its sign-in button.")
    website = graphene.String(description="Vendor website (none).")
    icon = graphene.String(description="Icon (none).")

    @staticmethod
    @gated(SYSTEM)
    def resolve_props(module: StrategyModule, info) -> list:
        return []


@dataclass(frozen=True)
class ActiveStrategy:
    """A configured strategy with the legacy ids of its auto-enrol groups (read in bulk)."""

    row: AuthStrategy
    auto_enroll_groups: list[int]


class AuthenticationActiveStrategy(graphene.ObjectType):
    """A configured strategy (only the local one)."""

    key = graphene.String(required=True, description='The strategy key ("local").')
    strategy = graphene.Field(
        AuthenticationStrategy, required=True, description="The module it uses."
    )
    display_name = graphene.String(required=True, description="Name shown on sign-in screens.")
    order = graphene.Int(required=True, description="Position on sign-in screens (0).")
    is_enabled = graphene.Boolean(required=True, description="Whether it can be used.")
    config = graphene.List(
        KeyValuePair, description="Its settings (none are exposed). Gate: manage:system."
    )
    self_registration = graphene.Boolean(
        required=True, description="Whether self-registration is open."
    )
    domain_whitelist = graphene.List(
        graphene.String,
        required=True,
        description="The pattern a self-registering email must match (empty: any). "
        "Gate: manage:system.",
    )
    auto_enroll_groups = graphene.List(
        graphene.Int,
        required=True,
        description="Legacy ids of the groups self-registered accounts join. Gate: manage:system.",
    )

    @staticmethod
    def resolve_key(strategy: ActiveStrategy, info) -> str:
        return strategy.row.module

    @staticmethod
    def resolve_strategy(strategy: ActiveStrategy, info) -> StrategyModule:
        return module_of(strategy.row)

    @staticmethod
    def resolve_display_name(strategy: ActiveStrategy, info) -> str:
        return strategy.row.display_name

    @staticmethod
    def resolve_order(strategy: ActiveStrategy, info) -> int:
        return 0

    @staticmethod
    def resolve_is_enabled(strategy: ActiveStrategy, info) -> bool:
        return strategy.row.is_enabled

    @staticmethod
    def resolve_self_registration(strategy: ActiveStrategy, info) -> bool:
        return strategy.row.registration

    @staticmethod
    @gated(SYSTEM)
    def resolve_config(strategy: ActiveStrategy, info) -> list:
        return []

    @staticmethod
    @gated(SYSTEM)
    def resolve_domain_whitelist(strategy: ActiveStrategy, info) -> list[str]:
        pattern = strategy.row.allowed_email_regex or ""
        return [pattern] if pattern else []

    @staticmethod
    @gated(SYSTEM)
    def resolve_auto_enroll_groups(strategy: ActiveStrategy, info) -> list[int]:
        return strategy.auto_enroll_groups
