"""Query documents parsed, bounded and validated once per process, then reused.

Integrations send the same few documents over and over; parsing and validating one costs
more than running it. The cache is keyed by the document text (and the limits in force), holds
refusals as well as successes so that a bad document costs nothing the second time, and is
bounded in entries and in the size of the texts it keeps.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from graphene_django.settings import graphene_settings
from graphql import (
    GraphQLError,
    GraphQLSchema,
    parse,
    recommended_rules,
    specified_rules,
    validate,
)
from graphql.language import DocumentNode, StringValueNode

from .cost import CostPlan, plan_costs, static_refusals
from .exposure import asks_for_introspection
from .limits import (
    DocumentLimits,
    check_limits,
    current_limits,
    every_node,
    oversized_document,
    oversized_literal_list,
)

#: graphql-core's standard rules, plus its recommended MaxIntrospectionDepthRule: nested
#: ``fields { type { fields ... } }`` in introspection multiply the answer by the schema's size.
VALIDATION_RULES = (*specified_rules, *recommended_rules)


@dataclass(frozen=True)
class PreparedDocument:
    """A document ready to execute (``errors`` empty), or the reasons it never will."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    #: A string literal holds NUL (written as ``\\u0000``), which no text column can store.
    carries_nul: bool = False
    #: The worst-case object count of each operation (``cost.py``); None for refusals.
    cost: CostPlan | None = None
    #: (transport) Selects ``__schema`` or ``__type``; who may run it is checked per request
    #: (``exposure.py``), since this document is shared by every caller.
    uses_introspection: bool = False
    #: The refusal came before a document existed (too long, a syntax error, too many tokens,
    #: nested too deeply to parse), not from the limits or validation: ``/graphql`` tells the
    #: two apart (API-v2.md §1.2).
    parse_failed: bool = False


def _literal_carries_nul(query: str, document: DocumentNode) -> bool:
    # The lexer refuses a raw NUL, so one can only come from an escape; most texts have none.
    if "\\u0000" not in query:
        return False
    return any(
        isinstance(node, StringValueNode) and "\x00" in node.value for node in every_node(document)
    )


TOO_DEEP = "The document is nested too deeply."


def _prepare(schema: GraphQLSchema, query: str, limits: DocumentLimits) -> PreparedDocument:
    too_long = oversized_document(query, limits.max_document_bytes)
    if too_long is not None:
        return PreparedDocument(None, (too_long,), parse_failed=True)
    try:
        document = parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        return PreparedDocument(None, (error,), parse_failed=True)
    except RecursionError:
        return PreparedDocument(None, (GraphQLError(TOO_DEEP),), parse_failed=True)
    try:
        refusals = check_limits(document, limits)
    except RecursionError:  # a chain of hundreds of fragments, each spreading the next
        refusals = [GraphQLError(TOO_DEEP)]
    long_list = oversized_literal_list(document, limits.max_list_items)
    if long_list is not None:
        refusals.append(long_list)
    if refusals:
        return PreparedDocument(None, tuple(refusals))
    cost = None
    try:
        errors = validate(
            schema, document, VALIDATION_RULES, graphene_settings.MAX_VALIDATION_ERRORS
        )
        if not errors:
            cost = plan_costs(schema, document)
            errors = static_refusals(cost, limits.max_nodes)
    except RecursionError:
        errors = [GraphQLError(TOO_DEEP)]
    if errors:
        return PreparedDocument(None, tuple(errors))
    return PreparedDocument(
        document,
        (),
        carries_nul=_literal_carries_nul(query, document),
        cost=cost,
        uses_introspection=asks_for_introspection(query, document),
    )


class DocumentCache:
    """A bounded, thread-safe LRU of prepared documents."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, PreparedDocument] = OrderedDict()
        self._lock = threading.Lock()
        # What this thread prepared last: the view executes it right after, and the
        # execution context, which receives only the document, finds the rest here (even
        # when another thread has evicted the entry meanwhile, or it was never cached).
        self._last = threading.local()

    def prepare(self, schema: GraphQLSchema, query: str) -> PreparedDocument:
        limits = current_limits()
        key = (id(schema), limits, query)
        with self._lock:
            prepared = self._entries.get(key)
            if prepared is not None:
                self._entries.move_to_end(key)
        if prepared is None:
            prepared = _prepare(schema, query, limits)
            # Large documents (page content written inline) are rarely sent twice; keeping
            # them would let a client fill memory.
            if len(query) <= settings.GRAPHQL_DOCUMENT_CACHE_MAX_BYTES:
                with self._lock:
                    self._entries[key] = prepared
                    while len(self._entries) > settings.GRAPHQL_DOCUMENT_CACHE_SIZE:
                        self._entries.popitem(last=False)
        self._last.prepared = prepared
        return prepared

    def prepared_for(self, document: DocumentNode) -> PreparedDocument | None:
        """What this thread's last ``prepare`` answered, if it was for this document."""
        prepared = getattr(self._last, "prepared", None)
        return prepared if prepared is not None and prepared.document is document else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
        self._last.prepared = None

    def __len__(self) -> int:
        return len(self._entries)


documents = DocumentCache()
