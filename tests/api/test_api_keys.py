"""The API-key lifecycle (API.md §1.4, §4.5.4, §4.5.5) through the endpoint."""

import io
import uuid
from datetime import timedelta

import jwt
import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiKey
from accounts.services import administrators_group
from tests.conftest import GraphQLClient
from tests.token_support import verified_claims
from wiki.config import is_api_enabled, set_api_enabled

from .permission_support import assert_query_refused

pytestmark = pytest.mark.django_db

CREATE_KEY = """
mutation ($name: String!, $expiration: String!, $groups: [UUID]!) {
  createApiKey(name: $name, expiration: $expiration, groups: $groups) {
    operation { succeeded slug message }
    key
  }
}
"""
REVOKE_KEY = """
mutation ($id: UUID!) { revokeApiKey(id: $id) { operation { succeeded slug message } } }
"""
SET_STATE = """
mutation ($enabled: Boolean!) { setApiState(enabled: $enabled) { operation { succeeded slug message } } }
"""
LIST_KEYS = "{ apiKeys { id name keyShort expiration createdAt updatedAt isRevoked } }"
API_STATE = "{ apiState }"
USERS = '{ users(query: "guest@") { email } }'
UNKNOWN_ID = "0b8f2f8e-9a52-4c4e-8f7c-6f7b6d3c2a10"
INVALID_TOKEN_BODY = {"data": None, "errors": [{"message": "ERR_INVALID_TOKEN"}]}
FORBIDDEN_BODY = {"data": None, "errors": [{"message": "ERR_FORBIDDEN"}]}


@pytest.fixture
def issuer(admin_key_client):
    """Creates keys through the API and returns (payload, row)."""

    def issue(name="Deploy bot", expiration="30d", groups=None):
        groups = [str(administrators_group().pk)] if groups is None else groups
        response = admin_key_client(
            CREATE_KEY, {"name": name, "expiration": expiration, "groups": groups}
        )
        assert response.status == 200, response.body
        return response.data["createApiKey"]

    return issue


def refused(payload, key):
    return payload == {"operation": {"succeeded": False, "slug": key, "message": key}, "key": None}


# --- createApiKey ---------------------------------------------------------------------------------
def test_create_returns_a_working_key(issuer, group_with):
    readers = group_with("read:users")
    keys_before = ApiKey.objects.count()

    payload = issuer(name="  Deploy bot  ", expiration="90d", groups=[str(readers.pk)])

    assert payload["operation"] == {
        "succeeded": True,
        "slug": "ok",
        "message": "API key created successfully.",
    }
    token = payload["key"]
    assert ApiKey.objects.count() == keys_before + 1
    claims = verified_claims(token)
    row = ApiKey.objects.get(pk=claims["api"])
    assert row.name == "Deploy bot"
    assert row.is_revoked is False
    assert row.key_short == "..." + token[-20:]
    assert claims["grp"] == [str(readers.pk)]
    assert claims["exp"] - claims["iat"] == 90 * 86400
    assert int(row.expiration.timestamp()) == claims["exp"]
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    # Works on its very first request, with the group's permissions.
    response = GraphQLClient(token)(USERS)
    assert response.body == {"data": {"users": [{"email": "guest@example.com"}]}}


@pytest.mark.parametrize(
    ("expiration", "seconds"),
    [
        ("86400000ms", 86400),
        ("3600s", 3600),
        ("90m", 5400),
        ("12h", 43200),
        ("30d", 30 * 86400),
        ("2w", 14 * 86400),
        ("1y", 31557600),
        ("3y", 3 * 31557600),
        ("180d", 180 * 86400),
    ],
)
def test_expiration_formats(issuer, expiration, seconds):
    payload = issuer(expiration=expiration)

    assert payload["operation"]["succeeded"] is True, payload
    claims = tokens.read_token(payload["key"])
    assert claims["exp"] - claims["iat"] == seconds
    row = ApiKey.objects.get(pk=claims["api"])
    assert abs(row.expiration - (timezone.now() + timedelta(seconds=seconds))) < timedelta(
        seconds=5
    )


@pytest.mark.parametrize(
    "expiration", ["", "30", "d", "30x", "thirty days", "-1d", "30 days", "1 y 2 d", "1e3s", "0d"]
)
def test_bad_expiration(issuer, expiration):
    before = ApiKey.objects.count()

    assert refused(issuer(expiration=expiration), "ERR_INVALID_INPUT")
    assert ApiKey.objects.count() == before


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 256, "<script>", "a > b", 'say "hi"'], ids=lambda n: n[:10] or "empty"
)
def test_bad_name(issuer, name):
    before = ApiKey.objects.count()

    assert refused(issuer(name=name), "ERR_INVALID_INPUT")
    assert ApiKey.objects.count() == before


@pytest.mark.parametrize("name", ["k", "x" * 255, "Deploy bot's key & more"])
def test_name_limits(issuer, name):
    assert issuer(name=name)["operation"]["succeeded"] is True
    assert ApiKey.objects.filter(name=name).exists()


@pytest.mark.parametrize(
    ("groups", "key"),
    [
        ([], "ERR_INVALID_INPUT"),
        ([None], "ERR_INVALID_INPUT"),
        ([None, None], "ERR_INVALID_INPUT"),
        ([UNKNOWN_ID], "ERR_INVALID_GROUP"),
        (["admins", UNKNOWN_ID], "ERR_INVALID_GROUP"),
    ],
)
def test_bad_groups(issuer, groups, key):
    groups = [str(administrators_group().pk) if g == "admins" else g for g in groups]
    before = ApiKey.objects.count()

    assert refused(issuer(groups=groups), key)
    assert ApiKey.objects.count() == before


def test_null_groups_are_ignored(issuer):
    payload = issuer(groups=[None, str(administrators_group().pk)])

    assert payload["operation"]["succeeded"] is True
    assert tokens.read_token(payload["key"])["grp"] == [str(administrators_group().pk)]


def test_order_of_checks(issuer):
    assert refused(issuer(name="", expiration="x", groups=[]), "ERR_INVALID_INPUT")
    assert refused(issuer(expiration="soon", groups=[UNKNOWN_ID]), "ERR_INVALID_INPUT")
    assert refused(issuer(groups=[]), "ERR_INVALID_INPUT")


@pytest.mark.parametrize(
    ("caller", "embedded", "key"),
    [
        (("manage:api",), ("manage:users",), "ERR_FORBIDDEN"),
        (("manage:api",), ("manage:system",), "ERR_FORBIDDEN"),
        (("manage:api", "manage:groups"), ("manage:system",), "ERR_FORBIDDEN"),
        (("manage:api", "manage:groups"), ("manage:users",), None),
        (("manage:api",), ("read:pages",), None),
        (("read:api",), ("read:pages",), "ERR_FORBIDDEN"),
        (("manage:users", "manage:groups"), ("read:pages",), "ERR_FORBIDDEN"),
    ],
)
def test_permission_and_elevation(group_with, client_with, caller, embedded, key):
    client = client_with(*caller)
    target = group_with(*embedded)
    before = ApiKey.objects.count()

    response = client(CREATE_KEY, {"name": "k", "expiration": "1d", "groups": [str(target.pk)]})

    payload = response.data["createApiKey"]
    if key is None:
        assert payload["operation"]["succeeded"] is True
        assert ApiKey.objects.count() == before + 1
    else:
        assert refused(payload, key)
        assert ApiKey.objects.count() == before


def test_guest_cannot_create_keys(anonymous):
    response = anonymous(CREATE_KEY, {"name": "k", "expiration": "1d", "groups": [UNKNOWN_ID]})

    assert refused(response.data["createApiKey"], "ERR_NOT_AUTHENTICATED")


# --- The key is never stored or listed ------------------------------------------------------------
def test_key_is_not_in_the_database(issuer):
    token = issuer()["key"]
    row = ApiKey.objects.get(pk=tokens.read_token(token)["api"])

    for field in ApiKey._meta.concrete_fields:
        assert token not in str(field.value_from_object(row)), field.name
    assert row.key_digest == tokens.digest(token) != token
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    dumped = dump.getvalue()
    assert str(row.pk) in dumped  # the dump does contain the key's row
    assert token not in dumped
    assert token[:-20] not in dumped
    assert token.rsplit(".", 1)[1][:-20] not in dumped  # nor the signature's head


def test_list_order_and_fields(issuer, admin_key_client):
    tokens_by_name = {
        name: issuer(name=name)["key"] for name in ("beta", "Alpha", "gamma", "delta")
    }
    for name in ("Alpha", "gamma"):
        row = ApiKey.objects.get(pk=tokens.read_token(tokens_by_name[name])["api"])
        assert admin_key_client(REVOKE_KEY, {"id": str(row.pk)}).data["revokeApiKey"]["operation"][
            "succeeded"
        ]

    response = admin_key_client(LIST_KEYS)

    assert response.status == 200
    listed = response.data["apiKeys"]
    assert [(k["name"], k["isRevoked"]) for k in listed] == [
        ("beta", False),
        ("delta", False),
        ("test key", False),  # the fixture's own key
        ("Alpha", True),
        ("gamma", True),
    ]
    for item in listed[:2] + listed[3:]:
        token = tokens_by_name[item["name"]]
        row = ApiKey.objects.get(pk=item["id"])
        assert item["keyShort"] == "..." + token[-20:]
        assert len(item["keyShort"]) == 23
        assert item["expiration"].endswith("Z")
        assert item["createdAt"].endswith("Z")
        assert item["expiration"] == row.expiration.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    raw = str(response.body)
    assert not any(token in raw for token in tokens_by_name.values())


def test_there_is_no_key_field_on_listed_keys(admin_key_client):
    response = admin_key_client("{ apiKeys { key } }")

    assert response.status == 400


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [
        ((), False),
        (("read:dashboard", "manage:users"), False),
        (("read:api",), True),
        (("manage:api",), True),
        (("manage:system",), True),
    ],
)
def test_list_permission(client_with, permissions, allowed):
    client = client_with(*permissions)

    response = client(LIST_KEYS)

    if allowed:
        assert response.body == {"data": {"apiKeys": []}}
    else:
        assert_query_refused(response, "apiKeys", "ERR_FORBIDDEN")


# --- Revocation, expiry, tampering ----------------------------------------------------------------
def test_revoked_key_is_refused_on_the_next_request(issuer, admin_key_client):
    token = issuer()["key"]
    victim = GraphQLClient(token)
    assert victim(API_STATE).body == {"data": {"apiState": True}}
    key_id = tokens.read_token(token)["api"]

    response = admin_key_client(REVOKE_KEY, {"id": key_id})

    assert response.body == {
        "data": {
            "revokeApiKey": {
                "operation": {
                    "succeeded": True,
                    "slug": "ok",
                    "message": "API key revoked successfully.",
                }
            }
        }
    }
    assert ApiKey.objects.get(pk=key_id).is_revoked is True
    refused_response = victim.http.post(
        "/_graphql",
        data={"query": API_STATE},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert refused_response.status_code == 401
    assert refused_response.json() == INVALID_TOKEN_BODY
    # Revoking again is harmless.
    again = admin_key_client(REVOKE_KEY, {"id": key_id}).data["revokeApiKey"]["operation"]
    assert again["succeeded"] is True


def test_a_key_can_revoke_itself(admin_key_client):
    response = admin_key_client(REVOKE_KEY, {"id": str(admin_key_client.api_key.pk)})
    assert response.data["revokeApiKey"]["operation"]["succeeded"] is True

    after = admin_key_client(API_STATE)

    assert (after.status, after.body) == (401, INVALID_TOKEN_BODY)


def test_revoke_unknown_key(admin_key_client):
    response = admin_key_client(REVOKE_KEY, {"id": UNKNOWN_ID})

    assert response.data == {
        "revokeApiKey": {
            "operation": {
                "succeeded": False,
                "slug": "ERR_INVALID_INPUT",
                "message": "ERR_INVALID_INPUT",
            }
        }
    }


@pytest.mark.parametrize(
    ("client_name", "key"),
    [("user_client", "ERR_FORBIDDEN"), ("anonymous", "ERR_NOT_AUTHENTICATED")],
)
def test_revoke_needs_manage_api(request, issuer, client_name, key):
    key_id = tokens.read_token(issuer()["key"])["api"]

    response = request.getfixturevalue(client_name)(REVOKE_KEY, {"id": key_id})

    assert response.data["revokeApiKey"]["operation"]["slug"] == key
    assert ApiKey.objects.get(pk=key_id).is_revoked is False


def test_key_past_its_row_expiration_is_refused(issuer):
    long_lived = issuer(expiration="1d")["key"]
    ApiKey.objects.filter(pk=tokens.read_token(long_lived)["api"]).update(
        expiration=timezone.now() - timedelta(minutes=1)
    )

    response = GraphQLClient(long_lived)(API_STATE)

    assert (response.status, response.body) == (401, INVALID_TOKEN_BODY)


def test_key_whose_jwt_expired_is_a_guest(admin_key_client):
    row = admin_key_client.api_key
    now = timezone.now()
    token = tokens.issue_api_key_token(
        row.pk, row.group_ids, now - timedelta(days=2), now - timedelta(seconds=5)
    )
    ApiKey.objects.filter(pk=row.pk).update(key_digest=tokens.digest(token))

    response = GraphQLClient(token)(API_STATE)

    assert response.status == 200
    assert response.data == {"apiState": None}
    assert response.error_messages == ["ERR_NOT_AUTHENTICATED"]


def _alter(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


@pytest.mark.parametrize("part", ["header", "payload", "signature"])
def test_tampered_key_is_a_guest(admin_key_client, part):
    token = admin_key_client.token
    header, payload, signature = token.split(".")
    pieces = {"header": header, "payload": payload, "signature": signature}
    pieces[part] = _alter(pieces[part], len(pieces[part]) // 2)
    tampered = ".".join(pieces[p] for p in ("header", "payload", "signature"))

    response = GraphQLClient(tampered)(API_STATE)

    assert response.status == 200
    assert response.data == {"apiState": None}
    assert response.error_messages == ["ERR_NOT_AUTHENTICATED"]
    assert admin_key_client(API_STATE).body == {"data": {"apiState": True}}


def test_signed_key_whose_digest_does_not_match_is_refused(admin_key_client):
    row = admin_key_client.api_key
    now = timezone.now()
    other = tokens.issue_api_key_token(row.pk, row.group_ids, now, now + timedelta(days=1))
    assert other != admin_key_client.token

    response = GraphQLClient(other)(API_STATE)

    assert (response.status, response.body) == (401, INVALID_TOKEN_BODY)


def test_signed_key_for_a_missing_row_is_refused(admin_key_client):
    now = timezone.now()
    token = tokens.issue_api_key_token(
        uuid.uuid4(), [str(administrators_group().pk)], now, now + timedelta(days=1)
    )

    response = GraphQLClient(token)(API_STATE)

    assert (response.status, response.body) == (401, INVALID_TOKEN_BODY)


def test_disabled_api_refuses_keys(admin_key_client, admin_client):
    set_api_enabled(False)

    response = admin_key_client(API_STATE)

    assert (response.status, response.body) == (403, FORBIDDEN_BODY)
    # Session tokens are not affected.
    assert admin_client(API_STATE).body == {"data": {"apiState": False}}


def test_disabled_api_is_checked_before_revocation(admin_key_client):
    ApiKey.objects.filter(pk=admin_key_client.api_key.pk).update(is_revoked=True)
    set_api_enabled(False)

    response = admin_key_client(API_STATE)

    assert (response.status, response.body) == (403, FORBIDDEN_BODY)


# --- apiState / setApiState -----------------------------------------------------------------------
def test_set_api_state(admin_client, admin_key_client):
    response = admin_client(SET_STATE, {"enabled": False})

    assert response.data == {
        "setApiState": {
            "operation": {
                "succeeded": True,
                "slug": "ok",
                "message": "API state updated successfully.",
            }
        }
    }
    assert is_api_enabled() is False
    assert admin_client(API_STATE).body == {"data": {"apiState": False}}
    assert admin_key_client(API_STATE).status == 403

    assert admin_client(SET_STATE, {"enabled": True}).data["setApiState"]["operation"]["succeeded"]
    assert is_api_enabled() is True
    assert admin_key_client(API_STATE).body == {"data": {"apiState": True}}


@pytest.mark.parametrize(
    ("permissions", "key"),
    [
        ((), "ERR_FORBIDDEN"),
        (("manage:api", "manage:groups", "manage:users"), "ERR_FORBIDDEN"),
        (("manage:system",), None),
    ],
)
def test_set_api_state_permission(client_with, permissions, key):
    client = client_with(*permissions)

    operation = client(SET_STATE, {"enabled": True}).data["setApiState"]["operation"]

    if key is None:
        assert operation["succeeded"] is True
        assert is_api_enabled() is True
    else:
        assert operation == {"succeeded": False, "slug": key, "message": key}
        assert is_api_enabled() is False


def test_set_api_state_as_guest(anonymous):
    operation = anonymous(SET_STATE, {"enabled": True}).data["setApiState"]["operation"]

    assert operation["slug"] == "ERR_NOT_AUTHENTICATED"
    assert is_api_enabled() is False


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [
        ((), False),
        (("manage:users", "manage:groups"), False),
        (("read:api",), True),
        (("manage:api",), True),
        (("read:dashboard",), True),
    ],
)
def test_api_state_permission(client_with, permissions, allowed):
    client = client_with(*permissions)

    response = client(API_STATE)

    if allowed:
        assert response.body == {"data": {"apiState": False}}
    else:
        assert_query_refused(response, "apiState", "ERR_FORBIDDEN")


# --- Permissions of a key -------------------------------------------------------------------------
def test_key_permissions_are_the_union_of_its_groups(group_with, api_key_for):
    readers = group_with("read:users")
    key_managers = group_with("read:api")
    both = api_key_for(readers, key_managers)
    only_readers = api_key_for(readers)

    assert both(USERS).body == {"data": {"users": [{"email": "guest@example.com"}]}}
    assert both(API_STATE).body == {"data": {"apiState": True}}
    assert only_readers(USERS).body == {"data": {"users": [{"email": "guest@example.com"}]}}
    assert only_readers(API_STATE).error_messages == ["ERR_FORBIDDEN"]

    key_managers.delete()

    assert both(USERS).body == {"data": {"users": [{"email": "guest@example.com"}]}}
    assert both(API_STATE).error_messages == ["ERR_FORBIDDEN"]


def test_key_with_only_deleted_groups_has_no_permissions(group_with, api_key_for):
    readers = group_with("read:users", "manage:system")
    client = api_key_for(readers)
    readers.delete()

    response = client(USERS)

    # Still an authenticated API-key caller (not a guest), without permissions.
    assert response.status == 200
    assert response.error_messages == ["ERR_FORBIDDEN"]


def test_group_permission_changes_apply_to_existing_keys(group_with, api_key_for):
    group = group_with("read:pages")
    client = api_key_for(group)
    assert client(USERS).error_messages == ["ERR_FORBIDDEN"]

    group.permissions = ["read:users"]
    group.save()

    assert client(USERS).body == {"data": {"users": [{"email": "guest@example.com"}]}}
