"""The triggers that keep the content version (``wiki.models.ContentChange``).

Triggers rather than signals, as for the access version: a queryset ``update()``, a bulk
insert, an import or raw SQL changes pages without sending any signal, and a kept page view
must never outlive the rows it was rendered from, whoever wrote them. Watched: pages, their
tree items (titles, places, publish dates) and users' names (a page view names its last
editor).

Each writing statement adds one row of weight 1 (PostgreSQL: once per statement; SQLite, which
has no statement triggers and runs one writer at a time: once per row), so that even a second
write in the same transaction changes the version its own later reads see. Every 256th row
folds the rows before it into one row of their summed weight, so the sum (the version) never
changes by folding. A fold skips the rows another fold holds (SKIP LOCKED): it
never waits, so a writer's transaction never waits on another's fold and the two cannot
deadlock; the skipped rows stay until that fold commits (or rolls back). Rows of transactions
not yet committed are invisible to a fold and stay as they are too.
"""

from django.db import migrations, models

# (table, events): what a page view shows comes from these rows.
WATCHED = (
    ("pages_page", "INSERT OR UPDATE OR DELETE"),
    ("pages_treeitem", "INSERT OR UPDATE OR DELETE"),
    ("accounts_user", "UPDATE OF name OR DELETE"),
)
# The log is wiki_contentchange; a fold every 256 rows (both written out in the SQL below).
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION pages_note_content_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO wiki_contentchange (weight) VALUES (1) RETURNING id INTO new_id;
    IF new_id % 256 = 0 THEN
        WITH folded AS (
            DELETE FROM wiki_contentchange WHERE id IN (
                SELECT id FROM wiki_contentchange WHERE id < new_id FOR UPDATE SKIP LOCKED
            ) RETURNING weight
        )
        INSERT INTO wiki_contentchange (weight)
        SELECT SUM(weight) FROM folded HAVING COUNT(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
"""

# SQLite: fold first when the log is long (everything into one row), then note this change.
SQLITE_BODY = (
    "INSERT INTO wiki_contentchange (weight) SELECT SUM(weight) FROM wiki_contentchange "
    "WHERE (SELECT COUNT(*) FROM wiki_contentchange) >= 256 HAVING COUNT(*) > 0; "
    "DELETE FROM wiki_contentchange WHERE (SELECT COUNT(*) FROM wiki_contentchange) > 256 "
    "AND id < (SELECT MAX(id) FROM wiki_contentchange); "
    "INSERT INTO wiki_contentchange (weight) VALUES (1);"
)


def _sqlite_events(events: str) -> list[str]:
    return [event.strip() for event in events.split(" OR ")]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [
            f"CREATE TRIGGER {table}_content_{n} AFTER {event} ON {table} BEGIN {SQLITE_BODY} END;"
            for table, events in WATCHED
            for n, event in enumerate(_sqlite_events(events))
        ]
    elif vendor == "postgresql":
        statements = [POSTGRES_FUNCTION] + [
            f"CREATE TRIGGER {table}_content AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION pages_note_content_change();"
            for table, events in WATCHED
        ]
    else:
        raise NotImplementedError(f"no content-version triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        statements = [
            f"DROP TRIGGER IF EXISTS {table}_content_{n};"
            for table, events in WATCHED
            for n in range(len(_sqlite_events(events)))
        ]
    else:
        statements = [f"DROP TRIGGER IF EXISTS {table}_content ON {table};" for table, _ in WATCHED]
        statements.append("DROP FUNCTION IF EXISTS pages_note_content_change();")
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0006_tree_backfill"),
        ("wiki", "0005_content_change"),
        ("accounts", "0008_sites_bump_access_version"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name="page",
            index=models.Index(
                condition=models.Q(("publish_state", "scheduled")),
                fields=["site"],
                name="page_scheduled_idx",
            ),
        ),
    ]
