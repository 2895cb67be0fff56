"""The passkey sign-in mutations are limited to 5 calls a minute (API.md §1.5).

Counted per field execution, per client address and per account: aliases in one request do not
get around it, nor do several addresses asking about one email.
"""

import re
import uuid

import pytest

from accounts.models import PasskeyChallenge

from .support import GENERATE, VERIFY, Browser, operation

pytestmark = pytest.mark.django_db


def _unknown_email() -> str:
    return f"nobody-{uuid.uuid4().hex[:12]}@example.com"


def _refused(answer, field: str, path: list | None = None) -> None:
    assert answer.status == 200, answer.body
    assert len(answer.errors) == 1, answer.body
    assert answer.errors[0]["path"] == (path or [field])
    assert re.search(r"\d+ seconds?", answer.errors[0]["message"]), answer.errors[0]


def test_the_sixth_options_request_in_a_minute_is_refused(member, register, site):
    register(member)
    browser = Browser()
    for _ in range(5):
        assert operation(browser.generate(member.email, site), "authenticatePasskeyGenerate")[
            "succeeded"
        ]
    challenge = PasskeyChallenge.objects.get(purpose="login").challenge

    answer = browser.generate(member.email, site)

    _refused(answer, "authenticatePasskeyGenerate")
    assert answer.data == {"authenticatePasskeyGenerate": None}
    assert PasskeyChallenge.objects.get(purpose="login").challenge == challenge


def test_unknown_emails_count_alike(site):
    browser = Browser()
    for _ in range(5):
        browser.generate(_unknown_email(), site)
    _refused(browser.generate(_unknown_email(), site), "authenticatePasskeyGenerate")


def test_aliases_in_one_request_count_one_by_one(site):
    aliases = " ".join(
        f'a{n}: authenticatePasskeyGenerate(email: "{_unknown_email()}", siteId: "{site.pk}") '
        "{ operation { succeeded } }"
        for n in range(6)
    )
    answer = Browser()(f"mutation {{ {aliases} }}")
    assert [answer.data[f"a{n}"] for n in range(5)] == [{"operation": {"succeeded": True}}] * 5
    assert answer.data["a5"] is None
    _refused(answer, "authenticatePasskeyGenerate", ["a5"])


def test_one_email_from_many_addresses(member, site):
    for _ in range(5):
        Browser().generate(member.email, site)
    _refused(Browser().generate(member.email.upper(), site), "authenticatePasskeyGenerate")


def test_the_sixth_verification_in_a_minute_is_refused():
    browser = Browser()
    for _ in range(5):
        answer = browser(VERIFY, {"response": {}})
        assert operation(answer, "authenticatePasskeyVerify")["slug"] == (
            "ERR_INVALID_PASSKEY_RESPONSE"
        )
    answer = browser(VERIFY, {"response": {}})
    _refused(answer, "authenticatePasskeyVerify")
    assert answer.data == {"authenticatePasskeyVerify": None}


def test_generate_and_verify_are_counted_apart(site):
    browser = Browser()
    for _ in range(5):
        browser(GENERATE, {"email": _unknown_email(), "siteId": str(site.pk)})
    answer = browser(VERIFY, {"response": {}})
    assert operation(answer, "authenticatePasskeyVerify")["slug"] == "ERR_INVALID_PASSKEY_RESPONSE"
