"""How much of the schema a caller may discover: introspection and "did you mean" hints.

Both are settings with three values (``on``, ``signed-in``, ``off``; see docs/operations.md):
in production a guest gets neither the schema (``__schema``, ``__type``) nor graphql-core's
suggestions of field, argument, type and enum names, which would spell the schema out one
guess at a time. ``__typename`` is always allowed: clients use it to tell union members apart.

Documents are validated once per process and shared by every caller (``documents.py``), so
nothing here is decided at validation time: whether a document asks for introspection is
worked out once, when it is prepared, and who may have it is checked on every request.
"""

from __future__ import annotations

import enum
import re

from django.conf import settings
from graphql import GraphQLError
from graphql.language import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    InlineFragmentNode,
    Node,
)

from accounts.permissions import Caller
from wiki.errors import ErrorKey

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# A cheap look at the text first: most documents never mention either name.
_MENTIONS_INTROSPECTION = re.compile(r"__(?:schema|type)(?![_0-9A-Za-z])")
# graphql-core's ``did_you_mean``: " Did you mean [the enum value ]'a', 'b', or 'c'?".
_NAME = r"'[_A-Za-z][_0-9A-Za-z]*'"
_SUGGESTION = re.compile(rf" Did you mean (?:[a-z][a-z ]*? )?{_NAME}(?:(?:, |,? or ){_NAME})*\?")


class Exposure(enum.StrEnum):
    ON = "on"
    SIGNED_IN = "signed-in"
    OFF = "off"

    def allows(self, caller: Caller) -> bool:
        if self is Exposure.ON:
            return True
        return self is Exposure.SIGNED_IN and not caller.is_guest


def introspection() -> Exposure:
    return Exposure(settings.GRAPHQL_INTROSPECTION)


def suggestions() -> Exposure:
    return Exposure(settings.GRAPHQL_SUGGESTIONS)


def _introspection_fields(document: DocumentNode) -> list[FieldNode]:
    found = []
    pending: list[Node] = [
        node for node in document.definitions if isinstance(node, ExecutableDefinitionNode)
    ]
    while pending:  # no recursion: selections nest as deep as the limits allow
        node = pending.pop()
        if isinstance(node, FieldNode) and node.name.value in INTROSPECTION_FIELDS:
            found.append(node)
        elif isinstance(node, ExecutableDefinitionNode | FieldNode | InlineFragmentNode):
            if node.selection_set is not None:
                pending.extend(node.selection_set.selections)
    return found


def asks_for_introspection(query: str, document: DocumentNode) -> bool:
    """Whether any operation or fragment of ``document`` selects ``__schema`` or ``__type``.

    The whole document counts, not only the operation a request names: the answer is
    computed once per cached document and must not depend on the request.
    """
    return _MENTIONS_INTROSPECTION.search(query) is not None and bool(
        _introspection_fields(document)
    )


def introspection_refusal(document: DocumentNode, caller: Caller) -> GraphQLError:
    """The error a caller gets for an introspection query the setting does not allow it."""
    nodes = sorted(_introspection_fields(document), key=lambda node: node.loc.start)
    names = " and ".join(sorted({f"'{node.name.value}'" for node in nodes}))
    if introspection() is Exposure.OFF:
        message = f"Introspection is switched off on this server (the query asks for {names})."
        key = ErrorKey.FORBIDDEN
    else:
        message = (
            f"Introspection is served to signed-in users and API keys only (the query asks "
            f"for {names}): send an Authorization: Bearer header."
        )
        key = caller.forbidden_key
    return GraphQLError(message, nodes[:1], extensions={"code": key.value})


def without_suggestions(errors: list[GraphQLError]) -> list[GraphQLError]:
    """``errors`` with graphql-core's suggestions cut out of their messages.

    Cached validation errors are shared by every caller, so they are copied, never changed.
    """
    trimmed = []
    for error in errors:
        if isinstance(error, GraphQLError) and " Did you mean " in error.message:
            error = GraphQLError(
                _SUGGESTION.sub("", error.message),
                error.nodes,
                error.source,
                error.positions,
                error.path,
                error.original_error,
                error.extensions,
            )
        trimmed.append(error)
    return trimmed
