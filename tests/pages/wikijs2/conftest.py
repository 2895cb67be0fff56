"""Wiki.js 2.5 source databases for the import's tests (tests/wikijs2/builder.py).

``wikijs2`` is an installed Wiki.js 2 on each engine the import reads: SQLite (a file in the
test's temporary folder) and PostgreSQL (a database of the test's own, created and dropped
here, named after this run's test database so that parallel runs never share one).
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.conf import settings as django_settings

from tests.wikijs2.builder import WikiJs2

# Where the PostgreSQL sources are created: the server the tests' own database is on.
ADMIN_URL = os.environ.get(
    "WIKIJS2_SOURCE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def _source_name() -> str:
    base = os.environ.get("TEST_DATABASE_NAME") or "test_wiki"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"{base}_wikijs2_src{worker}_{os.getpid()}"[:63]


def _postgres_reachable() -> bool:
    try:
        psycopg.connect(ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


@pytest.fixture
def empty_source(request, tmp_path):
    """A new, empty database on the engine the test is parametrised with (``engine``)."""
    engine = getattr(request, "param", "sqlite")
    if engine == "sqlite":
        source = WikiJs2.sqlite(str(tmp_path / "wikijs2.sqlite"))
        yield source
        source.close()
        return
    if not _postgres_reachable():
        pytest.skip(f"no PostgreSQL server at {ADMIN_URL} for a Wiki.js 2 source")
    name = _source_name()
    source = WikiJs2.postgres(ADMIN_URL, name)
    yield source
    source.close()
    WikiJs2.drop_postgres(ADMIN_URL, name)


ENGINES = pytest.mark.parametrize("empty_source", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def wikijs2(empty_source):
    """An installed Wiki.js 2.5 (settings, key pair, groups 1-2, users 1-2)."""
    return empty_source.install(title="Acme Wiki")


@pytest.fixture
def production_hashers(settings):
    """The hashers production lists (the test settings hash fast): Wiki.js 2's bcrypt among
    them, so that imported passwords are checked and upgraded as they will be."""
    settings.PASSWORD_HASHERS = django_settings.PRODUCTION_PASSWORD_HASHERS
