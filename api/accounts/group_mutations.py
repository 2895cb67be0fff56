"""Mutations of groups and memberships (API.md §4.4.2), and ``groupById`` (§4.4.1)."""

import graphene

from accounts import directory, groups

from ..core.context import get_caller
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from ..core.scalars import UUID
from .types import Group, GroupRuleMatch, GroupRuleMode, remember_group_list


class GroupRuleInput(graphene.InputObjectType):
    id = graphene.Field(UUID, required=True, description="Rule id, chosen by the client.")
    name = graphene.String(required=True, description="Label, at most 255 characters.")
    mode = GroupRuleMode(required=True, description="ALLOW, DENY or FORCEALLOW.")
    match = GroupRuleMatch(required=True, description="How path is compared.")
    roles = graphene.List(graphene.String, required=True, description="Page roles (§3.1).")
    path = graphene.String(
        required=True, description="Page path, regular expression or tags, as match says."
    )
    locales = graphene.List(
        graphene.String, required=True, description="Locale codes; empty = all."
    )
    sites = graphene.List(UUID, description="Site ids; empty or absent = all.")


def _rule_dict(rule) -> dict | None:
    """An input rule as the validator reads it (it takes the stored shape)."""
    if rule is None:
        return None
    return {key: rule.get(key) for key in ("id", "name", "mode", "match", "roles", "path")} | {
        "locales": rule.get("locales"),
        "sites": rule.get("sites") or [],
    }


class CreateGroup(WikiMutation):
    """Create a group with the default permissions and rule (§3.3)."""

    class Meta:
        name = "GroupResponse"

    class Arguments:
        name = graphene.String(required=True, description='Name, 1-255 characters, no <>".')

    group = graphene.Field(Group, description="The created group.")
    success_message = "Group created successfully."

    @classmethod
    def perform(cls, root, info, name) -> Outcome:
        group = groups.create_group(get_caller(info), name)
        group.user_count = 0
        return Outcome(payload={"group": remember_group_list(info, [group])[0]})


class UpdateGroup(WikiMutation):
    """Replace a group's name, login redirect, permissions and rules."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="Group id.")
        name = graphene.String(required=True, description='Name, 1-255 characters, no <>".')
        redirect_on_login = graphene.String(
            required=True, description='Where members land after login; empty means "/".'
        )
        permissions = graphene.List(
            graphene.String, required=True, description="Global permission scopes (§3.1)."
        )
        rules = graphene.List(GroupRuleInput, required=True, description="Ordered page rules.")

    success_message = "Group updated successfully."

    @classmethod
    def perform(cls, root, info, id, name, redirect_on_login, permissions, rules) -> Outcome:
        groups.update_group(
            get_caller(info),
            id,
            name=name,
            redirect_on_login=redirect_on_login,
            permissions=permissions,
            rules=[_rule_dict(rule) for rule in rules],
        )
        return Outcome()


class DeleteGroup(WikiMutation):
    """Delete a group that is not a system group; its memberships go with it."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="Group id.")

    success_message = "Group deleted successfully."

    @classmethod
    def perform(cls, root, info, id) -> Outcome:
        groups.delete_group(get_caller(info), id)
        return Outcome()


class AssignUserToGroup(WikiMutation):
    """Make a user a member of a group."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        group_id = graphene.Argument(UUID, required=True, description="Group id.")
        user_id = graphene.Argument(UUID, required=True, description="User id.")

    success_message = "User has been assigned to group."

    @classmethod
    def perform(cls, root, info, group_id, user_id) -> Outcome:
        groups.assign_user_to_group(get_caller(info), group_id, user_id)
        return Outcome()


class UnassignUserFromGroup(WikiMutation):
    """Remove a user from a group (success without change if not a member)."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        group_id = graphene.Argument(UUID, required=True, description="Group id.")
        user_id = graphene.Argument(UUID, required=True, description="User id.")

    success_message = "User has been unassigned from group."

    @classmethod
    def perform(cls, root, info, group_id, user_id) -> Outcome:
        groups.unassign_user_from_group(get_caller(info), group_id, user_id)
        return Outcome()


class GroupQueries(graphene.ObjectType):
    group_by_id = graphene.Field(
        Group,
        id=graphene.Argument(UUID, required=True, description="Group id."),
        description="One group, null when none has that id. Needs manage:groups, "
        "manage:users or manage:system.",
    )

    @staticmethod
    def resolve_group_by_id(root, info, id):
        group = directory.get_group(get_caller(info), id)
        # Its members then load in one query, like those of a listed group.
        return remember_group_list(info, [group])[0] if group is not None else None


class GroupMutations(graphene.ObjectType):
    create_group = CreateGroup.Field(description="Create a group. Needs manage:groups.")
    update_group = UpdateGroup.Field(
        description="Replace a group's name, redirect, permissions and rules. "
        "Needs manage:groups; *:system scopes need manage:system."
    )
    delete_group = DeleteGroup.Field(description="Delete a group. Needs manage:groups.")
    assign_user_to_group = AssignUserToGroup.Field(
        description="Add a user to a group. Needs manage:groups or manage:users; "
        "elevated groups need manage:groups."
    )
    unassign_user_from_group = UnassignUserFromGroup.Field(
        description="Remove a user from a group. Needs manage:groups or manage:users; "
        "elevated groups need manage:groups."
    )
