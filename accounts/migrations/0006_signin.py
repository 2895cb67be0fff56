"""Sign-in storage: continuation tokens, TOTP devices, passkeys and their pending challenges.

Passkeys move from the user's JSON column to rows of their own, so that a credential id is
unique across accounts by constraint and a sign counter is updated under a row lock.
"""

import base64
import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def move_passkeys_to_rows(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Passkey = apps.get_model("accounts", "Passkey")
    for user in User.objects.exclude(passkeys={}).iterator():
        for item in (user.passkeys or {}).get("authenticators") or []:
            credential_id = str(item.get("id") or item.get("credentialID") or "")
            public_key = item.get("credentialPublicKey") or ""
            if not credential_id or not public_key:
                continue
            Passkey.objects.get_or_create(
                credential_id=credential_id,
                defaults={
                    "user_id": user.pk,
                    "public_key": _b64url_decode(str(public_key)),
                    "sign_count": int(item.get("counter") or 0),
                    "transports": list(item.get("transports") or []),
                    "name": str(item.get("name") or "Passkey")[:255],
                    "site_id": item.get("siteId"),
                    "rp_id": str(item.get("rpID") or ""),
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Passkey",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("credential_id", models.CharField(max_length=1024, unique=True)),
                ("public_key", models.BinaryField()),
                ("sign_count", models.PositiveBigIntegerField(default=0)),
                ("transports", models.JSONField(blank=True, default=list)),
                ("name", models.CharField(max_length=255)),
                ("site_id", models.UUIDField(blank=True, null=True)),
                ("rp_id", models.CharField(max_length=255)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passkey_set",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="PasskeyChallenge",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[("reg", "Registration"), ("login", "Login")], max_length=8
                    ),
                ),
                ("challenge", models.CharField(max_length=255)),
                ("rp_id", models.CharField(max_length=255)),
                ("site_id", models.UUIDField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passkey_challenges",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "purpose"), name="passkey_challenge_user_purpose"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TotpDevice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                (
                    "strategy_id",
                    models.UUIDField(default=uuid.UUID("5a528c4c-0a82-4ad2-96a5-2b23811e6588")),
                ),
                ("sealed_key", models.TextField()),
                ("last_t", models.BigIntegerField(default=-1)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "TOTP device",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "strategy_id"), name="totp_user_strategy"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="UserKey",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("verify", "Verify"),
                            ("resetPwd", "Reset Password"),
                            ("changePwd", "Change Password"),
                            ("tfa", "Tfa"),
                            ("tfaSetup", "Tfa Setup"),
                        ],
                        max_length=16,
                    ),
                ),
                ("token_digest", models.CharField(max_length=64, unique=True)),
                ("meta", models.JSONField(blank=True, default=dict)),
                ("valid_until", models.DateTimeField()),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="validation_keys",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["valid_until"], name="userkey_valid_until_idx")],
            },
        ),
        migrations.RunPython(move_passkeys_to_rows, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="user",
            name="passkeys",
        ),
    ]
