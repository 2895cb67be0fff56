"""Elevation rules of createUser and createApiKey (API.md §3.6, §4.3.2 step 6, §4.5.5).

Elevated groups (a scope on users, groups, navigation, theme, api or system) need
manage:groups; groups holding manage:system need manage:system. A refusal leaves nothing
behind.
"""

import pytest

from accounts.models import USERS_GROUP_ID, ApiKey, User
from accounts.services import administrators_group
from tests.factories import GroupFactory

from .permission_support import (
    assert_mutation_refused,
    assert_mutation_succeeded,
    snapshot,
)

pytestmark = pytest.mark.django_db

CREATE_USER = """mutation ($groups: [UUID]) {
  createUser(email: "new.user@example.com", name: "New User", passwordRaw: "Password123",
             providerKey: "local", groups: $groups, sendWelcomeEmail: false) {
    operation { succeeded slug message } user { id } } }"""
CREATE_API_KEY = """mutation ($groups: [UUID]!) {
  createApiKey(name: "Elevated", expiration: "1y", groups: $groups) {
    operation { succeeded slug message } key } }"""

# One scope per elevated resource, and scopes that do not elevate.
ELEVATING = [
    "read:users",
    "manage:users",
    "write:groups",
    "manage:groups",
    "manage:navigation",
    "manage:theme",
    "read:api",
    "manage:api",
]
NOT_ELEVATING = ["read:pages", "manage:sites", "write:sites", "read:dashboard", "access:admin"]


def groups_var(*groups) -> dict:
    return {"groups": [str(g.pk) for g in groups]}


# --- createUser -------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", ELEVATING)
@pytest.mark.parametrize("creator", [["write:users"], ["manage:users"]])
def test_create_user_in_an_elevated_group_needs_manage_groups(creator, scope, client_with):
    client = client_with(*creator)
    plain = GroupFactory(permissions=["read:pages"])
    elevated = GroupFactory(permissions=["read:pages", scope])
    before = snapshot()
    r = client(CREATE_USER, groups_var(plain, elevated))
    assert_mutation_refused(r, "createUser", "ERR_FORBIDDEN", "user")
    assert snapshot() == before
    assert not User.objects.filter(email="new.user@example.com").exists()


@pytest.mark.parametrize("scope", NOT_ELEVATING)
def test_create_user_in_an_ordinary_group_needs_no_more(scope, client_with):
    ordinary = GroupFactory(permissions=[scope])
    r = client_with("write:users")(CREATE_USER, groups_var(ordinary))
    assert_mutation_succeeded(r, "createUser")
    created = User.objects.get(email="new.user@example.com")
    assert set(created.groups.values_list("pk", flat=True)) == {USERS_GROUP_ID, ordinary.pk}


@pytest.mark.parametrize("scope", ELEVATING)
def test_manage_groups_may_add_to_elevated_groups(scope, client_with):
    elevated = GroupFactory(permissions=[scope])
    r = client_with("manage:groups")(CREATE_USER, groups_var(elevated))
    assert_mutation_succeeded(r, "createUser")
    assert User.objects.get(email="new.user@example.com").groups.filter(pk=elevated.pk).exists()


@pytest.mark.parametrize(
    "creator",
    [["write:users"], ["manage:users"], ["manage:groups"], ["manage:groups", "manage:users"]],
)
def test_only_manage_system_may_add_to_administrators(creator, client_with, admin_client):
    client = client_with(*creator)
    custom_root = GroupFactory(permissions=["manage:system"])
    before = snapshot()
    for group in (administrators_group(), custom_root):
        r = client(CREATE_USER, groups_var(group))
        assert_mutation_refused(r, "createUser", "ERR_FORBIDDEN", "user")
        assert snapshot() == before
    r = admin_client(CREATE_USER, groups_var(administrators_group()))
    assert_mutation_succeeded(r, "createUser")
    created = User.objects.get(email="new.user@example.com")
    assert created.groups.filter(pk=administrators_group().pk).exists()


def test_api_keys_follow_the_same_elevation_rules(api_key_for, group_with):
    key = api_key_for(group_with("write:users"))
    elevated = GroupFactory(permissions=["manage:theme"])
    before = snapshot()
    assert_mutation_refused(
        key(CREATE_USER, groups_var(elevated)), "createUser", "ERR_FORBIDDEN", "user"
    )
    assert snapshot() == before
    key = api_key_for(group_with("write:users", "manage:groups"))
    assert_mutation_succeeded(key(CREATE_USER, groups_var(elevated)), "createUser")


def test_guests_are_refused_before_elevation_is_considered(anonymous):
    r = anonymous(CREATE_USER, groups_var(administrators_group()))
    assert_mutation_refused(r, "createUser", "ERR_NOT_AUTHENTICATED", "user")


def test_unknown_groups_are_reported_before_elevation(client_with):
    elevated = GroupFactory(permissions=["manage:api"])
    r = client_with("write:users")(
        CREATE_USER, {"groups": [str(elevated.pk), "12345678-1234-4234-8234-123456789012"]}
    )
    assert_mutation_refused(r, "createUser", "ERR_INVALID_GROUP", "user")


# --- createApiKey -----------------------------------------------------------------------------
@pytest.mark.parametrize("scope", ELEVATING)
def test_create_api_key_embedding_an_elevated_group_needs_manage_groups(scope, client_with):
    elevated = GroupFactory(permissions=[scope])
    plain = GroupFactory(permissions=["read:pages"])
    key_manager, group_manager = (
        client_with("manage:api"),
        client_with("manage:api", "manage:groups"),
    )
    before = snapshot()
    r = key_manager(CREATE_API_KEY, groups_var(plain, elevated))
    assert_mutation_refused(r, "createApiKey", "ERR_FORBIDDEN", "key")
    assert snapshot() == before
    r = group_manager(CREATE_API_KEY, groups_var(plain, elevated))
    assert_mutation_succeeded(r, "createApiKey")
    assert ApiKey.objects.get(name="Elevated").group_ids == [str(plain.pk), str(elevated.pk)]


@pytest.mark.parametrize("scope", NOT_ELEVATING)
def test_create_api_key_with_ordinary_groups(scope, client_with):
    r = client_with("manage:api")(CREATE_API_KEY, groups_var(GroupFactory(permissions=[scope])))
    assert_mutation_succeeded(r, "createApiKey")


def test_create_api_key_embedding_administrators_needs_manage_system(client_with, admin_client):
    client = client_with("manage:api", "manage:groups")
    before = snapshot()
    r = client(CREATE_API_KEY, groups_var(administrators_group()))
    assert_mutation_refused(r, "createApiKey", "ERR_FORBIDDEN", "key")
    assert snapshot() == before
    r = admin_client(CREATE_API_KEY, groups_var(administrators_group()))
    assert_mutation_succeeded(r, "createApiKey")


def test_a_key_may_not_copy_its_own_elevated_group(api_key_for, group_with):
    own = group_with("manage:api")
    key = api_key_for(own)
    before = snapshot()
    r = key(CREATE_API_KEY, groups_var(own))
    assert_mutation_refused(r, "createApiKey", "ERR_FORBIDDEN", "key")
    assert snapshot() == before
