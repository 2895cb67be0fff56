"""Group types of the v2 dialect (API-v2.md §4.4, §4.7 ``PageRuleMatch``).

``Group`` and ``GroupMinimal`` resolve from ``accounts.models.Group`` rows; page rules are read
through ``accounts.legacy_rules`` (API-v2.md §5.1), so FORCEALLOW shows as an allow rule,
TAGALL as TAG, and a rule written with a Wiki.js 2 id shows that id again.
"""

from __future__ import annotations

import graphene

from accounts import directory, legacy_rules

from .dialect import ResponseStatus
from .scalars import Date

# By its import path: ``user_types`` imports ``Group`` (``User.groups``), so importing
# ``UserMinimal`` here would be circular.
USER_MINIMAL = "api.v2.user_types.UserMinimal"


class PageRuleMatch(graphene.Enum):
    START = "START"
    EXACT = "EXACT"
    END = "END"
    REGEX = "REGEX"
    TAG = "TAG"


class PageRule(graphene.ObjectType):
    """A rule as ``legacy_rules.rule_to_v2`` renders it (a dict)."""

    # No resolvers: graphene's default resolver reads the dict's keys.

    id = graphene.String(
        required=True, description="The id the rule was written with, else its UUID."
    )
    deny = graphene.Boolean(required=True, description="Whether the rule denies (DENY).")
    match = PageRuleMatch(required=True, description="How path is compared (TAGALL as TAG).")
    roles = graphene.List(graphene.String, required=True, description="Page roles.")
    path = graphene.String(required=True, description="Path, regular expression or tags.")
    locales = graphene.List(
        graphene.String, required=True, description="Locale codes; empty = all."
    )


class PageRuleInput(graphene.InputObjectType):
    id = graphene.String(
        required=True, description="Any text; rules keep what v2 cannot express by id."
    )
    deny = graphene.Boolean(required=True, description="DENY when true, else ALLOW.")
    match = PageRuleMatch(required=True, description="How path is compared.")
    roles = graphene.List(graphene.String, required=True, description="Page roles only.")
    path = graphene.String(required=True, description="Path, regular expression or tags.")
    locales = graphene.List(
        graphene.String, required=True, description="Locale codes; empty = all."
    )


def remember_groups(info, groups) -> list:
    """Let ``Group.users`` of every group in ``groups`` load in one query, when first asked.

    Resolvers that return several groups (``User.groups``) call it; a group nobody remembered
    loads its members with the next batch.
    """
    groups = list(groups)
    _member_batch(info)["pending"].update(group.pk for group in groups)
    return groups


def _member_batch(info) -> dict:
    batch = getattr(info.context, "v2_group_members", None)
    if batch is None:
        batch = {"pending": set(), "loaded": {}}
        info.context.v2_group_members = batch
    return batch


class GroupMinimal(graphene.ObjectType):
    """A listed group; ``userCount`` comes from the list's own count (one query)."""

    id = graphene.Int(required=True, description="Legacy group id.")
    name = graphene.String(required=True, description="Name.")
    is_system = graphene.Boolean(required=True, description="Administrators, Guests, Users.")
    user_count = graphene.Int(description="Number of members.")
    created_at = Date(required=True, description="Creation time.")
    updated_at = Date(required=True, description="Last change.")

    @staticmethod
    def resolve_id(group, info):
        return group.legacy_id

    @staticmethod
    def resolve_user_count(group, info):
        return group.user_count


class Group(graphene.ObjectType):
    id = graphene.Int(required=True, description="Legacy group id.")
    name = graphene.String(required=True, description="Name.")
    is_system = graphene.Boolean(required=True, description="Administrators, Guests, Users.")
    redirect_on_login = graphene.String(description='Where members land after login ("/").')
    permissions = graphene.List(
        graphene.String, required=True, description="Global permission scopes."
    )
    page_rules = graphene.List(PageRule, description="Ordered page rules.")
    users = graphene.List(USER_MINIMAL, description="Members, by legacy id.")
    created_at = Date(required=True, description="Creation time.")
    updated_at = Date(required=True, description="Last change.")

    @staticmethod
    def resolve_id(group, info):
        return group.legacy_id

    @staticmethod
    def resolve_redirect_on_login(group, info):
        return group.redirect_on_login or "/"

    @staticmethod
    def resolve_permissions(group, info):
        return list(group.permissions or [])

    @staticmethod
    def resolve_page_rules(group, info):
        return legacy_rules.rules_to_v2(group)

    @staticmethod
    def resolve_users(group, info):
        batch = _member_batch(info)
        loaded = batch["loaded"]
        if group.pk not in loaded:
            wanted = list((batch["pending"] | {group.pk}) - loaded.keys())
            members = directory.members_by_group(wanted)
            loaded.update({pk: members.get(pk, []) for pk in wanted})
            batch["pending"].clear()
        return sorted(loaded[group.pk], key=lambda user: user.legacy_id or 0)


class GroupResponse(graphene.ObjectType):
    response_result = graphene.Field(ResponseStatus, required=True)
    group = graphene.Field(Group, description="The created group.")
