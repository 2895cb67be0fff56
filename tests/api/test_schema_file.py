"""The committed schema.graphql is the contract under review: it must match the live schema."""

from pathlib import Path

import pytest

from api.management.commands.export_schema import schema_sdl
from api.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_matches_live_schema():
    assert SCHEMA_FILE.read_text() == schema_sdl(), "run `make schema` and commit schema.graphql"


@pytest.mark.parametrize(
    ("root", "field", "arguments", "returns"),
    [
        (
            "Query",
            "pages",
            {"orderBy": "PageOrderBy", "offset": "Int", "limit": "Int"},
            "[PageListItem]",
        ),
        ("Query", "pageById", {"id": "UUID!", "password": "String"}, "Page"),
        ("Query", "users", {"query": "String", "filter": "String"}, "[UserMinimal]"),
        ("Query", "groups", {"filter": "String", "orderBy": "String"}, "[Group]"),
        ("Query", "sites", {}, "[Site]"),
        ("Query", "siteById", {"id": "UUID!"}, "Site"),
        (
            "Mutation",
            "createUser",
            {
                "email": "String!",
                "name": "String!",
                "passwordRaw": "String",
                "providerKey": "String",
                "groups": "[UUID]",
                "mustChangePassword": "Boolean",
                "sendWelcomeEmail": "Boolean",
            },
            "UserResponse",
        ),
        ("Mutation", "createPage", {"siteId": "UUID!", "path": "String!"}, "PageResponse"),
    ],
)
def test_schema_keeps_contract_names(root, field, arguments, returns):
    graphql_field = schema.graphql_schema.get_type(root).fields[field]
    assert str(graphql_field.type) == returns
    for name, type_name in arguments.items():
        assert str(graphql_field.args[name].type) == type_name, name


def test_response_types_carry_operation():
    for type_name in ("UserResponse", "PageResponse"):
        fields = schema.graphql_schema.get_type(type_name).fields
        assert str(fields["operation"].type) == "Operation"
    assert set(schema.graphql_schema.get_type("Operation").fields) == {
        "succeeded",
        "slug",
        "message",
    }
