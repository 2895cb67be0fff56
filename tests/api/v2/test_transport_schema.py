"""The committed schema-v2.graphql is the /graphql contract under review (API-v2.md §1.8), written
and checked by ``manage.py export_schema --v2`` as schema.graphql is for /_graphql."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from api.management.commands.export_schema import schema_sdl, v2_schema_sdl

ROOT = Path(__file__).resolve().parents[3]
V2_FILE = ROOT / "schema-v2.graphql"


def test_committed_v2_schema_matches_the_live_schema():
    assert V2_FILE.read_text() == v2_schema_sdl(), "run `make schema` and commit schema-v2.graphql"


def test_the_two_schemas_are_apart():
    assert v2_schema_sdl() != schema_sdl()
    assert "type PageQuery" in v2_schema_sdl()
    assert "type PageQuery" not in schema_sdl()


def test_export_writes_and_checks_the_v2_file(tmp_path, capsys):
    target = tmp_path / "v2.graphql"

    call_command("export_schema", str(target), "--v2")
    call_command("export_schema", str(target), "--v2", "--check")

    assert target.read_text() == v2_schema_sdl()
    assert "matches the live schema" in capsys.readouterr().out
    target.write_text(target.read_text() + "\n# changed\n")
    with pytest.raises(CommandError, match="differs from the live schema"):
        call_command("export_schema", str(target), "--v2", "--check")


def test_the_main_check_is_unchanged(tmp_path):
    target = tmp_path / "schema.graphql"

    call_command("export_schema", str(target))

    assert target.read_text() == schema_sdl()
    with pytest.raises(CommandError):
        call_command("export_schema", str(target), "--v2", "--check")
