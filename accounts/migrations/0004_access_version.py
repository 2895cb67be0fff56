"""The access version and the triggers that change it (see ``accounts.models.AccessVersion``).

Triggers rather than signals: a queryset ``update()``, ``bulk_create``, ``loaddata`` or raw SQL
changes groups without sending any signal, and a cached policy must never outlive the rows it
was derived from, whoever wrote them.
"""

from django.db import migrations, models

# Tables whose rows the access policies are derived from.
WATCHED = ("accounts_group", "accounts_membership")

SQLITE_BUMP = (
    "INSERT INTO accounts_accessversion (id, value) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET value = excluded.value;"
)
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION accounts_bump_access_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts_accessversion (id, value)
    VALUES (1, floor(random() * 9.0e18)::bigint)
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$$;
"""


def _trigger_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {table}_access_{event.lower()} AFTER {event} ON {table} "
            f"BEGIN {SQLITE_BUMP} END;"
            for table in WATCHED
            for event in ("INSERT", "UPDATE", "DELETE")
        ]
    if vendor == "postgresql":
        # Once per statement: a bulk insert of memberships bumps the version once.
        return [POSTGRES_FUNCTION] + [
            f"CREATE TRIGGER {table}_access AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION accounts_bump_access_version();"
            for table in WATCHED
        ]
    raise NotImplementedError(f"no access-version triggers for {vendor}")


def _drop_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_access_{event};"
            for table in WATCHED
            for event in ("insert", "update", "delete")
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_access ON {table};" for table in WATCHED] + [
        "DROP FUNCTION IF EXISTS accounts_bump_access_version();"
    ]


def install(apps, schema_editor):
    apps.get_model("accounts", "AccessVersion").objects.update_or_create(
        pk=1, defaults={"value": 1}
    )
    for statement in _trigger_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in _drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_email_unique_ci"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
