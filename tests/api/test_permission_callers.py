"""Who a request runs as (API.md §1.2-1.4): guests, users and API keys, and their policies."""

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import RequestFactory
from django.utils import timezone

from accounts import scopes, tokens
from accounts.apikeys import KeyRejected, revoke_api_key
from accounts.authentication import resolve_caller
from accounts.models import GUESTS_GROUP_ID, USERS_GROUP_ID, Group
from accounts.permissions import CallerKind, PageContext
from accounts.services import guest_user
from tests.conftest import GraphQLClient
from tests.factories import default_site, rule
from tests.token_support import claims_for, sign

pytestmark = pytest.mark.django_db

USERS_QUERY = "{ users { id } }"
API_STATE_QUERY = "{ apiState }"
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def request_with(token: str | None = None, *, cookie: str | None = None):
    factory = RequestFactory()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    request = factory.post("/_graphql", data="{}", content_type="application/json", **headers)
    if cookie is not None:
        request.COOKIES["jwt"] = cookie
    return request


def at(path: str) -> PageContext:
    return PageContext(default_site().pk, "en", path)


# --- guests -----------------------------------------------------------------------------------
def bad_tokens(user) -> dict[str, str]:
    """Tokens that must not authenticate ``user`` (each is otherwise well-formed)."""
    past = timezone.now() - timedelta(hours=2)
    return {
        "malformed": "not-a-jwt",
        "three-dots": "a.b.c",
        "other-rsa-key": sign(claims_for(user), OTHER_KEY),
        "alg-none": jwt.encode(claims_for(user), None, algorithm="none"),
        "hs256": sign(claims_for(user), key=b"0123456789abcdef0123456789abcdef", algorithm="HS256"),
        "expired": sign(
            claims_for(user, iat=int(past.timestamp()), exp=int(past.timestamp()) + 60)
        ),
        "wrong-issuer": sign(claims_for(user, iss="urn:other")),
        "wrong-audience": sign(claims_for(user, aud="urn:other")),
        "no-expiry": sign(claims_for(user, exp=None)),
        "no-user-id": sign(claims_for(user, id=None)),
        "bad-user-id": sign(claims_for(user, id="12")),
    }


BAD_TOKEN_NAMES = [
    "malformed",
    "three-dots",
    "other-rsa-key",
    "alg-none",
    "hs256",
    "expired",
    "wrong-issuer",
    "wrong-audience",
    "no-expiry",
    "no-user-id",
    "bad-user-id",
]


def assert_guest(caller) -> None:
    assert caller.kind is CallerKind.GUEST
    assert caller.user == guest_user()
    assert caller.api_key is None
    assert caller.policy.permissions == frozenset(scopes.BASE_READ_PERMISSIONS)
    assert not caller.can_at(scopes.READ_PAGES, at("home"))  # Guests' DENY rule


def test_no_credential_is_a_guest():
    assert_guest(resolve_caller(request_with()))
    assert_guest(resolve_caller(request_with("")))


@pytest.mark.parametrize("name", BAD_TOKEN_NAMES)
def test_bad_tokens_make_a_guest(user, name):
    token = bad_tokens(user)[name]
    assert_guest(resolve_caller(request_with(token)))
    assert_guest(resolve_caller(request_with(cookie=token)))


@pytest.mark.parametrize("name", BAD_TOKEN_NAMES)
def test_bad_tokens_are_answered_as_guest_not_rejected(user, name):
    r = GraphQLClient(bad_tokens(user)[name])(USERS_QUERY)
    assert r.status == 200
    assert r.body == {
        "data": {"users": None},
        "errors": [
            {
                "message": "ERR_NOT_AUTHENTICATED",
                "locations": [{"line": 1, "column": 3}],
                "path": ["users"],
                "extensions": {"code": "ERR_NOT_AUTHENTICATED"},
            }
        ],
    }


def test_token_of_a_deleted_user_is_a_guest(make_user):
    gone = make_user()
    token = tokens.issue_session_token(gone)
    assert resolve_caller(request_with(token)).kind is CallerKind.USER
    gone.delete()
    assert_guest(resolve_caller(request_with(token)))


def test_token_of_a_deactivated_user_is_a_guest_until_reactivated(make_user, group_with):
    reader = make_user(groups=[group_with("read:users")])
    client = GraphQLClient(tokens.issue_session_token(reader))
    assert client(USERS_QUERY).errors == []
    reader.is_active = False
    reader.save()
    assert_guest(resolve_caller(request_with(client.token)))
    assert client(USERS_QUERY).error_messages == ["ERR_NOT_AUTHENTICATED"]
    reader.is_active = True
    reader.save()
    assert client(USERS_QUERY).errors == []


def test_a_token_for_the_guest_user_is_a_guest():
    token = sign(claims_for(guest_user()))
    assert_guest(resolve_caller(request_with(token)))


# --- users ------------------------------------------------------------------------------------
def test_a_user_token_runs_as_the_user_with_current_groups(user, group_with):
    token = tokens.issue_session_token(user)
    caller = resolve_caller(request_with(token))
    assert caller.kind is CallerKind.USER
    assert caller.user == user
    assert caller.forbidden_key == "ERR_FORBIDDEN"
    assert caller.policy.permissions == frozenset(scopes.BASE_READ_PERMISSIONS)
    assert caller.can_at(scopes.READ_PAGES, at("home"))
    assert not caller.can_at(scopes.WRITE_PAGES, at("home"))
    # Groups are read per request, not from the token.
    user.groups.add(group_with("manage:api", rules=[rule(path="docs", roles=["write:pages"])]))
    caller = resolve_caller(request_with(token))
    assert caller.has_any("manage:api")
    assert caller.can_at(scopes.WRITE_PAGES, at("docs/x"))
    user.groups.remove(USERS_GROUP_ID)
    caller = resolve_caller(request_with(token))
    assert not caller.can_at(scopes.READ_PAGES, at("home"))


def test_a_user_token_in_the_jwt_cookie_counts(user):
    caller = resolve_caller(request_with(cookie=tokens.issue_session_token(user)))
    assert caller.kind is CallerKind.USER
    assert caller.user == user


def test_a_user_token_is_not_limited_by_its_groups_claim(user, group_with):
    reader = group_with("read:users")
    user.groups.add(reader)
    token = sign(claims_for(user, groups=[str(GUESTS_GROUP_ID)]))
    caller = resolve_caller(request_with(token))
    assert caller.has_any("read:users")
    assert caller.can_at(scopes.READ_PAGES, at("home"))  # Users' rule, not the Guests' one


# --- API keys ---------------------------------------------------------------------------------
def test_an_api_key_carries_the_union_of_its_groups(api_key_for, group_with):
    reader = group_with("read:api", rules=[rule(path="docs")])
    writer = group_with("write:users", rules=[rule(path="hr", roles=["write:pages"])])
    key = api_key_for(reader, writer)
    caller = resolve_caller(request_with(key.token))
    assert caller.kind is CallerKind.API_KEY
    assert caller.api_key == key.api_key
    assert caller.user is None
    assert caller.forbidden_key == "ERR_FORBIDDEN"
    assert caller.policy.permissions == frozenset({"read:api", "write:users"})
    assert caller.can_at(scopes.READ_PAGES, at("docs/a"))
    assert caller.can_at(scopes.WRITE_PAGES, at("hr/a"))
    # No implicit Users group: only what the key embeds.
    assert not caller.can_at(scopes.READ_PAGES, at("home"))
    assert not caller.can_at(scopes.WRITE_PAGES, at("docs/a"))


def test_a_deleted_group_contributes_nothing_to_a_key(api_key_for, group_with):
    reader = group_with("read:api", rules=[rule(path="docs")])
    writer = group_with("write:users", rules=[rule(path="hr", roles=["write:pages"])])
    key = api_key_for(reader, writer)
    writer.delete()
    caller = resolve_caller(request_with(key.token))
    assert caller.policy.permissions == frozenset({"read:api"})
    assert not caller.can_at(scopes.WRITE_PAGES, at("hr/a"))
    assert key(API_STATE_QUERY).data == {"apiState": True}
    reader.delete()
    caller = resolve_caller(request_with(key.token))
    assert caller.kind is CallerKind.API_KEY
    assert caller.policy.permissions == frozenset()
    assert caller.policy.rules == []
    r = key(API_STATE_QUERY)
    assert (r.status, r.data, r.error_messages) == (200, {"apiState": None}, ["ERR_FORBIDDEN"])


def test_a_key_follows_changes_to_its_groups(api_key_for, group_with):
    group = group_with("read:pages")
    key = api_key_for(group)
    assert key(API_STATE_QUERY).error_messages == ["ERR_FORBIDDEN"]
    Group.objects.filter(pk=group.pk).update(permissions=["read:dashboard"])
    assert key(API_STATE_QUERY).data == {"apiState": True}


def test_a_key_is_refused_when_api_access_is_off(api_key_for, group_with, admin_client):
    key = api_key_for(group_with("read:api"))
    r = admin_client("mutation { setApiState(enabled: false) { operation { succeeded } } }")
    assert r.data == {"setApiState": {"operation": {"succeeded": True}}}
    with pytest.raises(KeyRejected) as rejected:
        resolve_caller(request_with(key.token))
    assert (rejected.value.status, rejected.value.key) == (403, "ERR_FORBIDDEN")
    r = key(API_STATE_QUERY)
    assert (r.status, r.body) == (403, {"data": None, "errors": [{"message": "ERR_FORBIDDEN"}]})


def test_a_revoked_or_forged_key_is_rejected(api_key_for, group_with):
    key = api_key_for(group_with("read:api"))
    claims = tokens.read_token(key.token)
    # Same claims, valid signature, but not the key that was issued: the digest differs.
    forged = sign({**claims, "iat": claims["iat"] - 1})
    r = GraphQLClient(forged)(API_STATE_QUERY)
    assert (r.status, r.body) == (401, {"data": None, "errors": [{"message": "ERR_INVALID_TOKEN"}]})
    assert key(API_STATE_QUERY).data == {"apiState": True}
    revoke_api_key(None, key.api_key.pk)
    r = key(API_STATE_QUERY)
    assert (r.status, r.body) == (401, {"data": None, "errors": [{"message": "ERR_INVALID_TOKEN"}]})


def test_an_expired_key_is_a_guest(api_key_for, group_with):
    key = api_key_for(group_with("read:api"))
    claims = tokens.read_token(key.token)
    past = int((timezone.now() - timedelta(days=1)).timestamp())
    expired = sign({**claims, "iat": past - 60, "exp": past})
    assert_guest(resolve_caller(request_with(expired)))
    assert GraphQLClient(expired)(API_STATE_QUERY).error_messages == ["ERR_NOT_AUTHENTICATED"]


def test_a_key_signed_by_another_key_pair_is_a_guest(api_key_for, group_with):
    key = api_key_for(group_with("read:api"))
    stolen = sign(tokens.read_token(key.token), OTHER_KEY)
    assert_guest(resolve_caller(request_with(stolen)))
