"""Who may manage users (API.md §3.5, §3.6): a matrix per operation, protected targets, elevation.

Every operation needs manage:users or manage:groups; a user holding manage:system only yields
to manage:system; system users (the guest) to nobody. Group changes through updateUser follow
the elevation rules. A refusal changes nothing, column by column.
"""

import pytest

from accounts.models import USERS_GROUP_ID, User
from accounts.services import administrators_group, guest_user
from tests.factories import GroupFactory, UserFactory

from .permission_support import client_as
from .user_admin_support import ALL_OPERATIONS, assert_ok, call, full_snapshot, refused

pytestmark = pytest.mark.django_db

# (kind, permissions of the granting group) → the key it is refused with, or None.
CALLERS = {
    "guest": ("guest", (), "ERR_NOT_AUTHENTICATED"),
    "plain user": ("user", (), "ERR_FORBIDDEN"),
    "user with read and write:users": ("user_with", ("read:users", "write:users"), "ERR_FORBIDDEN"),
    "user with manage:users": ("user_with", ("manage:users",), None),
    "user with manage:groups": ("user_with", ("manage:groups",), None),
    "admin": ("admin", (), None),
    "key with limited groups": ("key_without", (), "ERR_FORBIDDEN"),
    "key with manage:users": ("key_with", ("manage:users",), None),
    "key with manage:groups": ("key_with", ("manage:groups",), None),
}
MANAGERS = [name for name, (_, _, key) in CALLERS.items() if key is None and name != "admin"]


def caller(name: str, admin):
    if name == "key with manage:system":
        return client_as("key_with", admin, permissions=["manage:system"])
    kind, permissions, _ = CALLERS[name]
    return client_as(kind, admin, permissions=permissions)


def effect_of(operation: str, target: User) -> bool:
    """Whether ``operation`` (run with ``call``'s default arguments) took effect on ``target``."""
    if operation == "deleteUser":
        return not User.objects.filter(pk=target.pk).exists()
    target.refresh_from_db()
    return {
        "updateUser": target.name == "Renamed User",
        "changeUserPassword": target.check_password("NewPassword1"),
        "verifyUser": target.is_verified,
        "activateUser": target.is_active,
        "deactivateUser": not target.is_active,
        "enableUserTFA": target.tfa_required,
        "disableUserTFA": not target.tfa_required,
    }[operation]


def target_for(operation: str, **fields) -> User:
    """A user on whom ``operation`` would change something."""
    initial = {
        "verifyUser": {"is_verified": False},
        "activateUser": {"is_active": False},
        "disableUserTFA": {"tfa_required": True},
    }.get(operation, {})
    return UserFactory(**{**initial, **fields})


# --- The matrix -------------------------------------------------------------------------------
@pytest.mark.parametrize("operation", ALL_OPERATIONS)
@pytest.mark.parametrize("who", list(CALLERS))
def test_permission_matrix(operation, who, admin):
    client = caller(who, admin)
    target, replacement = target_for(operation), UserFactory()
    refusal = CALLERS[who][2]
    before = full_snapshot()
    payload = call(client, operation, target, replace=replacement)
    if refusal is None:
        assert_ok(payload)
        assert effect_of(operation, target)
    else:
        assert payload == refused(refusal)
        assert full_snapshot() == before


# --- Protected targets ------------------------------------------------------------------------
@pytest.mark.parametrize("operation", ALL_OPERATIONS)
@pytest.mark.parametrize("who", [*MANAGERS, "admin", "key with manage:system"])
def test_nobody_manages_the_guest_user(operation, who, admin):
    client = caller(who, admin)
    before = full_snapshot()
    payload = call(client, operation, guest_user(), replace=admin)
    assert payload == refused("ERR_FORBIDDEN")
    assert full_snapshot() == before


@pytest.mark.parametrize("operation", ALL_OPERATIONS)
@pytest.mark.parametrize("protected", ["root administrator", "other manage:system holder"])
@pytest.mark.parametrize("who", MANAGERS)
def test_managers_without_manage_system_leave_system_holders_alone(
    operation, protected, who, admin
):
    client = caller(who, admin)
    # The other holder has manage:system through a group other than Administrators.
    target = admin
    if protected != "root administrator":
        target = UserFactory(groups=[GroupFactory(permissions=["manage:system"])])
    replacement = UserFactory()
    before = full_snapshot()
    payload = call(client, operation, target, replace=replacement)
    assert payload == refused("ERR_FORBIDDEN")
    assert full_snapshot() == before


@pytest.mark.parametrize("operation", ALL_OPERATIONS)
@pytest.mark.parametrize("who", ["admin", "key with manage:system"])
def test_manage_system_manages_system_holders(operation, who, admin):
    client = caller(who, admin)
    target = target_for(operation, groups=[GroupFactory(permissions=["manage:system"])])
    assert_ok(call(client, operation, target, replace=UserFactory()))
    assert effect_of(operation, target)


# --- Elevation through updateUser's groups ----------------------------------------------------
def _groups_after(change: str, target: User, groups: dict) -> list[str]:
    current = [str(USERS_GROUP_ID)]
    name, _, verb = change.rpartition(" ")
    group = groups[name]
    if verb == "leave":
        target.groups.add(group)
        return current
    return [*current, str(group.pk)]


ELEVATION_CALLERS = [*MANAGERS, "admin", "key with manage:system"]
MAY_ELEVATE = {
    "user with manage:groups",
    "key with manage:groups",
    "admin",
    "key with manage:system",
}
ROOT = {"admin", "key with manage:system"}
# change: the callers allowed to make it (the others get ERR_FORBIDDEN)
ELEVATION_CASES = {
    "plain join": set(ELEVATION_CALLERS),
    "plain leave": set(ELEVATION_CALLERS),
    "elevated join": MAY_ELEVATE,
    "elevated leave": MAY_ELEVATE,
    "system join": ROOT,
    "administrators join": ROOT,
}


@pytest.mark.parametrize("change", list(ELEVATION_CASES))
@pytest.mark.parametrize("who", ELEVATION_CALLERS)
def test_update_user_groups_follow_the_elevation_rules(change, who, admin):
    client = caller(who, admin)
    groups = {
        "plain": GroupFactory(permissions=["read:pages", "manage:sites"]),
        "elevated": GroupFactory(permissions=["read:api"]),
        "system": GroupFactory(permissions=["manage:system"]),
        "administrators": administrators_group(),
    }
    target = UserFactory()
    wanted = _groups_after(change, target, groups)
    before = full_snapshot()
    payload = call(client, "updateUser", target, patch={"groups": wanted})
    if who in ELEVATION_CASES[change]:
        assert_ok(payload)
        assert sorted(str(pk) for pk in target.groups.values_list("pk", flat=True)) == sorted(
            wanted
        )
    else:
        assert payload == refused("ERR_FORBIDDEN")
        assert full_snapshot() == before


@pytest.mark.parametrize("who", ["user with manage:users", "key with manage:users"])
def test_keeping_an_elevated_group_needs_no_more_than_manage_users(who, admin):
    elevated = GroupFactory(permissions=["manage:groups"])
    target = UserFactory(groups=[elevated])
    groups = [str(USERS_GROUP_ID), str(elevated.pk)]
    payload = call(
        caller(who, admin), "updateUser", target, patch={"groups": groups, "name": "Kept"}
    )
    assert_ok(payload)
    assert User.objects.get(pk=target.pk).name == "Kept"
