"""``setupPasskey`` and ``finalizePasskey``: every check in contract order (API.md §4.5.6)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import passkeys
from accounts.authentication import user_caller
from accounts.models import Passkey, PasskeyChallenge
from accounts.services import administrators_group
from tests.accounts.webauthn_authenticator import unb64url
from tests.factories import UserFactory
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site

from .conftest import HOSTNAME, ORIGIN
from .support import Browser, failed, operation

pytestmark = pytest.mark.django_db


def _options(answer) -> dict:
    assert operation(answer, "setupPasskey") == {
        "succeeded": True,
        "slug": "ok",
        "message": "Passkey registration started.",
    }
    return answer.data["setupPasskey"]["registrationOptions"]


def _pending(user) -> PasskeyChallenge:
    return PasskeyChallenge.objects.get(user=user, purpose="reg")


# --- setupPasskey -----------------------------------------------------------------------------
def test_setup_gives_the_contracts_creation_options_and_stores_the_challenge(
    browser_for, member, site
):
    options = _options(browser_for(member).setup(site))

    assert options == {
        "rp": {"name": "Example Wiki", "id": HOSTNAME},
        "user": {
            "id": options["user"]["id"],
            "name": member.email,
            "displayName": "Pat Member",
        },
        "challenge": options["challenge"],
        "pubKeyCredParams": [
            {"type": "public-key", "alg": -8},
            {"type": "public-key", "alg": -7},
            {"type": "public-key", "alg": -257},
        ],
        "timeout": 300000,
        "excludeCredentials": [],
        "authenticatorSelection": {
            "residentKey": "required",
            "requireResidentKey": True,
            "userVerification": "preferred",
        },
        "attestation": "none",
    }
    # The user id is the user's UUID (its 16 bytes, base64url as WebAuthn JSON has it).
    assert unb64url(options["user"]["id"]) == member.pk.bytes
    assert len(unb64url(options["challenge"])) == 64
    pending = _pending(member)
    assert (pending.challenge, pending.rp_id, pending.site_id) == (
        options["challenge"],
        HOSTNAME,
        site.pk,
    )


def test_setup_excludes_the_users_credentials_for_this_site_and_replaces_the_pending_one(
    browser_for, member, site, register
):
    first = register(member, name="One")
    second = register(member, name="Two")
    Passkey.objects.create(
        user=member, credential_id="b3RoZXI", public_key=b"x", name="Elsewhere", rp_id="other.org"
    )
    browser = browser_for(member)
    earlier = _options(browser.setup(site))
    options = _options(browser.setup(site))

    assert options["excludeCredentials"] == [
        {"id": first.id, "type": "public-key", "transports": ["internal", "hybrid"]},
        {"id": second.id, "type": "public-key", "transports": ["internal", "hybrid"]},
    ]
    assert options["challenge"] != earlier["challenge"]
    assert list(
        PasskeyChallenge.objects.filter(user=member).values_list("challenge", flat=True)
    ) == [options["challenge"]]


def test_setup_names_the_relying_party_by_hostname_when_the_site_has_no_title(browser_for, member):
    site = Site.objects.create(hostname="docs.example.org", config={"title": ""})
    options = _options(browser_for(member).setup(site))
    assert options["rp"] == {"name": "docs.example.org", "id": "docs.example.org"}


@pytest.mark.parametrize("kind", ["guest", "api_key"])
def test_setup_needs_a_signed_in_user(kind, site, api_key_for):
    token = api_key_for(administrators_group()).token if kind == "api_key" else None
    answer = Browser(token).setup(site)
    assert operation(answer, "setupPasskey") == failed("ERR_NOT_AUTHENTICATED")
    assert answer.data["setupPasskey"]["registrationOptions"] is None
    assert PasskeyChallenge.objects.count() == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda caller, site: passkeys.setup_passkey(caller, site_id=site.pk),
        lambda caller, site: passkeys.finalize_passkey(caller, registration_response={}, name="x"),
        lambda caller, site: passkeys.deactivate_passkey(caller, credential_id="x"),
        lambda caller, site: passkeys.rename_passkey(caller, credential_id="x", name="x"),
    ],
    ids=["setup", "finalize", "deactivate", "rename"],
)
def test_an_account_deleted_during_the_request_is_an_invalid_user(call, browser_for, site):
    doomed = UserFactory()
    browser = browser_for(doomed)
    # The request's caller was loaded before the account went away.
    caller = user_caller(doomed)
    doomed.delete()
    with pytest.raises(DomainError) as raised:
        call(caller, site)
    assert raised.value.key is ErrorKey.INVALID_USER
    # A later request with the same token is a guest's.
    assert operation(browser.setup(site), "setupPasskey") == failed("ERR_NOT_AUTHENTICATED")


def test_setup_on_an_unknown_site(browser_for, member):
    answer = browser_for(member)(
        'mutation { setupPasskey(siteId: "00000000-0000-4000-8000-000000000000") '
        "{ operation { succeeded slug message } registrationOptions } }"
    )
    assert operation(answer, "setupPasskey") == failed("ERR_INVALID_SITE")
    assert PasskeyChallenge.objects.count() == 0


def test_setup_on_the_wildcard_site(browser_for, member):
    wildcard = Site.objects.get(hostname="*")
    answer = browser_for(member).setup(wildcard)
    assert operation(answer, "setupPasskey") == failed("ERR_PK_HOSTNAME_MISSING")
    assert answer.data["setupPasskey"]["registrationOptions"] is None
    assert PasskeyChallenge.objects.count() == 0


# --- finalizePasskey --------------------------------------------------------------------------
def test_finalize_stores_the_attested_credential(browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    response = authenticator.create(options, sign_count=7)

    answer = browser.finalize(response, "  Work laptop  ")

    assert operation(answer, "finalizePasskey") == {
        "succeeded": True,
        "slug": "ok",
        "message": "Passkey registered successfully.",
    }
    stored = Passkey.objects.get()
    credential = authenticator.credentials[response["id"]]
    assert (
        stored.user_id,
        stored.credential_id,
        bytes(stored.public_key),
        stored.sign_count,
        stored.transports,
        stored.name,
        stored.site_id,
        stored.rp_id,
        stored.last_used_at,
    ) == (
        member.pk,
        credential.id,
        credential.cose_public_key(),
        7,
        ["internal", "hybrid"],
        "Work laptop",
        site.pk,
        HOSTNAME,
        None,
    )
    assert not PasskeyChallenge.objects.exists()
    listed = browser(
        "query ($id: UUID!) { userById(id: $id) { passkeys { id name siteHostname createdAt } } }",
        {"id": str(member.pk)},
    )
    assert listed.data["userById"]["passkeys"] == [
        {
            "id": credential.id,
            "name": "Work laptop",
            "siteHostname": HOSTNAME,
            "createdAt": listed.data["userById"]["passkeys"][0]["createdAt"],
        }
    ]


@pytest.mark.parametrize("kind", ["guest", "api_key"])
def test_finalize_needs_a_signed_in_user(
    kind, site, api_key_for, authenticator, member, browser_for
):
    options = _options(browser_for(member).setup(site))
    token = api_key_for(administrators_group()).token if kind == "api_key" else None
    answer = Browser(token).finalize(authenticator.create(options))
    assert operation(answer, "finalizePasskey") == failed("ERR_NOT_AUTHENTICATED")
    assert not Passkey.objects.exists()
    assert PasskeyChallenge.objects.filter(user=member).exists()


def test_finalize_without_setup(browser_for, member, site, authenticator):
    other = UserFactory()
    options = _options(browser_for(other).setup(site))
    # Another user's pending registration is not the caller's.
    answer = browser_for(member).finalize(authenticator.create(options))
    assert operation(answer, "finalizePasskey") == failed("ERR_PASSKEY_NOT_SETUP")
    assert not Passkey.objects.exists()


def test_finalize_after_the_challenge_expired(browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    PasskeyChallenge.objects.filter(user=member).update(
        created_at=timezone.now() - timedelta(minutes=5, seconds=1)
    )
    answer = browser.finalize(authenticator.create(options))
    assert operation(answer, "finalizePasskey") == failed("ERR_PASSKEY_NOT_SETUP")
    assert not Passkey.objects.exists()


def test_finalize_just_before_expiry(browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    PasskeyChallenge.objects.filter(user=member).update(
        created_at=timezone.now() - timedelta(minutes=4, seconds=50)
    )
    answer = browser.finalize(authenticator.create(options))
    assert operation(answer, "finalizePasskey")["succeeded"] is True


def test_a_registration_response_is_single_use(browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    response = authenticator.create(options)
    assert operation(browser.finalize(response), "finalizePasskey")["succeeded"] is True
    Passkey.objects.all().delete()

    answer = browser.finalize(response, "Again")
    assert operation(answer, "finalizePasskey") == failed("ERR_PASSKEY_NOT_SETUP")
    assert not Passkey.objects.exists()


@pytest.mark.parametrize(
    "response",
    [
        {},
        {"id": "abc"},
        {"response": {}},
        {"id": "", "response": {}},
        {"id": "x", "response": None},
    ],
)
def test_a_response_without_a_credential_is_a_cancellation_that_ends_the_ceremony(
    response, browser_for, member, site
):
    browser = browser_for(member)
    _options(browser.setup(site))
    answer = browser.finalize(response, "")
    # Before the name check: a cancelled ceremony has nothing to name.
    assert operation(answer, "finalizePasskey") == failed("ERR_PK_USER_CANCELLED")
    assert not PasskeyChallenge.objects.exists()
    assert operation(browser.finalize(response), "finalizePasskey") == failed(
        "ERR_PASSKEY_NOT_SETUP"
    )


@pytest.mark.parametrize("name", ["", "   ", "x" * 256])
def test_finalize_with_a_bad_name_keeps_the_ceremony_open(
    name, browser_for, member, site, authenticator
):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    response = authenticator.create(options)
    # A name that is wrong comes before an already registered credential.
    Passkey.objects.create(
        user=UserFactory(), credential_id=response["id"], public_key=b"x", name="n", rp_id=HOSTNAME
    )
    answer = browser.finalize(response, name)
    assert operation(answer, "finalizePasskey") == failed("ERR_PK_NAME_MISSING_OR_INVALID")
    assert PasskeyChallenge.objects.filter(user=member).exists()
    assert Passkey.objects.count() == 1


def test_a_name_of_255_characters_is_kept(browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    answer = browser.finalize(authenticator.create(options), " " + "é" * 255 + " ")
    assert operation(answer, "finalizePasskey")["succeeded"] is True
    assert Passkey.objects.get().name == "é" * 255


def test_a_credential_registered_to_anyone_is_refused(browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    response = authenticator.create(options)
    owner = UserFactory()
    Passkey.objects.create(
        user=owner, credential_id=response["id"], public_key=b"x", name="Theirs", rp_id=HOSTNAME
    )
    # Before verification: even a response that would not verify says so.
    response["response"]["clientDataJSON"] = "AAAA"
    answer = browser.finalize(response)
    assert operation(answer, "finalizePasskey") == failed("ERR_PK_ALREADY_REGISTERED")
    assert list(Passkey.objects.values_list("user_id", "name")) == [(owner.pk, "Theirs")]
    assert PasskeyChallenge.objects.filter(user=member).exists()


def test_registering_the_same_credential_twice(browser_for, member, site, authenticator):
    browser = browser_for(member)
    response = authenticator.create(_options(browser.setup(site)))
    assert operation(browser.finalize(response), "finalizePasskey")["succeeded"] is True
    options = _options(browser.setup(site))
    again = authenticator.create(
        options, credential_id=authenticator.credentials[response["id"]].credential_id
    )
    answer = browser.finalize(again, "Twice")
    assert operation(answer, "finalizePasskey") == failed("ERR_PK_ALREADY_REGISTERED")
    assert Passkey.objects.count() == 1


FAILURES = {
    "wrong origin": {"origin": "https://evil.example.com"},
    "origin with another port": {"origin": f"{ORIGIN}:8443"},
    "plain http": {"origin": f"http://{HOSTNAME}"},
    "other relying party": {"rp_id": "example.com"},
    "other challenge": {"challenge": "b3RoZXItY2hhbGxlbmdl"},
    "user not verified": {"user_verified": False},
    "user not present": {"user_present": False},
    "sign-in data": {"client_data_type": "webauthn.get"},
}


@pytest.mark.parametrize("falsified", FAILURES.values(), ids=FAILURES.keys())
def test_an_attestation_that_does_not_verify(falsified, browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    answer = browser.finalize(authenticator.create(options, **falsified))
    assert operation(answer, "finalizePasskey") == failed("ERR_PK_VERIFICATION_FAILED")
    assert not Passkey.objects.exists()
    # Nothing changed: the ceremony can still be completed properly.
    assert operation(browser.finalize(authenticator.create(options)), "finalizePasskey")[
        "succeeded"
    ]


def test_an_id_that_is_not_the_attested_credential(browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    # id and rawId agree with each other, but name another credential than the attested one.
    answer = browser.finalize(authenticator.create(options, claimed_id="c29tZW9uZS1lbHNl"))
    assert operation(answer, "finalizePasskey") == failed("ERR_PK_VERIFICATION_FAILED")
    assert not Passkey.objects.exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r["response"].update(attestationObject="not base64!"),
        lambda r: r["response"].update(attestationObject="AAAA"),
        lambda r: r["response"].pop("clientDataJSON"),
        lambda r: r.update(type="password"),
        lambda r: r.update(rawId=5),
    ],
)
def test_a_malformed_response_fails_verification(damage, browser_for, member, site, authenticator):
    browser = browser_for(member)
    response = authenticator.create(_options(browser.setup(site)))
    damage(response)
    answer = browser.finalize(response)
    assert operation(answer, "finalizePasskey") == failed("ERR_PK_VERIFICATION_FAILED")
    assert not Passkey.objects.exists()


def test_only_known_transports_are_kept(browser_for, member, site, authenticator):
    browser = browser_for(member)
    response = authenticator.create(_options(browser.setup(site)))
    response["response"]["transports"] = ["usb", "bogus", "usb", {"x": 1}, 5, "nfc"]
    assert operation(browser.finalize(response), "finalizePasskey")["succeeded"] is True
    assert Passkey.objects.get().transports == ["usb", "nfc"]
    options = _options(browser.setup(site))
    assert options["excludeCredentials"][0]["transports"] == ["usb", "nfc"]


def test_a_registration_response_may_come_as_json_text(browser_for, member, site, authenticator):
    # The service also takes the JSON text a form posts (the profile page).
    browser = browser_for(member)
    response = authenticator.create(_options(browser.setup(site)))
    passkey = passkeys.finalize_passkey(
        user_caller(member), registration_response=json.dumps(response), name="Form"
    )
    assert (passkey.credential_id, passkey.name) == (response["id"], "Form")
    with pytest.raises(DomainError) as raised:
        passkeys.finalize_passkey(user_caller(member), registration_response="{", name="Form")
    assert raised.value.key is ErrorKey.PASSKEY_NOT_SETUP


def test_a_credential_id_too_long_to_store(browser_for, member, site, authenticator):
    browser = browser_for(member)
    options = _options(browser.setup(site))
    answer = browser.finalize(authenticator.create(options, credential_id=b"i" * 769))
    assert operation(answer, "finalizePasskey") == failed("ERR_PK_VERIFICATION_FAILED")
    assert not Passkey.objects.exists()
    # 768 bytes are 1024 characters of base64url: the longest id kept.
    answer = browser.finalize(authenticator.create(options, credential_id=b"i" * 768))
    assert operation(answer, "finalizePasskey")["succeeded"] is True
    assert len(Passkey.objects.get().credential_id) == 1024
