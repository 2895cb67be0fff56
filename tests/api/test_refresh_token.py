"""Session tokens on /_graphql (API.md §1.3) and ``refreshToken`` (§4.5.5): every check in order."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from accounts import sessions, tokens
from accounts.models import User
from tests.conftest import GraphQLClient
from tests.token_support import claims_for, sign, verified_claims
from wiki.config import update_setting
from wiki.errors import DomainError, ErrorKey

pytestmark = pytest.mark.django_db

REFRESH = """
mutation ($token: String!) {
  refreshToken(token: $token) { operation { succeeded slug message } jwt }
}
"""
ME = "query ($id: UUID!) { userById(id: $id) { email } }"


def expired_token(user, *, ago: timedelta, **changes) -> str:
    """A session token of ``user`` whose expiry was ``ago`` before now."""
    now = timezone.now()
    return sign(
        claims_for(
            user,
            iat=int((now - ago - timedelta(minutes=30)).timestamp()),
            exp=int((now - ago).timestamp()),
            **changes,
        )
    )


def refresh(token: str, client: GraphQLClient | None = None):
    response = (client or GraphQLClient())(REFRESH, {"token": token})
    assert response.status == 200, response.body
    assert response.errors == []
    return response.data["refreshToken"]


def refused(token: str, key: ErrorKey) -> None:
    assert refresh(token) == {
        "operation": {"succeeded": False, "slug": key.value, "message": key.value},
        "jwt": None,
    }


def caller_of(token: str, user) -> str:
    response = GraphQLClient(token)(ME, {"id": str(user.pk)})
    assert response.status == 200
    if response.data["userById"] is not None:
        assert response.data["userById"] == {"email": user.email}
        return "user"
    assert response.error_messages == ["ERR_NOT_AUTHENTICATED"]
    return "guest"


def last_login_of(user):
    return User.objects.values_list("last_login", flat=True).get(pk=user.pk)


# --- On /_graphql ---------------------------------------------------------------------------------
def test_an_expired_access_token_is_a_guest_on_graphql(user):
    assert caller_of(expired_token(user, ago=timedelta(seconds=5)), user) == "guest"
    assert caller_of(tokens.issue_session_token(user), user) == "user"


def test_a_deactivated_users_token_is_refused_at_once(user):
    token = tokens.issue_session_token(user)
    assert caller_of(token, user) == "user"

    User.objects.filter(pk=user.pk).update(is_active=False)

    assert caller_of(token, user) == "guest"
    refused(token, ErrorKey.INACTIVE_USER)


# --- refreshToken: success ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ago", [timedelta(minutes=-10), timedelta(minutes=1), timedelta(days=13, hours=23)]
)
def test_refresh_within_the_window(user, group_with, ago):
    User.objects.filter(pk=user.pk).update(last_login=None)
    extra = group_with("read:pages")
    user.groups.add(extra)  # joined after the old token was issued
    old = expired_token(user, ago=ago)
    before = timezone.now()

    result = refresh(old)

    assert result["operation"] == {
        "succeeded": True,
        "slug": "ok",
        "message": "Token refreshed successfully.",
    }
    claims = verified_claims(result["jwt"])
    assert claims["id"] == str(user.pk)
    assert claims["email"] == user.email
    assert sorted(claims["groups"]) == sorted(str(g.pk) for g in user.groups.all())
    assert str(extra.pk) in claims["groups"]
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert claims["exp"] > timezone.now().timestamp()
    assert before - timedelta(seconds=1) <= last_login_of(user) <= timezone.now()
    assert caller_of(result["jwt"], user) == "user"


def test_the_renewal_window_follows_the_auth_setting(user):
    update_setting("auth", tokenRenewal="1h")

    refused(expired_token(user, ago=timedelta(hours=2)), ErrorKey.EXPIRED_TOKEN)
    assert refresh(expired_token(user, ago=timedelta(minutes=50)))["operation"]["succeeded"]


def test_a_bad_renewal_setting_falls_back_to_14_days(user):
    update_setting("auth", tokenRenewal="forever")

    assert refresh(expired_token(user, ago=timedelta(days=13)))["operation"]["succeeded"]
    refused(expired_token(user, ago=timedelta(days=15)), ErrorKey.EXPIRED_TOKEN)


# --- refreshToken: each check, in the contract's order --------------------------------------------
@pytest.mark.parametrize("token", ["", "   ", "\t\n"])
def test_blank_token_is_missing(token):
    refused(token, ErrorKey.MISSING_TOKEN)


def other_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(user) -> str:
    """The algorithm-confusion attack: HMAC keyed with the published public key."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_for(user)).encode())
    secret = tokens.signing_keys().public_pem.encode()
    signature = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


INVALID = {
    "garbage": lambda user: "not-a-jwt",
    "other server": lambda user: sign(claims_for(user), key=other_key()),
    "wrong issuer": lambda user: sign(claims_for(user, iss="urn:other")),
    "wrong audience": lambda user: sign(claims_for(user, aud="urn:other")),
    "no audience": lambda user: sign(claims_for(user, aud=None)),
    "RS512": lambda user: sign(claims_for(user), algorithm="RS512"),
    "HS256 with the public key": hs256_with_public_key,
    "unsigned": lambda user: jwt.encode(claims_for(user), None, algorithm="none"),
    # Invalid and far beyond the window: the signature is checked first.
    "other server, long expired": lambda user: jwt.encode(
        claims_for(user, exp=1000, iat=900), other_key(), algorithm="RS256"
    ),
}


@pytest.mark.parametrize("make", INVALID.values(), ids=INVALID.keys())
def test_a_token_that_does_not_verify_is_invalid(user, make):
    before = last_login_of(user)

    refused(make(user), ErrorKey.INVALID_TOKEN)

    assert last_login_of(user) == before


def test_an_api_key_is_not_a_session(api_key_for, group_with):
    key_client = api_key_for(group_with("read:pages"))

    refused(key_client.token, ErrorKey.INVALID_TOKEN)


def test_an_api_key_long_expired_is_invalid_not_expired(group_with):
    now = timezone.now()
    token = tokens.issue_api_key_token(
        "6f4a0b5e-7a0e-4c55-9d68-3a2b4b0f9a11",
        [str(group_with("read:pages").pk)],
        now - timedelta(days=400),
        now - timedelta(days=300),
    )

    refused(token, ErrorKey.INVALID_TOKEN)


def test_beyond_the_window_is_expired(user):
    before = last_login_of(user)

    refused(expired_token(user, ago=timedelta(days=14, minutes=1)), ErrorKey.EXPIRED_TOKEN)

    assert last_login_of(user) == before


def test_expired_beyond_the_window_comes_before_the_user_checks(user):
    token = expired_token(user, ago=timedelta(days=20))
    User.objects.filter(pk=user.pk).update(is_active=False)

    refused(token, ErrorKey.EXPIRED_TOKEN)


def test_a_deleted_user_is_invalid(user):
    token = tokens.issue_session_token(user)
    User.objects.filter(pk=user.pk).delete()

    refused(token, ErrorKey.INVALID_USER)


@pytest.mark.parametrize("user_id", [None, "not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_a_token_naming_no_user_is_invalid_user(user, user_id):
    refused(sign(claims_for(user, id=user_id)), ErrorKey.INVALID_USER)


def test_the_guest_user_cannot_be_refreshed():
    guest = User.objects.get(email="guest@example.com")

    refused(sign(claims_for(guest)), ErrorKey.INVALID_USER)


def test_an_inactive_user_is_refused(user):
    token = expired_token(user, ago=timedelta(days=1))
    User.objects.filter(pk=user.pk).update(is_active=False, last_login=None)

    refused(token, ErrorKey.INACTIVE_USER)

    assert last_login_of(user) is None


def test_refresh_works_for_any_caller(user, admin_client):
    """refreshToken is public: the request's own credential plays no part."""
    result = refresh(expired_token(user, ago=timedelta(hours=1)), admin_client)

    assert verified_claims(result["jwt"])["id"] == str(user.pk)


# --- The service, directly ------------------------------------------------------------------------
def test_service_checks_and_effect(user):
    with pytest.raises(DomainError) as missing:
        sessions.refresh_session(None, client_address="198.51.100.7")
    assert missing.value.key is ErrorKey.MISSING_TOKEN

    token = sessions.refresh_session(
        expired_token(user, ago=timedelta(days=2)), client_address="198.51.100.7"
    )

    assert tokens.read_token(token)["id"] == str(user.pk)
    assert last_login_of(user) is not None
