"""``authentication`` API keys and API state on /graphql (API-v2.md §3.5, §5.3)."""

from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import apikeys, scopes
from accounts.models import ApiKey
from accounts.services import administrators_group
from tests.api.permission_support import KINDS, client_as, snapshot
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory
from wiki.config import is_api_enabled, set_api_enabled

from .auth_support import (
    PY_API_KEYS,
    PY_API_STATE,
    PY_CREATE_API_KEY,
    PY_REVOKE_API_KEY,
    PY_SET_API_STATE,
    TF_CREATE_API_KEY,
    TF_GET_API_KEYS,
    TF_GET_API_STATE,
    TF_REVOKE_API_KEY,
    TF_SET_API_STATE,
    assert_forbidden,
    ok,
    plain,
    refused,
    result_of,
)
from .conftest import on_v2

pytestmark = pytest.mark.django_db

INPUT_INVALID = refused(1012, "InputInvalid", "Input data is invalid.")
ELEVATION = plain("You are not authorized to create an API key with an administrative group.")
MAIN_API_STATE = "{ apiState }"
MAIN_API_KEYS = "{ apiKeys { id name keyShort isRevoked } }"


def create_key(client, **variables) -> dict:
    return result_of(client(TF_CREATE_API_KEY, variables), "createApiKey")


# --- createApiKey, then finding the key as terraform does --------------------------------------
def test_terraform_creates_a_full_access_key_and_finds_it_by_name_and_suffix(v2_admin):
    set_api_enabled(True)
    created = create_key(v2_admin, name="terraform", expiration="1y", fullAccess=True, group=0)

    assert created["responseResult"] == ok("API Key created successfully")
    key = created["key"]
    stored = ApiKey.objects.get(name="terraform")
    assert stored.group_ids == [str(administrators_group().pk)]
    listed = result_of(v2_admin(TF_GET_API_KEYS), "apiKeys")
    (found,) = [k for k in listed if k["name"] == "terraform" and key.endswith(k["keyShort"][3:])]
    assert found == {
        "id": stored.legacy_id,
        "name": "terraform",
        "keyShort": "..." + key[-20:],
        "expiration": found["expiration"],
        "createdAt": found["createdAt"],
        "updatedAt": found["updatedAt"],
        "isRevoked": False,
    }
    # Dates in the v2 format; the key lives a year.
    assert found["expiration"].endswith("Z")
    assert len(found["expiration"]) == 24
    assert timedelta(days=365) <= stored.expiration - stored.created_at <= timedelta(days=366)


def test_pyclient_creates_a_key_for_one_group(v2_admin):
    group = GroupFactory(name="Readers", permissions=["read:pages"])

    answer = v2_admin(
        PY_CREATE_API_KEY,
        {"name": "reader", "expiration": "30d", "fullAccess": False, "group": group.legacy_id},
    )

    created = result_of(answer, "createApiKey")
    assert created["responseResult"] == ok("API Key created successfully")
    stored = ApiKey.objects.get(name="reader")
    assert stored.group_ids == [str(group.pk)]
    assert stored.created_by is not None


def test_a_key_created_here_works_on_both_endpoints_until_revoked(v2_admin):
    set_api_enabled(True)
    key = create_key(v2_admin, name="both", expiration="30d", fullAccess=True, group=0)["key"]
    legacy = GraphQLClient(key)
    v2 = on_v2(legacy)

    assert result_of(v2(TF_GET_API_STATE), "apiState") is True
    assert legacy(MAIN_API_STATE).data == {"apiState": True}
    assert [k["name"] for k in legacy(MAIN_API_KEYS).data["apiKeys"]] == ["both"]

    stored = ApiKey.objects.get(name="both")
    revoked = result_of(v2_admin(TF_REVOKE_API_KEY, {"id": stored.legacy_id}), "revokeApiKey")
    assert revoked == {"responseResult": ok("API Key revoked successfully")}

    stored.refresh_from_db()
    assert stored.is_revoked
    refused_v2 = v2(TF_GET_API_STATE)
    # The refusal's body is the transport's (§1.3); the status says the key is refused.
    assert refused_v2.status == 401, refused_v2.body
    assert legacy(MAIN_API_STATE).status == 401
    # Revoked keys are listed after the others.
    listed = result_of(v2_admin(TF_GET_API_KEYS), "apiKeys")
    assert [(k["name"], k["isRevoked"]) for k in listed] == [("both", True)]


def test_api_keys_list_non_revoked_first_then_by_name(v2_admin):
    for name in ("beta", "alpha", "gamma"):
        apikeys.create_api_key(
            None, name=name, expiration="1d", group_ids=[administrators_group().pk]
        )
    apikeys.revoke_api_key(None, ApiKey.objects.get(name="alpha").pk)

    listed = result_of(v2_admin(PY_API_KEYS), "apiKeys")

    assert [(k["name"], k["isRevoked"]) for k in listed] == [
        ("beta", False),
        ("gamma", False),
        ("alpha", True),
    ]
    assert [k["id"] for k in listed] == [
        ApiKey.objects.get(name=name).legacy_id for name in ("beta", "gamma", "alpha")
    ]


@pytest.mark.parametrize("count", [1, 8])
def test_api_keys_take_a_constant_number_of_queries(v2_admin, count):
    for n in range(count):
        apikeys.create_api_key(
            None, name=f"key {n}", expiration="1d", group_ids=[administrators_group().pk]
        )
    v2_admin(PY_API_KEYS)  # warm up: the caller's policy is cached per process

    with CaptureQueriesContext(connection) as queries:
        listed = result_of(v2_admin(PY_API_KEYS), "apiKeys")

    assert len(listed) == count
    assert len(queries) <= 4, [q["sql"] for q in queries]


# --- createApiKey's refusals ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"name": "", "expiration": "30d", "fullAccess": True}, INPUT_INVALID),
        ({"name": 'a "quoted" name', "expiration": "30d", "fullAccess": True}, INPUT_INVALID),
        ({"name": "k", "expiration": "forever", "fullAccess": True}, INPUT_INVALID),
        ({"name": "k", "expiration": "0d", "fullAccess": True}, INPUT_INVALID),
        ({"name": "k", "expiration": "30d", "fullAccess": False}, INPUT_INVALID),
        ({"name": "k", "expiration": "30d", "fullAccess": False, "group": 0}, INPUT_INVALID),
        ({"name": "k", "expiration": "30d", "fullAccess": False, "group": -3}, INPUT_INVALID),
        ({"name": "k", "expiration": "30d", "fullAccess": False, "group": 999999}, None),
        # The name is checked before the group (the domain's order).
        ({"name": "", "expiration": "30d", "fullAccess": False, "group": 999999}, INPUT_INVALID),
    ],
)
def test_create_api_key_refuses_bad_input(v2_admin, variables, expected):
    expected = expected or plain("Invalid Group ID")

    created = create_key(v2_admin, **variables)

    assert created == {"responseResult": expected, "key": None}
    assert not ApiKey.objects.exists()


def test_manage_api_alone_may_not_mint_a_full_access_key(v2_for, make_user):
    holder = make_user(groups=[GroupFactory(permissions=[scopes.MANAGE_API])])

    created = create_key(v2_for(holder), name="root", expiration="30d", fullAccess=True, group=0)

    assert created == {"responseResult": ELEVATION, "key": None}
    assert not ApiKey.objects.exists()


def test_an_elevated_group_needs_manage_groups(v2_for, make_user):
    holder = make_user(groups=[GroupFactory(permissions=[scopes.MANAGE_API])])
    elevated = GroupFactory(permissions=["read:pages", "write:users"])
    plain_group = GroupFactory(permissions=["read:pages"])
    client = v2_for(holder)

    refused_answer = create_key(
        client, name="k", expiration="30d", fullAccess=False, group=elevated.legacy_id
    )
    allowed = create_key(
        client, name="k", expiration="30d", fullAccess=False, group=plain_group.legacy_id
    )

    assert refused_answer == {"responseResult": ELEVATION, "key": None}
    assert allowed["responseResult"] == ok("API Key created successfully")
    assert list(ApiKey.objects.values_list("group_ids", flat=True)) == [[str(plain_group.pk)]]


def test_manage_groups_may_embed_an_elevated_group(v2_for, make_user):
    holder = make_user(groups=[GroupFactory(permissions=[scopes.MANAGE_API, scopes.MANAGE_GROUPS])])
    elevated = GroupFactory(permissions=["write:users"])

    created = create_key(
        v2_for(holder), name="k", expiration="30d", fullAccess=False, group=elevated.legacy_id
    )

    assert created["responseResult"] == ok("API Key created successfully")


# --- revokeApiKey ------------------------------------------------------------------------------
@pytest.mark.parametrize("key_id", [0, -1, 424242])
def test_revoking_an_unknown_key_is_invalid_input(v2_admin, key_id):
    answer = v2_admin(PY_REVOKE_API_KEY, {"id": key_id})

    assert result_of(answer, "revokeApiKey") == {"responseResult": INPUT_INVALID}


def test_revoking_twice_succeeds_twice(v2_admin):
    apikeys.create_api_key(None, name="k", expiration="1d", group_ids=[administrators_group().pk])
    key_id = ApiKey.objects.get().legacy_id

    for _ in range(2):
        answer = result_of(v2_admin(PY_REVOKE_API_KEY, {"id": key_id}), "revokeApiKey")
        assert answer == {"responseResult": ok("API Key revoked successfully")}
    assert ApiKey.objects.get().is_revoked


# --- setApiState and apiState ----------------------------------------------------------------
def test_set_api_state_switches_api_keys_off_and_on(v2_admin, v2_admin_key):
    answer = result_of(v2_admin(TF_SET_API_STATE, {"enabled": False}), "setApiState")

    assert answer == {"responseResult": ok("API State changed successfully")}
    assert is_api_enabled() is False
    assert result_of(v2_admin(PY_API_STATE), "apiState") is False
    off = v2_admin_key(TF_GET_API_STATE)
    assert off.status == 403, off.body

    result_of(v2_admin(PY_SET_API_STATE, {"enabled": True}), "setApiState")
    assert is_api_enabled() is True
    assert result_of(v2_admin_key(TF_GET_API_STATE), "apiState") is True


def test_manage_api_may_toggle_the_api_state(v2_for, make_user):
    """Wiki.js 2's gate lets manage:api do it; /_graphql wants manage:system (§2.5)."""
    holder = make_user(groups=[GroupFactory(permissions=[scopes.MANAGE_API])])

    answer = result_of(v2_for(holder)(TF_SET_API_STATE, {"enabled": True}), "setApiState")

    assert answer == {"responseResult": ok("API State changed successfully")}
    assert is_api_enabled() is True


# --- The gate matrix (§3.5: manage:system, manage:api) -----------------------------------------
ALLOWED = {"user_with", "key_with", "admin"}


def _target_group():
    return GroupFactory(name="Target", permissions=["read:pages"])


def _a_key():
    issued = apikeys.create_api_key(
        None, name="victim", expiration="1d", group_ids=[_target_group().pk]
    )
    return issued.api_key


OPERATIONS = {
    "apiKeys": (TF_GET_API_KEYS, lambda: {}),
    "apiState": (TF_GET_API_STATE, lambda: {}),
    "createApiKey": (
        TF_CREATE_API_KEY,
        lambda: {
            "name": "new",
            "expiration": "30d",
            "fullAccess": False,
            "group": _target_group().legacy_id,
        },
    ),
    "revokeApiKey": (TF_REVOKE_API_KEY, lambda: {"id": _a_key().legacy_id}),
    "setApiState": (TF_SET_API_STATE, lambda: {"enabled": False}),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_gate_matrix(admin, kind, operation):
    client = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_API]))
    document, make_variables = OPERATIONS[operation]
    variables = make_variables()
    before = snapshot()

    answer = client(document, variables)

    if kind not in ALLOWED:
        # apiState is non-null: the namespace object takes the null (§2.4).
        data = {"authentication": None} if operation == "apiState" else None
        assert_forbidden(answer, operation, data)
        assert snapshot() == before
        return
    result = result_of(answer, operation)
    if operation == "apiKeys":
        assert {k["name"] for k in result} == set(ApiKey.objects.values_list("name", flat=True))
    elif operation == "apiState":
        assert result is is_api_enabled()
    else:
        assert result["responseResult"]["succeeded"] is True, result
    if operation == "revokeApiKey":
        assert ApiKey.objects.get(name="victim").is_revoked
    if operation == "createApiKey":
        assert ApiKey.objects.filter(name="new").exists()


def test_key_expiry_is_shown_as_stored(v2_admin):
    issued = apikeys.create_api_key(
        None, name="soon", expiration="2h", group_ids=[administrators_group().pk]
    )
    (listed,) = result_of(v2_admin(PY_API_KEYS), "apiKeys")

    expiration = issued.api_key.expiration
    assert listed["expiration"] == expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
