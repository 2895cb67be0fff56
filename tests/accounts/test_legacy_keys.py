"""The imported Wiki.js 2 key pair (accounts/legacy_keys.py): kept sealed, checked, rotated."""

from __future__ import annotations

import datetime as dt
import io

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.test import override_settings

from accounts import legacy_keys, tokens
from tests.wikijs2.builder import make_key_pair
from wiki import secrets
from wiki.models import Setting

pytestmark = pytest.mark.django_db
PASSPHRASE = "9f" * 32
NEW_SECRET_KEY = "another-secret-key-for-rotation-0123456789-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(autouse=True)
def fresh_keys():
    tokens.forget_signing_keys()
    yield
    tokens.forget_signing_keys()


@pytest.fixture
def pair():
    return make_key_pair(PASSPHRASE)


def api_key(key, **changes) -> str:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {"api": 7, "grp": 1, "iat": now, "exp": now + 3600, "aud": "urn:wiki.js",
              "iss": "urn:wiki.js"}  # fmt: skip
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm="RS256")


def test_the_private_key_opens_with_the_passphrase_only(pair):
    key, certs = pair
    assert "Proc-Type: 4,ENCRYPTED" in certs["private"]
    assert "DEK-Info: AES-256-CBC" in certs["private"]
    opened = legacy_keys.decrypt_private_key(certs["private"], PASSPHRASE)
    assert opened.private_numbers() == key.private_numbers()
    with pytest.raises(legacy_keys.LegacyKeyError, match="does not open"):
        legacy_keys.decrypt_private_key(certs["private"], "wrong")
    with pytest.raises(legacy_keys.LegacyKeyError, match="sessionSecret setting is missing"):
        legacy_keys.decrypt_private_key(certs["private"], "")
    with pytest.raises(legacy_keys.LegacyKeyError, match="no PEM private key"):
        legacy_keys.decrypt_private_key("garbage", PASSPHRASE)


def test_a_public_key_of_another_pair_is_refused(pair):
    key, certs = pair
    legacy_keys.check_public_half(key, certs["public"])  # PKCS#1, as Wiki.js 2 stores it
    _, other = make_key_pair("x")
    with pytest.raises(legacy_keys.LegacyKeyError, match="not the private key's"):
        legacy_keys.check_public_half(key, other["public"])


def test_the_store_holds_the_key_sealed_and_nothing_that_opens_it(pair):
    key, certs = pair
    assert legacy_keys.store_key(key, "urn:acme")
    stored = Setting.objects.get(key=legacy_keys.STORE_KEY).value
    assert secrets.is_sealed(stored["private"])
    assert "PRIVATE KEY" not in str(stored)
    assert PASSPHRASE not in str(stored)
    assert stored["audience"] == "urn:acme"
    assert not legacy_keys.store_key(key, "urn:acme")  # a re-run changes nothing
    assert legacy_keys.store_key(key, "urn:wiki.js")


def test_api_keys_verify_with_the_stored_audience(pair):
    key, _ = pair
    legacy_keys.store_key(key, "urn:acme")
    assert legacy_keys.api_key_claims(api_key(key, aud="urn:acme"))["api"] == 7
    assert legacy_keys.api_key_claims(api_key(key)) is None  # urn:wiki.js: not the imported one
    assert legacy_keys.api_key_claims(api_key(key, aud="urn:acme", exp=1)) is None
    assert legacy_keys.api_key_claims(api_key(key, aud="urn:acme", api="7")) is None
    assert legacy_keys.api_key_claims(api_key(key, aud="urn:acme", api=True)) is None
    assert legacy_keys.api_key_claims(api_key(key, aud="urn:acme", iss="urn:other")) is None


def test_a_tampered_store_is_not_trusted(pair):
    key, _ = pair
    legacy_keys.store_key(key, "urn:wiki.js")
    row = Setting.objects.get(key=legacy_keys.STORE_KEY)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    row.value = {**row.value, "public": legacy_keys.public_pem_of(other)}
    row.save()
    assert legacy_keys.api_key_claims(api_key(key)) is None


def test_tokens_that_cannot_be_keys_cost_no_query(pair, django_assert_num_queries):
    key, _ = pair
    legacy_keys.store_key(key, "urn:wiki.js")
    with django_assert_num_queries(0):
        assert legacy_keys.api_key_claims("not.a.token") is None
        assert legacy_keys.api_key_claims(api_key(key, api=None)) is None  # a session token
    with django_assert_num_queries(1):
        assert legacy_keys.api_key_claims(api_key(key)) is not None
    with django_assert_num_queries(0):  # cached for the process
        assert legacy_keys.api_key_claims(api_key(key, exp=int(9e9))) is not None


def test_rotatesecrets_seals_the_imported_key_again(pair, settings):
    key, _ = pair
    legacy_keys.store_key(key, "urn:wiki.js")
    old = settings.SECRET_KEY
    with override_settings(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[old]):
        call_command("rotatesecrets", stdout=io.StringIO())
        stored = Setting.objects.get(key=legacy_keys.STORE_KEY).value["private"]
        assert secrets.opens_with_current_key(stored, legacy_keys.PURPOSE)
        tokens.forget_signing_keys()
        assert legacy_keys.api_key_claims(api_key(key)) is not None
