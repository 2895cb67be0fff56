"""Validation rules that bound the cost of a query: nesting depth and alias count."""

from django.conf import settings
from graphql import GraphQLError, ValidationRule, specified_rules
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
)


class DepthLimitRule(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
        fragments = {
            f.name.value: f
            for f in self.context.document.definitions
            if hasattr(f, "type_condition") and hasattr(f, "name")
        }
        depth = self._depth(node.selection_set, fragments, 0, set())
        if depth > settings.GRAPHQL_MAX_QUERY_DEPTH:
            self.report_error(
                GraphQLError(
                    f"Query is nested {depth} levels deep; the limit is {settings.GRAPHQL_MAX_QUERY_DEPTH}.",
                    node,
                )
            )

    def _depth(self, selection_set, fragments, level, seen) -> int:
        if selection_set is None:
            return level
        deepest = level
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue  # introspection is bounded by the schema itself
                deepest = max(
                    deepest, self._depth(selection.selection_set, fragments, level + 1, seen)
                )
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self._depth(selection.selection_set, fragments, level, seen))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in fragments:
                    continue
                deepest = max(
                    deepest,
                    self._depth(fragments[name].selection_set, fragments, level, seen | {name}),
                )
        return deepest


class AliasLimitRule(ValidationRule):
    def __init__(self, context):
        super().__init__(context)
        self.aliases = 0

    def enter_field(self, node: FieldNode, *_args):
        if node.alias is not None:
            self.aliases += 1
            if self.aliases == settings.GRAPHQL_MAX_ALIASES + 1:
                self.report_error(
                    GraphQLError(
                        f"More than {settings.GRAPHQL_MAX_ALIASES} aliases in one request.", node
                    )
                )


VALIDATION_RULES = (*specified_rules, DepthLimitRule, AliasLimitRule)
