"""A token that does not count makes a guest request, with RFC 6750's hint and a log line."""

import logging
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from accounts import tokens
from tests.conftest import GraphQLClient
from tests.token_support import claims_for, sign

pytestmark = pytest.mark.django_db

ME = "query ($id: UUID!) { userById(id: $id) { email } }"
HINT = 'Bearer error="invalid_token"'


def ask(user, token: str | None):
    client = GraphQLClient(token)
    return client.http.post(
        "/_graphql",
        data={"query": ME, "variables": {"id": str(user.pk)}},
        content_type="application/json",
        **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}),
    )


def tampered(token: str) -> str:
    head, body, signature = token.split(".")
    flipped = ("A" if signature[5] != "A" else "B").join((signature[:5], signature[6:]))
    return ".".join((head, body, flipped))


def other_server_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


BAD_TOKENS = {
    "tampered": lambda user: tampered(tokens.issue_session_token(user)),
    "other server": lambda user: sign(claims_for(user), key=other_server_key()),
    "expired": lambda user: sign(
        claims_for(
            user,
            iat=int((timezone.now() - timedelta(hours=2)).timestamp()),
            exp=int((timezone.now() - timedelta(hours=1)).timestamp()),
        )
    ),
    "cut short": lambda user: tokens.issue_session_token(user)[:-20],
    "not a jwt": lambda user: "pasted-the-wrong-thing",
}


@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_bad_token_is_a_guest_with_the_hint_and_a_reason_logged(user, make_token, caplog):
    with caplog.at_level(logging.INFO, logger="accounts"):
        response = ask(user, make_token(user))

    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == "ERR_NOT_AUTHENTICATED"
    assert response["WWW-Authenticate"] == HINT
    (record,) = [r for r in caplog.records if r.name == "accounts"]
    assert record.getMessage().startswith("token ignored, request runs as guest: it does not")


def test_a_deactivated_users_token_gets_the_hint(user, caplog):
    token = tokens.issue_session_token(user)
    user.is_active = False
    user.save()

    with caplog.at_level(logging.INFO, logger="accounts"):
        response = ask(user, token)

    assert response["WWW-Authenticate"] == HINT
    assert "its user is unknown or deactivated" in caplog.text


@pytest.mark.parametrize("token", [None, "valid"])
def test_no_hint_without_a_bad_token(user, token):
    response = ask(user, tokens.issue_session_token(user) if token else None)

    assert "WWW-Authenticate" not in response
    if token:
        assert response.json() == {"data": {"userById": {"email": user.email}}}


def test_the_hint_never_echoes_the_token(user):
    token = BAD_TOKENS["tampered"](user)

    response = ask(user, token)

    assert token not in response["WWW-Authenticate"]
    assert token not in response.content.decode()
