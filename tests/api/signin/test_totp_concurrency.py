"""One TOTP code, two simultaneous sign-ins: exactly one passes (PostgreSQL row locks)."""

from accounts import totp
from accounts.models import TotpDevice, UserKey
from tests.api.concurrency_support import RACE_MARKS, outcomes, race_as
from tests.factories import UserFactory, default_site

from .support import (
    LOGIN,
    LOGIN_TFA,
    code,
    give_totp,
    login_variables,
    stored_secret,
    tfa_variables,
    token_for,
)

pytestmark = RACE_MARKS


def test_two_sign_ins_with_one_code_at_once_only_one_passes():
    user = UserFactory(email="race@example.com")
    secret = give_totp(user)
    same_code = code(secret)
    requests = [
        (None, (LOGIN_TFA, tfa_variables(token_for(user, UserKey.Kind.TFA), same_code)))
        for _ in range(2)
    ]

    answers = race_as(requests)

    assert outcomes(answers, "loginTFA") == {"ok": 1, "ERR_TFA_INCORRECT_TOKEN": 1}
    winner = next(a for a in answers if a.data["loginTFA"]["operation"]["succeeded"])
    assert winner.data["loginTFA"]["jwt"]
    assert not UserKey.objects.filter(user=user).exists()  # both tokens were spent
    device = TotpDevice.objects.get(user=user)
    assert device.last_t >= 0
    assert device.throttling_failure_count == 1


def test_one_setup_code_twice_at_once_confirms_once():
    user = UserFactory(email="race-setup@example.com", tfa_required=True)
    secret = give_totp(user, confirmed=False)
    token = token_for(user, UserKey.Kind.TFA_SETUP)
    request = (LOGIN_TFA, tfa_variables(token, code(secret), setup=True))

    answers = race_as([(None, request), (None, request)])

    # The loser waits for the winner's lock; then the token is gone or the code spent.
    counted = outcomes(answers, "loginTFA")
    assert counted["ok"] == 1
    assert sum(counted.values()) == 2
    assert set(counted) - {"ok"} <= {"ERR_INVALID_VALIDATION_TOKEN", "ERR_TFA_INCORRECT_TOKEN"}
    assert TotpDevice.objects.get(user=user).confirmed is True
    assert not UserKey.objects.filter(user=user).exists()


def test_two_sign_ins_starting_a_setup_at_once_leave_one_secret():
    user = UserFactory(email="race-start@example.com", tfa_required=True)
    request = (LOGIN, login_variables("race-start@example.com"))

    answers = race_as([(None, request), (None, request)])

    assert outcomes(answers, "login") == {"ok": 2}
    assert {answer.data["login"]["nextAction"] for answer in answers} == {"setupTfa"}
    assert TotpDevice.objects.filter(user=user).count() == 1
    # The stored secret is the one of the QR code of whichever answer wrote last.
    images = {answer.data["login"]["tfaQRImage"] for answer in answers}
    assert totp.qr_svg(user.email, stored_secret(user), default_site()) in images
