"""The ``groups`` namespace of ``/graphql`` (API-v2.md §3.4).

Every failure of a group mutation is a GraphQL error (G): Wiki.js 2 lets them escape. The
services name the check that failed (``accounts.group_checks``) where one key covers several,
and each operation words them as Wiki.js 2 does (§2.7).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import graphene

from accounts import directory, groups, legacy_rules, scopes
from accounts.group_checks import GroupCheck
from accounts.models import Group as GroupRow
from accounts.models import User
from wiki.errors import ErrorKey

from .dialect import SYSTEM_GENERIC, DefaultResponse, ok, raising
from .gates import gate
from .group_types import Group, GroupMinimal, GroupResponse, PageRuleInput

LIST_GATE = (
    scopes.WRITE_USERS,
    scopes.MANAGE_USERS,
    scopes.WRITE_GROUPS,
    scopes.MANAGE_GROUPS,
    scopes.MANAGE_SYSTEM,
)
GROUP_GATE = (scopes.WRITE_GROUPS, scopes.MANAGE_GROUPS, scopes.MANAGE_SYSTEM)
MEMBERSHIP_GATE = (
    scopes.MANAGE_USERS,
    scopes.WRITE_GROUPS,
    scopes.MANAGE_GROUPS,
    scopes.MANAGE_SYSTEM,
)

# ``orderBy`` of ``list``: anything else, or nothing, orders by id (legacy id, §1.6).
LIST_ORDER = {
    "id": "legacy_id",
    "name": "name",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "userCount": "user_count",
}

# The plain messages of §2.7.
INVALID_GROUP_ID = "Invalid Group ID"
INVALID_USER_ID = "Invalid User ID"
ADMIN_PERMISSIONS = (
    "You are not authorized to manage this group or assign these administrative permissions."
)
SYSTEM_PERMISSIONS = (
    "You are not authorized to manage this group or assign the manage:system permissions."
)
ASSIGN_ELEVATED = "You are not authorized to assign a user to this administrative group."
ASSIGN_SYSTEM = (
    "You are not authorized to assign a user to a group with the manage:system permission."
)

UPDATE_MESSAGES = {
    GroupCheck.UNSAFE_REGEX: "Some Page Rules contains unsafe or exponential time regex.",
    GroupCheck.ELEVATED_PERMISSIONS: ADMIN_PERMISSIONS,
    GroupCheck.GRANTS_SYSTEM: SYSTEM_PERMISSIONS,
    GroupCheck.ADMINS_KEEP_SYSTEM: (
        "Cannot remove the manage:system permission from the Administrators group."
    ),
}
# Deleting an elevated group is refused as updating it would be (no Wiki.js 2 message exists).
DELETE_MESSAGES = {
    GroupCheck.PROTECTED_GROUP: "Cannot delete this group.",
    GroupCheck.ELEVATED_GROUP: ADMIN_PERMISSIONS,
    GroupCheck.SYSTEM_GROUP: SYSTEM_PERMISSIONS,
}
MEMBERSHIP_ELEVATION = {
    GroupCheck.ELEVATED_GROUP: ASSIGN_ELEVATED,
    GroupCheck.SYSTEM_GROUP: ASSIGN_SYSTEM,
}
ASSIGN_MESSAGES = {
    GroupCheck.SYSTEM_USER: "Cannot assign the Guest user to a group.",
    GroupCheck.ALREADY_MEMBER: "User is already assigned to group.",
    **MEMBERSHIP_ELEVATION,
}
UNASSIGN_MESSAGES = {
    GroupCheck.SYSTEM_USER: "Cannot unassign Guest user",
    GroupCheck.ROOT_ADMIN: "Cannot unassign Administrator user from Administrators group.",
    **MEMBERSHIP_ELEVATION,
}
BY_KEY = {ErrorKey.INVALID_GROUP: INVALID_GROUP_ID, ErrorKey.INVALID_USER: INVALID_USER_ID}


def worded(messages: Mapping[GroupCheck, str]) -> Callable:
    """A G resolver whose failed checks read as ``messages`` say (then ``BY_KEY``)."""
    return raising(generic=SYSTEM_GENERIC, overrides={**BY_KEY, **messages})


def _pk(model, legacy_id: int):
    """The UUID of the ``model`` row with ``legacy_id``; None when none has it (§1.6)."""
    if legacy_id is None or legacy_id < 1:
        return None
    return model.objects.filter(legacy_id=legacy_id).values_list("pk", flat=True).first()


class GroupQuery(graphene.ObjectType):
    list_ = graphene.List(
        GroupMinimal,
        name="list",
        filter=graphene.String(description="Part of the name, any case."),
        order_by=graphene.String(description="id, name, createdAt, updatedAt or userCount."),
        description="All groups with their member counts.",
    )
    single = graphene.Field(
        Group,
        id=graphene.Int(required=True, description="Legacy group id."),
        description="One group; null when none has the id.",
    )

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_list_(root, info, filter=None, order_by=None):
        caller = gate(info, *LIST_GATE)
        rows = directory.list_groups(caller, text_filter=filter, with_user_count=True)
        return list(rows.order_by(LIST_ORDER.get(order_by or "", "legacy_id"), "legacy_id"))

    @staticmethod
    @raising(generic=SYSTEM_GENERIC)
    def resolve_single(root, info, id):
        caller = gate(info, *GROUP_GATE)
        group_id = _pk(GroupRow, id)
        return directory.get_group(caller, group_id) if group_id is not None else None


class GroupMutation(graphene.ObjectType):
    create = graphene.Field(
        GroupResponse,
        name=graphene.String(required=True, description="Name, 1-255 characters."),
        description="Create a group with the default permissions and rule.",
    )
    update = graphene.Field(
        DefaultResponse,
        id=graphene.Int(required=True, description="Legacy group id."),
        name=graphene.String(required=True, description="Name, 1-255 characters."),
        redirect_on_login=graphene.String(required=True, description='"" is stored as "/".'),
        permissions=graphene.List(
            graphene.String, required=True, description="Replaces the global permissions."
        ),
        page_rules=graphene.List(
            PageRuleInput, required=True, description="Replaces the page rules."
        ),
        description="Replace a group's name, redirect, permissions and page rules.",
    )
    delete = graphene.Field(
        DefaultResponse,
        id=graphene.Int(required=True, description="Legacy group id."),
        description="Delete a group that is not a system group.",
    )
    assign_user = graphene.Field(
        DefaultResponse,
        group_id=graphene.Int(required=True, description="Legacy group id."),
        user_id=graphene.Int(required=True, description="Legacy user id."),
        description="Add a user to a group.",
    )
    unassign_user = graphene.Field(
        DefaultResponse,
        group_id=graphene.Int(required=True, description="Legacy group id."),
        user_id=graphene.Int(required=True, description="Legacy user id."),
        description="Remove a user from a group (no change when not a member).",
    )

    @staticmethod
    @worded({})
    def resolve_create(root, info, name):
        caller = gate(info, *GROUP_GATE)
        group = groups.create_group(caller, name)
        return GroupResponse(response_result=ok("Group created successfully."), group=group)

    @staticmethod
    @worded(UPDATE_MESSAGES)
    def resolve_update(root, info, id, name, redirect_on_login, permissions, page_rules):
        caller = gate(info, *GROUP_GATE)
        legacy_rules.update_group_from_v2(
            caller,
            _pk(GroupRow, id),
            name=name,
            redirect_on_login=redirect_on_login,
            permissions=permissions,
            page_rules=[dict(rule) if rule is not None else None for rule in page_rules],
        )
        return DefaultResponse(response_result=ok("Group has been updated."))

    @staticmethod
    @worded(DELETE_MESSAGES)
    def resolve_delete(root, info, id):
        caller = gate(info, *GROUP_GATE)
        groups.delete_group(caller, _pk(GroupRow, id))
        return DefaultResponse(response_result=ok("Group has been deleted."))

    @staticmethod
    @worded(ASSIGN_MESSAGES)
    def resolve_assign_user(root, info, group_id, user_id):
        caller = gate(info, *MEMBERSHIP_GATE)
        groups.assign_user_to_group(caller, _pk(GroupRow, group_id), _pk(User, user_id))
        return DefaultResponse(response_result=ok("User has been assigned to group."))

    @staticmethod
    @worded(UNASSIGN_MESSAGES)
    def resolve_unassign_user(root, info, group_id, user_id):
        caller = gate(info, *MEMBERSHIP_GATE)
        groups.unassign_user_from_group(caller, _pk(GroupRow, group_id), _pk(User, user_id))
        return DefaultResponse(response_result=ok("User has been unassigned from group."))
