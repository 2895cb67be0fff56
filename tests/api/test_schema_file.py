"""The committed schema.graphql is the contract under review: it must match the live schema."""

from pathlib import Path

from api.management.commands.export_schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_matches_live_schema():
    assert SCHEMA_FILE.read_text() == schema_sdl(), "run `make schema` and commit schema.graphql"


def test_schema_keeps_contract_names():
    sdl = schema_sdl()
    for name in (
        "pages(",
        "pageById(id: UUID!",
        "users(query: String",
        "groups(filter: String",
        "createUser(",
        "passwordRaw: String",
        "createPage(",
        "privateNS: String",
        "sites: [Site]",
        "siteById(id: UUID!)",
        "type Operation",
        "scalar UUID",
        "scalar Date",
        "scalar JSON",
    ):
        assert name in sdl, name
