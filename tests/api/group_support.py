"""Documents and state snapshots shared by the group tests (API.md §4.4)."""

from __future__ import annotations

import uuid

from accounts.models import ApiKey, Group, Membership, User
from tests.factories import rule

GROUP_FIELDS = """
  id name isSystem redirectOnLogin redirectOnFirstLogin redirectOnLogout permissions
  rules { id name mode match roles path locales sites }
  userCount createdAt updatedAt
"""
CREATE_GROUP = (
    """
mutation ($name: String!) {
  createGroup(name: $name) {
    operation { succeeded slug message }
    group {"""
    + GROUP_FIELDS
    + """}
  }
}
"""
)
UPDATE_GROUP = """
mutation ($id: UUID!, $name: String!, $redirect: String!, $permissions: [String]!,
          $rules: [GroupRuleInput]!) {
  updateGroup(id: $id, name: $name, redirectOnLogin: $redirect, permissions: $permissions,
              rules: $rules) {
    operation { succeeded slug message }
  }
}
"""
DELETE_GROUP = """
mutation ($id: UUID!) { deleteGroup(id: $id) { operation { succeeded slug message } } }
"""
ASSIGN = """
mutation ($groupId: UUID!, $userId: UUID!) {
  assignUserToGroup(groupId: $groupId, userId: $userId) { operation { succeeded slug message } }
}
"""
UNASSIGN = """
mutation ($groupId: UUID!, $userId: UUID!) {
  unassignUserFromGroup(groupId: $groupId, userId: $userId) {
    operation { succeeded slug message }
  }
}
"""
GROUP_BY_ID = "query ($id: UUID!) { groupById(id: $id) {" + GROUP_FIELDS + "users { id email } } }"


def update_variables(group, **changes) -> dict:
    """``updateGroup``'s variables keeping ``group`` as it is, then ``changes``."""
    variables = {
        "id": str(group.pk),
        "name": group.name,
        "redirect": group.redirect_on_login,
        "permissions": list(group.permissions),
        "rules": [dict(r) for r in group.rules],
    }
    variables.update(changes)
    return variables


# A ``GroupRuleInput``: the factory's rule carries every required field.
input_rule = rule


def state() -> dict:
    """Everything a refused group operation must leave untouched."""
    return {
        "groups": sorted(
            (str(g.pk), g.name, g.permissions, g.rules, g.redirect_on_login, str(g.updated_at))
            for g in Group.objects.all()
        ),
        "memberships": sorted(
            (str(u), str(g)) for u, g in Membership.objects.values_list("user_id", "group_id")
        ),
        "users": User.objects.count(),
        "keys": sorted(
            (str(k.pk), k.group_ids, k.is_revoked) for k in ApiKey.objects.order_by("pk")
        ),
    }


def missing_id() -> str:
    return str(uuid.uuid4())
