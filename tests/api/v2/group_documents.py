"""The ``groups`` documents public clients send to /graphql (API-v2.md §6), and helpers."""

from __future__ import annotations

from accounts.models import Group, User

RESULT = "responseResult { succeeded errorCode slug message }"
USER_MINIMAL = "id name email providerKey isSystem isActive createdAt lastLoginAt"
GROUP = f"""
  id name isSystem redirectOnLogin permissions
  pageRules {{ id deny match roles path locales }}
  users {{ {USER_MINIMAL} }}
  createdAt updatedAt
"""
# The same without the users' fields the users part adds to UserMinimal.
GROUP_BASIC = """
  id name isSystem redirectOnLogin permissions
  pageRules { id deny match roles path locales }
  users { id name email }
  createdAt updatedAt
"""

# terraform-provider-wikijs (wikijs/genqlient.graphql), as sent.
TF_LIST = """query ListGroups($filter: String, $orderBy: String) {
  groups {
    list(filter: $filter, orderBy: $orderBy) {
      id
      name
      isSystem
      userCount
      createdAt
      updatedAt
    }
  }
}"""
TF_GET = (
    """query GetGroup($id: Int!) {
  groups {
    single(id: $id) {"""
    + GROUP
    + """}
  }
}"""
)
TF_CREATE = (
    """mutation CreateGroup($name: String!) {
  groups {
    create(name: $name) {
      """
    + RESULT
    + """
      group {"""
    + GROUP
    + """}
    }
  }
}"""
)
TF_UPDATE = (
    """mutation UpdateGroup($id: Int!, $name: String!, $redirectOnLogin: String!, """
    """$permissions: [String]!, $pageRules: [PageRuleInput]!) {
  groups {
    update(id: $id, name: $name, redirectOnLogin: $redirectOnLogin, permissions: $permissions, """
    """pageRules: $pageRules) {
      """
    + RESULT
    + """
    }
  }
}"""
)
TF_DELETE = (
    """mutation DeleteGroup($id: Int!) {
  groups {
    delete(id: $id) {
      """
    + RESULT
    + """
    }
  }
}"""
)
TF_ASSIGN = (
    """mutation GroupAssignUser($groupId: Int!, $userId: Int!) {
  groups {
    assignUser(groupId: $groupId, userId: $userId) {
      """
    + RESULT
    + """
    }
  }
}"""
)
# wikijs-pyclient: unnamed documents selecting every field of the return type.
PY_UNASSIGN = (
    "mutation ($groupId: Int!, $userId: Int!) { groups { unassignUser(groupId: $groupId, "
    "userId: $userId) { " + RESULT + " } } }"
)
# Variants selecting only the UserMinimal fields every build has.
GET_BASIC = "query ($id: Int!) { groups { single(id: $id) {" + GROUP_BASIC + "} } }"
CREATE_BASIC = (
    "mutation ($name: String!) { groups { create(name: $name) { "
    + RESULT
    + " group {"
    + GROUP_BASIC
    + "} } } }"
)

OK = {"succeeded": True, "errorCode": 0, "slug": "ok"}


def ok(message: str) -> dict:
    return {**OK, "message": message}


def tf_rule(group: Group, index: int, **fields) -> dict:
    """A page rule as terraform sends it: id ``tf_<group>_<index>``."""
    return {
        "id": f"tf_{group.legacy_id}_{index}",
        "deny": False,
        "match": "START",
        "roles": ["read:pages"],
        "path": "",
        "locales": [],
    } | fields


def update_variables(group: Group, **changes) -> dict:
    """TF_UPDATE's variables keeping ``group``'s name, redirect and permissions."""
    return {
        "id": group.legacy_id,
        "name": group.name,
        "redirectOnLogin": group.redirect_on_login,
        "permissions": list(group.permissions),
        "pageRules": [],
    } | changes


def member_ids(group: Group) -> list[int]:
    return sorted(User.objects.filter(memberships__group=group).values_list("legacy_id", flat=True))


def pyclient(action: str, method: str, reference: str, params: str, response: str) -> str:
    """A document as wikijs-pyclient's PayloadTemplate lays it out (``wikijs/regulators.py``):
    declared variables only for the arguments given, comma-separated selections."""
    reference = f"({reference})" if reference else ""
    params = f"({params})" if params else ""
    return f"""
            {action} {reference} {{
                groups {{
                    {method} {params}
                        {{{response}}}
                }}
            }}
        """


PY_RESULT = "responseResult { succeeded, errorCode, slug, message }"
PY_LIST = pyclient("query", "list", "", "", "id, name, isSystem, userCount, createdAt, updatedAt")
PY_LIST_FILTERED = pyclient(
    "query",
    "list",
    "$filter: String, $orderBy: String",
    "filter: $filter, orderBy: $orderBy",
    "id, name, isSystem, userCount, createdAt, updatedAt",
)
PY_SINGLE = pyclient(
    "query",
    "single",
    "$id: Int!",
    "id: $id",
    "id, name, isSystem, redirectOnLogin, permissions, "
    "pageRules { id, deny, match, roles, path, locales }, users { id, name, email }, "
    "createdAt, updatedAt",
)
PY_UPDATE = pyclient(
    "mutation",
    "update",
    "$id: Int!, $name: String!, $redirectOnLogin: String!, $permissions: [String]!, "
    "$pageRules: [PageRuleInput]!",
    "id: $id, name: $name, redirectOnLogin: $redirectOnLogin, permissions: $permissions, "
    "pageRules: $pageRules",
    PY_RESULT,
)
PY_DELETE = pyclient("mutation", "delete", "$id: Int!", "id: $id", PY_RESULT)
PY_ASSIGN = pyclient(
    "mutation",
    "assignUser",
    "$groupId: Int!, $userId: Int!",
    "groupId: $groupId, userId: $userId",
    PY_RESULT,
)
PY_CREATE = pyclient(
    "mutation",
    "create",
    "$name: String!",
    "name: $name",
    PY_RESULT + ", group { id, name, isSystem, redirectOnLogin, permissions, "
    "pageRules { id, deny, match, roles, path, locales }, users { id, name, email }, "
    "createdAt, updatedAt }",
)
