"""``authenticatePasskeyGenerate`` and ``authenticatePasskeyVerify`` (API.md §4.5.6)."""

import base64
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import tokens
from accounts.models import Passkey, PasskeyChallenge
from tests.accounts.webauthn_authenticator import b64url, unb64url
from tests.factories import UserFactory
from wiki.models import Site

from .conftest import HOSTNAME, ORIGIN
from .support import Browser, failed, operation

pytestmark = pytest.mark.django_db

NO_SESSION = {
    "jwt": None,
    "nextAction": None,
    "continuationToken": None,
    "redirect": None,
    "tfaQRImage": None,
}


def _options(answer) -> dict:
    assert operation(answer, "authenticatePasskeyGenerate") == {
        "succeeded": True,
        "slug": "ok",
        "message": "Passkey sign-in started.",
    }
    return answer.data["authenticatePasskeyGenerate"]["authOptions"]


def _refused(answer, key: str) -> None:
    assert answer.errors == [], answer.body
    assert answer.data["authenticatePasskeyVerify"] == {"operation": failed(key), **NO_SESSION}


def _signed_in(answer, user) -> str:
    payload = answer.data["authenticatePasskeyVerify"]
    assert answer.errors == [], answer.body
    assert payload == {
        "operation": {"succeeded": True, "slug": "ok", "message": "Signed in successfully."},
        "jwt": payload["jwt"],
        "nextAction": "redirect",
        "continuationToken": None,
        "redirect": "/",
        "tfaQRImage": None,
    }
    assert tokens.read_token(payload["jwt"])["id"] == str(user.pk)
    return payload["jwt"]


@pytest.fixture
def signed_up(member, register):
    """The member with one passkey on the site; returns its credential."""
    return register(member)


# --- authenticatePasskeyGenerate --------------------------------------------------------------
def test_options_allow_the_users_credentials_and_store_the_pending_sign_in(
    member, signed_up, register, site
):
    second = register(member, name="Phone")
    Passkey.objects.create(
        user=member, credential_id="b3RoZXI", public_key=b"x", name="Elsewhere", rp_id="other.org"
    )
    options = _options(Browser().generate(f"  {member.email.upper()} ", site))

    assert options == {
        "challenge": options["challenge"],
        "timeout": 300000,
        "rpId": HOSTNAME,
        "allowCredentials": [
            {"id": signed_up.id, "type": "public-key", "transports": ["internal", "hybrid"]},
            {"id": second.id, "type": "public-key", "transports": ["internal", "hybrid"]},
        ],
        "userVerification": "preferred",
    }
    pending = PasskeyChallenge.objects.get(user=member, purpose="login")
    assert (pending.challenge, pending.rp_id, pending.site_id) == (
        options["challenge"],
        HOSTNAME,
        site.pk,
    )
    assert len(unb64url(options["challenge"])) == 64


@pytest.mark.parametrize("who", ["unknown", "no passkeys", "passkeys elsewhere", "guest"])
def test_an_account_without_passkeys_here_gets_the_same_shaped_answer(who, signed_up, member, site):
    email = {
        "unknown": _unknown_email(),
        "no passkeys": UserFactory().email,
        "passkeys elsewhere": member.email,
        "guest": "guest@example.com",
    }[who]
    if who == "passkeys elsewhere":
        Passkey.objects.filter(user=member).update(rp_id="other.org")
    browser = Browser()
    real = Passkey.objects.get()

    options = _options(browser.generate(email, site))
    again = _options(browser.generate(email.upper(), site))

    assert options == {
        "challenge": options["challenge"],
        "timeout": 300000,
        "rpId": HOSTNAME,
        "allowCredentials": [
            {
                "id": options["allowCredentials"][0]["id"],
                "type": "public-key",
                "transports": ["hybrid", "internal"],
            }
        ],
        "userVerification": "preferred",
    }
    decoy = options["allowCredentials"][0]["id"]
    # As long as a real credential id, and the same every time for that email...
    assert len(unb64url(decoy)) == len(unb64url(real.credential_id)) == 32
    assert again["allowCredentials"] == options["allowCredentials"]
    # ...while the challenge is fresh each time, as for a real account.
    assert again["challenge"] != options["challenge"]
    assert len(unb64url(options["challenge"])) == 64
    assert not PasskeyChallenge.objects.filter(purpose="login").exists()


def _unknown_email() -> str:
    # Of its own per test: the per-account rate limit counts unknown emails too.
    return f"nobody-{uuid.uuid4().hex[:12]}@example.com"


def test_decoys_differ_between_emails_and_sites(site):
    other_site = Site.objects.create(hostname="docs.example.com", config={"title": "Docs"})
    browser = Browser()
    first, second = _unknown_email(), _unknown_email()
    one = _options(browser.generate(first, site))["allowCredentials"]
    two = _options(browser.generate(second, site))["allowCredentials"]
    three = _options(browser.generate(first, other_site))["allowCredentials"]
    assert len({one[0]["id"], two[0]["id"], three[0]["id"]}) == 3


def test_decoys_depend_on_the_secret_key(site, settings):
    email = _unknown_email()
    before = _options(Browser().generate(email, site))["allowCredentials"]
    settings.SECRET_KEY = "another-test-secret-key-that-is-long-enough-for-django-0123456789"
    after = _options(Browser().generate(email, site))["allowCredentials"]
    assert before != after


def test_generate_on_an_unknown_site():
    answer = Browser().generate(
        "someone@example.com", Site(pk="00000000-0000-4000-8000-000000000000")
    )
    assert operation(answer, "authenticatePasskeyGenerate") == failed("ERR_INVALID_SITE")
    assert answer.data["authenticatePasskeyGenerate"]["authOptions"] is None


def test_generate_on_the_wildcard_site(signed_up, member):
    answer = Browser().generate(member.email, Site.objects.get(hostname="*"))
    assert operation(answer, "authenticatePasskeyGenerate") == failed("ERR_PK_HOSTNAME_MISSING")
    assert answer.data["authenticatePasskeyGenerate"]["authOptions"] is None
    assert not PasskeyChallenge.objects.filter(purpose="login").exists()


# --- authenticatePasskeyVerify: the good path -------------------------------------------------
def test_sign_in_with_a_passkey(member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    before = timezone.now()

    jwt = _signed_in(browser.verify(authenticator.get(options)), member)

    stored = Passkey.objects.get()
    assert stored.sign_count == 1
    assert stored.last_used_at >= before
    member.refresh_from_db()
    assert member.last_login >= before
    assert not PasskeyChallenge.objects.exists()
    me = Browser(jwt)("{ userPermissions }")
    assert me.errors == []
    assert "read:pages" in me.data["userPermissions"]


def test_the_redirect_is_always_the_home_page(member, signed_up, site, authenticator):
    group = member.groups.first()
    group.redirect_on_login = "/somewhere"
    group.save()
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    _signed_in(browser.verify(authenticator.get(options)), member)


@pytest.mark.parametrize(
    "form",
    [
        lambda user: b64url(user.pk.bytes),
        lambda user: str(user.pk),
        lambda user: str(user.pk).upper(),
        lambda user: b64url(str(user.pk).encode()),
        lambda user: base64.urlsafe_b64encode(user.pk.bytes).decode(),
    ],
    ids=["uuid bytes", "uuid text", "uuid text upper case", "base64url of text", "padded"],
)
def test_the_user_handle_forms(form, member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    _signed_in(browser.verify(authenticator.get(options, user_handle=form(member))), member)


def test_a_counter_that_stays_zero_is_accepted(member, register, site, authenticator):
    # Authenticators that keep no counter report 0 every time (both zero: nothing to compare).
    register(member)
    browser = Browser()
    for _ in range(2):
        options = _options(browser.generate(member.email, site))
        _signed_in(browser.verify(authenticator.get(options, sign_count=0)), member)
    assert Passkey.objects.get().sign_count == 0


def test_configured_origins_with_a_port(member, settings, browser_for):
    settings.WEBAUTHN_ORIGINS = ["http://localhost:8000"]
    local = Site.objects.create(hostname="localhost", config={"title": "Dev"})
    from tests.accounts.webauthn_authenticator import SoftwareAuthenticator

    device = SoftwareAuthenticator("http://localhost:8000")
    profile = browser_for(member)
    created = device.create(profile.setup(local).data["setupPasskey"]["registrationOptions"])
    assert operation(profile.finalize(created), "finalizePasskey")["succeeded"] is True
    browser = Browser()
    options = _options(browser.generate(member.email, local))
    # The default origin no longer applies to that site, and another port is another origin.
    for origin in ("https://localhost", "http://localhost:8001"):
        _refused(browser.verify(device.get(options, origin=origin)), "ERR_LOGIN_FAILED")
    _signed_in(browser.verify(device.get(options)), member)


# --- authenticatePasskeyVerify: every check in order ------------------------------------------
@pytest.mark.parametrize(
    "response",
    [
        {},
        {"id": "x", "response": {}},
        {"id": "x", "response": {"userHandle": ""}},
        {"id": "x", "response": {"userHandle": None}},
        {"id": "x", "response": {"userHandle": 5}},
        {"id": "x", "response": "userHandle"},
    ],
)
def test_a_response_without_a_user_handle(response, member, signed_up, site):
    browser = Browser()
    _options(browser.generate(member.email, site))
    _refused(browser.verify(response), "ERR_INVALID_PASSKEY_RESPONSE")
    assert PasskeyChallenge.objects.filter(purpose="login").exists()


@pytest.mark.parametrize(
    "handle",
    [
        b64url(b"\x00" * 16),
        "00000000-0000-4000-8000-000000000000",
        "not a handle",
        b64url(b"12345"),
    ],
)
def test_a_user_handle_naming_nobody(handle, member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    _refused(browser.verify(authenticator.get(options, user_handle=handle)), "ERR_LOGIN_FAILED")
    assert Passkey.objects.get().sign_count == 0


def test_the_guest_user_cannot_sign_in(member, signed_up, site, authenticator):
    from accounts.models import User

    guest = User.objects.get(is_system=True)
    Passkey.objects.update(user=guest)
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    response = authenticator.get(options, credential=signed_up, user_handle=str(guest.pk))
    _refused(browser.verify(response), "ERR_LOGIN_FAILED")


def test_without_a_pending_sign_in(member, signed_up, site, authenticator):
    options = {"challenge": b64url(b"c" * 32)}
    _refused(Browser().verify(authenticator.get(options, credential=signed_up)), "ERR_LOGIN_FAILED")
    assert Passkey.objects.get().sign_count == 0


def test_after_the_challenge_expired(member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    PasskeyChallenge.objects.update(created_at=timezone.now() - timedelta(minutes=5, seconds=1))
    _refused(browser.verify(authenticator.get(options)), "ERR_LOGIN_FAILED")
    assert Passkey.objects.get().sign_count == 0


def test_a_replayed_assertion(member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    response = authenticator.get(options)
    _signed_in(browser.verify(response), member)
    _refused(browser.verify(response), "ERR_LOGIN_FAILED")
    # Even once a new sign-in is pending: its challenge is not the one that was signed.
    _options(browser.generate(member.email, site))
    _refused(browser.verify(response), "ERR_LOGIN_FAILED")
    assert Passkey.objects.get().sign_count == 1


def test_another_users_credential(member, signed_up, site, authenticator, register):
    other = UserFactory()
    register(other)
    browser = Browser()
    # The other user asks to sign in, but the member's credential answers in their name.
    options = _options(browser.generate(other.email, site))
    response = authenticator.get(options, credential=signed_up, user_handle=b64url(other.pk.bytes))
    _refused(browser.verify(response), "ERR_LOGIN_FAILED")
    # And the member's own handle with a pending sign-in of the other user's only.
    response = authenticator.get(options, credential=signed_up)
    _refused(browser.verify(response), "ERR_LOGIN_FAILED")
    assert list(Passkey.objects.order_by("sign_count").values_list("sign_count", flat=True)) == [
        0,
        0,
    ]


def test_an_unknown_credential(member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    response = authenticator.get(options)
    response["id"] = response["rawId"] = b64url(b"unknown credential")
    _refused(browser.verify(response), "ERR_LOGIN_FAILED")


def test_a_credential_of_another_relying_party(member, signed_up, site, authenticator):
    Passkey.objects.update(rp_id="other.example.com")
    Passkey.objects.create(
        user=member, credential_id=b64url(b"here"), public_key=b"x", name="Here", rp_id=HOSTNAME
    )
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    _refused(browser.verify(authenticator.get(options, credential=signed_up)), "ERR_LOGIN_FAILED")


FAILURES = {
    "wrong origin": {"origin": "https://evil.example.com"},
    "origin with a port": {"origin": f"{ORIGIN}:444"},
    "other relying party": {"rp_id": "example.com"},
    "other challenge": {"challenge": b64url(b"another challenge")},
    "user not verified": {"user_verified": False},
    "user not present": {"user_present": False},
    "registration data": {"client_data_type": "webauthn.create"},
}


@pytest.mark.parametrize("falsified", FAILURES.values(), ids=FAILURES.keys())
def test_an_assertion_that_does_not_verify(falsified, member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    _refused(browser.verify(authenticator.get(options, **falsified)), "ERR_LOGIN_FAILED")
    stored = Passkey.objects.get()
    assert (stored.sign_count, stored.last_used_at) == (0, None)
    # No trace: the pending sign-in is still there for the real answer.
    _signed_in(browser.verify(authenticator.get(options)), member)


def test_a_bad_signature(member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    response = authenticator.get(options)
    signature = bytearray(unb64url(response["response"]["signature"]))
    signature[-1] ^= 1
    response["response"]["signature"] = b64url(bytes(signature))
    _refused(browser.verify(response), "ERR_LOGIN_FAILED")


@pytest.mark.parametrize(("stored", "reported"), [(5, 5), (5, 4), (5, 0), (0, 0)])
def test_a_counter_that_does_not_increase(stored, reported, member, signed_up, site, authenticator):
    Passkey.objects.update(sign_count=stored)
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    answer = browser.verify(authenticator.get(options, sign_count=reported))
    if stored == reported == 0:
        _signed_in(answer, member)
    else:
        _refused(answer, "ERR_LOGIN_FAILED")
        assert Passkey.objects.get().sign_count == stored


def test_the_counter_is_stored_and_must_keep_increasing(member, signed_up, site, authenticator):
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    _signed_in(browser.verify(authenticator.get(options, sign_count=41)), member)
    assert Passkey.objects.get().sign_count == 41
    options = _options(browser.generate(member.email, site))
    _refused(browser.verify(authenticator.get(options, sign_count=41)), "ERR_LOGIN_FAILED")
    _signed_in(browser.verify(authenticator.get(options, sign_count=42)), member)
    assert Passkey.objects.get().sign_count == 42


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"is_active": False}, "ERR_INACTIVE_USER"),
        ({"is_verified": False}, "ERR_USER_NOT_VERIFIED"),
    ],
)
def test_account_checks_come_after_the_assertion(
    change, key, member, signed_up, site, authenticator
):
    type(member).objects.filter(pk=member.pk).update(**change)
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    # A failing assertion still answers ERR_LOGIN_FAILED: the account's state is not revealed.
    _refused(browser.verify(authenticator.get(options, user_verified=False)), "ERR_LOGIN_FAILED")
    response = authenticator.get(options)
    _refused(browser.verify(response), key)
    member.refresh_from_db()
    assert member.last_login is None
    # The verified assertion is spent all the same, and its counter kept.
    assert not PasskeyChallenge.objects.exists()
    assert Passkey.objects.get().sign_count == 2
    type(member).objects.filter(pk=member.pk).update(is_active=True, is_verified=True)
    _refused(browser.verify(response), "ERR_LOGIN_FAILED")


def test_inactive_comes_before_unverified(member, signed_up, site, authenticator):
    type(member).objects.filter(pk=member.pk).update(is_active=False, is_verified=False)
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    _refused(browser.verify(authenticator.get(options)), "ERR_INACTIVE_USER")


def test_tfa_and_password_change_steps_do_not_apply(member, signed_up, site, authenticator):
    type(member).objects.filter(pk=member.pk).update(must_change_password=True, tfa_required=True)
    browser = Browser()
    options = _options(browser.generate(member.email, site))
    _signed_in(browser.verify(authenticator.get(options)), member)
