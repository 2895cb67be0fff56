"""The /graphql schema is the contract's, field for field (API-v2.md §1.1 "Introspection").

Clients such as wikijspy download the schema and validate their operations against it before
sending; a missing `!` or an extra argument would fail them where Wiki.js 2 did not.
"""

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from api.v2.schema import schema

from .contract_schema import ENUMS, OPERATIONS, ROOTS, TYPES

LIVE = schema.graphql_schema


def _fields(type_name: str) -> dict:
    named = LIVE.get_type(type_name)
    assert isinstance(named, GraphQLObjectType | GraphQLInputObjectType), type_name
    return named.fields


@pytest.mark.parametrize("root", sorted(ROOTS))
def test_roots_offer_exactly_the_namespaces(root):
    live = LIVE.query_type if root == "Query" else LIVE.mutation_type
    assert {name: str(field.type) for name, field in live.fields.items()} == ROOTS[root]


@pytest.mark.parametrize("namespace", sorted(OPERATIONS))
def test_namespaces_offer_exactly_the_operations(namespace):
    live = _fields(namespace)
    assert sorted(live) == sorted(OPERATIONS[namespace])
    for name, (arguments, result) in OPERATIONS[namespace].items():
        field = live[name]
        assert str(field.type) == result, f"{namespace}.{name}"
        assert {arg: str(spec.type) for arg, spec in field.args.items()} == arguments, (
            f"{namespace}.{name} arguments"
        )


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_types_have_exactly_the_fields(type_name):
    live = _fields(type_name)
    assert {name: str(field.type) for name, field in live.items()} == TYPES[type_name]


@pytest.mark.parametrize("enum_name", sorted(ENUMS))
def test_enums_have_exactly_the_values(enum_name):
    named = LIVE.get_type(enum_name)
    assert isinstance(named, GraphQLEnumType), enum_name
    assert sorted(named.values) == sorted(ENUMS[enum_name])


def test_date_is_the_dialects_scalar():
    assert LIVE.get_type("Date") is not None
