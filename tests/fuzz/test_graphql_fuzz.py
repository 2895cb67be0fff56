"""Generated operations for every root field of the schema, against a live server (issue 12).

For each query and mutation field, hypothesis-graphql writes valid operations (arguments from
``values.py`` and ``arguments.py``: seeded ids and paths, hostile text, extreme numbers and
dates; half of them sent as variables) and a few that break one schema rule. Each goes as a
JSON POST with the administrator's API key or, for some, the administrator's session token
(the operations about one's own account need a person).
Every answer must be below 500, JSON, with a message in every error, no internals in any
message, and never ERR_UNEXPECTED: an unforeseen exception is a bug to fix, not a clean answer.

Slow by design (about 350 operations, 15 s of CPU); ``FUZZ_EXAMPLES`` sets the examples per
root field for a longer run (docs/operations.md).
"""

from __future__ import annotations

import copy
import json
import re
import zlib

import graphql
import pytest
from django.core.cache import caches
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from accounts import tokens
from api.schema import schema

from .arguments import aim, as_variables
from .support import (
    Figures,
    examples_per_field,
    post_and_judge,
    send,
)
from .values import scalar_strategies
from .world import World

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Valid operations per root field, and operations breaking one schema rule (answered by
# validation, so cheaper and fewer).
VALID_EXAMPLES = 4
INVALID_EXAMPLES = 1
# Fields whose calls are rate-limited per client address (docs/api.md): the counters are
# emptied before each call, or after five calls the fuzz would only meet RATE_LIMITED.
RATE_LIMITED = {
    "login",
    "loginTFA",
    "register",
    "changePassword",
    "authenticatePasskeyGenerate",
    "authenticatePasskeyVerify",
    "forgotPassword",
    "refreshToken",
}
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
CALLERS = ("api key", "api key", "admin session")


OUTCOME = graphql.parse("{ operation { succeeded slug message } }").definitions[0].selection_set


def _with_outcome(document: graphql.DocumentNode) -> graphql.DocumentNode:
    """The document, each mutation selecting ``operation { succeeded slug message }``.

    hypothesis-graphql selects a random subset of the payload, which may leave out the very
    fields that say how the mutation went (an ERR_UNEXPECTED would pass unseen).
    """
    for definition in document.definitions:
        if getattr(definition, "operation", None) is not graphql.OperationType.MUTATION:
            continue
        for selection in definition.selection_set.selections:
            kept = [
                item
                for item in selection.selection_set.selections
                if not (isinstance(item, graphql.FieldNode) and item.name.value == "operation")
            ]
            selection.selection_set = graphql.SelectionSetNode(
                selections=(*kept, *OUTCOME.selections)
            )
    return document


def _settings(examples: int):
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate),  # no shrinking: the server's state moves on
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def _fuzz_field(
    base_url: str,
    world: World,
    figures: Figures,
    server_log,
    *,
    kind: str,
    name: str,
    mode: Mode,
    examples: int,
) -> None:
    generate = queries if kind == "query" else mutations
    root = (
        schema.graphql_schema.query_type if kind == "query" else schema.graphql_schema.mutation_type
    )
    documents = generate(
        schema.graphql_schema,
        fields=[name],
        custom_scalars=scalar_strategies(world),
        allow_x00=False,
        mode=mode,
        print_ast=lambda document: document,
    )
    group = f"{kind} {name}" + (" (invalid)" if mode is Mode.NEGATIVE else "")

    # A fixed seed per group: the same operations on every run, so CI is reproducible (and
    # different ones for each field, which one shared seed would not give).
    @seed(zlib.crc32(group.encode()))
    @_settings(examples)
    @given(generated=documents, caller=st.sampled_from(CALLERS), data=st.data())
    def one(generated: graphql.DocumentNode, caller: str, data: st.DataObject) -> None:
        parsed = copy.deepcopy(generated)  # generated nodes may be shared between examples
        variables = None
        if mode is Mode.POSITIVE:
            aim(parsed, data.draw, world)
            # A lone surrogate can only come as a variable: graphql-core refuses it in a
            # literal, escaped or not (a syntax error, which would prove nothing more).
            if data.draw(st.booleans()) or LONE_SURROGATE.search(graphql.print_ast(parsed)):
                variables = as_variables(parsed, root)
        document = graphql.print_ast(_with_outcome(parsed))
        if name in RATE_LIMITED:
            caches["default"].clear()
        token = world.api_key_token if caller == "api key" else world.session_token
        answer = post_and_judge(
            base_url,
            "/_graphql",
            token,
            document,
            variables,
            figures=figures,
            group=group,
            caller=caller,
            server_log=server_log,
        )
        if caller == "admin session" and "www-authenticate" in answer.headers:
            # The token was ignored (its user changed under it): later calls need a fresh one.
            world.session_token = tokens.issue_session_token(world.admin)
            figures.notes["the administrator's session token issued again"] += 1
        if kind == "mutation":
            figures.notes.update(world.keep_credentials())

    one()


def _in_order(root: graphql.GraphQLObjectType) -> list[str]:
    """Root fields, those that delete or revoke last: the others find the seeded rows."""
    return sorted(root.fields, key=lambda name: name.startswith(("delete", "revoke")))


def test_every_root_field_answers_cleanly(live_server, world, figures, server_log):
    graphql_schema = schema.graphql_schema
    valid = examples_per_field(VALID_EXAMPLES)
    invalid = max(1, valid // 4) if valid != VALID_EXAMPLES else INVALID_EXAMPLES
    for kind, root in (
        ("query", graphql_schema.query_type),
        ("mutation", graphql_schema.mutation_type),
    ):
        for name in _in_order(root):
            world.refresh()  # aim at what the run created too, not at what it deleted
            # A field without arguments has no argument to get wrong.
            runs = (
                (Mode.POSITIVE, valid),
                (Mode.NEGATIVE, invalid) if root.fields[name].args else None,
            )
            for mode, examples in filter(None, runs):
                _fuzz_field(
                    live_server.url,
                    world,
                    figures,
                    server_log,
                    kind=kind,
                    name=name,
                    mode=mode,
                    examples=examples,
                )

    # The run ends with a working key: the guard did its job, and what the run saw is real.
    answer = send(
        live_server.url,
        "POST",
        "/_graphql",
        body=json.dumps({"query": "{ apiState }"}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {world.api_key_token}",
        },
    )
    assert json.loads(answer.body) == {"data": {"apiState": True}}
    every_field = len(graphql_schema.query_type.fields) + len(graphql_schema.mutation_type.fields)
    assert len([g for g in figures.tried if not g.endswith("(invalid)")]) == every_field
    assert not figures.failures, figures.failure_report()
