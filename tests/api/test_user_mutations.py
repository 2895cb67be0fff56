"""User management (API.md §4.3.2): effects, and every check in contract order with no trace.

Each order test makes several checks fail at once and expects the earliest one's key; the
database is then exactly as before, column by column. Permissions and protected targets per
caller kind are in test_permission_users.py; deleteUser's re-attribution in test_delete_user.py.
"""

import pytest

from accounts.models import USERS_GROUP_ID, User
from accounts.services import administrators_group, guest_user
from tests.factories import GroupFactory, UserFactory

from .user_admin_support import (
    BY_ID_OPERATIONS,
    CHANGE_USER_PASSWORD,
    UNKNOWN_ID,
    assert_ok,
    call,
    full_snapshot,
    refused,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client_with):
    """A user holding manage:users (and nothing that elevates further)."""
    return client_with("manage:users")


@pytest.fixture
def target():
    return UserFactory(email="target@example.com", name="Target User")


def groups_of(user) -> set:
    return set(user.groups.values_list("pk", flat=True))


def assert_refused_without_trace(client, operation, target, key, **arguments):
    before = full_snapshot()
    assert call(client, operation, target, **arguments) == refused(key)
    assert full_snapshot() == before


# --- updateUser: effects ----------------------------------------------------------------------
def test_update_user_changes_every_given_field(admin_client, target):
    extra = GroupFactory(permissions=["read:pages"])
    patch = {
        "email": "  New.Address@Example.com ",
        "name": "  New Name  ",
        "groups": [str(extra.pk)],
        "auth": {"tfaRequired": True, "mustChangePwd": True, "restrictLogin": True},
        "isActive": False,
        "isVerified": False,
        "meta": {"location": " Paris ", "jobTitle": "Editor", "pronouns": "they"},
        "prefs": {"timezone": "Europe/Paris", "dateFormat": "DD.MM.YYYY", "timeFormat": "24h"},
    }
    assert_ok(call(admin_client, "updateUser", target, patch=patch))
    target.refresh_from_db()
    assert (target.email, target.name) == ("new.address@example.com", "New Name")
    assert groups_of(target) == {extra.pk}
    assert (target.tfa_required, target.must_change_password, target.restrict_login) == (
        True,
        True,
        True,
    )
    assert (target.is_active, target.is_verified) == (False, False)
    assert target.meta == {"location": "Paris", "jobTitle": "Editor", "pronouns": "they"}
    assert target.prefs == {
        "timezone": "Europe/Paris",
        "dateFormat": "DD.MM.YYYY",
        "timeFormat": "24h",
    }


def test_update_user_leaves_absent_null_and_empty_fields_alone(admin_client, target):
    target.meta = {"location": "Oslo", "jobTitle": "", "pronouns": ""}
    target.prefs = {"timezone": "Europe/Oslo"}
    target.save()
    patch = {"email": None, "name": None, "groups": None, "auth": {}, "meta": {}, "prefs": {}}
    before = User.objects.filter(pk=target.pk).values().get()
    assert_ok(call(admin_client, "updateUser", target, patch=patch))
    after = User.objects.filter(pk=target.pk).values().get()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert groups_of(target) == {USERS_GROUP_ID}


def test_update_user_keeps_its_own_email_in_another_case(admin_client, target):
    assert_ok(call(admin_client, "updateUser", target, patch={"email": "TARGET@example.com"}))
    assert User.objects.get(pk=target.pk).email == "target@example.com"


def test_update_user_auth_flags_are_ignored_without_a_local_password(admin_client, target):
    target.set_unusable_password()
    target.save()
    patch = {"auth": {"tfaRequired": True, "mustChangePwd": True, "restrictLogin": True}}
    assert_ok(call(admin_client, "updateUser", target, patch=patch))
    target.refresh_from_db()
    assert (target.tfa_required, target.must_change_password, target.restrict_login) == (
        False,
        False,
        False,
    )


def test_update_user_with_an_empty_group_list_removes_every_membership(admin_client, target):
    assert_ok(call(admin_client, "updateUser", target, patch={"groups": []}))
    assert groups_of(target) == set()


# --- updateUser: checks in order --------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("guest", "ERR_NOT_AUTHENTICATED"),
        ("no permission", "ERR_FORBIDDEN"),
        ("unknown user", "ERR_INVALID_USER"),
        ("system user", "ERR_FORBIDDEN"),
        ("root administrator", "ERR_FORBIDDEN"),
        ("bad email", "ERR_EMAIL_ADDRESS_NOT_ALLOWED"),
        ("long email", "ERR_EMAIL_ADDRESS_NOT_ALLOWED"),
        ("taken email", "ERR_DUPLICATE_ACCOUNT_EMAIL"),
        ("bad name", "ERR_INVALID_INPUT"),
        ("unknown group", "ERR_INVALID_GROUP"),
        ("elevated group", "ERR_FORBIDDEN"),
    ],
)
def test_update_user_checks_in_order(case, key, anonymous, user_client, manager, admin, target):
    """Each case breaks its own check and every later one; the first decides."""
    UserFactory(email="taken@example.com")
    elevated = GroupFactory(permissions=["manage:groups"])
    later = {
        "email": "not an address",
        "name": " x ",
        "groups": [UNKNOWN_ID, str(elevated.pk)],
    }
    client, who = manager, target
    if case == "guest":
        client, who = anonymous, UNKNOWN_ID
    elif case == "no permission":
        client, who = user_client, UNKNOWN_ID
    elif case == "unknown user":
        who = UNKNOWN_ID
    elif case == "system user":
        who = guest_user()
    elif case == "root administrator":
        who = admin
    elif case == "long email":
        later["email"] = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".com"
    elif case == "taken email":
        later["email"] = "Taken@Example.com"
    elif case == "bad name":
        del later["email"]
    elif case == "unknown group":
        later = {"groups": later["groups"]}
    elif case == "elevated group":
        later = {"groups": [str(elevated.pk)]}
    assert_refused_without_trace(client, "updateUser", who, key, patch=later)


@pytest.mark.parametrize(
    "patch",
    [
        {"prefs": {"timezone": "Mars/Olympus"}},
        {"prefs": {"dateFormat": "YY"}},
        {"prefs": {"timeFormat": "36h"}},
        {"prefs": {"appearance": "neon"}},
        {"prefs": {"cvd": "none", "colour": "red"}},
        {"prefs": {"timezone": 5}},
        {"meta": {"location": ["x"]}},
        {"meta": {"secret": "x"}},
        {"meta": {"location": "x" * 256}},
    ],
)
def test_update_user_refuses_bad_meta_and_prefs(patch, admin_client, target):
    assert_refused_without_trace(
        admin_client, "updateUser", target, "ERR_INVALID_INPUT", patch=patch
    )


def test_root_administrator_stays_in_administrators(admin, client_for):
    other_admin = UserFactory()
    other_admin.groups.add(administrators_group())
    client = client_for(other_admin)
    assert_refused_without_trace(
        client, "updateUser", admin, "ERR_FORBIDDEN", patch={"groups": [str(USERS_GROUP_ID)]}
    )
    # The root administrator may keep Administrators while leaving Users.
    assert_ok(call(client, "updateUser", admin, patch={"groups": [str(administrators_group().pk)]}))
    assert groups_of(admin) == {administrators_group().pk}
    # Another administrator may be taken out of Administrators.
    assert_ok(call(client_for(admin), "updateUser", other_admin, patch={"groups": []}))
    assert groups_of(other_admin) == set()


# --- verifyUser, activateUser, deactivateUser, enableUserTFA, disableUserTFA ------------------
@pytest.mark.parametrize(
    ("operation", "before", "after"),
    [
        ("verifyUser", {"is_verified": False}, {"is_verified": True}),
        ("activateUser", {"is_active": False}, {"is_active": True}),
        ("deactivateUser", {"is_active": True}, {"is_active": False}),
        ("enableUserTFA", {"tfa_required": False}, {"tfa_required": True}),
        ("disableUserTFA", {"tfa_required": True}, {"tfa_required": False}),
    ],
)
def test_flag_operations_set_their_flag_and_nothing_else(operation, before, after, manager):
    target = UserFactory(**before)
    state = full_snapshot()
    assert_ok(call(manager, operation, target))
    target.refresh_from_db()
    assert {field: getattr(target, field) for field in after} == after
    # Run twice: setting a flag that is already set succeeds as well.
    assert_ok(call(manager, operation, target))
    target.refresh_from_db()
    changed = full_snapshot()
    for row in state["users"]:
        if row["id"] == target.pk:
            row.update(after, updated_at=target.updated_at)
    assert changed == state


@pytest.mark.parametrize("operation", BY_ID_OPERATIONS)
@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("guest", "ERR_NOT_AUTHENTICATED"),
        ("no permission", "ERR_FORBIDDEN"),
        ("unknown user", "ERR_INVALID_USER"),
        ("system user", "ERR_FORBIDDEN"),
    ],
)
def test_flag_operations_check_in_order(operation, case, key, anonymous, user_client, manager):
    client = {"guest": anonymous, "no permission": user_client}.get(case, manager)
    # The guest user has no password either: for the TFA operations that check comes later.
    who = guest_user() if case == "system user" else UNKNOWN_ID
    assert_refused_without_trace(client, operation, who, key)


@pytest.mark.parametrize("operation", ["enableUserTFA", "disableUserTFA"])
def test_tfa_needs_a_local_password(operation, manager, target):
    target.set_unusable_password()
    target.save()
    assert_refused_without_trace(manager, operation, target, "ERR_INVALID_STRATEGY")


# --- changeUserPassword -----------------------------------------------------------------------
def test_change_user_password_replaces_the_password(manager, target):
    target.must_change_password = True
    target.save()
    assert_ok(call(manager, "changeUserPassword", target, password="Another-Secret"))
    target.refresh_from_db()
    assert target.check_password("Another-Secret")
    assert not target.check_password("Password123")
    assert target.must_change_password is True  # unchanged without the argument


@pytest.mark.parametrize("must", [True, False])
def test_change_user_password_sets_must_change_when_given(must, manager, target):
    variables = {"id": str(target.pk), "newPassword": "12345678", "must": must}
    r = manager(CHANGE_USER_PASSWORD, variables)
    assert_ok(r.data["changeUserPassword"])
    target.refresh_from_db()
    assert (target.check_password("12345678"), target.must_change_password) == (True, must)


def test_change_user_password_creates_local_credentials(manager, target):
    target.set_unusable_password()
    target.save()
    assert_ok(call(manager, "changeUserPassword", target, password="First-Password"))
    target.refresh_from_db()
    assert target.has_local_credentials
    assert target.check_password("First-Password")


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("guest", "ERR_NOT_AUTHENTICATED"),
        ("no permission", "ERR_FORBIDDEN"),
        ("short password", "ERR_PASSWORD_TOO_SHORT"),
        ("unknown user", "ERR_INVALID_USER"),
        ("system user", "ERR_FORBIDDEN"),
    ],
)
def test_change_user_password_checks_in_order(case, key, anonymous, user_client, manager):
    client = {"guest": anonymous, "no permission": user_client}.get(case, manager)
    password = "NewPassword1" if case in ("unknown user", "system user") else "1234567"
    who = guest_user() if case == "system user" else UNKNOWN_ID
    assert_refused_without_trace(client, "changeUserPassword", who, key, password=password)
