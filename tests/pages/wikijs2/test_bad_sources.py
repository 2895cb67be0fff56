"""Sources the import refuses: each a clear error, before anything is written (exit 2)."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Group, User
from pages.models import Page
from tests.pages.wikijs2.conftest import ENGINES
from tests.wikijs2.builder import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from wiki.models import LegacyIdCounter, Setting

pytestmark = pytest.mark.django_db


def target_state():
    return (
        User.objects.count(),
        Group.objects.count(),
        Page.objects.count(),
        sorted(LegacyIdCounter.objects.values_list("kind", "last_value")),
        sorted(Setting.objects.values_list("key", flat=True)),
    )


def refused(url: str, *extra: str) -> str:
    before = target_state()
    with pytest.raises(CommandError) as error:
        call_command("import_wikijs2", "--source", url, *extra)
    assert error.value.returncode == 2
    assert str(error.value).startswith("Nothing was imported: ")
    assert target_state() == before
    return str(error.value)


def test_an_unreachable_database():
    message = refused("postgres://wikijs@127.0.0.1:1/wiki")
    assert "cannot connect to the source database postgres://wikijs@127.0.0.1:1/wiki" in message


def test_a_missing_sqlite_file(tmp_path):
    assert "does not exist" in refused(f"sqlite:///{tmp_path}/nothing.sqlite")


def test_a_database_of_another_kind():
    assert "unsupported source" in refused("mysql://root@127.0.0.1/wiki")


@ENGINES
def test_an_empty_database(empty_source):
    if empty_source.engine == "sqlite":
        empty_source.execute('CREATE TABLE "t" ("x" integer)')
        assert "is not a Wiki.js database" in refused(empty_source.url)
    else:
        assert "is empty: no Wiki.js tables" in refused(empty_source.url)


@ENGINES
def test_a_wikijs1_database(empty_source):
    empty_source.create_wikijs1_schema()
    assert "holds a Wiki.js 1.x database" in refused(empty_source.url)


@ENGINES
def test_a_wikijs3_database(empty_source):
    empty_source.create_wikijs3_schema()
    assert "holds a Wiki.js 3.x database" in refused(empty_source.url)


@ENGINES
def test_a_wikijs2_beta(empty_source):
    empty_source.create_schema(migrations=["2.0.0-beta.1", "2.0.0-beta.11"])
    assert "holds a Wiki.js 2.0 beta" in refused(empty_source.url)


@ENGINES
def test_an_older_wikijs2(empty_source):
    names = POSTGRES_MIGRATIONS if empty_source.engine == "postgresql" else SQLITE_MIGRATIONS
    empty_source.create_schema(migrations=[n for n in names if not n.startswith("2.5")])
    message = refused(empty_source.url)
    assert "holds Wiki.js 2.4.61: the import reads Wiki.js 2.5" in message


@ENGINES
def test_a_migration_left_locked(empty_source):
    empty_source.create_schema(locked=True)
    assert "in the middle of a migration" in refused(empty_source.url)


@ENGINES
def test_a_half_migrated_schema(empty_source):
    empty_source.create_schema(
        without={"groups": {"redirectOnLogin"}, "users": {"dateFormat", "appearance"}}
    )
    message = refused(empty_source.url)
    assert "schema is incomplete" in message
    assert "groups.redirectOnLogin" in message
    assert "users.dateFormat" in message


@ENGINES
def test_a_dropped_table(empty_source):
    empty_source.create_schema()
    empty_source.execute('DROP TABLE "apiKeys"')
    assert "(missing apiKeys)" in refused(empty_source.url)


def test_a_batch_size_out_of_range(tmp_path):
    assert "batch size" in refused(f"sqlite:///{tmp_path}/x.sqlite", "--batch-size", "0")
