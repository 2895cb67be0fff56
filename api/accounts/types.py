"""GraphQL types of users, groups and API keys (API.md §4.3.3, §4.4.3, §4.5.7)."""

import graphene

from accounts import scopes, totp
from accounts.directory import (
    filter_user_list,
    groups_of,
    may_read_groups,
    may_read_user_details,
    members_by_group,
)
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy

from ..core.context import get_caller
from ..core.cost import unpaged_size
from ..core.execution import NotFast, computed
from ..core.scalars import JSON, UUID, Date


class OrderByDirection(graphene.Enum):
    asc = "asc"
    desc = "desc"


class UserOrderBy(graphene.Enum):
    id = "id"
    email = "email"
    name = "name"
    createdAt = "createdAt"
    updatedAt = "updatedAt"
    lastLoginAt = "lastLoginAt"


class GroupRuleMode(graphene.Enum):
    ALLOW = "ALLOW"
    DENY = "DENY"
    FORCEALLOW = "FORCEALLOW"


class GroupRuleMatch(graphene.Enum):
    START = "START"
    EXACT = "EXACT"
    END = "END"
    REGEX = "REGEX"
    TAG = "TAG"
    TAGALL = "TAGALL"


class UserMinimal(graphene.ObjectType):
    id = UUID(description="User id.")
    name = graphene.String(description="Display name.")
    email = graphene.String(description="Sign-in email, lowercase.")
    is_system = graphene.Boolean(description="True for the guest user.")
    is_active = graphene.Boolean(description="Whether the account may sign in.")
    created_at = Date(description="When the account was created.")
    last_login_at = Date(description="When a session token was last issued.")

    @staticmethod
    def resolve_last_login_at(user, info):
        return user.last_login


# The resolvers above as the fast list path computes them from columns (api/core/execution.py).
USER_MINIMAL_COLUMNS = {"lastLoginAt": computed("last_login", compute=lambda value: value)}


class UserAuth(graphene.ObjectType):
    auth_id = UUID(description="Strategy id.")
    auth_name = graphene.String(description="Strategy display name.")
    strategy_key = graphene.String(description="Strategy module, e.g. local.")
    strategy_icon = graphene.String(description="Strategy icon.")
    config = JSON(description="Credential flags; never hashes or secrets.")


class UserPasskey(graphene.ObjectType):
    id = graphene.String(description="Credential id, base64url.")
    name = graphene.String(description="Name given at registration.")
    created_at = Date(description="When it was registered.")
    site_hostname = graphene.String(description="Relying-party id it was registered for.")


def _detail(resolver):
    """Fields other than id and name are null unless the caller may read the user (§4.1.4)."""

    def guarded(user, info, **kwargs):
        if not may_read_user_details(get_caller(info), user):
            return None
        return resolver(user, info, **kwargs)

    return guarded


class User(graphene.ObjectType):
    id = UUID(description="User id.")
    name = graphene.String(description="Display name.")
    email = graphene.String(description="Sign-in email.")
    auth = graphene.List(UserAuth, description="Credentials per enabled strategy.")
    passkeys = graphene.List(UserPasskey, description="Registered passkeys.")
    has_avatar = graphene.Boolean(description="Whether an avatar was uploaded.")
    is_system = graphene.Boolean(description="True for the guest user.")
    is_active = graphene.Boolean(description="Whether the account may sign in.")
    is_verified = graphene.Boolean(description="Whether the email was verified.")
    meta = JSON(description="location, jobTitle, pronouns.")
    prefs = JSON(description="timezone, dateFormat, timeFormat, appearance, cvd.")
    created_at = Date(description="When the account was created.")
    updated_at = Date(description="Last change.")
    last_login_at = Date(description="When a session token was last issued.")
    groups = graphene.List(lambda: Group, description="Groups the user belongs to.")

    resolve_email = _detail(lambda user, info: user.email)
    resolve_has_avatar = _detail(lambda user, info: user.has_avatar)
    resolve_is_system = _detail(lambda user, info: user.is_system)
    resolve_is_active = _detail(lambda user, info: user.is_active)
    resolve_is_verified = _detail(lambda user, info: user.is_verified)
    resolve_meta = _detail(lambda user, info: user.meta)
    resolve_prefs = _detail(lambda user, info: user.prefs)
    resolve_created_at = _detail(lambda user, info: user.created_at)
    resolve_updated_at = _detail(lambda user, info: user.updated_at)
    resolve_last_login_at = _detail(lambda user, info: user.last_login)

    @staticmethod
    @_detail
    def resolve_groups(user, info):
        # Gated as ``groups`` is (§3.5): a user may list their own groups, whose fields other
        # than id and name are then gated by ``Group`` itself.
        caller = get_caller(info)
        if not may_read_groups(caller) and not (caller.is_user and caller.user.pk == user.pk):
            caller.require_any(*scopes.LIST_GROUPS_ANY)
        # Members of all these groups load in one query too, should Group.users be asked for.
        return remember_group_list(info, groups_of(user))

    @staticmethod
    @_detail
    def resolve_auth(user, info):
        if not user.has_local_credentials:
            return []
        strategy = AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID, is_enabled=True).first()
        if strategy is None:
            return []
        enforce = bool((strategy.config or {}).get("enforceTfa"))
        return [
            UserAuth(
                auth_id=strategy.pk,
                auth_name=strategy.display_name,
                strategy_key=strategy.module,
                strategy_icon=strategy.module,
                config={
                    "isPasswordSet": True,
                    "isTfaSetup": totp.is_active(user, strategy.pk),
                    "isTfaRequired": user.tfa_required or enforce,
                    "mustChangePwd": user.must_change_password,
                    "restrictLogin": user.restrict_login,
                },
            )
        ]

    @staticmethod
    @_detail
    def resolve_passkeys(user, info):
        return [
            UserPasskey(
                id=passkey.credential_id,
                name=passkey.name,
                created_at=passkey.created_at,
                site_hostname=passkey.rp_id,
            )
            for passkey in user.passkey_set.all()
        ]


class GroupRule(graphene.ObjectType):
    id = UUID(description="Rule id, chosen by the client.")
    name = graphene.String(description="Label.")
    mode = GroupRuleMode(description="ALLOW, DENY or FORCEALLOW.")
    match = GroupRuleMatch(description="How path is compared.")
    roles = graphene.List(graphene.String, description="Page roles the rule is about.")
    path = graphene.String(description="Pattern.")
    locales = graphene.List(graphene.String, description="Locales it is limited to.")
    sites = graphene.List(UUID, description="Sites it is limited to.")

    @staticmethod
    def resolve_id(rule, info):
        return rule.get("id")

    @staticmethod
    def resolve_name(rule, info):
        return rule.get("name", "")

    @staticmethod
    def resolve_mode(rule, info):
        return rule.get("mode")

    @staticmethod
    def resolve_match(rule, info):
        return rule.get("match")

    @staticmethod
    def resolve_roles(rule, info):
        return rule.get("roles") or []

    @staticmethod
    def resolve_path(rule, info):
        return rule.get("path", "")

    @staticmethod
    def resolve_locales(rule, info):
        return rule.get("locales") or []

    @staticmethod
    def resolve_sites(rule, info):
        return rule.get("sites") or []


def _group_detail(resolver):
    """Group fields other than id and name need what ``groups`` needs (§3.5).

    The only way a group reaches a caller without it is ``User.groups`` of the caller
    themselves: they may see the names of their own groups, nothing more.
    """

    def guarded(group, info, **kwargs):
        get_caller(info).require_any(*scopes.LIST_GROUPS_ANY)
        return resolver(group, info, **kwargs)

    return guarded


def _column(name: str):
    return _group_detail(lambda group, info: getattr(group, name))


class Group(graphene.ObjectType):
    id = UUID(description="Group id.")
    name = graphene.String(description="Name (not unique).")
    is_system = graphene.Boolean(description="Administrators, Users and Guests.")
    redirect_on_login = graphene.String(description="Where members land after login.")
    redirect_on_first_login = graphene.String(description="Where members land first.")
    redirect_on_logout = graphene.String(description="Where members land after logout.")
    permissions = graphene.List(graphene.String, description="Global permission scopes.")
    rules = graphene.List(GroupRule, description="Ordered page rules.")
    users = graphene.List(
        UserMinimal,
        page=graphene.Int(
            description="1-based page. Without page and pageSize: the first 1000 members."
        ),
        page_size=graphene.Int(description="Page size (1-1000)."),
        order_by=UserOrderBy(description="Sort field."),
        order_by_direction=OrderByDirection(description="Sort direction."),
        filter=graphene.String(description="Name or email contains."),
        description="Members.",
    )
    user_count = graphene.Int(description="Number of members.")
    created_at = Date(description="Creation time.")
    updated_at = Date(description="Last change.")

    resolve_is_system = _column("is_system")
    resolve_redirect_on_login = _column("redirect_on_login")
    resolve_redirect_on_first_login = _column("redirect_on_first_login")
    resolve_redirect_on_logout = _column("redirect_on_logout")
    resolve_permissions = _column("permissions")
    resolve_created_at = _column("created_at")
    resolve_updated_at = _column("updated_at")

    @staticmethod
    @_group_detail
    def resolve_rules(group, info):
        return [rule for rule in group.rules or [] if isinstance(rule, dict)]

    @staticmethod
    @_group_detail
    def resolve_user_count(group, info):
        count = getattr(group, "user_count", None)
        return count if count is not None else group.memberships.count()

    @staticmethod
    @_group_detail
    def resolve_users(group, info, **arguments):
        # Reachable through ``userById(self) { groups }`` too: a member may see its own groups,
        # but not everyone in them (the Users group holds every account).
        cache = getattr(info.context, "group_members", None)
        if cache is None or group.pk not in cache["ids"]:
            members = list(group.users.all())
        else:
            if cache["members"] is None:
                cache["members"] = members_by_group(cache["ids"])
            members = cache["members"].get(group.pk, [])
        return filter_user_list(
            members,
            text_filter=arguments.get("filter"),
            page=arguments.get("page"),
            page_size=unpaged_size(arguments),
            order_by=arguments.get("order_by"),
            direction=arguments.get("order_by_direction"),
        )


def _counted(count):
    if count is None:
        raise NotFast  # not annotated: resolve_user_count counts
    return count


def _same(value):
    return value


# ``Group``'s resolvers as the fast list path computes them (``groups`` annotates user_count).
# The fast path serves only the root ``groups`` list, which has required what the gated
# fields require, so there each of them is its column.
GROUP_COLUMNS = {
    "userCount": computed("user_count", compute=_counted),
    "isSystem": computed("is_system", compute=_same),
    "redirectOnLogin": computed("redirect_on_login", compute=_same),
    "redirectOnFirstLogin": computed("redirect_on_first_login", compute=_same),
    "redirectOnLogout": computed("redirect_on_logout", compute=_same),
    "permissions": computed("permissions", compute=_same),
    "createdAt": computed("created_at", compute=_same),
    "updatedAt": computed("updated_at", compute=_same),
}


def remember_group_list(info, groups) -> list:
    """Let nested ``Group.users`` load the members of every listed group in one query."""
    groups = list(groups)
    info.context.group_members = {"ids": [g.pk for g in groups], "members": None}
    return groups


class AuthenticationApiKey(graphene.ObjectType):
    id = UUID(description="Key id.")
    name = graphene.String(description="Label.")
    key_short = graphene.String(description='"..." and the last 20 characters of the key.')
    expiration = Date(description="When the key stops working.")
    created_at = Date(description="Creation time.")
    updated_at = Date(description="Last change.")
    is_revoked = graphene.Boolean(description="Whether the key was revoked.")
