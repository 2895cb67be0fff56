"""Concurrent uses of one challenge on PostgreSQL: only one can pass (API.md §4.5.6)."""

from accounts import tokens
from accounts.models import Passkey, PasskeyChallenge
from tests.api.concurrency_support import RACE_MARKS, outcomes, race, race_as
from tests.factories import UserFactory

from .support import FINALIZE, VERIFY, Browser

pytestmark = RACE_MARKS


def test_one_assertion_sent_twice_at_once_signs_in_once(member, register, site, authenticator):
    register(member)
    options = Browser().generate(member.email, site).data["authenticatePasskeyGenerate"]
    response = authenticator.get(options["authOptions"])

    answers = race(None, [(VERIFY, {"response": response})] * 2)

    assert outcomes(answers, "authenticatePasskeyVerify") == {"ok": 1, "ERR_LOGIN_FAILED": 1}
    assert Passkey.objects.get().sign_count == 1
    assert not PasskeyChallenge.objects.exists()


def test_one_registration_sent_twice_at_once_registers_once(member, site, authenticator):
    token = tokens.issue_session_token(member)
    options = Browser(token).setup(site).data["setupPasskey"]["registrationOptions"]
    response = authenticator.create(options)

    answers = race(token, [(FINALIZE, {"response": response, "name": "Twice"})] * 2)

    assert outcomes(answers, "finalizePasskey") == {"ok": 1, "ERR_PASSKEY_NOT_SETUP": 1}
    assert Passkey.objects.count() == 1
    assert not PasskeyChallenge.objects.exists()


def test_one_credential_registered_by_two_accounts_at_once(member, site, authenticator):
    other = UserFactory()
    requests = []
    for user in (member, other):
        token = tokens.issue_session_token(user)
        options = Browser(token).setup(site).data["setupPasskey"]["registrationOptions"]
        response = authenticator.create(options, credential_id=b"c" * 32)
        requests.append((token, (FINALIZE, {"response": response, "name": "Shared"})))

    answers = race_as(requests)

    assert outcomes(answers, "finalizePasskey") == {"ok": 1, "ERR_PK_ALREADY_REGISTERED": 1}
    assert Passkey.objects.count() == 1
    # The refused account's ceremony is still open (its failure left no trace).
    assert PasskeyChallenge.objects.count() == 1
