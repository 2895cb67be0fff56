"""``login``, ``loginTFA`` and ``loginChangePassword`` on /graphql (API-v2.md §3.5)."""

import pytest

from accounts import continuation, signin
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, TotpDevice, User, UserKey
from tests.api.signin.support import code, give_totp, stored_secret, token_for
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory, UserFactory
from tests.token_support import verified_claims
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site

from .auth_support import (
    PY_LOGIN,
    PY_LOGIN_CHANGE_PASSWORD,
    PY_LOGIN_TFA,
    PY_LOGIN_TFA_AS_SENT,
    TF_GET_API_STATE,
    TF_LOGIN,
    ok,
    refused,
    result_of,
)
from .conftest import V2_URL

pytestmark = pytest.mark.django_db

PASSWORD = "Password123"  # tests.factories.UserFactory's
NOTHING = {
    "jwt": None,
    "mustChangePwd": None,
    "mustProvideTFA": None,
    "mustSetupTFA": None,
    "continuationToken": None,
    "redirect": None,
    "tfaQRImage": None,
}
LOGIN_FAILED = refused(1002, "AuthLoginFailed", "Invalid email / username or password.")
PROVIDER_INVALID = refused(1003, "AuthProviderInvalid", "Invalid authentication provider.")
BANNED = refused(1013, "AuthAccountBanned", "Your account has been disabled.")
NOT_VERIFIED = refused(
    1014, "AuthAccountNotVerified", "You must verify your account before your can login."
)
TFA_FAILED = refused(1005, "AuthTFAFailed", "Incorrect TFA Security Code.")
TFA_INVALID = refused(1006, "AuthTFAInvalid", "Invalid TFA Security Code or Login Token.")
TOKEN_INVALID = refused(1015, "AuthValidationTokenInvalid", "Invalid validation token.")
USER_NOT_FOUND = refused(1016, "UserNotFound", "This user does not exist.")
SHORT_PASSWORD = refused(1012, "InputInvalid", "Password must be at least 8 characters!")
AUTH_GENERIC = refused(1001, "AuthGenericError", "An unexpected error occured during login.")


def login(client, email, password=PASSWORD, strategy="local", document=TF_LOGIN, **headers) -> dict:
    variables = {"username": email, "password": password, "strategy": strategy}
    return result_of(client(document, variables, **headers), "login")


def only(**fields) -> dict:
    return {**NOTHING, **fields}


# --- login: the four shapes of §3.5 ------------------------------------------------------------
@pytest.mark.parametrize("document", [TF_LOGIN, PY_LOGIN])
def test_login_answers_a_session_token(v2_anonymous, document):
    user = UserFactory(email="ada@example.com")

    result = login(v2_anonymous, "Ada@Example.com", document=document)

    assert result == only(responseResult=ok("Login success"), jwt=result["jwt"], redirect="/")
    assert verified_claims(result["jwt"])["id"] == str(user.pk)
    user.refresh_from_db()
    assert user.last_login is not None


def test_the_jwt_works_as_a_bearer_token_on_both_endpoints(v2_anonymous, admin):
    jwt = login(v2_anonymous, admin.email)["jwt"]

    v2 = GraphQLClient(jwt, url=V2_URL)
    assert result_of(v2(TF_GET_API_STATE), "apiState") is False
    assert GraphQLClient(jwt)("{ apiState }").data == {"apiState": False}


def test_the_local_strategy_id_is_accepted(v2_anonymous):
    UserFactory(email="ada@example.com")

    result = login(v2_anonymous, "ada@example.com", strategy=str(LOCAL_STRATEGY_ID).upper())

    assert result["responseResult"] == ok("Login success")


def test_redirect_is_the_groups_redirect_on_login(v2_anonymous):
    UserFactory(email="docs@example.com", groups=[GroupFactory(redirect_on_login="/docs")])

    assert login(v2_anonymous, "docs@example.com")["redirect"] == "/docs"


def test_active_tfa_asks_for_the_code(v2_anonymous):
    user = UserFactory(email="two@example.com")
    give_totp(user)

    result = login(v2_anonymous, "two@example.com")

    assert result == only(
        responseResult=ok("Login success"),
        mustProvideTFA=True,
        continuationToken=result["continuationToken"],
        redirect="/",
    )
    assert len(result["continuationToken"]) == 21


def test_required_tfa_without_a_device_starts_its_setup(v2_anonymous):
    UserFactory(email="must@example.com", tfa_required=True)

    result = login(v2_anonymous, "must@example.com", document=PY_LOGIN)

    assert result == only(
        responseResult=ok("Login success"),
        mustSetupTFA=True,
        continuationToken=result["continuationToken"],
        tfaQRImage=result["tfaQRImage"],
        redirect="/",
    )
    assert result["tfaQRImage"].lstrip().startswith("<")
    assert "<svg" in result["tfaQRImage"]


def test_a_forced_password_change_asks_for_a_new_password(v2_anonymous):
    UserFactory(email="new@example.com", must_change_password=True)

    result = login(v2_anonymous, "new@example.com")

    assert result == only(
        responseResult=ok("Login success"),
        mustChangePwd=True,
        continuationToken=result["continuationToken"],
        redirect="/",
    )


# --- login's refusals --------------------------------------------------------------------------
def test_wrong_password_and_unknown_email_fail_alike(v2_anonymous):
    UserFactory(email="ada@example.com")

    assert login(v2_anonymous, "ada@example.com", "wrong-password") == only(
        responseResult=LOGIN_FAILED
    )
    assert login(v2_anonymous, "nobody@example.com") == only(responseResult=LOGIN_FAILED)


@pytest.mark.parametrize("strategy", ["ldap", "", "00000000-0000-0000-0000-000000000000"])
def test_another_strategy_is_an_invalid_provider(v2_anonymous, strategy):
    UserFactory(email="ada@example.com")

    result = login(v2_anonymous, "ada@example.com", strategy=strategy, document=PY_LOGIN)

    assert result == only(responseResult=PROVIDER_INVALID)


def test_a_disabled_local_strategy_is_an_invalid_provider(v2_anonymous):
    UserFactory(email="ada@example.com")
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)

    assert login(v2_anonymous, "ada@example.com") == only(responseResult=PROVIDER_INVALID)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"is_active": False}, BANNED),
        ({"restrict_login": True}, BANNED),
        ({"is_verified": False}, NOT_VERIFIED),
    ],
)
def test_accounts_that_may_not_sign_in(v2_anonymous, fields, expected):
    UserFactory(email="ada@example.com", **fields)

    assert login(v2_anonymous, "ada@example.com") == only(responseResult=expected)


def test_an_unexpected_failure_is_the_generic_auth_error(v2_anonymous, monkeypatch):
    def broken(**_):
        raise RuntimeError("boom")

    monkeypatch.setattr(signin, "login", broken)

    assert login(v2_anonymous, "ada@example.com") == only(responseResult=AUTH_GENERIC)


def test_no_site_serving_the_request_is_the_generic_auth_error(v2_anonymous):
    """§2.8: without a ``*`` site and a matching host, the site-bound login fails generically."""
    UserFactory(email="ada@example.com")
    Site.objects.filter(hostname="*").update(hostname="wiki.example.com")

    assert login(v2_anonymous, "ada@example.com") == only(responseResult=AUTH_GENERIC)
    result = login(v2_anonymous, "ada@example.com", HTTP_HOST="wiki.example.com")
    assert result["responseResult"] == ok("Login success")


# --- loginTFA ----------------------------------------------------------------------------------
def test_login_tfa_with_the_right_code_signs_in(v2_anonymous):
    user = UserFactory(email="two@example.com")
    secret = give_totp(user)
    token = login(v2_anonymous, "two@example.com")["continuationToken"]

    answer = v2_anonymous(PY_LOGIN_TFA, {"continuationToken": token, "securityCode": code(secret)})

    result = result_of(answer, "loginTFA")
    assert result == only(responseResult=ok("TFA success"), jwt=result["jwt"], redirect="/")
    assert verified_claims(result["jwt"])["id"] == str(user.pk)


def test_login_tfa_setup_activates_tfa(v2_anonymous):
    user = UserFactory(email="must@example.com", tfa_required=True)
    token = login(v2_anonymous, "must@example.com")["continuationToken"]
    secret = stored_secret(user)

    answer = v2_anonymous(
        PY_LOGIN_TFA,
        {"continuationToken": token, "securityCode": code(secret), "setup": True},
    )

    result = result_of(answer, "loginTFA")
    assert result["responseResult"] == ok("TFA success")
    assert verified_claims(result["jwt"])["id"] == str(user.pk)
    assert TotpDevice.objects.get(user=user).confirmed


def test_login_tfa_continues_with_the_tokens_strategy(v2_anonymous):
    """No strategy argument: the strategy the token was issued for is used (§3.5)."""
    other = AuthStrategy.objects.create(module="local", display_name="Second local")
    user = UserFactory(email="two@example.com")
    secret = give_totp(user)
    TotpDevice.objects.filter(user=user).update(strategy_id=other.pk)
    token = token_for(user, UserKey.Kind.TFA, strategy_id=other.pk)

    answer = v2_anonymous(PY_LOGIN_TFA, {"continuationToken": token, "securityCode": code(secret)})

    result = result_of(answer, "loginTFA")
    assert result["responseResult"] == ok("TFA success")
    assert verified_claims(result["jwt"])["id"] == str(user.pk)


def test_login_tfa_then_asks_for_a_forced_password_change(v2_anonymous):
    user = UserFactory(email="two@example.com", must_change_password=True)
    secret = give_totp(user)
    token = login(v2_anonymous, "two@example.com")["continuationToken"]

    answer = v2_anonymous(PY_LOGIN_TFA, {"continuationToken": token, "securityCode": code(secret)})

    result = result_of(answer, "loginTFA")
    assert result == only(
        responseResult=ok("TFA success"),
        mustChangePwd=True,
        continuationToken=result["continuationToken"],
        redirect="/",
    )


def test_login_tfa_refusals(v2_anonymous):
    user = UserFactory(email="two@example.com")
    secret = give_totp(user)
    first = login(v2_anonymous, "two@example.com")["continuationToken"]

    def tfa(token, security_code):
        variables = {"continuationToken": token, "securityCode": security_code}
        return result_of(v2_anonymous(PY_LOGIN_TFA, variables), "loginTFA")

    assert tfa(first, "12ab56") == only(responseResult=TFA_INVALID)
    assert tfa("", code(secret)) == only(responseResult=TFA_INVALID)
    assert tfa("not-a-token-at-all-00", code(secret)) == only(responseResult=TOKEN_INVALID)
    wrong = f"{(int(code(secret)) + 1) % 1_000_000:06d}"
    assert tfa(first, wrong) == only(responseResult=TFA_FAILED)
    # The token was used up by the refused attempt (§4.5.2).
    assert tfa(first, code(secret)) == only(responseResult=TOKEN_INVALID)


def test_an_expired_tfa_token_is_an_invalid_validation_token(v2_anonymous):
    user = UserFactory(email="two@example.com")
    secret = give_totp(user)
    token = login(v2_anonymous, "two@example.com")["continuationToken"]
    UserKey.objects.filter(user=user).update(valid_until="2000-01-01T00:00:00Z")

    answer = v2_anonymous(PY_LOGIN_TFA, {"continuationToken": token, "securityCode": code(secret)})

    assert result_of(answer, "loginTFA") == only(responseResult=TOKEN_INVALID)


def test_the_pyclients_misspelt_operation_fails_validation(v2_anonymous):
    answer = v2_anonymous(PY_LOGIN_TFA_AS_SENT, {"continuationToken": "x", "securityCode": "1"})

    assert answer.status == 400, answer.body
    assert answer.data is None
    assert "logintFA" in answer.errors[0]["message"]


# --- loginChangePassword -----------------------------------------------------------------------
def change(client, token, new_password) -> dict:
    variables = {"continuationToken": token, "newPassword": new_password}
    return result_of(client(PY_LOGIN_CHANGE_PASSWORD, variables), "loginChangePassword")


def test_login_change_password_sets_it_and_signs_in(v2_anonymous):
    user = UserFactory(
        email="new@example.com",
        must_change_password=True,
        groups=[GroupFactory(redirect_on_login="/welcome")],
    )
    token = login(v2_anonymous, "new@example.com")["continuationToken"]

    result = change(v2_anonymous, token, "Brand-new-pass-1")

    assert result == only(
        responseResult=ok("Password changed successfully"),
        jwt=result["jwt"],
        redirect="/welcome",
    )
    assert verified_claims(result["jwt"])["id"] == str(user.pk)
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-1")
    assert user.must_change_password is False


def test_a_reset_link_token_still_asks_for_the_second_factor(v2_anonymous):
    user = UserFactory(email="two@example.com")
    give_totp(user)
    token = continuation.issue(user, UserKey.Kind.CHANGE_PASSWORD, from_reset_link=True)

    result = change(v2_anonymous, token, "Brand-new-pass-1")

    assert result == only(
        responseResult=ok("Password changed successfully"),
        mustProvideTFA=True,
        continuationToken=result["continuationToken"],
        redirect="/",
    )


def test_login_change_password_refusals(v2_anonymous):
    user = UserFactory(email="new@example.com", must_change_password=True)
    token = token_for(user, UserKey.Kind.CHANGE_PASSWORD)

    assert change(v2_anonymous, token, "short") == only(responseResult=SHORT_PASSWORD)
    assert change(v2_anonymous, "unknown-token-000000", "Brand-new-pass-1") == only(
        responseResult=TOKEN_INVALID
    )
    # A TFA token is no changePwd token.
    tfa_token = token_for(user, UserKey.Kind.TFA)
    assert change(v2_anonymous, tfa_token, "Brand-new-pass-1") == only(responseResult=TOKEN_INVALID)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_vanished_account_is_user_not_found(v2_anonymous, monkeypatch):
    """The token's user deleted between the token check and the change (§3.5)."""

    def gone(**_):
        raise DomainError(ErrorKey.INVALID_USER, "deleted since the token was issued")

    monkeypatch.setattr(signin, "change_password_with_token", gone)

    assert change(v2_anonymous, "whatever-token", "Brand-new-pass-1") == only(
        responseResult=USER_NOT_FOUND
    )


def test_a_deleted_accounts_token_is_invalid(v2_anonymous):
    user = UserFactory(email="new@example.com", must_change_password=True)
    token = token_for(user, UserKey.Kind.CHANGE_PASSWORD)
    User.objects.filter(pk=user.pk).delete()

    assert change(v2_anonymous, token, "Brand-new-pass-1") == only(responseResult=TOKEN_INVALID)
