"""Bounds on what one document may ask for, checked before graphql-core validates it.

graphql-core's own rules are not linear in every shape: its overlapping-fields rule compares
every pair of fields that share a response name, so a few hundred repeated fields cost
seconds. Every check here is one pass over the document (each fragment is measured once,
however often it is spread), so a refused document costs little more than parsing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from graphql import GraphQLError
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ListValueNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
)


@dataclass(frozen=True)
class DocumentLimits:
    """Every bound of a request, read from settings once (``current_limits``)."""

    max_depth: int
    max_aliases: int
    max_fields: int
    max_repeats: int
    max_list_items: int
    max_document_bytes: int
    max_tokens: int
    max_nodes: int
    max_list_cap: int
    deadline_ms: int
    statement_timeout_ms: int

    @classmethod
    def from_settings(cls) -> DocumentLimits:
        return cls(
            max_depth=settings.GRAPHQL_MAX_QUERY_DEPTH,
            max_aliases=settings.GRAPHQL_MAX_ALIASES,
            max_fields=settings.GRAPHQL_MAX_FIELDS,
            max_repeats=settings.GRAPHQL_MAX_FIELD_REPEATS,
            max_list_items=settings.GRAPHQL_MAX_INPUT_LIST_ITEMS,
            max_document_bytes=settings.GRAPHQL_MAX_DOCUMENT_BYTES,
            max_tokens=settings.GRAPHQL_MAX_TOKENS,
            max_nodes=settings.GRAPHQL_MAX_NODES,
            # The estimate counts lists by this cap, so a change must estimate again.
            max_list_cap=settings.GRAPHQL_MAX_LIST_ITEMS,
            deadline_ms=settings.GRAPHQL_DEADLINE_MS,
            statement_timeout_ms=settings.REQUEST_STATEMENT_TIMEOUT_MS,
        )


class _Current:
    limits: DocumentLimits | None = None


def current_limits() -> DocumentLimits:
    """The limits in force: read once, read again only after a setting changed (tests)."""
    limits = _Current.limits
    if limits is None:
        limits = _Current.limits = DocumentLimits.from_settings()
    return limits


@receiver(setting_changed)
def _forget_limits(**kwargs) -> None:
    _Current.limits = None


def oversized_document(query: str, limit: int) -> GraphQLError | None:
    """A refusal when the text is longer than ``limit`` bytes (UTF-8), checked before parsing."""
    # A character is 1 to 4 bytes: only texts near the limit need encoding to tell.
    if len(query) * 4 <= limit:
        return None
    size = len(query.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    return GraphQLError(
        f"The document is {size} bytes long; the limit is {limit}. "
        "Send large values (page content) in variables."
    )


def _list_refusal(count: int, limit: int, where: str) -> GraphQLError:
    return GraphQLError(f"A list {where} holds {count} items; the limit is {limit}.")


def every_node(document: DocumentNode) -> Iterator[Node]:
    """Every node of the document, literals included, without recursion (they nest
    arbitrarily deep)."""
    pending: list[Node] = [document]
    while pending:
        node = pending.pop()
        yield node
        for key in node.keys:
            child = getattr(node, key, None)
            if isinstance(child, Node):
                pending.append(child)
            elif isinstance(child, tuple | list):
                pending.extend(item for item in child if isinstance(item, Node))


def oversized_literal_list(document: DocumentNode, limit: int) -> GraphQLError | None:
    """A refusal when a list written in the document holds more than ``limit`` items."""
    for node in every_node(document):
        if isinstance(node, ListValueNode) and len(node.values) > limit:
            return _list_refusal(len(node.values), limit, "in the document")
    return None


def oversized_variable_list(variables: dict | None, limit: int) -> GraphQLError | None:
    """A refusal when a list anywhere in the variables holds more than ``limit`` items."""
    if not variables:
        return None
    pending: list = [variables]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(v for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            if len(value) > limit:
                return _list_refusal(len(value), limit, "in the variables")
            pending.extend(v for v in value if isinstance(v, dict | list))
    return None


def _selection_sets(document: DocumentNode):
    """Every selection set of the document, nested ones included, without recursion."""
    pending = [d.selection_set for d in document.definitions if getattr(d, "selection_set", None)]
    while pending:
        selection_set = pending.pop()
        yield selection_set
        for selection in selection_set.selections:
            nested = getattr(selection, "selection_set", None)  # spreads have none
            if nested is not None:
                pending.append(nested)


class _ShapeMeter:
    """Nesting depth and aliases of selection sets, with each named fragment measured once.

    Aliases are counted as they execute: a fragment counts wherever it is spread (but once
    per selection set, as graphql-core merges repeated spreads), so spreading one fragment
    of 20 aliases under two fields is 40.
    """

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.fragment_shapes: dict[str, tuple[int, int]] = {}

    def measure(
        self, selection_set: SelectionSetNode | None, spread: set[str] | None = None
    ) -> tuple[int, int]:
        if selection_set is None:
            return 0, 0
        spread = set() if spread is None else spread
        deepest = aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                if selection.name.value.startswith("__"):
                    continue  # introspection: graphql-core's MaxIntrospectionDepthRule
                depth, inner = self.measure(selection.selection_set)
                deepest, aliases = max(deepest, 1 + depth), aliases + inner
            elif isinstance(selection, InlineFragmentNode):
                depth, inner = self.measure(selection.selection_set, spread)
                deepest, aliases = max(deepest, depth), aliases + inner
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in spread:
                    continue
                spread.add(name)
                depth, inner = self._fragment(name)
                deepest, aliases = max(deepest, depth), aliases + inner
        return deepest, aliases

    def _fragment(self, name: str) -> tuple[int, int]:
        if name in self.fragment_shapes:
            return self.fragment_shapes[name]
        fragment = self.fragments.get(name)
        # Marked before descending: a cycle (refused by validation later) counts as flat.
        self.fragment_shapes[name] = (0, 0)
        shape = self.measure(fragment.selection_set) if fragment else (0, 0)
        self.fragment_shapes[name] = shape
        return shape


def _repeated_field(selection_set: SelectionSetNode, limit: int) -> FieldNode | None:
    """The first field whose response name appears more than ``limit`` times in the set.

    Fields of inline fragments merge into the set they sit in, so they count there.
    graphql-core compares every pair of same-named fields, so a name repeated hundreds of
    times costs seconds while no real query repeats one more than a few times.
    """
    seen: dict[str, int] = {}
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                seen[name] = seen.get(name, 0) + 1
                if seen[name] > limit:
                    return selection
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
    return None


def check_limits(document: DocumentNode, limits: DocumentLimits) -> list[GraphQLError]:
    """The errors of a document that asks for more than the limits allow, else ``[]``."""
    fields = aliases = 0
    first_alias_over = repeated = None
    for selection_set in _selection_sets(document):
        if repeated is None:
            repeated = _repeated_field(selection_set, limits.max_repeats)
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields += 1
                if selection.alias is not None:
                    aliases += 1
                    if aliases == limits.max_aliases + 1:
                        first_alias_over = selection
            elif isinstance(selection, FragmentSpreadNode):
                fields += 1  # a spread costs the overlap check as much as a field
    if fields > limits.max_fields:
        # Depth and aliases are not worth measuring on a document refused anyway.
        return [
            GraphQLError(f"The document selects {fields} fields; the limit is {limits.max_fields}.")
        ]
    errors = []
    if repeated is not None:
        name = (repeated.alias or repeated.name).value
        errors.append(
            GraphQLError(
                f"'{name}' is selected more than {limits.max_repeats} times in one selection set.",
                repeated,
            )
        )
    meter = _ShapeMeter(document)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            depth, operation_aliases = meter.measure(definition.selection_set)
            if first_alias_over is None and operation_aliases > limits.max_aliases:
                first_alias_over = definition
            if depth > limits.max_depth:
                errors.append(
                    GraphQLError(
                        f"Query is nested {depth} levels deep; the limit is {limits.max_depth}.",
                        definition,
                    )
                )
    if first_alias_over is not None:
        errors.append(
            GraphQLError(
                f"More than {limits.max_aliases} aliases in one request.", first_alias_over
            )
        )
    return errors
