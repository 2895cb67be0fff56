"""Generated operations for every operation of /graphql (the Wiki.js 2 API, issue 13).

The namespaces put the operations one level down (``pages { single(id: 3) { ... } }``), where
hypothesis-graphql does not reach by itself: each namespace type is taken as the root of a
schema of its own, operations are generated for one of its fields, and the result is wrapped
in the namespace field before it is sent. Integer ids are drawn mostly from the seeded rows'
legacy ids; strings and dates from the same strategies as the /_graphql fuzz.

Every answer must be below 500, JSON, with a message in every error, no internals in any
message, no unexpected failure (the generic error classes of API-v2.md §2.6, or an ERROR in the
server's log), and within the time bound.
"""

from __future__ import annotations

import copy
import zlib

import graphql
import pytest
from django.core.cache import caches
from hypothesis import given, seed
from hypothesis import strategies as st
from hypothesis_graphql import Mode, nodes, queries

from accounts.models import Group, User
from api.v2.dialect import AUTH_GENERIC, PAGE_GENERIC, SYSTEM_GENERIC
from api.v2.schema import schema
from pages.models import Page, PageHistory, Tag, TreeItem

from .arguments import as_variables
from .support import (
    examples_per_field,
    post_and_judge,
)
from .test_graphql_fuzz import _settings
from .values import DATES, scalar_strategies
from .world import World

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VALID_EXAMPLES = 3
INVALID_EXAMPLES = 1
RATE_LIMITED = {"login", "loginTFA", "loginChangePassword", "forgotPassword", "register"}
CALLERS = ("api key", "api key", "admin session")
# The generic classes answer only failures nobody foresaw (§2.8).
UNFORESEEN = tuple(
    text
    for error in (AUTH_GENERIC, PAGE_GENERIC, SYSTEM_GENERIC)
    for text in (error.name, error.message)
)
OUTCOME = graphql.parse("{ responseResult { succeeded errorCode slug message } }")
OUTCOME_SELECTIONS = OUTCOME.definitions[0].selection_set.selections
# Integer arguments that name rows, and the model whose legacy ids they take.
LEGACY_ID_ARGUMENTS = {
    "pageId": Page,
    "versionId": PageHistory,
    "groupId": Group,
    "userId": User,
    "replaceId": User,
    "creatorId": User,
    "authorId": User,
    "parent": TreeItem,
    "group": Group,
}
ID_OF_NAMESPACE = {"pages": Page, "users": User, "groups": Group}


def _legacy_ids() -> dict[type, list[int]]:
    models = {Page, PageHistory, Group, User, TreeItem, Tag}
    return {
        model: sorted(model.objects.order_by("legacy_id").values_list("legacy_id", flat=True)[:50])
        for model in models
    }


def _aim_ids(selection: graphql.FieldNode, namespace: str, draw, known: dict) -> None:
    """Point about two in three integer id arguments at rows that exist."""
    arguments = []
    for argument in selection.arguments or ():
        name = argument.name.value
        model = LEGACY_ID_ARGUMENTS.get(name) or (
            ID_OF_NAMESPACE.get(namespace) if name == "id" else None
        )
        ids = known.get(model) if model else None
        if ids and isinstance(argument.value, graphql.IntValueNode) and draw(st.integers(0, 2)):
            argument = graphql.ArgumentNode(
                name=argument.name,
                value=graphql.IntValueNode(value=str(draw(st.sampled_from(ids)))),
            )
        arguments.append(argument)
    selection.arguments = tuple(arguments)


def _with_outcome(selection: graphql.FieldNode) -> None:
    """Mutations select their ``responseResult`` whatever else was generated."""
    if selection.selection_set is None:
        return
    kept = [
        item
        for item in selection.selection_set.selections
        if not (isinstance(item, graphql.FieldNode) and item.name.value == "responseResult")
    ]
    selection.selection_set = graphql.SelectionSetNode(selections=(*kept, *OUTCOME_SELECTIONS))


def _wrapped(generated: graphql.DocumentNode, namespace: str, kind: str) -> graphql.DocumentNode:
    """The generated operation one level down, inside its namespace field."""
    definition = generated.definitions[0]
    inner = definition.selection_set
    return graphql.DocumentNode(
        definitions=(
            graphql.OperationDefinitionNode(
                operation=graphql.OperationType(kind),
                variable_definitions=definition.variable_definitions,
                selection_set=graphql.SelectionSetNode(
                    selections=(
                        graphql.FieldNode(
                            name=graphql.NameNode(value=namespace),
                            arguments=(),
                            directives=(),
                            selection_set=inner,
                        ),
                    )
                ),
            ),
        )
    )


def _v2_scalars(world: World) -> dict:
    strategies = scalar_strategies(world)
    return {
        "String": strategies["String"],
        "Date": st.one_of(st.just(""), DATES).map(nodes.String),
    }


def _fuzz_operation(base_url, world, figures, server_log, *, kind, namespace, name, mode, examples):
    root = (
        schema.graphql_schema.query_type if kind == "query" else schema.graphql_schema.mutation_type
    )
    namespace_type = graphql.get_named_type(root.fields[namespace].type)
    sub_schema = graphql.GraphQLSchema(query=namespace_type)
    documents = queries(
        sub_schema,
        fields=[name],
        custom_scalars=_v2_scalars(world),
        allow_x00=False,
        mode=mode,
        print_ast=lambda document: document,
    )
    known = _legacy_ids()
    group = f"{kind} {namespace}.{name}" + (" (invalid)" if mode is Mode.NEGATIVE else "")

    @seed(zlib.crc32(group.encode()))
    @_settings(examples)
    @given(generated=documents, caller=st.sampled_from(CALLERS), data=st.data())
    def one(generated: graphql.DocumentNode, caller: str, data: st.DataObject) -> None:
        parsed = copy.deepcopy(generated)
        variables = None
        selection = parsed.definitions[0].selection_set.selections[0]
        if mode is Mode.POSITIVE:
            _aim_ids(selection, namespace, data.draw, known)
            if data.draw(st.booleans()):
                variables = as_variables(parsed, namespace_type)
        if kind == "mutation":
            _with_outcome(selection)
        document = graphql.print_ast(_wrapped(parsed, namespace, kind))
        if name in RATE_LIMITED:
            caches["default"].clear()
        token = world.api_key_token if caller == "api key" else world.session_token
        post_and_judge(
            base_url,
            "/graphql",
            token,
            document,
            variables,
            figures=figures,
            group=group,
            caller=caller,
            server_log=server_log,
            unforeseen=UNFORESEEN,
        )
        if kind == "mutation":
            figures.notes.update(world.keep_credentials())

    one()


def _operations(kind: str) -> list[tuple[str, str, graphql.GraphQLField]]:
    root = (
        schema.graphql_schema.query_type if kind == "query" else schema.graphql_schema.mutation_type
    )
    found = []
    for namespace, field in root.fields.items():
        for name, operation in graphql.get_named_type(field.type).fields.items():
            found.append((namespace, name, operation))
    # What deletes or revokes runs last: the others find the seeded rows.
    return sorted(found, key=lambda item: item[1].startswith(("delete", "revoke")))


def test_every_v2_operation_answers_cleanly(live_server, world, figures, server_log):
    valid = examples_per_field(VALID_EXAMPLES)
    invalid = max(1, valid // 4) if valid != VALID_EXAMPLES else INVALID_EXAMPLES
    count = 0
    for kind in ("query", "mutation"):
        for namespace, name, operation in _operations(kind):
            world.refresh()
            runs = ((Mode.POSITIVE, valid), (Mode.NEGATIVE, invalid) if operation.args else None)
            for mode, examples in filter(None, runs):
                _fuzz_operation(
                    live_server.url,
                    world,
                    figures,
                    server_log,
                    kind=kind,
                    namespace=namespace,
                    name=name,
                    mode=mode,
                    examples=examples,
                )
            count += 1
    assert len([g for g in figures.tried if not g.endswith("(invalid)")]) == count
    assert not figures.failures, figures.failure_report()
