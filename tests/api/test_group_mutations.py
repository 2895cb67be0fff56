"""Group mutations (API.md §4.4.2): every check in contract order, and the effects."""

import uuid

import pytest

from accounts import scopes
from accounts.models import GUESTS_GROUP_ID, USERS_GROUP_ID, Group, Membership
from accounts.services import administrators_group, guest_user
from tests.factories import GroupFactory, PageFactory, UserFactory

from .group_support import (
    ASSIGN,
    CREATE_GROUP,
    DELETE_GROUP,
    UNASSIGN,
    UPDATE_GROUP,
    input_rule,
    missing_id,
    state,
    update_variables,
)
from .permission_support import assert_mutation_refused, assert_mutation_succeeded

pytestmark = pytest.mark.django_db

PAGES = "{ pages(orderBy: PATH) { path } }"


def refused(client, document, variables, field, key, *payload):
    before = state()
    assert_mutation_refused(client(document, variables), field, key, *payload)
    assert state() == before


# --- createGroup --------------------------------------------------------------------------------
def test_create_group_makes_the_default_group(admin_client):
    r = admin_client(CREATE_GROUP, {"name": "  Editors  "})

    group = assert_mutation_succeeded(r, "createGroup")["group"]
    stored = Group.objects.get(pk=group["id"])
    [default] = stored.rules
    assert uuid.UUID(default["id"]).version == 4
    assert group == {
        "id": str(stored.pk),
        "name": "Editors",
        "isSystem": False,
        "redirectOnLogin": "",
        "redirectOnFirstLogin": "",
        "redirectOnLogout": "",
        "permissions": ["read:pages", "read:assets", "read:comments", "write:comments"],
        "rules": [
            {
                "id": default["id"],
                "name": "Default Rule",
                "mode": "ALLOW",
                "match": "START",
                "roles": ["read:pages", "read:assets", "read:comments", "write:comments"],
                "path": "",
                "locales": [],
                "sites": [],
            }
        ],
        "userCount": 0,
        "createdAt": group["createdAt"],
        "updatedAt": group["updatedAt"],
    }
    assert stored.memberships.count() == 0


@pytest.mark.parametrize("name", ["", "   ", "a<b", 'say "hi"', "x>", "n" * 256])
def test_create_group_refuses_bad_names(admin_client, name):
    refused(admin_client, CREATE_GROUP, {"name": name}, "createGroup", "ERR_INVALID_INPUT", "group")


def test_create_group_checks_permission_before_the_name(user_client, anonymous):
    refused(user_client, CREATE_GROUP, {"name": ""}, "createGroup", "ERR_FORBIDDEN", "group")
    refused(anonymous, CREATE_GROUP, {"name": ""}, "createGroup", "ERR_NOT_AUTHENTICATED", "group")


# --- updateGroup --------------------------------------------------------------------------------
def test_update_group_replaces_everything_and_normalises(admin_client):
    group = GroupFactory(name="Old", permissions=["read:pages"], redirect_on_login="/old")
    site = str(uuid.uuid4())
    rules = [
        input_rule(path="/Docs/", roles=["write:pages", None]),
        None,
        input_rule("DENY", "REGEX", "^secret", sites=[site], locales=["EN"]),
    ]
    variables = update_variables(
        group, name=" New ", redirect="", permissions=["manage:users", None], rules=rules
    )

    assert_mutation_succeeded(admin_client(UPDATE_GROUP, variables), "updateGroup")

    group.refresh_from_db()
    assert (group.name, group.redirect_on_login, group.permissions) == (
        "New",
        "/",
        ["manage:users"],
    )
    assert group.rules == [
        {**rules[0], "path": "docs/", "roles": ["write:pages"]},
        {**rules[2], "locales": ["en"]},
    ]


def test_update_group_applies_to_members_on_their_next_request(client_for):
    group = GroupFactory(name="Readers", permissions=[], rules=[input_rule()])
    member = client_for(UserFactory(groups=[group]))
    PageFactory(path="docs/a")
    PageFactory(path="hr/pay")
    assert [p["path"] for p in member(PAGES).data["pages"]] == ["docs/a", "hr/pay"]
    admin = UserFactory(groups=[administrators_group()])

    deny_hr = [*group.rules, input_rule("DENY", "START", "hr")]
    r = client_for(admin)(UPDATE_GROUP, update_variables(group, rules=deny_hr))

    assert_mutation_succeeded(r, "updateGroup")
    assert [p["path"] for p in member(PAGES).data["pages"]] == ["docs/a"]


BAD_UPDATES = {
    "name": {"name": "<b>"},
    "unknown scope": {"permissions": ["read:pages", "fly:pages"]},
    "role not a page role": {"rules": [input_rule(roles=["manage:users"])]},
    "regex RE2 cannot run": {"rules": [input_rule(match="REGEX", path="(?<=hr/)faq")]},
    "regex not compiling": {"rules": [input_rule(match="REGEX", path="(")]},
    "locale": {"rules": [input_rule(locales=["english"])]},
    "tag rule without tags": {"rules": [input_rule(match="TAG", path=",")]},
    "rule name too long": {"rules": [input_rule(name="n" * 256)]},
}


@pytest.mark.parametrize("change", BAD_UPDATES.values(), ids=BAD_UPDATES.keys())
def test_update_group_refuses_invalid_input(admin_client, change):
    group = GroupFactory(name="Team", rules=[input_rule()])
    variables = update_variables(group, **change)
    refused(admin_client, UPDATE_GROUP, variables, "updateGroup", "ERR_INVALID_INPUT")


def test_update_group_rejects_non_uuid_rule_and_site_ids_before_running(admin_client):
    group = GroupFactory(name="Team")
    before = state()
    for bad in (input_rule() | {"id": "r1"}, input_rule() | {"sites": ["main"]}):
        r = admin_client(UPDATE_GROUP, update_variables(group, rules=[bad]))
        assert r.status == 400
    assert state() == before


def test_update_group_check_order(client_with, admin_client):
    editor = client_with(scopes.MANAGE_GROUPS)
    group = GroupFactory(name="Team", permissions=["read:pages"])
    admins = administrators_group()
    everything_wrong = {"name": "", "permissions": ["fly:pages", "manage:system"]}
    # 1. permission, before the group is looked up
    refused(
        client_with(scopes.MANAGE_USERS),
        UPDATE_GROUP,
        update_variables(group, id=missing_id(), **everything_wrong),
        "updateGroup",
        "ERR_FORBIDDEN",
    )
    # 2. the group exists, before its name
    missing = update_variables(group, id=missing_id(), **everything_wrong)
    refused(editor, UPDATE_GROUP, missing, "updateGroup", "ERR_INVALID_GROUP")
    # 3. the name, before the scopes
    refused(
        editor,
        UPDATE_GROUP,
        update_variables(group, **everything_wrong),
        "updateGroup",
        "ERR_INVALID_INPUT",
    )
    # 4. the scopes and rules, before who may grant them
    bad_rule = {"permissions": ["manage:system"], "rules": [input_rule(roles=["x:y"])]}
    refused(
        editor,
        UPDATE_GROUP,
        update_variables(group, **bad_rule),
        "updateGroup",
        "ERR_INVALID_INPUT",
    )
    # 5. only manage:system grants *:system
    system = update_variables(group, permissions=["read:pages", "manage:system"])
    refused(editor, UPDATE_GROUP, system, "updateGroup", "ERR_FORBIDDEN")
    # 6. Administrators keep manage:system, even for the root administrator
    demote = update_variables(admins, permissions=["read:pages"])
    refused(admin_client, UPDATE_GROUP, demote, "updateGroup", "ERR_FORBIDDEN")


def test_a_group_editor_may_keep_but_not_add_system_scopes(client_with):
    editor = client_with(scopes.MANAGE_GROUPS)
    admins = administrators_group()

    r = editor(UPDATE_GROUP, update_variables(admins, name="Root", redirect="/admin"))

    assert_mutation_succeeded(r, "updateGroup")
    admins.refresh_from_db()
    assert (admins.name, admins.permissions) == ("Root", ["manage:system"])


# --- deleteGroup --------------------------------------------------------------------------------
def test_delete_group_removes_it_and_its_memberships(admin_client, api_key_for):
    group = GroupFactory(name="Temp", permissions=["manage:api"])
    member = UserFactory(groups=[group])
    key = api_key_for(group)

    assert_mutation_succeeded(admin_client(DELETE_GROUP, {"id": str(group.pk)}), "deleteGroup")

    assert not Group.objects.filter(pk=group.pk).exists()
    assert list(member.groups.values_list("pk", flat=True)) == [USERS_GROUP_ID]
    # The key that embedded it lost its permissions.
    assert key("{ apiKeys { id } }").error_messages == ["ERR_FORBIDDEN"]


def test_delete_group_check_order(admin_client, client_with):
    refused(
        client_with(scopes.MANAGE_USERS),
        DELETE_GROUP,
        {"id": missing_id()},
        "deleteGroup",
        "ERR_FORBIDDEN",
    )
    refused(admin_client, DELETE_GROUP, {"id": missing_id()}, "deleteGroup", "ERR_INVALID_GROUP")
    for system in (administrators_group().pk, USERS_GROUP_ID, GUESTS_GROUP_ID):
        refused(admin_client, DELETE_GROUP, {"id": str(system)}, "deleteGroup", "ERR_FORBIDDEN")


# --- assignUserToGroup --------------------------------------------------------------------------
def test_assign_adds_the_membership(admin_client):
    group, user = GroupFactory(name="Team"), UserFactory()

    r = admin_client(ASSIGN, {"groupId": str(group.pk), "userId": str(user.pk)})

    assert_mutation_succeeded(r, "assignUserToGroup")
    assert Membership.objects.filter(group=group, user=user).count() == 1


def test_assign_check_order(admin_client, client_with):
    plain, guest = GroupFactory(name="Team"), guest_user()
    elevated = GroupFactory(name="Keys", permissions=["manage:api"])
    member = UserFactory(groups=[plain])
    manager = client_with(scopes.MANAGE_USERS)
    ids = {"groupId": missing_id(), "userId": str(guest.pk)}
    # 1. permission
    refused(client_with(scopes.READ_USERS), ASSIGN, ids, "assignUserToGroup", "ERR_FORBIDDEN")
    # 2. a system user, before the group is looked up
    refused(admin_client, ASSIGN, ids, "assignUserToGroup", "ERR_FORBIDDEN")
    # 3. the group exists, before the user
    ids = {"groupId": missing_id(), "userId": missing_id()}
    refused(admin_client, ASSIGN, ids, "assignUserToGroup", "ERR_INVALID_GROUP")
    # 4. elevation, before the user
    ids = {"groupId": str(elevated.pk), "userId": missing_id()}
    refused(manager, ASSIGN, ids, "assignUserToGroup", "ERR_FORBIDDEN")
    # 5. the user exists
    refused(admin_client, ASSIGN, ids, "assignUserToGroup", "ERR_INVALID_USER")
    # 6. not a member yet
    ids = {"groupId": str(plain.pk), "userId": str(member.pk)}
    refused(admin_client, ASSIGN, ids, "assignUserToGroup", "ERR_INVALID_INPUT")


# --- unassignUserFromGroup ----------------------------------------------------------------------
def test_unassign_removes_the_membership_and_is_quiet_for_non_members(admin_client):
    group = GroupFactory(name="Team")
    member, other = UserFactory(groups=[group]), UserFactory()

    for user in (member, other):
        r = admin_client(UNASSIGN, {"groupId": str(group.pk), "userId": str(user.pk)})
        assert_mutation_succeeded(r, "unassignUserFromGroup")

    assert group.memberships.count() == 0
    assert list(other.groups.values_list("pk", flat=True)) == [USERS_GROUP_ID]


def test_unassign_check_order(admin, admin_client, client_with):
    admins = administrators_group()
    elevated = GroupFactory(name="Keys", permissions=["manage:api"])
    guest = guest_user()
    manager = client_with(scopes.MANAGE_USERS)
    ids = {"groupId": missing_id(), "userId": str(guest.pk)}
    # 1. permission
    refused(
        client_with(scopes.WRITE_USERS), UNASSIGN, ids, "unassignUserFromGroup", "ERR_FORBIDDEN"
    )
    # 2. a system user
    guest_in_guests = {"groupId": str(GUESTS_GROUP_ID), "userId": str(guest.pk)}
    refused(admin_client, UNASSIGN, guest_in_guests, "unassignUserFromGroup", "ERR_FORBIDDEN")
    # 3. the root administrator stays in Administrators
    root = {"groupId": str(admins.pk), "userId": str(admin.pk)}
    refused(admin_client, UNASSIGN, root, "unassignUserFromGroup", "ERR_FORBIDDEN")
    # 4. the group exists, before the user
    ids = {"groupId": missing_id(), "userId": missing_id()}
    refused(admin_client, UNASSIGN, ids, "unassignUserFromGroup", "ERR_INVALID_GROUP")
    # 5. the user exists, before elevation
    ids = {"groupId": str(elevated.pk), "userId": missing_id()}
    refused(manager, UNASSIGN, ids, "unassignUserFromGroup", "ERR_INVALID_USER")
    # 6. elevation
    ids = {"groupId": str(elevated.pk), "userId": str(UserFactory(groups=[elevated]).pk)}
    refused(manager, UNASSIGN, ids, "unassignUserFromGroup", "ERR_FORBIDDEN")
