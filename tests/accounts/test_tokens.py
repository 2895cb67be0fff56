"""Session tokens (API.md §1.2, §1.3): what they carry and which ones make a guest."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from accounts import tokens
from accounts.models import USERS_GROUP_ID, User
from tests.conftest import GraphQLClient
from tests.token_support import claims_for, sign, verified_claims
from wiki.config import update_setting

pytestmark = pytest.mark.django_db

ME = "query ($id: UUID!) { userById(id: $id) { id email } }"
USERS = '{ users(query: "member@") { email } }'


@pytest.fixture
def fresh_keys():
    """Signing keys are cached per process; tests that change the auth setting reset them."""
    tokens.forget_signing_keys()
    yield
    tokens.forget_signing_keys()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def as_caller(token: str, user) -> str:
    """``user`` when the token is honoured, ``guest`` when it makes a guest request."""
    response = GraphQLClient(token)(ME, {"id": str(user.pk)})
    assert response.status == 200, response.body
    if response.data["userById"] is not None:
        assert response.data["userById"] == {"id": str(user.pk), "email": user.email}
        return "user"
    assert response.error_messages == ["ERR_NOT_AUTHENTICATED"]
    return "guest"


# --- What a session token is ----------------------------------------------------------------------
def test_session_token_claims(user, group_with):
    extra = group_with("read:pages")
    user.groups.add(extra)
    before = int(timezone.now().timestamp())

    token = tokens.issue_session_token(user)

    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT"}
    claims = verified_claims(token)
    assert set(claims) == {"id", "email", "groups", "iat", "exp", "aud", "iss"}
    assert claims["id"] == str(user.pk)
    assert claims["email"] == "member@example.com"
    assert sorted(claims["groups"]) == sorted([str(USERS_GROUP_ID), str(extra.pk)])
    assert before <= claims["iat"] <= before + 5
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert (claims["aud"], claims["iss"]) == ("urn:wiki.js", "urn:wiki.js")
    assert as_caller(token, user) == "user"


def test_token_lifetime_follows_the_auth_setting(user):
    update_setting("auth", tokenExpiration="2h")

    claims = tokens.read_token(tokens.issue_session_token(user))

    assert claims["exp"] - claims["iat"] == 2 * 3600


def test_bad_token_lifetime_setting_falls_back_to_30_minutes(user):
    update_setting("auth", tokenExpiration="soon")

    claims = tokens.read_token(tokens.issue_session_token(user))

    assert claims["exp"] - claims["iat"] == 30 * 60


def test_rsa_key_pair_is_2048_bits():
    keys = tokens.signing_keys()

    assert keys.private_key.key_size == 2048
    assert keys.public_key.public_numbers() == keys.private_key.public_key().public_numbers()


# --- Which tokens are honoured --------------------------------------------------------------------
def test_expired_token_is_a_guest(user):
    expired = tokens.issue_session_token(user, lifetime=timedelta(seconds=-5))

    assert as_caller(expired, user) == "guest"
    with pytest.raises(tokens.TokenExpired):
        tokens.read_token(expired)
    assert tokens.read_token(expired, verify_exp=False)["id"] == str(user.pk)


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "urn:someone-else"},
        {"iss": None},
        {"aud": "urn:other-audience"},
        {"aud": None},
        {"exp": None},
        {"iat": None},
        {"id": "not-a-uuid"},
        {"id": "00000000-0000-4000-8000-000000000000"},
    ],
    ids=["issuer", "no-issuer", "audience", "no-audience", "no-exp", "no-iat", "bad-id", "no-user"],
)
def test_bad_claims_make_a_guest(user, changes):
    assert as_caller(sign(claims_for(user)), user) == "user"

    assert as_caller(sign(claims_for(user, **changes)), user) == "guest"


def test_other_rs256_key_is_a_guest(user):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert as_caller(sign(claims_for(user), key=stranger), user) == "guest"


def test_other_rsa_algorithm_is_a_guest(user):
    assert as_caller(sign(claims_for(user), algorithm="RS512"), user) == "guest"


def test_hs256_with_the_public_key_as_secret_is_a_guest(user):
    """The classic algorithm-confusion attack: the public key is public."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_for(user)).encode())
    secret = tokens.signing_keys().public_pem.encode()
    signature = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    forged = f"{header}.{payload}.{signature}"

    assert as_caller(forged, user) == "guest"


def test_unsigned_token_is_a_guest(user):
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_for(user)).encode())

    assert as_caller(f"{header}.{payload}.", user) == "guest"


@pytest.mark.parametrize("state", ["deleted", "inactive"])
def test_token_of_a_vanished_or_inactive_user_is_a_guest(user, state):
    token = tokens.issue_session_token(user)
    assert as_caller(token, user) == "user"

    if state == "deleted":
        User.objects.filter(pk=user.pk).delete()
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)

    response = GraphQLClient(token)(ME, {"id": str(user.pk)})
    assert response.data == {"userById": None}
    assert response.error_messages == ["ERR_NOT_AUTHENTICATED"]


def test_token_of_the_guest_user_is_a_guest():
    guest = User.objects.get(is_system=True)
    response = GraphQLClient(tokens.issue_session_token(guest))(USERS)

    assert response.error_messages == ["ERR_NOT_AUTHENTICATED"]


def test_permissions_are_read_per_request_not_from_the_token(user, group_with):
    token = tokens.issue_session_token(user)
    client = GraphQLClient(token)
    assert client(USERS).error_messages == ["ERR_FORBIDDEN"]

    readers = group_with("read:users")
    user.groups.add(readers)
    assert client(USERS).body == {"data": {"users": [{"email": "member@example.com"}]}}

    user.groups.remove(readers)
    assert client(USERS).error_messages == ["ERR_FORBIDDEN"]


def test_pvd_claim_is_ignored(user):
    token = sign(claims_for(user, pvd="5a528c4c-0a82-4ad2-96a5-2b23811e6588"))

    assert as_caller(token, user) == "user"


def test_configured_audience(user, fresh_keys):
    old_token = tokens.issue_session_token(user)
    update_setting("auth", audience="urn:example:wiki")
    tokens.forget_signing_keys()

    new_token = tokens.issue_session_token(user)

    assert jwt.decode(new_token, options={"verify_signature": False})["aud"] == "urn:example:wiki"
    assert as_caller(new_token, user) == "user"
    assert as_caller(old_token, user) == "guest"
