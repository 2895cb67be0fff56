"""The permission matrix of the account, API-key and site operations (API.md §3.5, §2.5).

One parametrised test per operation over the caller kinds of ``permission_support.KINDS``:
refused callers get the key of their kind, see no data and change nothing; allowed callers
get the real answer. Page operations: test_permission_pages.py.
"""

import pytest

from accounts import apikeys, scopes
from accounts.models import USERS_GROUP_ID, ApiKey, Group, User
from accounts.services import guest_user
from tests.factories import GroupFactory, default_site
from wiki.config import is_api_enabled

from .permission_support import (
    KINDS,
    REFUSED,
    assert_mutation_refused,
    assert_mutation_succeeded,
    assert_query_refused,
    snapshot,
)

pytestmark = pytest.mark.django_db

USERS = "query ($q: String) { users(query: $q) { name email } }"
USER_BY_ID = "query ($id: UUID!) { userById(id: $id) { id name email isActive } }"
GROUPS = "{ groups { name } }"
API_KEYS = "{ apiKeys { id name keyShort isRevoked } }"
API_STATE = "{ apiState }"
SITES = "{ sites { id hostname title } }"
SITE_BY_ID = "query ($id: UUID!) { siteById(id: $id) { id hostname } }"
SITE_BY_HOSTNAME = """query ($h: String!, $exact: Boolean!) {
  siteByHostname(hostname: $h, exact: $exact) { id hostname } }"""
CREATE_USER = """mutation ($email: String!, $groups: [UUID]) {
  createUser(email: $email, name: "John Doe", passwordRaw: "Password123",
             providerKey: "local", groups: $groups, mustChangePassword: true,
             sendWelcomeEmail: false) {
    operation { succeeded slug message } user { id email } } }"""
CREATE_API_KEY = """mutation ($groups: [UUID]!) {
  createApiKey(name: "Integration", expiration: "30d", groups: $groups) {
    operation { succeeded slug message } key } }"""
REVOKE_API_KEY = """mutation ($id: UUID!) {
  revokeApiKey(id: $id) { operation { succeeded slug message } } }"""
SET_API_STATE = """mutation ($enabled: Boolean!) {
  setApiState(enabled: $enabled) { operation { succeeded slug message } } }"""


# --- users and groups -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_users(kind, as_caller, make_user):
    make_user(email="john.doe@example.com", name="John Doe")
    make_user(email="jane@example.com", name="Jane Johnson")
    make_user(email="other@example.com", name="Other")
    r = as_caller(kind, permissions=["read:users"])(USERS, {"q": "JOHN"})
    if kind in REFUSED:
        assert_query_refused(r, "users", REFUSED[kind])
        return
    assert r.errors == []
    assert r.data == {
        "users": [
            {"name": "Jane Johnson", "email": "jane@example.com"},
            {"name": "John Doe", "email": "john.doe@example.com"},
        ]
    }


@pytest.mark.parametrize("kind", KINDS)
def test_user_by_id(kind, as_caller, make_user):
    target = make_user(email="target@example.com", name="Target")
    r = as_caller(kind, permissions=["read:users"])(USER_BY_ID, {"id": str(target.pk)})
    if kind in REFUSED:
        assert_query_refused(r, "userById", REFUSED[kind])
        return
    assert r.errors == []
    assert r.data == {
        "userById": {
            "id": str(target.pk),
            "name": "Target",
            "email": "target@example.com",
            "isActive": True,
        }
    }


def test_user_by_id_of_oneself_needs_no_scope(user, user_client, anonymous, admin):
    r = user_client(USER_BY_ID, {"id": str(user.pk)})
    assert r.errors == []
    assert r.data["userById"]["email"] == "member@example.com"
    # Nobody else, not even the guest reading the guest user.
    assert_query_refused(
        anonymous(USER_BY_ID, {"id": str(guest_user().pk)}), "userById", "ERR_NOT_AUTHENTICATED"
    )
    assert_query_refused(
        user_client(USER_BY_ID, {"id": str(admin.pk)}), "userById", "ERR_FORBIDDEN"
    )


def test_user_by_id_checks_permission_before_existence(user_client, anonymous):
    missing = {"id": "12345678-1234-4234-8234-123456789012"}
    assert_query_refused(user_client(USER_BY_ID, missing), "userById", "ERR_FORBIDDEN")
    assert_query_refused(anonymous(USER_BY_ID, missing), "userById", "ERR_NOT_AUTHENTICATED")


@pytest.mark.parametrize("kind", KINDS)
def test_groups(kind, as_caller):
    client = as_caller(kind, permissions=["manage:users"])
    r = client(GROUPS)
    if kind in REFUSED:
        assert_query_refused(r, "groups", REFUSED[kind])
        return
    assert r.errors == []
    assert r.data == {
        "groups": [{"name": name} for name in Group.objects.values_list("name", flat=True)]
    }
    assert {"Administrators", "Guests", "Users"} <= {g["name"] for g in r.data["groups"]}


# --- API keys and API state -------------------------------------------------------------------
@pytest.fixture
def existing_key(db):
    plain = GroupFactory(name="Plain", permissions=["read:pages"])
    return apikeys.create_api_key(None, name="Existing", expiration="30d", group_ids=[plain.pk])


@pytest.mark.parametrize("kind", KINDS)
def test_api_keys(kind, as_caller, existing_key):
    r = as_caller(kind, permissions=["read:api"])(API_KEYS)
    if kind in REFUSED:
        assert_query_refused(r, "apiKeys", REFUSED[kind])
        return
    assert r.errors == []
    keys = ApiKey.objects.order_by("is_revoked", "name", "created_at")
    assert r.data == {
        "apiKeys": [
            {"id": str(k.pk), "name": k.name, "keyShort": k.key_short, "isRevoked": False}
            for k in keys
        ]
    }
    assert existing_key.token not in str(r.body)
    assert existing_key.api_key.key_digest not in str(r.body)


@pytest.mark.parametrize("kind", KINDS)
def test_api_state(kind, as_caller):
    r = as_caller(kind, permissions=["read:dashboard"])(API_STATE)
    if kind in REFUSED:
        assert_query_refused(r, "apiState", REFUSED[kind])
        return
    assert r.errors == []
    assert r.data == {"apiState": kind.startswith("key")}  # off until a key was made


@pytest.mark.parametrize("kind", KINDS)
def test_create_api_key(kind, as_caller):
    plain = GroupFactory(name="Plain", permissions=["read:pages"])
    client = as_caller(kind, permissions=["manage:api"])
    before = snapshot()
    r = client(CREATE_API_KEY, {"groups": [str(plain.pk)]})
    if kind in REFUSED:
        assert_mutation_refused(r, "createApiKey", REFUSED[kind], "key")
        assert snapshot() == before
        return
    payload = assert_mutation_succeeded(r, "createApiKey")
    created = ApiKey.objects.get(name="Integration")
    assert created.group_ids == [str(plain.pk)]
    assert created.key_short == "..." + payload["key"][-20:]
    assert ApiKey.objects.count() == before["counts"]["ApiKey"] + 1


@pytest.mark.parametrize("kind", KINDS)
def test_revoke_api_key(kind, as_caller, existing_key):
    client = as_caller(kind, permissions=["manage:api"])
    before = snapshot()
    r = client(REVOKE_API_KEY, {"id": str(existing_key.api_key.pk)})
    if kind in REFUSED:
        assert_mutation_refused(r, "revokeApiKey", REFUSED[kind])
        assert snapshot() == before
        return
    assert_mutation_succeeded(r, "revokeApiKey")
    assert ApiKey.objects.get(pk=existing_key.api_key.pk).is_revoked


def test_revoke_api_key_checks_permission_before_existence(user_client, anonymous):
    missing = {"id": "12345678-1234-4234-8234-123456789012"}
    assert_mutation_refused(user_client(REVOKE_API_KEY, missing), "revokeApiKey", "ERR_FORBIDDEN")
    assert_mutation_refused(
        anonymous(REVOKE_API_KEY, missing), "revokeApiKey", "ERR_NOT_AUTHENTICATED"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_set_api_state(kind, as_caller):
    client = as_caller(kind, permissions=["manage:system"])
    wanted = not is_api_enabled()
    before = snapshot()
    r = client(SET_API_STATE, {"enabled": wanted})
    if kind in REFUSED:
        assert_mutation_refused(r, "setApiState", REFUSED[kind])
        assert snapshot() == before
        return
    assert_mutation_succeeded(r, "setApiState")
    assert is_api_enabled() is wanted


# --- createUser -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_create_user(kind, as_caller):
    plain = GroupFactory(name="Plain", permissions=["read:pages"])
    client = as_caller(kind, permissions=["write:users"])
    before = snapshot()
    r = client(CREATE_USER, {"email": "john.doe@example.com", "groups": [str(plain.pk)]})
    if kind in REFUSED:
        assert_mutation_refused(r, "createUser", REFUSED[kind], "user")
        assert snapshot() == before
        assert not User.objects.filter(email="john.doe@example.com").exists()
        return
    payload = assert_mutation_succeeded(r, "createUser")
    created = User.objects.get(email="john.doe@example.com")
    assert payload["user"] == {"id": str(created.pk), "email": "john.doe@example.com"}
    assert set(created.groups.values_list("pk", flat=True)) == {USERS_GROUP_ID, plain.pk}


# --- alternatives and near misses -------------------------------------------------------------
ALTERNATIVES = (
    [(USERS, "users", scope) for scope in scopes.READ_USERS_ANY]
    + [(GROUPS, "groups", scope) for scope in scopes.LIST_GROUPS_ANY]
    + [(API_KEYS, "apiKeys", scope) for scope in scopes.READ_API_ANY]
    + [(API_STATE, "apiState", scope) for scope in scopes.API_STATE_ANY]
)


@pytest.mark.parametrize(("query", "field", "scope"), ALTERNATIVES)
def test_each_listed_scope_grants_the_query(query, field, scope, client_with):
    r = client_with(scope)(query)
    assert r.errors == []
    assert r.data[field] is not None


NEAR_MISSES = [
    (USERS, "users", ["read:dashboard", "access:admin", "manage:api", "read:pages"]),
    (GROUPS, "groups", ["read:users", "write:users", "write:groups", "access:admin"]),
    (API_KEYS, "apiKeys", ["read:dashboard", "write:users", "manage:groups", "access:admin"]),
    (API_STATE, "apiState", ["manage:users", "manage:groups", "access:admin", "write:sites"]),
]


@pytest.mark.parametrize(("query", "field", "held"), NEAR_MISSES)
def test_other_scopes_do_not_grant_the_query(query, field, held, client_with):
    r = client_with(*held)(query)
    assert_query_refused(r, field, "ERR_FORBIDDEN")


@pytest.mark.parametrize(
    ("held", "allowed"),
    [
        (["write:users"], True),
        (["manage:users"], True),
        (["manage:groups"], True),
        (["read:users", "manage:api", "access:admin", "write:groups"], False),
    ],
)
def test_create_user_scopes(held, allowed, client_with):
    client = client_with(*held)
    r = client(CREATE_USER, {"email": "new.person@example.com", "groups": []})
    if allowed:
        assert_mutation_succeeded(r, "createUser")
    else:
        assert_mutation_refused(r, "createUser", "ERR_FORBIDDEN", "user")
    assert User.objects.filter(email="new.person@example.com").exists() is allowed


@pytest.mark.parametrize("held", [["manage:api"], ["read:api", "manage:groups", "manage:users"]])
def test_set_api_state_needs_manage_system_only(held, client_with):
    r = client_with(*held)(SET_API_STATE, {"enabled": True})
    assert_mutation_refused(r, "setApiState", "ERR_FORBIDDEN")
    assert is_api_enabled() is False


@pytest.mark.parametrize("held", [["read:api"], ["write:users", "manage:groups"]])
def test_api_key_mutations_need_manage_api(held, client_with, existing_key):
    client = client_with(*held)
    r = client(CREATE_API_KEY, {"groups": [str(USERS_GROUP_ID)]})
    assert_mutation_refused(r, "createApiKey", "ERR_FORBIDDEN", "key")
    r = client(REVOKE_API_KEY, {"id": str(existing_key.api_key.pk)})
    assert_mutation_refused(r, "revokeApiKey", "ERR_FORBIDDEN")
    assert ApiKey.objects.get().is_revoked is False


# --- public site queries ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_sites(kind, as_caller):
    site = default_site()
    r = as_caller(kind)(SITES)
    assert (r.status, r.errors) == (200, [])
    assert r.data == {"sites": [{"id": str(site.pk), "hostname": "*", "title": "Default Site"}]}


@pytest.mark.parametrize("kind", KINDS)
def test_site_by_id(kind, as_caller):
    site = default_site()
    client = as_caller(kind)
    r = client(SITE_BY_ID, {"id": str(site.pk)})
    assert (r.status, r.body) == (
        200,
        {"data": {"siteById": {"id": str(site.pk), "hostname": "*"}}},
    )
    r = client(SITE_BY_ID, {"id": "12345678-1234-4234-8234-123456789012"})
    assert (r.status, r.body) == (200, {"data": {"siteById": None}})


@pytest.mark.parametrize("kind", KINDS)
def test_site_by_hostname(kind, as_caller):
    site = default_site()
    client = as_caller(kind)
    r = client(SITE_BY_HOSTNAME, {"h": "wiki.example.com", "exact": False})
    assert r.body == {"data": {"siteByHostname": {"id": str(site.pk), "hostname": "*"}}}
    r = client(SITE_BY_HOSTNAME, {"h": "wiki.example.com", "exact": True})
    assert r.body == {"data": {"siteByHostname": None}}
