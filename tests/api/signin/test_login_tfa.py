"""``loginTFA`` (API.md §4.5.5) with real TOTP codes computed from the stored secret."""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, TotpDevice, UserKey
from tests.factories import GroupFactory, UserFactory
from tests.token_support import verified_claims

from .support import (
    LOGIN,
    LOGIN_TFA,
    USER_AUTH,
    code,
    current_step,
    failed,
    give_totp,
    keys_of,
    login_variables,
    nothing_but,
    stored_secret,
    tfa_variables,
    token_for,
)

pytestmark = pytest.mark.django_db

TFA = UserKey.Kind.TFA
TFA_SETUP = UserKey.Kind.TFA_SETUP


def login_tfa(client, variables, **headers) -> dict:
    answer = client(LOGIN_TFA, variables, **headers)
    assert answer.status == 200, answer.body
    assert answer.errors == [], answer.body
    return answer.data["loginTFA"]


def password_step(client, email: str) -> dict:
    answer = client(LOGIN, login_variables(email))
    assert answer.errors == [], answer.body
    return answer.data["login"]


def device_of(user) -> TotpDevice:
    return TotpDevice.objects.get(user=user, strategy_id=LOCAL_STRATEGY_ID)


@pytest.fixture
def tfa_user(db):
    user = UserFactory(email="totp@example.com")
    user.secret = give_totp(user)
    return user


# --- Success ----------------------------------------------------------------------------------
def test_password_then_code_signs_in(anonymous, tfa_user, rate_hits):
    group = GroupFactory(redirect_on_login="/team")
    tfa_user.groups.add(group)
    first = password_step(anonymous, "totp@example.com")
    assert first["nextAction"] == "provideTfa"
    assert first["redirect"] == "/team"

    result = login_tfa(
        anonymous,
        tfa_variables(first["continuationToken"], code(tfa_user.secret)),
        REMOTE_ADDR="198.51.100.4",
    )

    assert result["operation"]["succeeded"] is True
    assert result["nextAction"] == "redirect"
    assert result["redirect"] == "/team"
    assert result["continuationToken"] is None
    assert result["tfaQRImage"] is None
    assert verified_claims(result["jwt"])["id"] == str(tfa_user.pk)
    tfa_user.refresh_from_db()
    assert tfa_user.last_login is not None
    assert keys_of(tfa_user) == []
    device = device_of(tfa_user)
    assert current_step() - 1 <= device.last_t <= current_step()
    assert device.throttling_failure_count == 0
    assert rate_hits[-1] == ("loginTFA", "198.51.100.4", "totp@example.com")


def test_a_forced_password_change_still_follows_the_code(anonymous, tfa_user):
    tfa_user.must_change_password = True
    tfa_user.save()
    first = password_step(anonymous, "totp@example.com")

    result = login_tfa(anonymous, tfa_variables(first["continuationToken"], code(tfa_user.secret)))

    assert result["nextAction"] == "changePassword"
    assert result["jwt"] is None
    # The code was given: the session the password change ends in records it (amr).
    assert keys_of(tfa_user) == [
        ("changePwd", {"strategyId": str(LOCAL_STRATEGY_ID), "amr": ["pwd", "otp"]})
    ]


def test_setup_activates_tfa_with_the_first_code(anonymous, admin_client):
    user = UserFactory(email="enrol@example.com", tfa_required=True)
    first = password_step(anonymous, "enrol@example.com")
    assert first["nextAction"] == "setupTfa"

    result = login_tfa(
        anonymous,
        tfa_variables(first["continuationToken"], code(stored_secret(user)), setup=True),
    )

    assert result["operation"]["succeeded"] is True
    assert result["nextAction"] == "redirect"
    assert verified_claims(result["jwt"])["id"] == str(user.pk)
    assert device_of(user).confirmed is True
    assert keys_of(user) == []  # the tfaSetup token goes on success
    auth = admin_client(USER_AUTH, {"id": str(user.pk)})
    assert auth.data["userById"]["auth"][0]["config"]["isTfaSetup"] is True
    # From now on the password step asks for a code.
    assert password_step(anonymous, "enrol@example.com")["nextAction"] == "provideTfa"


def test_a_finished_setup_ends_every_pending_setup(anonymous):
    user = UserFactory(tfa_required=True)
    secret = give_totp(user, confirmed=False)
    token_for(user, TFA_SETUP)  # an earlier setup, never finished
    token = token_for(user, TFA_SETUP)
    token_for(user, TFA)

    result = login_tfa(anonymous, tfa_variables(token, code(secret), setup=True))

    assert result["nextAction"] == "redirect"
    assert [kind for kind, _ in keys_of(user)] == ["tfa"]  # other kinds stay


@pytest.mark.parametrize("steps", [-1, 1])
def test_a_code_one_step_off_is_accepted(anonymous, tfa_user, steps):
    token = token_for(tfa_user, TFA)

    result = login_tfa(anonymous, tfa_variables(token, code(tfa_user.secret, steps=steps)))

    assert result["nextAction"] == "redirect"


@pytest.mark.parametrize("steps", [-3, 3])
def test_a_code_further_off_is_refused(anonymous, tfa_user, steps):
    token = token_for(tfa_user, TFA)

    result = login_tfa(anonymous, tfa_variables(token, code(tfa_user.secret, steps=steps)))

    assert result == nothing_but(failed("ERR_TFA_INCORRECT_TOKEN"))


# --- Each code once ---------------------------------------------------------------------------
def test_a_replayed_code_is_refused(anonymous, tfa_user):
    now = time.time()
    used = code(tfa_user.secret, at=now)
    assert login_tfa(anonymous, tfa_variables(token_for(tfa_user, TFA), used))["jwt"]

    again = login_tfa(anonymous, tfa_variables(token_for(tfa_user, TFA), used))

    assert again == nothing_but(failed("ERR_TFA_INCORRECT_TOKEN"))
    tfa_user.refresh_from_db()
    assert device_of(tfa_user).throttling_failure_count == 1


def test_a_code_older_than_the_last_accepted_one_is_refused(anonymous, tfa_user):
    assert login_tfa(
        anonymous, tfa_variables(token_for(tfa_user, TFA), code(tfa_user.secret, steps=1))
    )["jwt"]

    # The current step's code was never used, but it comes before the accepted one.
    older = login_tfa(anonymous, tfa_variables(token_for(tfa_user, TFA), code(tfa_user.secret)))

    assert older == nothing_but(failed("ERR_TFA_INCORRECT_TOKEN"))


def test_after_a_wrong_code_the_device_is_throttled(anonymous, tfa_user):
    wrong = f"{(int(code(tfa_user.secret)) + 1) % 1_000_000:06d}"
    assert login_tfa(anonymous, tfa_variables(token_for(tfa_user, TFA), wrong))["operation"][
        "slug"
    ] == ("ERR_TFA_INCORRECT_TOKEN")

    # Right code, but within the throttle's second: refused without being looked at.
    soon = login_tfa(anonymous, tfa_variables(token_for(tfa_user, TFA), code(tfa_user.secret)))
    assert soon == nothing_but(failed("ERR_TFA_INCORRECT_TOKEN"))
    device = device_of(tfa_user)
    assert device.throttling_failure_count == 1
    assert device.last_t == -1

    # Once the throttle has run out, the same code is accepted.
    TotpDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
    )
    later = login_tfa(anonymous, tfa_variables(token_for(tfa_user, TFA), code(tfa_user.secret)))
    assert later["nextAction"] == "redirect"
    assert device_of(tfa_user).throttling_failure_count == 0


# --- Checks, one key each, in contract order --------------------------------------------------
@pytest.mark.parametrize("bad_code", ["12345", "1234567", "12a456", "", " 123456", "١٢٣٤٥٦"])
def test_1_a_code_that_is_not_six_digits(anonymous, tfa_user, bad_code):
    token = token_for(tfa_user, TFA)

    result = login_tfa(anonymous, tfa_variables(token, bad_code))

    assert result == nothing_but(failed("ERR_TFA_INVALID_REQUEST"))
    assert [kind for kind, _ in keys_of(tfa_user)] == ["tfa"]  # not looked at: still there


def test_1_a_token_shorter_than_two_characters(anonymous, tfa_user):
    result = login_tfa(anonymous, tfa_variables("x", code(tfa_user.secret)))

    assert result == nothing_but(failed("ERR_TFA_INVALID_REQUEST"))
    assert device_of(tfa_user).last_t == -1


def test_2_an_unknown_token(anonymous, tfa_user):
    result = login_tfa(anonymous, tfa_variables("not-a-token-at-all-xx", code(tfa_user.secret)))

    assert result == nothing_but(failed("ERR_INVALID_VALIDATION_TOKEN"))
    assert device_of(tfa_user).last_t == -1


@pytest.mark.parametrize(
    ("issued", "setup"), [(TFA_SETUP, False), (TFA, True), ("changePwd", None)]
)
def test_2_a_token_of_another_kind(anonymous, tfa_user, issued, setup):
    token = token_for(tfa_user, issued)

    result = login_tfa(anonymous, tfa_variables(token, code(tfa_user.secret), setup=setup))

    assert result == nothing_but(failed("ERR_INVALID_VALIDATION_TOKEN"))
    assert [kind for kind, _ in keys_of(tfa_user)] == [issued]
    assert device_of(tfa_user).last_t == -1


@pytest.mark.parametrize("kind", [TFA, TFA_SETUP])
def test_2_an_expired_token_is_refused_and_deleted(anonymous, tfa_user, kind):
    token = token_for(tfa_user, kind)
    UserKey.objects.filter(user=tfa_user).update(valid_until=timezone.now() - timedelta(seconds=1))

    result = login_tfa(
        anonymous, tfa_variables(token, code(tfa_user.secret), setup=kind == TFA_SETUP)
    )

    assert result == nothing_but(failed("ERR_EXPIRED_VALIDATION_TOKEN"))
    assert keys_of(tfa_user) == []
    assert device_of(tfa_user).last_t == -1


def test_3_another_strategy_than_the_tokens(anonymous, tfa_user):
    token = token_for(tfa_user, TFA)

    result = login_tfa(
        anonymous, tfa_variables(token, code(tfa_user.secret), strategyId=str(uuid.uuid4()))
    )

    assert result == nothing_but(failed("ERR_INVALID_STRATEGY"))
    assert keys_of(tfa_user) == []  # looked at, so gone (§4.5.2)
    assert device_of(tfa_user).last_t == -1


def test_3_the_tokens_strategy_disabled_since(anonymous, tfa_user):
    token = token_for(tfa_user, TFA)
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(is_enabled=False)

    result = login_tfa(anonymous, tfa_variables(token, code(tfa_user.secret)))

    assert result == nothing_but(failed("ERR_INVALID_STRATEGY"))


def test_3_a_setup_token_stays_when_the_strategy_is_wrong(anonymous):
    user = UserFactory(tfa_required=True)
    give_totp(user, confirmed=False)
    token = token_for(user, TFA_SETUP)

    result = login_tfa(
        anonymous,
        tfa_variables(token, code(stored_secret(user)), setup=True, strategyId=str(uuid.uuid4())),
    )

    assert result == nothing_but(failed("ERR_INVALID_STRATEGY"))
    assert [kind for kind, _ in keys_of(user)] == ["tfaSetup"]  # deleted only on success


def test_4_a_wrong_code_spends_a_tfa_token(anonymous, tfa_user):
    token = token_for(tfa_user, TFA)
    wrong = f"{(int(code(tfa_user.secret)) + 1) % 1_000_000:06d}"

    result = login_tfa(anonymous, tfa_variables(token, wrong))

    assert result == nothing_but(failed("ERR_TFA_INCORRECT_TOKEN"))
    assert keys_of(tfa_user) == []
    tfa_user.refresh_from_db()
    assert tfa_user.last_login is None
    # The right code cannot be tried with the spent token.
    TotpDevice.objects.filter(user=tfa_user).update(throttling_failure_timestamp=None)
    again = login_tfa(anonymous, tfa_variables(token, code(tfa_user.secret)))
    assert again == nothing_but(failed("ERR_INVALID_VALIDATION_TOKEN"))


def test_4_a_wrong_setup_code_keeps_the_setup_token(anonymous):
    user = UserFactory(tfa_required=True)
    secret = give_totp(user, confirmed=False)
    token = token_for(user, TFA_SETUP)
    wrong = f"{(int(code(secret)) + 1) % 1_000_000:06d}"

    assert login_tfa(anonymous, tfa_variables(token, wrong, setup=True)) == nothing_but(
        failed("ERR_TFA_INCORRECT_TOKEN")
    )
    assert [kind for kind, _ in keys_of(user)] == ["tfaSetup"]
    assert device_of(user).confirmed is False

    TotpDevice.objects.filter(user=user).update(throttling_failure_timestamp=None)
    result = login_tfa(anonymous, tfa_variables(token, code(secret), setup=True))
    assert result["nextAction"] == "redirect"
    assert device_of(user).confirmed is True


def test_4_a_setup_code_when_the_secret_was_removed_meanwhile(anonymous):
    user = UserFactory(tfa_required=True)
    secret = give_totp(user, confirmed=False)
    token = token_for(user, TFA_SETUP)
    TotpDevice.objects.filter(user=user).delete()

    result = login_tfa(anonymous, tfa_variables(token, code(secret), setup=True))

    assert result == nothing_but(failed("ERR_TFA_INCORRECT_TOKEN"))


def test_4_a_code_of_an_unconfirmed_secret_does_not_pass_the_tfa_step(anonymous):
    """Only a confirmed device answers a tfa token: an enrolment in progress is no factor."""
    user = UserFactory()
    secret = give_totp(user, confirmed=False)
    token = token_for(user, TFA)

    result = login_tfa(anonymous, tfa_variables(token, code(secret)))

    assert result == nothing_but(failed("ERR_TFA_INCORRECT_TOKEN"))
    assert device_of(user).confirmed is False


def test_4_a_code_of_another_users_secret(anonymous, tfa_user):
    other = UserFactory()
    other_secret = give_totp(other)
    token = token_for(tfa_user, TFA)

    result = login_tfa(anonymous, tfa_variables(token, code(other_secret)))

    assert result == nothing_but(failed("ERR_TFA_INCORRECT_TOKEN"))
    assert device_of(other).last_t == -1


def test_the_first_failing_check_decides(anonymous, tfa_user):
    wrong = f"{(int(code(tfa_user.secret)) + 1) % 1_000_000:06d}"
    answers = [
        login_tfa(anonymous, tfa_variables("x", "12a456", strategyId=str(uuid.uuid4()))),
        login_tfa(anonymous, tfa_variables("unknown-token", wrong, strategyId=str(uuid.uuid4()))),
        login_tfa(
            anonymous, tfa_variables(token_for(tfa_user, TFA), wrong, strategyId=str(uuid.uuid4()))
        ),
        login_tfa(anonymous, tfa_variables(token_for(tfa_user, TFA), wrong)),
    ]

    assert [answer["operation"]["slug"] for answer in answers] == [
        "ERR_TFA_INVALID_REQUEST",
        "ERR_INVALID_VALIDATION_TOKEN",
        "ERR_INVALID_STRATEGY",
        "ERR_TFA_INCORRECT_TOKEN",
    ]
