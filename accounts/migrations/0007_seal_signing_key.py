"""Seal the token signing key with a key derived from SECRET_KEY; drop the stored passphrase.

Until now the private key was encrypted with a passphrase kept in the same ``auth`` row, so a
copy of the database was enough to sign a session token for anyone. From here on the private
key is sealed (``wiki.secrets``) and the row holds nothing that opens it.
"""

import secrets as random

from cryptography.hazmat.primitives import serialization
from django.db import migrations

PURPOSE = "auth.signing-key"  # accounts.tokens.SIGNING_KEY_PURPOSE, frozen here


def seal_signing_key(apps, schema_editor):
    from wiki import secrets

    Setting = apps.get_model("wiki", "Setting")
    row = Setting.objects.filter(key="auth").first()
    if row is None:
        return
    value = dict(row.value or {})
    certs = dict(value.get("certs") or {})
    private = certs.get("private")
    if private and not secrets.is_sealed(private):
        passphrase = value.get("secret")
        key = serialization.load_pem_private_key(
            private.encode(), password=passphrase.encode() if passphrase else None
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        certs["private"] = secrets.seal(pem, PURPOSE)
        value["certs"] = certs
    value.pop("secret", None)
    row.value = value
    row.save(update_fields=["value", "updated_at"])


def unseal_signing_key(apps, schema_editor):
    """Back to the passphrase form (in the row again), for a downgrade."""
    from wiki import secrets

    Setting = apps.get_model("wiki", "Setting")
    row = Setting.objects.filter(key="auth").first()
    if row is None:
        return
    value = dict(row.value or {})
    certs = dict(value.get("certs") or {})
    private = certs.get("private")
    if not secrets.is_sealed(private):
        return
    key = serialization.load_pem_private_key(secrets.unseal_bytes(private, PURPOSE), None)
    passphrase = random.token_hex(32)
    certs["private"] = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    ).decode()
    value.update(certs=certs, secret=passphrase)
    row.value = value
    row.save(update_fields=["value", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_signin"), ("wiki", "0002_installation")]

    operations = [migrations.RunPython(seal_signing_key, unseal_signing_key)]
