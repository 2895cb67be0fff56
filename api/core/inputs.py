"""Small helpers for reading parsed arguments."""

from __future__ import annotations

import functools
from enum import Enum
from typing import Any

from graphql import GraphQLObjectType, default_field_resolver

from wiki.errors import DomainError, ErrorKey
from wiki.text import holds_unstorable_text


def enum_value(value: Any) -> Any:
    """Graphene hands enum arguments over as members; services take plain values."""
    return value.value if isinstance(value, Enum) else value


def as_dict(value: Any) -> dict | None:
    """An input object as a plain dict (enum members turned into their values)."""
    if value is None:
        return None
    return {key: enum_value(item) for key, item in dict(value).items()}


def refuse_unstorable_arguments(root_type: GraphQLObjectType) -> None:
    """Make every field of ``root_type`` answer ERR_INVALID_INPUT for text no column stores.

    Applied to the root query type once, at schema build: arguments are only ever read by
    root resolvers today, and a wrapper there costs nothing per row. Mutations do the same
    check in ``WikiMutation.mutate``, where the key goes into ``operation``.
    """
    for field in root_type.fields.values():
        field.resolve = _guarded(field.resolve or default_field_resolver)


def _guarded(resolve):
    @functools.wraps(resolve)
    def guarded(root, info, **arguments):
        if arguments and holds_unstorable_text(arguments):
            raise DomainError(ErrorKey.INVALID_INPUT)
        return resolve(root, info, **arguments)

    return guarded
