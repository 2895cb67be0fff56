"""Per-request state reachable from resolvers."""

import graphene
from graphql import get_named_type
from graphql.execution.collect_fields import collect_sub_fields

from accounts.permissions import Caller
from wiki import clients


def get_caller(info: graphene.ResolveInfo) -> Caller:
    """The caller resolved by the view before execution (API.md §1.2)."""
    return info.context.caller


def client_address(info: graphene.ResolveInfo) -> str:
    """The address the rate limits count the request against (trusted proxies honoured)."""
    return clients.client_address(info.context)


def selected_fields(info: graphene.ResolveInfo) -> set[str]:
    """Names of the fields selected on this field's object, as execution will collect them.

    Fragments, type conditions and ``@skip``/``@include`` count exactly as graphql-core
    applies them, so a resolver may leave out work for fields nobody asked for.
    """
    fields = collect_sub_fields(
        info.schema,
        info.fragments,
        info.variable_values,
        get_named_type(info.return_type),
        info.field_nodes,
    )
    return {nodes[0].name.value for nodes in fields.values()}
