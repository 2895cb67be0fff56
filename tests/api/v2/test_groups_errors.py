"""Failures of the groups namespace (API-v2.md §3.4, §2.7): every one is a GraphQL error (G)
with Wiki.js 2's exact message, in the listed order, leaving nothing changed; and the gate of
each operation for every kind of caller (§2.5)."""

from __future__ import annotations

import pytest

from accounts import scopes
from accounts.models import Group, User
from accounts.services import administrators_group
from tests.api.group_support import state
from tests.factories import GroupFactory, UserFactory

from .group_documents import (
    CREATE_BASIC,
    GET_BASIC,
    PY_UNASSIGN,
    TF_ASSIGN,
    TF_DELETE,
    TF_LIST,
    TF_UPDATE,
    member_ids,
    tf_rule,
    update_variables,
)

pytestmark = pytest.mark.django_db

INVALID_GROUP = "Invalid Group ID"
INVALID_USER = "Invalid User ID"
UNSAFE_REGEX = "Some Page Rules contains unsafe or exponential time regex."
ADMIN_PERMISSIONS = (
    "You are not authorized to manage this group or assign these administrative permissions."
)
SYSTEM_PERMISSIONS = (
    "You are not authorized to manage this group or assign the manage:system permissions."
)
ADMINS_KEEP = "Cannot remove the manage:system permission from the Administrators group."
ASSIGN_ELEVATED = "You are not authorized to assign a user to this administrative group."
ASSIGN_SYSTEM = (
    "You are not authorized to assign a user to a group with the manage:system permission."
)
INPUT_INVALID = "Input data is invalid."
MISSING = 987654
RULE = {"id": "tf_9_0", "deny": False, "match": "START", "roles": [], "path": "", "locales": []}


def assert_g_error(r, field: str, message: str, code: int | None = None) -> None:
    """§2.4: HTTP 200, ``groups.<field>`` null, one error; ``exception`` for classes only."""
    assert r.status == 200, r.body
    assert r.data == {"groups": {field: None}}, r.body
    [error] = r.errors
    assert error["message"] == message, r.body
    assert error["path"] == ["groups", field]
    extensions = {"code": "INTERNAL_SERVER_ERROR"}
    if code is not None:
        extensions["exception"] = {"code": code, "message": message}
    assert error["extensions"] == extensions


def refused(client, document, variables, field, message, code=None) -> None:
    before = state()
    assert_g_error(client(document, variables), field, message, code)
    assert state() == before


@pytest.fixture
def v2_with(v2_for):
    """``v2_with(*scopes)``: a signed-in user whose only other group is Users."""

    def make(*granted: str):
        return v2_for(UserFactory(groups=[GroupFactory(permissions=list(granted))]))

    return make


# --- create -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["", "   ", "a<b", "n" * 256])
def test_create_refuses_bad_names(v2_admin, name):
    refused(v2_admin, CREATE_BASIC, {"name": name}, "create", INPUT_INVALID, 1012)


# --- update -------------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern", ["(", "(a)\\1", "(?=docs)x", "a{2,1}"])
def test_update_refuses_unsafe_regex_first(v2_admin, pattern):
    group = GroupFactory()
    bad = tf_rule(group, 0, match="REGEX", path=pattern)
    # Checked before the group is looked up and before the name.
    variables = update_variables(group, id=MISSING, name="", pageRules=[bad])
    refused(v2_admin, TF_UPDATE, variables, "update", UNSAFE_REGEX)
    variables = update_variables(group, pageRules=[tf_rule(group, 1), bad])
    refused(v2_admin, TF_UPDATE, variables, "update", UNSAFE_REGEX)


def test_update_of_an_unknown_group(v2_admin):
    group = GroupFactory()
    for missing in (MISSING, 0, -3):
        variables = update_variables(group, id=missing, name="", permissions=["manage:system"])
        refused(v2_admin, TF_UPDATE, variables, "update", INVALID_GROUP)


@pytest.mark.parametrize(
    "scope", ["manage:users", "write:groups", "manage:navigation", "read:api", "manage:system"]
)
def test_update_without_manage_groups_grants_no_administrative_scope(v2_with, scope):
    client = v2_with("write:groups")
    group = GroupFactory(permissions=["read:pages"])
    variables = update_variables(group, name="", permissions=["read:pages", scope])
    refused(client, TF_UPDATE, variables, "update", ADMIN_PERMISSIONS)


def test_update_without_manage_groups_keeps_to_plain_scopes(v2_with):
    client = v2_with("write:groups")
    group = GroupFactory(permissions=["read:pages"])
    r = client(TF_UPDATE, update_variables(group, permissions=["read:pages", "write:pages"]))
    assert r.errors == [], r.body
    group.refresh_from_db()
    assert group.permissions == ["read:pages", "write:pages"]


def test_update_without_manage_system_grants_no_system_scope(v2_with):
    client = v2_with("manage:groups")
    group = GroupFactory(permissions=["read:pages"])
    variables = update_variables(group, name="", permissions=["manage:system"])
    refused(client, TF_UPDATE, variables, "update", SYSTEM_PERMISSIONS)
    # A group editor still grants the other administrative scopes.
    r = client(TF_UPDATE, update_variables(group, permissions=["manage:users"]))
    assert r.errors == [], r.body


def test_update_keeps_manage_system_on_administrators(v2_admin):
    admins = administrators_group()
    variables = update_variables(admins, name="", permissions=["manage:groups"])
    refused(v2_admin, TF_UPDATE, variables, "update", ADMINS_KEEP)


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"name": 'say "hi"'},
        {"permissions": ["read:pages", "fly:planes"]},
        {"redirectOnLogin": "/" + "x" * 255},
        {"pageRules": [{**RULE, "roles": ["manage:system"]}]},
        {"pageRules": [{**RULE, "locales": ["english"]}]},
        {"pageRules": [{**RULE, "match": "TAG"}]},
    ],
)
def test_update_refuses_invalid_input(v2_admin, change):
    group = GroupFactory()
    refused(v2_admin, TF_UPDATE, update_variables(group, **change), "update", INPUT_INVALID, 1012)


@pytest.mark.parametrize(
    "ids",
    [
        ("tf_5_0", "tf_5_0"),
        ("3f0c9a4e-7b1d-4c2a-9e5f-0a1b2c3d4e5f", "3F0C9A4E-7B1D-4C2A-9E5F-0A1B2C3D4E5F"),
    ],
)
def test_update_refuses_duplicate_rule_ids(v2_admin, ids):
    group = GroupFactory()
    rules = [tf_rule(group, n, id=rule_id, path=f"p{n}") for n, rule_id in enumerate(ids)]
    variables = update_variables(group, pageRules=rules)
    refused(v2_admin, TF_UPDATE, variables, "update", INPUT_INVALID, 1012)


def test_update_checks_elevation_before_input(v2_with):
    client = v2_with("manage:groups")
    group = GroupFactory()
    duplicate = [tf_rule(group, 0), tf_rule(group, 0)]
    variables = update_variables(group, permissions=["manage:system"], pageRules=duplicate)
    refused(client, TF_UPDATE, variables, "update", SYSTEM_PERMISSIONS)


# --- delete -------------------------------------------------------------------------------------
@pytest.mark.parametrize("system_id", [1, 2, 3])
def test_delete_refuses_system_groups(v2_admin, system_id):
    refused(v2_admin, TF_DELETE, {"id": system_id}, "delete", "Cannot delete this group.")


@pytest.mark.parametrize("missing", [MISSING, 0])
def test_delete_of_an_unknown_group(v2_admin, missing):
    refused(v2_admin, TF_DELETE, {"id": missing}, "delete", INVALID_GROUP)


def test_delete_of_an_elevated_group_needs_manage_groups(v2_with):
    group = GroupFactory(permissions=["manage:users"])
    refused(
        v2_with("write:groups"), TF_DELETE, {"id": group.legacy_id}, "delete", ADMIN_PERMISSIONS
    )
    system = GroupFactory(permissions=["manage:system"])
    refused(
        v2_with("manage:groups"), TF_DELETE, {"id": system.legacy_id}, "delete", SYSTEM_PERMISSIONS
    )


# --- assignUser ---------------------------------------------------------------------------------
def assign(client, group_id: int, user_id: int, message: str) -> None:
    variables = {"groupId": group_id, "userId": user_id}
    refused(client, TF_ASSIGN, variables, "assignUser", message)


def test_assign_refuses_the_guest_first(v2_admin):
    assign(v2_admin, MISSING, 2, "Cannot assign the Guest user to a group.")
    assign(v2_admin, 3, 2, "Cannot assign the Guest user to a group.")


def test_assign_to_an_unknown_group(v2_admin):
    assign(v2_admin, MISSING, MISSING, INVALID_GROUP)
    assign(v2_admin, 0, UserFactory().legacy_id, INVALID_GROUP)


def test_assign_to_an_elevated_group_needs_manage_groups(v2_with):
    elevated = GroupFactory(permissions=["read:pages", "write:users"])
    client = v2_with("manage:users")
    # Elevation comes before the user's existence.
    assign(client, elevated.legacy_id, MISSING, ASSIGN_ELEVATED)
    assign(client, elevated.legacy_id, UserFactory().legacy_id, ASSIGN_ELEVATED)
    # A manage:system group is elevated too: without manage:groups, that message first.
    assign(client, administrators_group().legacy_id, UserFactory().legacy_id, ASSIGN_ELEVATED)


def test_assign_to_a_manage_system_group_needs_manage_system(v2_with):
    client = v2_with("manage:groups")
    assign(client, 1, UserFactory().legacy_id, ASSIGN_SYSTEM)
    holding = GroupFactory(permissions=["manage:system"])
    assign(client, holding.legacy_id, UserFactory().legacy_id, ASSIGN_SYSTEM)


def test_assign_an_unknown_user(v2_admin):
    assign(v2_admin, GroupFactory().legacy_id, MISSING, INVALID_USER)
    assign(v2_admin, GroupFactory().legacy_id, -1, INVALID_USER)


def test_assign_a_member_again(v2_admin):
    group = GroupFactory()
    member = UserFactory(groups=[group])
    assign(v2_admin, group.legacy_id, member.legacy_id, "User is already assigned to group.")
    assert member_ids(group) == [member.legacy_id]


# --- unassignUser -------------------------------------------------------------------------------
def unassign(client, group_id: int, user_id: int, message: str) -> None:
    variables = {"groupId": group_id, "userId": user_id}
    refused(client, PY_UNASSIGN, variables, "unassignUser", message)


def test_unassign_refuses_the_guest_first(v2_admin):
    unassign(v2_admin, MISSING, 2, "Cannot unassign Guest user")
    unassign(v2_admin, 2, 2, "Cannot unassign Guest user")


def test_unassign_keeps_the_root_administrator(v2_for):
    root = User.objects.create_superuser("root@example.com", "Password123")
    assert root.legacy_id == 1
    other = UserFactory()
    User.objects.make_administrator(other)
    message = "Cannot unassign Administrator user from Administrators group."
    unassign(v2_for(other), 1, 1, message)
    unassign(v2_for(root), 1, 1, message)
    # Another administrator may leave.
    r = v2_for(root)(PY_UNASSIGN, {"groupId": 1, "userId": other.legacy_id})
    assert r.errors == [], r.body


def test_unassign_from_an_unknown_group(v2_admin):
    unassign(v2_admin, MISSING, MISSING, INVALID_GROUP)


def test_unassign_an_unknown_user_before_elevation(v2_admin, v2_with):
    unassign(v2_admin, GroupFactory().legacy_id, MISSING, INVALID_USER)
    elevated = GroupFactory(permissions=["manage:api"])
    unassign(v2_with("manage:users"), elevated.legacy_id, MISSING, INVALID_USER)


def test_unassign_from_elevated_groups(v2_with):
    elevated = GroupFactory(permissions=["manage:theme"])
    member = UserFactory(groups=[elevated])
    unassign(v2_with("manage:users"), elevated.legacy_id, member.legacy_id, ASSIGN_ELEVATED)
    holding = GroupFactory(permissions=["manage:system"])
    member = UserFactory(groups=[holding])
    unassign(v2_with("manage:groups"), holding.legacy_id, member.legacy_id, ASSIGN_SYSTEM)


# --- the gate of each operation (§2.5) ----------------------------------------------------------
LIST_GATE = ["write:users", "manage:users", "write:groups", "manage:groups", "manage:system"]
GROUP_GATE = ["write:groups", "manage:groups", "manage:system"]
MEMBERSHIP_GATE = ["manage:users", "write:groups", "manage:groups", "manage:system"]


def _single(group: Group, member: User) -> tuple:
    return GET_BASIC, {"id": group.legacy_id}


def _list(group: Group, member: User) -> tuple:
    return TF_LIST, {}


def _create(group: Group, member: User) -> tuple:
    return CREATE_BASIC, {"name": "Gated"}


def _update(group: Group, member: User) -> tuple:
    return TF_UPDATE, update_variables(group, name="Renamed", pageRules=[tf_rule(group, 0)])


def _delete(group: Group, member: User) -> tuple:
    return TF_DELETE, {"id": group.legacy_id}


def _assign(group: Group, member: User) -> tuple:
    return TF_ASSIGN, {"groupId": group.legacy_id, "userId": UserFactory().legacy_id}


def _unassign(group: Group, member: User) -> tuple:
    return PY_UNASSIGN, {"groupId": group.legacy_id, "userId": member.legacy_id}


OPERATIONS = {
    "list": (_list, LIST_GATE),
    "single": (_single, GROUP_GATE),
    "create": (_create, GROUP_GATE),
    "update": (_update, GROUP_GATE),
    "delete": (_delete, GROUP_GATE),
    "assignUser": (_assign, MEMBERSHIP_GATE),
    "unassignUser": (_unassign, MEMBERSHIP_GATE),
}
# A scope outside each gate (for single, one that /_graphql's groupById accepts).
OUTSIDE = {
    "list": "read:users",
    "single": "manage:users",
    "create": "manage:users",
    "update": "write:users",
    "delete": "manage:users",
    "assignUser": "write:users",
    "unassignUser": "write:users",
}
KINDS = ["guest", "user", "user_outside", "key_without", "key_with", "admin"]


def caller(kind, scope, *, v2_anonymous, v2_for, v2_key_for, v2_admin, outside):
    if kind == "guest":
        return v2_anonymous
    if kind == "user":
        return v2_for(UserFactory())
    if kind == "user_outside":
        return v2_for(UserFactory(groups=[GroupFactory(permissions=[outside])]))
    if kind == "user_with":
        return v2_for(UserFactory(groups=[GroupFactory(permissions=[scope])]))
    if kind == "key_without":
        return v2_key_for(GroupFactory(permissions=list(scopes.BASE_READ_PERMISSIONS)))
    if kind == "key_with":
        return v2_key_for(GroupFactory(permissions=[scope]))
    return v2_admin


def gate_cases():
    for operation, (_, gate) in OPERATIONS.items():
        for kind in KINDS:
            yield operation, kind, gate[0]
        for scope in gate:
            yield operation, "user_with", scope


@pytest.mark.parametrize(("operation", "kind", "scope"), list(gate_cases()))
def test_gate(operation, kind, scope, v2_anonymous, v2_for, v2_key_for, v2_admin):
    make, _ = OPERATIONS[operation]
    client = caller(
        kind,
        scope,
        v2_anonymous=v2_anonymous,
        v2_for=v2_for,
        v2_key_for=v2_key_for,
        v2_admin=v2_admin,
        outside=OUTSIDE[operation],
    )
    group = GroupFactory(permissions=["read:pages"])
    member = UserFactory(groups=[group])
    document, variables = make(group, member)

    if kind in ("guest", "user", "user_outside", "key_without"):
        refused(client, document, variables, operation, "Forbidden")
        return
    r = client(document, variables)
    assert r.status == 200, r.body
    assert r.errors == [], r.body
    result = r.data["groups"][operation]
    assert result is not None
    if operation not in ("list", "single"):
        assert result["responseResult"]["succeeded"] is True
