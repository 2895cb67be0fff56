"""System groups, the guest user, the local strategy (API.md §3.3) and the token signing keys."""

import uuid

from django.db import migrations
from django.utils import timezone

USERS_GROUP_ID = uuid.UUID("20000000-0000-4000-8000-000000000002")
GUESTS_GROUP_ID = uuid.UUID("10000000-0000-4000-8000-000000000001")
LOCAL_STRATEGY_ID = uuid.UUID("5a528c4c-0a82-4ad2-96a5-2b23811e6588")
BASE_READ = ["read:pages", "read:assets", "read:comments"]


def default_rule(mode):
    return {
        "id": str(uuid.uuid4()),
        "name": "Default Rule",
        "mode": mode,
        "match": "START",
        "roles": list(BASE_READ),
        "path": "",
        "locales": [],
        "sites": [],
    }


def install(apps, schema_editor):
    from accounts.tokens import generate_key_material

    Group = apps.get_model("accounts", "Group")
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("accounts", "Membership")
    AuthStrategy = apps.get_model("accounts", "AuthStrategy")
    Setting = apps.get_model("wiki", "Setting")
    Counter = apps.get_model("wiki", "LegacyIdCounter")
    now = timezone.now()

    # Wiki.js 2 ids: Administrators 1, Guests 2, Users 3; guest user 2 (root admin gets 1).
    admins = Group.objects.create(
        id=uuid.uuid4(),
        legacy_id=1,
        name="Administrators",
        permissions=["manage:system"],
        rules=[],
        is_system=True,
        created_at=now,
    )
    Group.objects.create(
        id=GUESTS_GROUP_ID,
        legacy_id=2,
        name="Guests",
        permissions=list(BASE_READ),
        rules=[default_rule("DENY")],
        is_system=True,
        created_at=now,
    )
    Group.objects.create(
        id=USERS_GROUP_ID,
        legacy_id=3,
        name="Users",
        permissions=list(BASE_READ),
        rules=[default_rule("ALLOW")],
        is_system=True,
        created_at=now,
    )
    guest = User.objects.create(
        id=uuid.uuid4(),
        legacy_id=2,
        email="guest@example.com",
        name="Guest",
        password="!",
        is_active=True,
        is_verified=True,
        is_system=True,
        created_at=now,
        meta={"jobTitle": "", "location": "", "pronouns": ""},
        prefs={
            "timezone": "America/New_York",
            "dateFormat": "YYYY-MM-DD",
            "timeFormat": "12h",
            "appearance": "site",
            "cvd": "none",
        },
    )
    Membership.objects.create(user=guest, group_id=GUESTS_GROUP_ID)
    AuthStrategy.objects.create(
        id=LOCAL_STRATEGY_ID,
        module="local",
        display_name="Local Authentication",
        is_enabled=True,
        config={"emailValidation": True, "enforceTfa": False},
        registration=False,
        allowed_email_regex="",
        auto_enroll_groups=[],
    )
    auth = Setting.objects.get(key="auth")
    auth.value = {**auth.value, "rootAdminGroupId": str(admins.id), "guestUserId": str(guest.id)}
    if not (auth.value.get("certs") or {}).get("private"):
        # Installations whose wiki migration made the keys keep them.
        auth.value.update(generate_key_material())
    auth.save()
    Counter.objects.update_or_create(kind="user", defaults={"last_value": 2})
    Counter.objects.update_or_create(kind="group", defaults={"last_value": 3})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("wiki", "0002_installation")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
