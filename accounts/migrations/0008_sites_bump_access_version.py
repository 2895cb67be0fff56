"""Writes to sites change the access version too (see ``accounts.models.AccessVersion``).

The browser's page views find their site in a per-process table (``wiki.sites.SiteTable``)
kept while the access version holds, which the caller's own row already carries: a trigger,
not a signal, so that no write to a site (the admin, an ``update()``, raw SQL) can leave a
process serving a site's old settings or a disabled site.
"""

from django.db import migrations

TABLE = "wiki_site"
EVENTS = ("INSERT", "UPDATE", "DELETE")
SQLITE_BUMP = (
    "INSERT INTO accounts_accessversion (id, value) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET value = excluded.value;"
)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [
            f"CREATE TRIGGER {TABLE}_access_{event.lower()} AFTER {event} ON {TABLE} "
            f"BEGIN {SQLITE_BUMP} END;"
            for event in EVENTS
        ]
    elif vendor == "postgresql":
        # The function migration 0004 created; once per statement, as for groups.
        statements = [
            f"CREATE TRIGGER {TABLE}_access AFTER INSERT OR UPDATE OR DELETE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION accounts_bump_access_version();"
        ]
    else:
        raise NotImplementedError(f"no access-version triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {TABLE}_access_{e.lower()};" for e in EVENTS]
    else:
        statements = [f"DROP TRIGGER IF EXISTS {TABLE}_access ON {TABLE};"]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_seal_signing_key"),
        ("wiki", "0004_seal_mail_secrets"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
