"""Seal the SMTP password and the DKIM private key kept in the ``mail`` setting.

Until now both were stored in clear, so a copy of the database gave away the mail account.
From here on they are sealed (``wiki.secrets``) under a key derived from ``SECRET_KEY``.
"""

from django.db import migrations

# wiki.mail_settings.SECRET_PURPOSES, frozen here.
PURPOSES = {"pass": "mail.pass", "dkimPrivateKey": "mail.dkimPrivateKey"}


def seal_mail_secrets(apps, schema_editor):
    from wiki import secrets

    Setting = apps.get_model("wiki", "Setting")
    row = Setting.objects.filter(key="mail").first()
    if row is None:
        return
    value = dict(row.value or {})
    for key, purpose in PURPOSES.items():
        stored = value.get(key)
        if stored and isinstance(stored, str) and not secrets.is_sealed(stored):
            value[key] = secrets.seal(stored, purpose)
    row.value = value
    row.save(update_fields=["value", "updated_at"])


def open_mail_secrets(apps, schema_editor):
    from wiki import secrets

    Setting = apps.get_model("wiki", "Setting")
    row = Setting.objects.filter(key="mail").first()
    if row is None:
        return
    value = dict(row.value or {})
    for key, purpose in PURPOSES.items():
        if secrets.is_sealed(value.get(key)):
            value[key] = secrets.unseal(value[key], purpose)
    row.value = value
    row.save(update_fields=["value", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("wiki", "0003_outbound_mail")]

    operations = [migrations.RunPython(seal_mail_secrets, open_mail_secrets)]
