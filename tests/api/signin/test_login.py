"""``login`` (API.md §4.5.5): checks 1-6 in order with their keys, then the post-login steps."""

import uuid

import pytest
from django.contrib.auth import hashers

from accounts import signin, totp
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, TotpDevice, User, UserKey
from accounts.services import guest_user
from tests.factories import GroupFactory, UserFactory, default_site
from tests.token_support import verified_claims

from .support import (
    LOGIN,
    PASSWORD,
    failed,
    give_totp,
    keys_of,
    login_variables,
    nothing_but,
    stored_secret,
)

pytestmark = pytest.mark.django_db


def login(client, variables, **headers) -> dict:
    answer = client(LOGIN, variables, **headers)
    assert answer.status == 200, answer.body
    assert answer.errors == [], answer.body
    return answer.data["login"]


def assert_no_trace(user) -> None:
    user.refresh_from_db()
    assert user.last_login is None
    assert keys_of(user) == []
    assert not TotpDevice.objects.filter(user=user).exists()


# --- Success ----------------------------------------------------------------------------------
def test_login_answers_a_session_token_and_sets_last_login(anonymous, rate_hits):
    user = UserFactory(email="ada@example.com")

    result = login(anonymous, login_variables("ada@example.com"), REMOTE_ADDR="192.0.2.7")

    assert result["operation"]["succeeded"] is True
    assert result["operation"]["slug"] == "ok"
    assert result["nextAction"] == "redirect"
    assert result["redirect"] == "/"
    assert result["continuationToken"] is None
    assert result["tfaQRImage"] is None
    assert verified_claims(result["jwt"])["id"] == str(user.pk)
    user.refresh_from_db()
    assert user.last_login is not None
    assert keys_of(user) == []
    assert rate_hits == [("login", "192.0.2.7", "ada@example.com")]


def test_the_email_is_matched_lowercase(anonymous, rate_hits):
    user = UserFactory(email="grace@example.com")

    result = login(anonymous, login_variables("Grace@Example.COM"))

    assert verified_claims(result["jwt"])["id"] == str(user.pk)
    # Counted against the account, however it was spelled.
    assert rate_hits == [("login", "127.0.0.1", "grace@example.com")]


def test_the_redirect_is_the_groups_redirect_on_login(anonymous):
    group = GroupFactory(name="Docs team", redirect_on_login="/docs/start")
    UserFactory(email="docs@example.com", groups=[group])

    result = login(anonymous, login_variables("docs@example.com"))

    assert result["nextAction"] == "redirect"
    assert result["redirect"] == "/docs/start"


def test_a_forced_password_change_answers_a_change_pwd_token(anonymous):
    group = GroupFactory(redirect_on_login="/welcome")
    user = UserFactory(email="new@example.com", must_change_password=True, groups=[group])

    result = login(anonymous, login_variables("new@example.com"))

    assert result == {
        "operation": result["operation"],
        "jwt": None,
        "nextAction": "changePassword",
        "continuationToken": result["continuationToken"],
        "redirect": "/welcome",
        "tfaQRImage": None,
    }
    assert result["operation"]["succeeded"] is True
    assert len(result["continuationToken"]) == 21
    assert keys_of(user) == [("changePwd", {"strategyId": str(LOCAL_STRATEGY_ID), "amr": ["pwd"]})]
    user.refresh_from_db()
    assert user.last_login is None  # no session token issued yet


def test_active_tfa_answers_provide_tfa_before_anything_else(anonymous):
    user = UserFactory(email="two@example.com", must_change_password=True)
    give_totp(user)

    result = login(anonymous, login_variables("two@example.com"))

    assert result["nextAction"] == "provideTfa"
    assert result["jwt"] is None
    assert result["tfaQRImage"] is None
    assert result["redirect"] == "/"
    assert len(result["continuationToken"]) == 21
    assert keys_of(user) == [("tfa", {"strategyId": str(LOCAL_STRATEGY_ID)})]
    user.refresh_from_db()
    assert user.last_login is None


@pytest.mark.parametrize("why", ["user", "strategy"])
def test_required_tfa_without_a_device_starts_its_setup(anonymous, why):
    user = UserFactory(email="must@example.com", tfa_required=why == "user")
    if why == "strategy":
        AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(config={"enforceTfa": True})

    result = login(anonymous, login_variables("must@example.com"))

    assert result["nextAction"] == "setupTfa"
    assert result["jwt"] is None
    assert result["redirect"] == "/"
    assert keys_of(user) == [("tfaSetup", {"strategyId": str(LOCAL_STRATEGY_ID)})]
    device = TotpDevice.objects.get(user=user)
    assert device.confirmed is False
    secret = stored_secret(user)
    assert len(secret) == 20
    # The QR code is exactly that of the stored secret's otpauth URI for this site.
    assert result["tfaQRImage"] == totp.qr_svg("must@example.com", secret, default_site())
    assert result["tfaQRImage"].startswith("<svg")
    assert result["tfaQRImage"].endswith("</svg>")


def test_signing_in_again_during_setup_replaces_the_unconfirmed_secret(anonymous):
    user = UserFactory(email="again@example.com", tfa_required=True)
    login(anonymous, login_variables("again@example.com"))
    first = stored_secret(user)

    result = login(anonymous, login_variables("again@example.com"))

    assert result["nextAction"] == "setupTfa"
    assert TotpDevice.objects.filter(user=user).count() == 1
    assert stored_secret(user) != first


# --- Checks, one key each, in contract order --------------------------------------------------
def test_1_a_strategy_that_is_not_enabled(anonymous):
    user = UserFactory(email="s@example.com")
    unknown = login(anonymous, login_variables("s@example.com", strategyId=str(uuid.uuid4())))
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)
    disabled = login(anonymous, login_variables("s@example.com"))

    assert unknown == nothing_but(failed("ERR_INVALID_STRATEGY"))
    assert disabled == nothing_but(failed("ERR_INVALID_STRATEGY"))
    assert_no_trace(user)


def test_2_an_unknown_site(anonymous):
    user = UserFactory(email="site@example.com")

    result = login(anonymous, login_variables("site@example.com", siteId=str(uuid.uuid4())))

    assert result == nothing_but(failed("ERR_INVALID_SITE"))
    assert_no_trace(user)


def test_3_a_wrong_password(anonymous):
    user = UserFactory(email="wrong@example.com")

    result = login(anonymous, login_variables("wrong@example.com", "Password124"))

    assert result == nothing_but(failed("ERR_LOGIN_FAILED"))
    assert_no_trace(user)


def test_3_an_unknown_email_answers_as_a_wrong_password(anonymous):
    result = login(anonymous, login_variables("nobody@example.com"))

    assert result == nothing_but(failed("ERR_LOGIN_FAILED"))
    assert UserKey.objects.count() == 0


def test_3_an_account_without_a_password(anonymous):
    user = UserFactory(email="nopass@example.com")
    user.set_unusable_password()
    user.save()

    assert login(anonymous, login_variables("nopass@example.com", "")) == nothing_but(
        failed("ERR_LOGIN_FAILED")
    )
    assert_no_trace(user)


def test_3_the_guest_cannot_sign_in_even_with_its_password(anonymous):
    guest = guest_user()
    guest.set_password("GuestPass1")
    guest.save()

    result = login(anonymous, login_variables(guest.email, "GuestPass1"))

    assert result == nothing_but(failed("ERR_LOGIN_FAILED"))
    assert_no_trace(guest)


def test_3_an_enabled_strategy_the_account_has_no_credentials_for(anonymous):
    user = UserFactory(email="ldap@example.com")
    other = AuthStrategy.objects.create(module="ldap", display_name="LDAP", is_enabled=True)

    result = login(anonymous, login_variables("ldap@example.com", strategyId=str(other.pk)))

    assert result == nothing_but(failed("ERR_LOGIN_FAILED"))
    assert_no_trace(user)


def test_4_an_inactive_account(anonymous):
    user = UserFactory(email="off@example.com", is_active=False)

    assert login(anonymous, login_variables("off@example.com")) == nothing_but(
        failed("ERR_INACTIVE_USER")
    )
    assert_no_trace(user)


def test_5_a_restricted_account(anonymous):
    user = UserFactory(email="restricted@example.com", restrict_login=True)

    assert login(anonymous, login_variables("restricted@example.com")) == nothing_but(
        failed("ERR_LOGIN_RESTRICTED")
    )
    assert_no_trace(user)


def test_6_an_unverified_account(anonymous):
    user = UserFactory(email="unverified@example.com", is_verified=False)

    assert login(anonymous, login_variables("unverified@example.com")) == nothing_but(
        failed("ERR_USER_NOT_VERIFIED")
    )
    assert_no_trace(user)


def test_a_refused_login_starts_no_tfa_setup(anonymous):
    user = UserFactory(email="tfa-off@example.com", tfa_required=True, is_verified=False)

    assert login(anonymous, login_variables("tfa-off@example.com")) == nothing_but(
        failed("ERR_USER_NOT_VERIFIED")
    )
    assert_no_trace(user)


def test_the_first_failing_check_decides(anonymous):
    """Everything wrong at once, then put right one by one: the keys come in contract order."""
    user = UserFactory(
        email="ladder@example.com", is_active=False, restrict_login=True, is_verified=False
    )
    variables = login_variables(
        "ladder@example.com", "nope-nope", strategyId=str(uuid.uuid4()), siteId=str(uuid.uuid4())
    )
    seen = []
    fixes = [
        lambda: variables.update(strategyId=str(LOCAL_STRATEGY_ID)),
        lambda: variables.update(siteId=str(default_site().pk)),
        lambda: variables.update(password=PASSWORD),
        lambda: User.objects.filter(pk=user.pk).update(is_active=True),
        lambda: User.objects.filter(pk=user.pk).update(restrict_login=False),
        lambda: User.objects.filter(pk=user.pk).update(is_verified=True),
    ]
    for fix in fixes:
        seen.append(login(anonymous, variables)["operation"]["slug"])
        fix()
    seen.append(login(anonymous, variables)["operation"]["slug"])

    assert seen == [
        "ERR_INVALID_STRATEGY",
        "ERR_INVALID_SITE",
        "ERR_LOGIN_FAILED",
        "ERR_INACTIVE_USER",
        "ERR_LOGIN_RESTRICTED",
        "ERR_USER_NOT_VERIFIED",
        "ok",
    ]


# --- Not revealing which accounts exist -------------------------------------------------------
@pytest.mark.parametrize(
    "email", ["nobody@example.com", "wrong@example.com", "nopass@example.com", "guest"]
)
def test_the_hasher_runs_once_whether_or_not_the_account_exists(anonymous, monkeypatch, email):
    UserFactory(email="wrong@example.com")
    nopass = UserFactory(email="nopass@example.com")
    nopass.set_unusable_password()
    nopass.save()
    if email == "guest":
        email = guest_user().email
    signin.dummy_password_hash()  # made once per process, before counting
    hasher = hashers.get_hasher("default")
    calls = []
    real_encode = type(hasher).encode

    def counting_encode(self, password, salt):
        calls.append(password)
        return real_encode(self, password, salt)

    monkeypatch.setattr(type(hasher), "encode", counting_encode)

    result = login(anonymous, login_variables(email, "Guess1234"))

    assert result == nothing_but(failed("ERR_LOGIN_FAILED"))
    assert len(calls) == 1
    # For an unusable password (nopass, the guest) Django hashes a random text instead.
    if email in ("nobody@example.com", "wrong@example.com"):
        assert calls == ["Guess1234"]
