"""A worst-case estimate of how many objects one operation can return (``GRAPHQL_MAX_NODES``).

Each list of objects whose length the client chooses (``limit``, ``pageSize``, ``offsetSize``)
counts as that many objects, times the lengths of the lists around it; so do nested lists,
aliases (each alias is another list) and fragments (counted wherever they are spread).
A list argument left out counts the server's default or cap for it, a value past the cap
counts the cap (the resolver clamps it, or refuses it with the contract's own error), so the
estimate never falls below what the server will actually return.

Lists whose length no argument chooses (sites, groups, API keys, a user's groups, a group's
rules...) hold what administrators create; they count as one object, so that the estimate
measures what a client can multiply. Introspection is bounded by graphql-core's
``MaxIntrospectionDepthRule`` instead.

The estimate is computed once per document, when it is prepared: as a number when no
variable sizes a list, else as a short sum of products whose variable factors are filled in
per request (a few dictionary lookups).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from graphql import GraphQLError, GraphQLSchema
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from graphql.type import (
    GraphQLList,
    GraphQLNamedType,
    get_named_type,
    get_nullable_type,
    is_composite_type,
)
from graphql.utilities import value_from_ast_untyped

#: The page sizes of the contract (API.md): defaults and bounds the resolvers enforce.
SEARCH_DEFAULT, SEARCH_MAX = 25, 100
TREE_DEFAULT, TREE_MAX = 1000, 1000
HISTORY_DEFAULT = 100
USERS_DEFAULT = 20
LAST_LOGINS = 10
V2_USER_SEARCH = 10


def list_cap() -> int:
    """The most items a list without a contract bound returns (``GRAPHQL_MAX_LIST_ITEMS``)."""
    return settings.GRAPHQL_MAX_LIST_ITEMS


def capped_limit(limit: int | None) -> int:
    """``pages(limit:)`` as served: absent, below 1 ("no limit") or past the cap → the cap."""
    cap = list_cap()
    return cap if limit is None or limit < 1 or limit > cap else limit


def unpaged_size(arguments: Mapping) -> int | None:
    """``pageSize`` as served: without ``page`` and ``pageSize`` the first cap's worth of users.

    The contract lists every match when neither is given; the server stops at the cap.
    """
    if arguments.get("page") is None and arguments.get("page_size") is None:
        return list_cap()
    return arguments.get("page_size")


def _bounded(value, default: int, cap: int) -> int:
    if not isinstance(value, int) or value < 1:
        return default
    return min(value, cap)


def _pages(args: Mapping) -> int:
    limit = args.get("limit")
    return capped_limit(limit if isinstance(limit, int) else None)


def _users(args: Mapping) -> int:
    # API.md §4.3.1: without page and pageSize every match (up to the cap); pageSize < 1 or
    # > 1000 means 1000.
    page, size = args.get("page"), args.get("pageSize")
    if page is None and size is None:
        return list_cap()
    if size is None:
        return USERS_DEFAULT
    return 1000 if not isinstance(size, int) or size < 1 or size > 1000 else size


def _history(args: Mapping) -> int:
    return _bounded(args.get("offsetSize"), HISTORY_DEFAULT, list_cap())


def _search(args: Mapping) -> int:
    return _bounded(args.get("limit"), SEARCH_DEFAULT, SEARCH_MAX)


def _tree(args: Mapping) -> int:
    return _bounded(args.get("limit"), TREE_DEFAULT, TREE_MAX)


@dataclass(frozen=True)
class Sizing:
    """How many items a field stands for, from its arguments (``None`` when absent)."""

    arguments: tuple[str, ...]
    size: Callable[[Mapping], int]
    #: The field returns a wrapper whose one list (``results``, ``trail``) has this size: the
    #: wrapper multiplies its selection without counting as that many objects itself.
    wrapper: bool = False


#: Every list whose length an argument chooses, by ``(parent type, field)``.
SIZED_FIELDS: dict[tuple[str, str], Sizing] = {
    ("Query", "pages"): Sizing(("limit",), _pages),
    ("Query", "tree"): Sizing(("limit",), _tree),
    ("Query", "users"): Sizing(("page", "pageSize"), _users),
    ("Group", "users"): Sizing(("page", "pageSize"), _users),
    ("Query", "searchPages"): Sizing(("limit",), _search, wrapper=True),
    ("Query", "pageHistoryById"): Sizing(("offsetSize",), _history, wrapper=True),
    ("Query", "lastLogins"): Sizing((), lambda args: LAST_LOGINS),
    # /graphql (API-v2.md): its lists sit in namespace types; bounded as /_graphql's are.
    ("PageQuery", "list"): Sizing(("limit",), _pages),
    ("PageQuery", "search"): Sizing((), lambda args: SEARCH_MAX, wrapper=True),
    ("PageQuery", "tree"): Sizing((), lambda args: list_cap()),
    ("PageQuery", "links"): Sizing((), lambda args: list_cap()),
    ("PageQuery", "history"): Sizing(("offsetSize",), _history, wrapper=True),
    ("UserQuery", "list"): Sizing((), lambda args: list_cap()),
    ("UserQuery", "search"): Sizing((), lambda args: V2_USER_SEARCH),
    ("UserQuery", "lastLogins"): Sizing((), lambda args: LAST_LOGINS),
}


def _sizes(sizing: Sizing, definition, is_list: bool) -> bool:
    """Whether ``sizing`` describes ``definition``: a list (or wrapper) taking its arguments.

    Type names are not unique across schemas: /graphql's ``Query.pages`` is a namespace
    object and its ``Group.users`` takes no arguments, unlike /_graphql's fields of those names.
    """
    return (is_list or sizing.wrapper) and all(arg in definition.args for arg in sizing.arguments)


class _Variable:
    """An argument whose value is a variable, filled in per request."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other) -> bool:
        return isinstance(other, _Variable) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


@dataclass(frozen=True)
class _Factor:
    """A size that depends on variables: ``sizing`` over these argument values."""

    sizing: Sizing
    arguments: tuple[tuple[str, object], ...]

    def value(self, variables: Mapping) -> int:
        resolved = {
            name: (variables.get(v.name) if isinstance(v, _Variable) else v)
            for name, v in self.arguments
        }
        return self.sizing.size(resolved)


# A polynomial: {variable factors (sorted by id): coefficient}; () is the constant term.
Polynomial = dict[tuple[_Factor, ...], int]


def _add(into: Polynomial, other: Polynomial, factor: _Factor | int = 1) -> None:
    for key, coefficient in other.items():
        if isinstance(factor, _Factor):
            key = tuple(sorted((*key, factor), key=id))
            into[key] = into.get(key, 0) + coefficient
        else:
            into[key] = into.get(key, 0) + coefficient * factor


def _argument_values(field: FieldNode, names: tuple[str, ...]) -> tuple[tuple[str, object], ...]:
    given: dict[str, ValueNode] = {a.name.value: a.value for a in field.arguments}
    values = []
    for name in names:
        node = given.get(name)
        if node is None:
            values.append((name, None))
        elif isinstance(node, VariableNode):
            values.append((name, _Variable(node.name.value)))
        else:
            values.append((name, value_from_ast_untyped(node)))
    return tuple(values)


class _Estimator:
    """Counts as graphql-core executes: fields are grouped by response key per selection set
    (a fragment spread twice, or a field selected twice, runs once), and the selections of a
    group are merged; each group is estimated once (memoised by its field nodes)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.groups: dict[tuple[int, ...], Polynomial] = {}
        # Factors are shared, so that equal ones are one key of the polynomial.
        self.factors: dict[tuple, _Factor] = {}

    def operation(self, operation: OperationDefinitionNode) -> Polynomial:
        root = self.schema.get_root_type(operation.operation)
        return self.selections([(operation.selection_set, root)]) if root else {}

    def collect(self, sets: list[tuple[SelectionSetNode, GraphQLNamedType]]):
        """Field nodes (with their parent type) by response key, fragments visited once."""
        fields: dict[str, list[tuple[FieldNode, GraphQLNamedType]]] = {}
        visited: set[str] = set()
        pending = list(reversed(sets))
        while pending:  # no recursion: fragments may chain hundreds deep
            selection_set, parent = pending.pop()
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    fields.setdefault(key, []).append((selection, parent))
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    inner = self.schema.get_type(condition.name.value) if condition else parent
                    pending.append((selection.selection_set, inner))
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in visited or fragment is None:
                        continue
                    visited.add(name)
                    inner = self.schema.get_type(fragment.type_condition.name.value)
                    pending.append((fragment.selection_set, inner))
        return fields

    def selections(self, sets: list[tuple[SelectionSetNode, GraphQLNamedType]]) -> Polynomial:
        cost: Polynomial = {}
        for group in self.collect(sets).values():
            key = tuple(id(node) for node, _ in group)
            known = self.groups.get(key)
            if known is None:
                known = self.field(group)
                self.groups[key] = known
            _add(cost, known)
        return cost

    def field(self, group: list[tuple[FieldNode, GraphQLNamedType]]) -> Polynomial:
        node, parent = group[0]
        name = node.name.value
        if name.startswith("__") or node.selection_set is None:
            return {}  # leaves, and introspection (bounded by MaxIntrospectionDepthRule)
        definition = parent.fields.get(name) if hasattr(parent, "fields") else None
        if definition is None:
            return {}
        child_type = get_named_type(definition.type)
        inner: Polynomial = {}
        if is_composite_type(child_type):
            sets = [(n.selection_set, child_type) for n, _ in group if n.selection_set]
            inner = self.selections(sets)
        sizing = SIZED_FIELDS.get((parent.name, name))
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        if sizing is not None and not _sizes(sizing, definition, is_list):
            sizing = None  # a field of another schema with the same names (/graphql's Group.users)
        if sizing is None:
            own = {(): 1} if is_list else {}
            return _merged(own, inner, 1)
        arguments = _argument_values(node, sizing.arguments)
        if any(isinstance(value, _Variable) for _, value in arguments):
            key = (id(sizing), arguments)
            size = self.factors.setdefault(key, _Factor(sizing, arguments))
        else:
            size = sizing.size(dict(arguments))
        own = {} if sizing.wrapper else {(): 1}
        return _merged(own, inner, size)


def _merged(own: Polynomial, inner: Polynomial, size: _Factor | int) -> Polynomial:
    """``size × (own + inner)``: the list's items and everything under each of them."""
    total: Polynomial = {}
    _add(total, own, size)
    _add(total, inner, size)
    return total


@dataclass(frozen=True)
class OperationCost:
    constant: int
    terms: tuple[tuple[int, tuple[_Factor, ...]], ...]

    def nodes(self, variables: Mapping) -> int:
        total = self.constant
        for coefficient, factors in self.terms:
            product = coefficient
            for factor in factors:
                product *= factor.value(variables)
            total += product
        return total


@dataclass(frozen=True)
class CostPlan:
    """The estimate of each operation of a document, by name (``None`` for the anonymous one)."""

    operations: Mapping[str | None, OperationCost]

    def nodes(self, operation_name: str | None, variables: Mapping) -> int:
        cost = self.operations.get(operation_name)
        if cost is None and operation_name is None and len(self.operations) == 1:
            (cost,) = self.operations.values()
        return cost.nodes(variables) if cost is not None else 0

    @property
    def is_static(self) -> bool:
        return not any(cost.terms for cost in self.operations.values())


def plan_costs(schema: GraphQLSchema, document: DocumentNode) -> CostPlan:
    """The estimate of a valid document (fragments known, no cycles)."""
    estimator = _Estimator(schema, document)
    operations = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            polynomial = estimator.operation(definition)
            constant = polynomial.pop((), 0)
            terms = tuple((c, factors) for factors, c in polynomial.items() if c)
            name = definition.name.value if definition.name else None
            operations[name] = OperationCost(constant, terms)
    return CostPlan(operations)


def too_many_nodes(nodes: int, limit: int) -> GraphQLError:
    return GraphQLError(
        f"The operation may return up to {nodes} objects; the limit is {limit}. "
        "Ask for fewer items (limit, pageSize, offsetSize) or split the request."
    )


def static_refusals(plan: CostPlan, limit: int) -> list[GraphQLError]:
    """Refusals known before any variable: operations whose constant part is over the limit."""
    return [
        too_many_nodes(cost.constant, limit)
        for cost in plan.operations.values()
        if cost.constant > limit
    ]
