"""The token signing key is safe from a database leak (issue 9, item 3).

The ``auth`` row holds the private key sealed under a key derived from SECRET_KEY and nothing
that opens it: a copy of the database signs no token. SECRET_KEY can be rotated with
SECRET_KEY_FALLBACKS and ``manage.py rotatesecrets``.
"""

import importlib
import io
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts import tokens
from accounts.models import TotpDevice
from tests.conftest import GraphQLClient
from tests.token_support import claims_for, sign
from wiki import secrets
from wiki.config import get_setting, update_setting
from wiki.models import Setting

pytestmark = pytest.mark.django_db

ADMIN_SECRETS = "{ apiKeys { name } users { email } }"
NEW_SECRET_KEY = "a-new-secret-key-after-rotation-0123456789-abcdefghijklmnopqrstuvwxyz"
migration = importlib.import_module("accounts.migrations.0007_seal_signing_key")


@pytest.fixture(autouse=True)
def fresh_keys():
    """Keys are cached per process: load them from the row (and SECRET_KEY) of each test."""
    tokens.forget_signing_keys()
    yield
    tokens.forget_signing_keys()


def stored_auth() -> dict:
    return Setting.objects.get(key="auth").value


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in (*value.keys(), *value.values()) for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def attacker_token_for(user) -> str:
    """What the issue's reproduction did with a copy of the database: sign for ``user``."""
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return sign(claims_for(user), key=attacker_key)


# --- What the row holds ---------------------------------------------------------------------------
def test_the_row_holds_a_sealed_key_and_no_passphrase():
    auth = stored_auth()

    assert "secret" not in auth
    assert auth["certs"]["private"].startswith("sealed:v1:")
    assert "PRIVATE KEY" not in json.dumps(auth)
    assert auth["certs"]["public"].startswith("-----BEGIN PUBLIC KEY-----")


def test_nothing_in_a_copy_of_the_row_opens_the_private_key():
    copied = json.loads(json.dumps(stored_auth()))  # the attacker's copy of the row
    sealed = copied["certs"]["private"]
    candidates = strings_in(copied)
    assert sealed in candidates
    assert len(candidates) > 5

    for candidate in candidates:
        # Neither as a passphrase of a PEM (there is no PEM)...
        with pytest.raises((ValueError, TypeError)):
            serialization.load_pem_private_key(sealed.encode(), password=candidate.encode())
        # ...nor as the key material the sealing key is derived from.
        with override_settings(SECRET_KEY=candidate, SECRET_KEY_FALLBACKS=[]):
            with pytest.raises(secrets.SecretUnreadable):
                secrets.unseal(sealed, tokens.SIGNING_KEY_PURPOSE)

    # Only SECRET_KEY, which the database does not hold, opens it.
    assert settings.SECRET_KEY not in candidates
    pem = secrets.unseal_bytes(sealed, tokens.SIGNING_KEY_PURPOSE)
    assert serialization.load_pem_private_key(pem, None).public_key().public_numbers() == (
        tokens.signing_keys().public_key.public_numbers()
    )


def test_a_token_signed_with_a_key_rebuilt_from_the_database_is_a_guest(admin):
    assert str(admin.pk) == get_setting("auth")["rootAdminUserId"]
    genuine = GraphQLClient(tokens.issue_session_token(admin))(ADMIN_SECRETS)
    assert genuine.errors == []
    assert genuine.data == {
        "apiKeys": [],
        "users": [{"email": "admin@example.com"}, {"email": "guest@example.com"}],
    }

    forged = GraphQLClient(attacker_token_for(admin))(ADMIN_SECRETS)

    assert forged.status == 200
    assert forged.data == {"apiKeys": None, "users": None}
    assert forged.error_messages == ["ERR_NOT_AUTHENTICATED", "ERR_NOT_AUTHENTICATED"]


def test_a_public_key_swapped_in_the_row_is_refused_not_trusted(admin):
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certs = {**stored_auth()["certs"], "public": tokens.public_pem_of(attacker_key)}
    update_setting("auth", certs=certs)

    with pytest.raises(ImproperlyConfigured, match="does not match"):
        tokens.signing_keys()


def test_a_clear_private_key_written_into_the_row_is_refused(admin):
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    clear = attacker_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    update_setting("auth", certs={"private": clear, "public": tokens.public_pem_of(attacker_key)})

    with pytest.raises(ImproperlyConfigured, match="unsealed form"):
        tokens.signing_keys()


def test_a_key_sealed_under_another_secret_key_is_refused_not_replaced():
    before = stored_auth()

    with override_settings(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
            tokens.signing_keys()

    assert stored_auth() == before  # no silent regeneration


def test_a_key_pair_is_made_only_when_none_is_stored(user):
    update_setting("auth", certs={})

    keys = tokens.signing_keys()

    auth = stored_auth()
    assert secrets.is_sealed(auth["certs"]["private"])
    assert auth["certs"]["public"] == keys.public_pem
    assert "secret" not in auth
    assert tokens.read_token(tokens.issue_session_token(user))["id"] == str(user.pk)


def test_generated_key_material_is_sealed():
    material = tokens.generate_key_material()

    assert set(material) == {"certs"}
    pem = secrets.unseal_bytes(material["certs"]["private"], tokens.SIGNING_KEY_PURPOSE)
    private_key = serialization.load_pem_private_key(pem, None)
    assert private_key.key_size == 2048
    assert tokens.public_pem_of(private_key) == material["certs"]["public"]


# --- Migration 0007 -------------------------------------------------------------------------------
def old_form_row() -> tuple[dict, rsa.RSAPrivateKey]:
    """The ``auth`` row as installations before 0007 hold it: passphrase beside the key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    passphrase = "ab" * 32
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    ).decode()
    value = {
        **stored_auth(),
        "secret": passphrase,
        "certs": {"private": encrypted, "public": tokens.public_pem_of(key)},
    }
    Setting.objects.filter(key="auth").update(value=value)
    return value, key


def test_migration_seals_an_existing_key_and_drops_the_passphrase(user):
    old, key = old_form_row()
    old_token = sign(claims_for(user), key=key)

    migration.seal_signing_key(django_apps, None)

    auth = stored_auth()
    assert "secret" not in auth
    assert secrets.is_sealed(auth["certs"]["private"])
    assert auth["certs"]["public"] == old["certs"]["public"]
    assert {k: v for k, v in auth.items() if k != "certs"} == {
        k: v for k, v in old.items() if k not in ("certs", "secret")
    }
    # The same key: tokens issued before the upgrade still count.
    assert tokens.read_token(old_token)["id"] == str(user.pk)
    assert tokens.signing_keys().public_key.public_numbers() == key.public_key().public_numbers()


def test_migration_runs_twice_and_backwards(user):
    _, key = old_form_row()
    migration.seal_signing_key(django_apps, None)
    sealed = stored_auth()["certs"]["private"]

    migration.seal_signing_key(django_apps, None)
    assert stored_auth()["certs"]["private"] == sealed

    migration.unseal_signing_key(django_apps, None)
    auth = stored_auth()
    reloaded = serialization.load_pem_private_key(
        auth["certs"]["private"].encode(), password=auth["secret"].encode()
    )
    assert reloaded.public_key().public_numbers() == key.public_key().public_numbers()


# --- Rotating SECRET_KEY --------------------------------------------------------------------------
def totp_device_for(user) -> TotpDevice:
    return TotpDevice.objects.create(
        user=user, name="phone", sealed_key=secrets.seal(b"0123456789abcdefghij", "accounts.totp")
    )


def rotate() -> str:
    out = io.StringIO()
    call_command("rotatesecrets", stdout=out)
    return out.getvalue()


def test_rotation_with_the_old_key_as_fallback_then_rotatesecrets(user):
    old_secret_key = settings.SECRET_KEY
    token = tokens.issue_session_token(user)
    public_numbers = tokens.signing_keys().public_key.public_numbers()
    device = totp_device_for(user)
    tokens.forget_signing_keys()

    with override_settings(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[old_secret_key]):
        # The old key still opens the signing key: sessions survive the change.
        assert tokens.signing_keys().public_key.public_numbers() == public_numbers
        assert tokens.read_token(token)["id"] == str(user.pk)
        first = rotate()
        second = rotate()

    assert "token signing key: 1 resealed" in first
    assert "TOTP secrets: 1 resealed" in first
    assert "token signing key: 0 resealed" in second
    assert "TOTP secrets: 0 resealed" in second
    tokens.forget_signing_keys()
    with override_settings(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[]):
        assert tokens.signing_keys().public_key.public_numbers() == public_numbers
        assert tokens.read_token(token)["id"] == str(user.pk)
        device.refresh_from_db()
        assert secrets.unseal_bytes(device.sealed_key, "accounts.totp") == b"0123456789abcdefghij"
    # And the old key alone no longer opens anything.
    tokens.forget_signing_keys()
    with pytest.raises(ImproperlyConfigured):
        tokens.signing_keys()


def test_without_rotatesecrets_dropping_the_fallback_is_refused(user):
    old_secret_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[old_secret_key]):
        tokens.signing_keys()
    tokens.forget_signing_keys()

    with override_settings(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(ImproperlyConfigured, match="cannot be unsealed"):
            tokens.signing_keys()


def test_rotatesecrets_stops_on_a_value_no_key_opens():
    before = stored_auth()

    with override_settings(SECRET_KEY=NEW_SECRET_KEY, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(CommandError, match="no key opens this auth.signing-key secret"):
            rotate()

    assert stored_auth() == before
