"""Lists of plain objects completed in one loop, from only the columns a query asks for.

graphql-core completes a list field by resolving and serialising every field of every item
through its generic machinery; for ``pages(limit: 1000) { id path title }`` that, and building
a full model instance per row, cost more than the query itself. A root list resolver marked
with :func:`fast_list` is answered here instead, whenever its selection allows it: the same
queryset (same permission filter, ordering and limit, all in SQL) is read with
``values_list()`` of the selected columns only, and the rows become the finished response
objects in one pass (column by column: one converter mapped over each column).

Nothing a client sees may change, so the fast path is taken only when it is certain to give
what normal execution gives:

- every selected field (after fragments, type conditions and ``@skip``/``@include`` are
  applied, exactly as graphql-core collects them) is ``__typename``, a column read by
  graphene's default resolver, or a value the resolver's declaration says how to compute from
  columns (:class:`Computed`); fields with arguments, object fields, non-null fields and
  fields with any other resolver (such as permission-gated ones) leave the list to normal
  execution;
- every value goes through the serialisation the field's type would apply (the same
  function, or a shortcut for the plain Python type it maps to unchanged); a value the
  shortcut is not sure about sends the whole field back to normal execution, which then
  produces the usual value or field error;
- errors raised while resolving (permission, bad arguments) are reported as graphql-core
  reports them, at the same path;
- no field middleware is installed (middleware would expect to see every field resolved).

Marked resolvers are synchronous and return a queryset of the declared model (anything else
is completed normally). The view uses :class:`FastListExecutionContext`. ``settings.GRAPHQL_FAST_LISTS = False``
switches the fast path off, so tests can compare both.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import repeat
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from graphene.types.resolver import dict_or_attr_resolver
from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLString,
    located_error,
)
from graphql.execution import ExecutionContext
from graphql.execution.execute import get_field_def
from graphql.execution.values import get_argument_values
from graphql.pyutils import Undefined
from graphql.type import is_leaf_type, is_list_type, is_non_null_type

from . import scalars
from .cost import too_many_nodes
from .deadline import (
    apply_statement_timeout,
    is_statement_timeout,
    request_deadline_error,
    statement_timeout_error,
)
from .documents import documents
from .limits import current_limits, oversized_variable_list

logger = logging.getLogger("api")

FAST_LIST_ATTRIBUTE = "fast_list"
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class NotFast(Exception):  # noqa: N818 - a signal, not an error
    """Raised while completing a fast list: let normal execution complete this field."""


@dataclass(frozen=True)
class Computed:
    """How a field with its own resolver reads from columns: ``compute(*values)``.

    ``compute`` returns what the field's resolver returns for the same row; the field's type
    then serialises it as usual. It may raise :class:`NotFast` for values it does not handle.
    """

    columns: tuple[str, ...]
    compute: Callable[..., Any]


def computed(*columns: str, compute: Callable[..., Any]) -> Computed:
    return Computed(tuple(columns), compute)


def _same(value: Any) -> Any:
    return value


def column(name: str) -> Computed:
    """A field whose resolver returns another column's value as it is (``id`` from
    ``legacy_id``): completed straight from that column."""
    return Computed((name,), _same)


def constant(value: Any) -> Computed:
    """A field whose resolver returns the same value for every row (computed once per list)."""
    return Computed((), lambda: value)


@dataclass(frozen=True)
class FastList:
    model: type[Model]
    computed: Mapping[str, Computed] = field(default_factory=dict)
    #: Returns the queryset with the resolver's arguments, when the resolver itself returns
    #: something else (it must raise the same errors, as the resolver starts with it).
    source: Callable[..., Any] | None = None
    #: For a list of an interface: the column telling each row's concrete type, and which
    #: GraphQL object type each of its values means.
    discriminator: tuple[str, Mapping[Any, str]] | None = None


def fast_list(
    model: type[Model],
    *,
    computed: Mapping[str, Computed] | None = None,
    source: Callable[..., Any] | None = None,
    discriminator: tuple[str, Mapping[Any, str]] | None = None,
):
    """Mark a root list resolver whose items are rows of ``model``.

    ``computed`` maps GraphQL field names of the item type that have their own resolver to
    how they read from columns; every other field with its own resolver keeps the list on the
    normal path. The resolver (or ``source``) returns a queryset of ``model``. A list of an
    interface names its ``discriminator``: ``(column, {value: object type name})``.
    """

    def mark(resolver):
        spec = FastList(model, computed or {}, source, discriminator)
        setattr(resolver, FAST_LIST_ATTRIBUTE, spec)
        return resolver

    return mark


# --- Serialisation: the field type's own, with shortcuts for values it returns unchanged ------


def _string(value):
    if value is None or value.__class__ is str:
        return value
    raise NotFast


def _boolean(value):
    if value is None or value is True or value is False:
        return value
    raise NotFast


def _int(value):
    if value is None or (value.__class__ is int and _INT_MIN <= value <= _INT_MAX):
        return value
    raise NotFast


def _float(value):
    if value is None or (value.__class__ is float and math.isfinite(value)):
        return value
    raise NotFast


def _uuid(value):
    if value is None:
        return None
    if value.__class__ is uuid.UUID:
        return str(value)  # lowercase already, as UUID.serialize makes it
    raise NotFast


def _date(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return scalars.format_date(value)
    raise NotFast


_SHORTCUTS = {
    GraphQLString: _string,
    GraphQLID: _string,
    GraphQLBoolean: _boolean,
    GraphQLInt: _int,
    GraphQLFloat: _float,
}
_GRAPHENE_SHORTCUTS = {scalars.UUID: _uuid, scalars.Date: _date}


def _serialized_by(serialize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``complete_leaf_value``'s rule; anything unusual is left to normal execution."""

    def convert(value):
        if value is None:
            return None
        try:
            result = serialize(value)
        except Exception as error:
            raise NotFast from error
        if result is None or result is Undefined:
            raise NotFast
        return result

    return convert


def _leaf_converter(leaf_type) -> Callable[[Any], Any]:
    shortcut = _SHORTCUTS.get(leaf_type) or _GRAPHENE_SHORTCUTS.get(
        getattr(leaf_type, "graphene_type", None)
    )
    return shortcut or _serialized_by(leaf_type.serialize)


def _never_null(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` for a non-null type: a null leaves the list to normal execution, which
    reports it (and propagates it) as graphql-core does."""

    def convert_non_null(value):
        result = convert(value)
        if result is None:
            raise NotFast
        return result

    return convert_non_null


def _string_never_null(value):
    if value.__class__ is str:
        return value
    raise NotFast


def _int_never_null(value):
    if value.__class__ is int and _INT_MIN <= value <= _INT_MAX:
        return value
    raise NotFast


# Shortcuts of non-null leaves, in one call per value rather than two.
_NEVER_NULL = {_string: _string_never_null, _int: _int_never_null}


def _converter(field_type) -> Callable[[Any], Any] | None:
    """How a value of ``field_type`` is completed, or None when the fast path cannot say."""
    if is_non_null_type(field_type):
        inner = _converter(field_type.of_type)
        if inner is None:
            return None
        return _NEVER_NULL.get(inner) or _never_null(inner)
    if is_leaf_type(field_type):
        return _leaf_converter(field_type)
    if is_list_type(field_type):
        item_type = field_type.of_type
        non_null_items = is_non_null_type(item_type)
        if non_null_items:
            item_type = item_type.of_type
        if not is_leaf_type(item_type):
            return None
        item = _leaf_converter(item_type)
        if non_null_items:
            item = _never_null(item)

        def convert(value):
            if value is None:
                return None
            if value.__class__ is not list:
                raise NotFast
            return [item(entry) for entry in value]

        return convert
    return None


# --- Plans ----------------------------------------------------------------------------------


def _default_column(resolve) -> str | None:
    """The attribute graphene's default resolver reads, if the field has no resolver of its own."""
    if isinstance(resolve, partial) and resolve.func is dict_or_attr_resolver and resolve.args:
        return resolve.args[0]
    return None


@dataclass
class _Plan:
    """Response keys, the columns to read, and how each key's values come from the columns.

    Rows are completed column by column (``map`` of one converter over one column), which
    costs about half of calling a getter per field per row.
    """

    keys: tuple[str, ...]
    columns: tuple[str, ...]
    fillers: tuple[Callable[[list[tuple], int], Iterable[Any]], ...]
    # Whether a field shows the primary key (the first column). When none does and the
    # query has no DISTINCT, the key is not read: a list of legacy ids (/graphql) would
    # otherwise decode a UUID per row for nothing.
    shows_pk: bool = True

    def suits(self, queryset: QuerySet) -> bool:
        """Whether ``queryset`` reads as plain rows and has every column (field or annotation)."""
        if queryset._fields is not None or queryset._prefetch_related_lookups:
            return False  # already values(), or expecting model instances to prefetch into
        if queryset.query.combinator:
            return False
        readable = {f.attname for f in queryset.model._meta.concrete_fields}
        return all(c in readable or c in queryset.query.annotations for c in self.columns)

    def complete(self, queryset: QuerySet) -> list[dict[str, Any]]:
        if self.shows_pk or len(self.columns) < 2 or queryset.query.distinct:
            return self.complete_rows(list(queryset.values_list(*self.columns)))
        rows = list(queryset.values_list(*self.columns[1:]))
        return self.complete_rows(rows, without_pk=True)

    def complete_rows(self, rows: list[tuple], without_pk: bool = False) -> list[dict[str, Any]]:
        if not rows:
            return []
        # Equal lengths by construction; strict=True would cost a third of the loop.
        columns = list(zip(*rows, strict=False))
        if without_pk:
            columns.insert(0, ())  # no filler reads it
        count = len(rows)
        values = [list(fill(columns, count)) for fill in self.fillers]
        keys = self.keys
        return [dict(zip(keys, item, strict=False)) for item in zip(*values, strict=False)]


def _column_filler(index: int, convert):
    return lambda columns, count: map(convert, columns[index])


def _computed_filler(indexes: tuple[int, ...], compute, convert):
    if not indexes:  # a constant: computed once per list
        return lambda columns, count: repeat(convert(compute()), count)
    if compute is _same:
        return _column_filler(indexes[0], convert)
    return lambda columns, count: map(convert, map(compute, *[columns[i] for i in indexes]))


def _constant_filler(value):
    return lambda columns, count: repeat(value, count)


def build_plan(
    spec: FastList, item_type: GraphQLObjectType, subfields: Mapping[str, list]
) -> _Plan | None:
    """The plan completing ``subfields`` of ``item_type`` from rows of ``spec.model``, or None."""
    meta = spec.model._meta
    # The primary key comes first: a DISTINCT over fewer columns could merge rows, so a
    # query with one reads it even when no field shows it (``_Plan.complete``).
    columns: list[str] = [meta.pk.attname]
    shows_pk = [False]

    def index_of(column: str) -> int:
        if column not in columns:
            columns.append(column)
        index = columns.index(column)
        if index == 0:
            shows_pk[0] = True
        return index

    keys: list[str] = []
    fillers: list[Callable[[list[tuple], int], Iterable[Any]]] = []
    for response_key, nodes in subfields.items():
        name = nodes[0].name.value
        keys.append(response_key)
        if name == "__typename":
            fillers.append(_constant_filler(item_type.name))
            continue
        definition = item_type.fields.get(name)
        if definition is None or definition.args or any(node.arguments for node in nodes):
            return None
        convert = _converter(definition.type)
        if convert is None:
            return None
        how = spec.computed.get(name)
        if how is not None:
            indexes = tuple(index_of(column) for column in how.columns)
            fillers.append(_computed_filler(indexes, how.compute, convert))
            continue
        column = _default_column(definition.resolve)
        if column is None:
            return None
        fillers.append(_column_filler(index_of(column), convert))
    return _Plan(tuple(keys), tuple(columns), tuple(fillers), shows_pk=shows_pk[0])


@dataclass
class _TypedPlans:
    """A list of an interface: one plan per concrete type, chosen row by row by a column."""

    discriminator: str
    plans: Mapping[Any, _Plan]

    @property
    def columns(self) -> tuple[str, ...]:
        columns = [self.discriminator]
        for plan in self.plans.values():
            columns += [c for c in plan.columns if c not in columns]
        return tuple(columns)

    def suits(self, queryset: QuerySet) -> bool:
        probe = _Plan((), self.columns, ())
        return all(plan.suits(queryset) for plan in self.plans.values()) and probe.suits(queryset)

    def complete(self, queryset: QuerySet) -> list[dict[str, Any]]:
        columns = self.columns
        rows = list(queryset.values_list(*columns))
        result: list[dict[str, Any] | None] = [None] * len(rows)
        for value, plan in self.plans.items():
            indexes = [i for i, row in enumerate(rows) if row[0] == value]
            if not indexes:
                continue
            positions = [columns.index(column) for column in plan.columns]
            own = [tuple(rows[i][p] for p in positions) for i in indexes]
            for index, item in zip(indexes, plan.complete_rows(own), strict=True):
                result[index] = item
        if any(item is None for item in result):
            raise NotFast  # a row of a type the plans do not know
        return result


def build_typed_plans(
    spec: FastList, schema, collect: Callable[[GraphQLObjectType], Mapping[str, list]]
) -> _TypedPlans | None:
    """A plan for each concrete type of ``spec.discriminator``, or None if any has none."""
    column, types = spec.discriminator
    plans = {}
    for value, type_name in types.items():
        object_type = schema.get_type(type_name)
        plan = build_plan(spec, object_type, collect(object_type)) if object_type else None
        if plan is None:
            return None
        plans[value] = plan
    return _TypedPlans(column, plans)


def _nullable(field_type):
    return field_type.of_type if is_non_null_type(field_type) else field_type


def _list_item_type(list_type):
    """The item type of a list type, non-null wrappers of the list and the items removed
    (``[Item!]!`` is completed like ``[Item]``: the items are objects, never null)."""
    return _nullable(_nullable(list_type).of_type)


def fast_lists_enabled() -> bool:
    return getattr(settings, "GRAPHQL_FAST_LISTS", True)


class FastListExecutionContext(ExecutionContext):
    """graphql-core's execution, with :func:`fast_list` root lists completed in one loop.

    It also enforces the limits that need the request's variables (``limits.py``,
    ``cost.py``) and its time budget (``deadline.py``).
    """

    #: ``time.monotonic()`` after which no further field is resolved, or None.
    deadline: float | None = None
    deadline_reported = False

    @classmethod
    def build(
        cls,
        schema,
        document,
        root_value=None,
        context_value=None,
        raw_variable_values=None,
        operation_name=None,
        *args,
        **kwargs,
    ):
        limits = current_limits()
        # Before graphql-core coerces the variables: that costs as much as the lists are long.
        long_list = oversized_variable_list(raw_variable_values, limits.max_list_items)
        if long_list is not None:
            return [long_list]
        context = super().build(
            schema,
            document,
            root_value,
            context_value,
            raw_variable_values,
            operation_name,
            *args,
            **kwargs,
        )
        if isinstance(context, list):
            return context
        # The view prepares every document first (limits, static estimate); a document that
        # did not come through it (a direct call of ``execute``) is the caller's business.
        prepared = documents.prepared_for(document)
        cost = prepared.cost if prepared is not None else None
        if cost is not None and not cost.is_static:
            name = context.operation.name.value if context.operation.name else None
            nodes = cost.nodes(name, context.variable_values)
            if nodes > limits.max_nodes:
                return [too_many_nodes(nodes, limits.max_nodes)]
        if limits.deadline_ms > 0:
            context.deadline = time.monotonic() + limits.deadline_ms / 1000
        apply_statement_timeout(limits.statement_timeout_ms)
        return context

    def handle_field_error(self, error, return_type, path):
        if is_statement_timeout(error.original_error):
            logger.warning("statement cancelled by statement_timeout at %s", path.as_list())
            error = located_error(statement_timeout_error(), error.nodes, error.path)
        return super().handle_field_error(error, return_type, path)

    def _skip_past_deadline(self, field_def, field_nodes, path) -> None:
        """Resolve nothing more; report it once, and wherever a null must propagate."""
        if self.deadline_reported and not is_non_null_type(field_def.type):
            return None
        self.deadline_reported = True
        error = located_error(request_deadline_error(), field_nodes, path.as_list())
        return super().handle_field_error(error, field_def.type, path)

    def execute_field(self, parent_type, source, field_nodes, path):
        field_def = get_field_def(self.schema, parent_type, field_nodes[0])
        if field_def and self.deadline is not None and time.monotonic() > self.deadline:
            return self._skip_past_deadline(field_def, field_nodes, path)
        spec = getattr(field_def.resolve, FAST_LIST_ATTRIBUTE, None) if field_def else None
        plan = None
        if spec is not None and self._may_complete_fast(field_def.type, spec):
            item_type = _list_item_type(field_def.type)
            if spec.discriminator is None:
                plan = build_plan(spec, item_type, self.collect_subfields(item_type, field_nodes))
            else:
                plan = build_typed_plans(
                    spec,
                    self.schema,
                    lambda concrete: self.collect_subfields(concrete, field_nodes),
                )
        if plan is None:
            return super().execute_field(parent_type, source, field_nodes, path)
        # As ExecutionContext.execute_field, with the fast completion first.
        return_type = field_def.type
        info = self.build_resolve_info(field_def, field_nodes, parent_type, path)
        try:
            args = get_argument_values(field_def, field_nodes[0], self.variable_values)
            result = (spec.source or field_def.resolve)(source, info, **args)
            if isinstance(result, QuerySet) and result.model is spec.model and plan.suits(result):
                try:
                    return self.complete_fast_list(plan, result)
                except NotFast:
                    pass
            if spec.source is None:
                return self.complete_value(return_type, field_nodes, info, path, result)
        except Exception as raw_error:
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, return_type, path)
            return None
        # ``result`` came from ``source``, not from the resolver: let the resolver run.
        return super().execute_field(parent_type, source, field_nodes, path)

    def _may_complete_fast(self, return_type, spec: FastList) -> bool:
        if not isinstance(_nullable(return_type), GraphQLList):
            return False
        item_type = _list_item_type(return_type)
        if spec.discriminator is not None:
            if not isinstance(item_type, GraphQLInterfaceType):
                return False
        elif not isinstance(item_type, GraphQLObjectType) or item_type.is_type_of is not None:
            return False
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return False
        return fast_lists_enabled()

    def complete_fast_list(self, plan: _Plan | _TypedPlans, queryset: QuerySet) -> list[dict]:
        return plan.complete(queryset)
