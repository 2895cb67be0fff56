"""Rate limits of the public sign-in operations on /graphql (API-v2.md §1.7).

Counted by the domain operation, so /graphql and /_graphql spend one budget per client address
(and per account): ``login`` with ``login``, ``loginTFA`` with ``loginTFA``,
``loginChangePassword`` with ``changePassword``, and ``forgotPassword`` and ``register`` with
their namesakes.
"""

import pytest

from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, User, UserKey
from tests.api.signin.support import LOGIN, login_variables, tfa_variables
from tests.api.signin.support import LOGIN_TFA as MAIN_LOGIN_TFA
from tests.factories import UserFactory
from wiki import rate_limits

from .auth_support import (
    PY_FORGOT_PASSWORD,
    PY_LOGIN_CHANGE_PASSWORD,
    PY_LOGIN_TFA,
    PY_REGISTER,
    TF_LOGIN,
)

pytestmark = pytest.mark.django_db

MAIN_CHANGE_PASSWORD = """
mutation ($token: String, $new: String!, $strategyId: UUID!, $siteId: UUID!) {
  changePassword(continuationToken: $token, newPassword: $new, strategyId: $strategyId,
                 siteId: $siteId) { operation { succeeded slug } }
}"""
MAIN_FORGOT = """
mutation ($email: String!) { forgotPassword(email: $email) { operation { succeeded slug } } }"""
MAIN_REGISTER = """
mutation ($email: String!) {
  register(email: $email, password: "Correct-Horse-9", name: "Jane Doe") {
    operation { succeeded slug }
  }
}"""


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """A fixed time in the middle of a bucket: calls made now count until 65 s from now."""
    monkeypatch.setattr(rate_limits, "_now", lambda: 1_000_000_025.0)


def assert_v2_rate_limited(response, field: str, seconds: int = 65) -> None:
    """§1.7: a G error, the field null, Wiki.js 2's message with the seconds to wait."""
    assert response.status == 200, response.body
    assert response.data == {"authentication": {field: None}}, response.body
    (error,) = response.errors
    assert error["message"] == f"Too many requests, please try again in {seconds} seconds."
    assert error["path"] == ["authentication", field]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}


def assert_main_rate_limited(response, field: str, seconds: int = 65) -> None:
    assert response.status == 200, response.body
    assert response.data == {field: None}, response.body
    assert response.errors[0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": seconds}


def v2_login(client, email="ada@example.com", password="Password123"):
    return client(TF_LOGIN, {"username": email, "password": password, "strategy": "local"})


# --- login ------------------------------------------------------------------------------------
@pytest.mark.parametrize("sixth_on", ["v2", "main"])
def test_login_shares_one_budget_with_the_main_endpoint(anonymous, v2_anonymous, sixth_on):
    UserFactory(email="ada@example.com")
    for _ in range(4):
        answer = anonymous(LOGIN, login_variables("ada@example.com"))
        assert answer.data["login"]["operation"]["succeeded"] is True, answer.body
    fifth = v2_login(v2_anonymous)
    assert fifth.data["authentication"]["login"]["responseResult"]["succeeded"] is True

    if sixth_on == "v2":
        assert_v2_rate_limited(v2_login(v2_anonymous), "login")
    else:
        assert_main_rate_limited(anonymous(LOGIN, login_variables("ada@example.com")), "login")


def test_refused_logins_count_too(v2_anonymous):
    for _ in range(5):
        answer = v2_login(v2_anonymous, password="wrong-password")
        assert answer.data["authentication"]["login"]["responseResult"]["slug"] == (
            "AuthLoginFailed"
        )

    assert_v2_rate_limited(v2_login(v2_anonymous), "login")


def test_an_invalid_provider_counts_too(v2_anonymous):
    for _ in range(5):
        answer = v2_anonymous(
            TF_LOGIN, {"username": "ada@example.com", "password": "x", "strategy": "ldap"}
        )
        assert answer.data["authentication"]["login"]["responseResult"]["slug"] == (
            "AuthProviderInvalid"
        )

    assert_v2_rate_limited(v2_login(v2_anonymous), "login")


def test_aliases_count_one_call_each(v2_anonymous):
    UserFactory(email="ada@example.com")
    aliases = "\n".join(
        f'a{n}: login(username: "ada@example.com", password: "Password123", strategy: "local")'
        " { responseResult { succeeded } }"
        for n in range(6)
    )

    answer = v2_anonymous(f"mutation {{ authentication {{ {aliases} }} }}")

    results = answer.data["authentication"]
    assert [results[f"a{n}"] is None for n in range(6)] == [False] * 5 + [True]
    (error,) = answer.errors
    assert error["path"] == ["authentication", "a5"]
    assert error["message"] == "Too many requests, please try again in 65 seconds."


# --- loginTFA ---------------------------------------------------------------------------------
def test_login_tfa_shares_the_main_budget(anonymous, v2_anonymous):
    for _ in range(3):
        answer = anonymous(MAIN_LOGIN_TFA, tfa_variables("no-such-token-0000000", "123456"))
        assert answer.data["loginTFA"]["operation"]["succeeded"] is False
    for _ in range(2):
        answer = v2_anonymous(
            PY_LOGIN_TFA, {"continuationToken": "no-such-token-0000000", "securityCode": "123456"}
        )
        assert answer.data["authentication"]["loginTFA"]["responseResult"]["slug"] == (
            "AuthValidationTokenInvalid"
        )

    refused = v2_anonymous(
        PY_LOGIN_TFA, {"continuationToken": "no-such-token-0000000", "securityCode": "123456"}
    )

    assert_v2_rate_limited(refused, "loginTFA")
    assert_main_rate_limited(
        anonymous(MAIN_LOGIN_TFA, tfa_variables("no-such-token-0000000", "123456")), "loginTFA"
    )


# --- loginChangePassword ----------------------------------------------------------------------
def test_login_change_password_shares_change_passwords_budget(anonymous, v2_anonymous):
    main_variables = {
        "token": "no-such-token-0000000",
        "new": "Brand-new-pass-1",
        "strategyId": str(LOCAL_STRATEGY_ID),
        "siteId": login_variables("x")["siteId"],
    }
    v2_variables = {"continuationToken": "no-such-token-0000000", "newPassword": "Brand-new-1"}
    for _ in range(4):
        answer = anonymous(MAIN_CHANGE_PASSWORD, main_variables)
        assert answer.data["changePassword"]["operation"]["succeeded"] is False
    answer = v2_anonymous(PY_LOGIN_CHANGE_PASSWORD, v2_variables)
    assert answer.data["authentication"]["loginChangePassword"]["responseResult"]["slug"] == (
        "AuthValidationTokenInvalid"
    )

    assert_v2_rate_limited(
        v2_anonymous(PY_LOGIN_CHANGE_PASSWORD, v2_variables), "loginChangePassword"
    )
    assert not UserKey.objects.exists()


# --- forgotPassword ---------------------------------------------------------------------------
def test_forgot_password_allows_three_calls_on_both_endpoints(
    anonymous, v2_anonymous, mail_configured
):
    for _ in range(2):
        answer = anonymous(MAIN_FORGOT, {"email": "jane@example.com"})
        assert answer.data["forgotPassword"]["operation"]["succeeded"] is True
    answer = v2_anonymous(PY_FORGOT_PASSWORD, {"email": "jane@example.com"})
    assert answer.data["authentication"]["forgotPassword"]["responseResult"]["succeeded"] is True

    assert_v2_rate_limited(
        v2_anonymous(PY_FORGOT_PASSWORD, {"email": "jane@example.com"}), "forgotPassword"
    )
    assert_main_rate_limited(
        anonymous(MAIN_FORGOT, {"email": "jane@example.com"}), "forgotPassword"
    )


# --- register ---------------------------------------------------------------------------------
def test_register_shares_one_budget(anonymous, v2_anonymous):
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(
        registration=True, config={"emailValidation": False}
    )
    for n in range(3):
        answer = anonymous(MAIN_REGISTER, {"email": f"main{n}@example.com"})
        assert answer.data["register"]["operation"]["succeeded"] is True
    for n in range(2):
        answer = v2_anonymous(
            PY_REGISTER,
            {"email": f"v2{n}@example.com", "password": "Correct-Horse-9", "name": "Jane Doe"},
        )
        assert answer.data["authentication"]["register"]["responseResult"]["succeeded"] is True

    refused = v2_anonymous(
        PY_REGISTER,
        {"email": "late@example.com", "password": "Correct-Horse-9", "name": "Jane Doe"},
    )

    assert_v2_rate_limited(refused, "register")
    assert not User.objects.filter(email="late@example.com").exists()
