"""``authActiveStrategies`` and ``authSiteStrategies`` (API.md §4.5.4, §4.5.7)."""

import graphene

from accounts import scopes
from accounts.strategy_listing import (
    active_strategies,
    auto_enroll_group_ids,
    module_of,
    public_config,
    site_strategies,
)

from ..core.context import get_caller
from ..core.scalars import JSON, UUID


def _module_field(name: str):
    def resolve(module, info):
        return module.get(name)

    return resolve


class AuthenticationStrategy(graphene.ObjectType):
    """A kind of strategy the server implements (only ``local``)."""

    key = graphene.String(description='The module key ("local").')
    props = JSON(description="The settings it has: name -> {type, title, hint, default, ...}.")
    refs = JSON(description="References of the module (none for local).")
    title = graphene.String(description="Name of the module.")
    description = graphene.String(description="What the module does.")
    is_available = graphene.Boolean(description="Whether this server implements it.")
    use_form = graphene.Boolean(description="Whether sign-in uses the email/password form.")
    username_type = graphene.String(description='What the username is ("email").')
    logo = graphene.String(description="Logo URL (none for local).")
    color = graphene.String(description="Colour of its sign-in button.")
    vendor = graphene.String(description="Who provides it.")
    website = graphene.String(description="Vendor website.")
    icon = graphene.String(description="Icon name.")

    resolve_key = staticmethod(_module_field("key"))
    resolve_props = staticmethod(_module_field("props"))
    resolve_refs = staticmethod(_module_field("refs"))
    resolve_title = staticmethod(_module_field("title"))
    resolve_description = staticmethod(_module_field("description"))
    resolve_is_available = staticmethod(_module_field("isAvailable"))
    resolve_use_form = staticmethod(_module_field("useForm"))
    resolve_username_type = staticmethod(_module_field("usernameType"))
    resolve_logo = staticmethod(_module_field("logo"))
    resolve_color = staticmethod(_module_field("color"))
    resolve_vendor = staticmethod(_module_field("vendor"))
    resolve_website = staticmethod(_module_field("website"))
    resolve_icon = staticmethod(_module_field("icon"))


def _system_only(resolver):
    """Settings of a strategy: manage:system, else a field error (ERR_FORBIDDEN or, for a
    guest, ERR_NOT_AUTHENTICATED; §2.5); the rest of the object is still returned."""

    def guarded(strategy, info):
        get_caller(info).require_any(scopes.MANAGE_SYSTEM)
        return resolver(strategy, info)

    return guarded


class AuthenticationActiveStrategy(graphene.ObjectType):
    """A configured strategy."""

    id = UUID(description="Strategy id: the strategyId of login and friends.")
    strategy = graphene.Field(AuthenticationStrategy, description="Its module.")
    display_name = graphene.String(description="Name shown on sign-in screens.")
    is_enabled = graphene.Boolean(description="Whether it can be used.")
    config = JSON(
        description="Its settings (sensitive values masked as ********). Needs manage:system."
    )
    registration = graphene.Boolean(description="Whether self-registration is open.")
    allowed_email_regex = graphene.String(
        description="Pattern a self-registering email must match (case-insensitive; empty: "
        "any). Needs manage:system."
    )
    auto_enroll_groups = graphene.List(
        UUID, description="Groups self-registered accounts join. Needs manage:system."
    )

    @staticmethod
    def resolve_id(strategy, info):
        return strategy.pk

    @staticmethod
    def resolve_strategy(strategy, info):
        return module_of(strategy)

    @staticmethod
    @_system_only
    def resolve_config(strategy, info):
        return public_config(strategy)

    @staticmethod
    @_system_only
    def resolve_allowed_email_regex(strategy, info):
        return strategy.allowed_email_regex or ""

    @staticmethod
    @_system_only
    def resolve_auto_enroll_groups(strategy, info):
        return auto_enroll_group_ids(strategy)


class AuthenticationSiteStrategy(graphene.ObjectType):
    """A strategy as one site shows it."""

    id = UUID(description="The strategy's id.")
    active_strategy = graphene.Field(AuthenticationActiveStrategy, description="The strategy.")
    is_visible = graphene.Boolean(description="Whether the site's sign-in screen shows it.")

    @staticmethod
    def resolve_active_strategy(placed, info):
        return placed.strategy


class StrategyQueries(graphene.ObjectType):
    auth_active_strategies = graphene.List(
        AuthenticationActiveStrategy,
        enabled_only=graphene.Boolean(description="Only the enabled ones."),
        description="Configured strategies. Needs manage:system.",
    )
    auth_site_strategies = graphene.List(
        AuthenticationSiteStrategy,
        site_id=UUID(required=True, description="The site."),
        visible_only=graphene.Boolean(description="Only those the site shows."),
        description="Enabled strategies in the site's order (site config authStrategies; a "
        "strategy it does not list is visible with order 0). Public.",
    )

    @staticmethod
    def resolve_auth_active_strategies(root, info, enabled_only=None):
        get_caller(info).require_any(scopes.MANAGE_SYSTEM)
        return active_strategies(enabled_only=bool(enabled_only))

    @staticmethod
    def resolve_auth_site_strategies(root, info, site_id, visible_only=None):
        return site_strategies(site_id, visible_only=bool(visible_only))
