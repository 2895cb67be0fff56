"""Full-text search of pages on PostgreSQL (API.md §4.1.2 ``searchPages``, issue 7).

A ``search_vector`` column kept current by a trigger, so that every write of a page (any
service, the admin, COPY) updates the index in its own transaction: title (weight A),
description (B) and the rendered text (C; not for password-protected pages), each parsed with
the text search configuration of the page's locale, which ``wiki_search_config(locale)``
chooses. A GIN index serves ``@@``. Nothing happens on other databases (pages.search has a
fallback there); the column is not a model field, so Django never writes it.
"""

from django.db import migrations

# pages.search.LOCALE_CONFIGS as of this migration (a migration keeps its own copy).
LOCALE_CONFIGS = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nb": "norwegian",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}

TRIGGER = """
CREATE FUNCTION pages_page_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector(wiki_search_config(NEW.locale), COALESCE(NEW.title, '')), 'A')
        || setweight(
            to_tsvector(wiki_search_config(NEW.locale), COALESCE(NEW.description, '')), 'B')
        || setweight(to_tsvector(wiki_search_config(NEW.locale),
            CASE WHEN COALESCE(NEW.password, '') = '' THEN COALESCE(NEW.search_content, '')
            ELSE '' END), 'C');
    RETURN NEW;
END
$$;
CREATE TRIGGER pages_page_search_vector
    BEFORE INSERT OR UPDATE OF title, description, search_content, locale, password
    ON pages_page FOR EACH ROW EXECUTE FUNCTION pages_page_search_vector();
UPDATE pages_page SET title = title;
CREATE INDEX pages_page_search_idx ON pages_page USING GIN (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS pages_page_search_idx;
DROP TRIGGER IF EXISTS pages_page_search_vector ON pages_page;
DROP FUNCTION IF EXISTS pages_page_search_vector();
ALTER TABLE pages_page DROP COLUMN IF EXISTS search_vector;
DROP FUNCTION IF EXISTS wiki_search_config(text);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        present = {row[0] for row in cursor.fetchall()}
    # Only configurations this server has; a language without one is parsed as 'simple'.
    cases = " ".join(
        f"WHEN '{language}' THEN '{config}'::regconfig"
        for language, config in sorted(LOCALE_CONFIGS.items())
        if config in present
    )
    schema_editor.execute(
        "CREATE FUNCTION wiki_search_config(locale text) RETURNS regconfig"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$"
        f" SELECT CASE split_part(lower(COALESCE(locale, '')), '-', 1) {cases}"
        " ELSE 'simple'::regconfig END $$"
    )
    schema_editor.execute("ALTER TABLE pages_page ADD COLUMN search_vector tsvector")
    schema_editor.execute(TRIGGER)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("pages", "0003_page_history")]

    operations = [migrations.RunPython(create, drop)]
