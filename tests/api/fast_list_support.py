"""Running a document with the fast list path on and off, and documents that exercise it."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.test import RequestFactory
from graphql import ExecutionContext, execute, parse, validate

from accounts.authentication import resolve_caller
from api.core.execution import FastListExecutionContext
from api.schema import schema
from tests.conftest import GRAPHQL_URL, GraphQLClient


@dataclass
class Outcome:
    """One response, byte for byte, and how many lists the fast path completed."""

    status: int
    content: bytes
    fast_lists: int

    @property
    def body(self) -> dict:
        return json.loads(self.content)


def post(client: GraphQLClient, query: str, variables: dict | None, monkeypatch) -> Outcome:
    completed = []
    original = FastListExecutionContext.complete_fast_list

    def spy(self, plan, queryset):
        rows = original(self, plan, queryset)
        completed.append(len(rows))
        return rows

    monkeypatch.setattr(FastListExecutionContext, "complete_fast_list", spy)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {client.token}"} if client.token else {}
    body = {"query": query, "variables": variables or {}}
    response = client.http.post(
        GRAPHQL_URL, data=json.dumps(body), content_type="application/json", **headers
    )
    monkeypatch.setattr(FastListExecutionContext, "complete_fast_list", original)
    return Outcome(response.status_code, response.content, len(completed))


def compare(client, query, monkeypatch, variables=None) -> tuple[Outcome, Outcome]:
    """The same request with the fast path on, then off; the responses must be identical."""
    settings.GRAPHQL_FAST_LISTS = True
    fast = post(client, query, variables, monkeypatch)
    settings.GRAPHQL_FAST_LISTS = False
    try:
        normal = post(client, query, variables, monkeypatch)
    finally:
        settings.GRAPHQL_FAST_LISTS = True
    assert normal.fast_lists == 0
    assert fast.status == normal.status, (fast.content, normal.content)
    # Bytes, not parsed JSON: key order, nulls and error paths must agree too.
    assert fast.content == normal.content, f"\nfast:   {fast.content!r}\nnormal: {normal.content!r}"
    return fast, normal


def _request(client: GraphQLClient):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {client.token}"} if client.token else {}
    request = RequestFactory().post(GRAPHQL_URL, content_type="application/json", **headers)
    request.caller = resolve_caller(request)  # as the view does
    return request


def execute_both(client: GraphQLClient, query: str, variables: dict | None = None) -> dict:
    """``query`` run in process by the fast context and by graphql-core's own, compared.

    For the large generated documents: the endpoint would spend most of its time validating
    them, which says nothing about execution. Returns the response and the fast lists count.
    """
    document = parse(query)
    outcomes = []
    for context_class in (FastListExecutionContext, ExecutionContext):
        completed = []
        original = FastListExecutionContext.complete_fast_list

        def spy(self, plan, queryset, completed=completed, original=original):
            rows = original(self, plan, queryset)
            completed.append(len(rows))
            return rows

        FastListExecutionContext.complete_fast_list = spy
        try:
            result = execute(
                schema.graphql_schema,
                document,
                context_value=_request(client),
                variable_values=variables,
                execution_context_class=context_class,
            )
        finally:
            FastListExecutionContext.complete_fast_list = original
        outcomes.append((json.dumps(result.formatted, ensure_ascii=False), len(completed)))
    (fast, fast_lists), (normal, normal_lists) = outcomes
    assert normal_lists == 0
    assert fast == normal, f"\nfast:   {fast}\nnormal: {normal}"
    return {"body": json.loads(fast), "fast_lists": fast_lists}


def assert_valid(query: str) -> None:
    """A generated document must be one the endpoint would run."""
    errors = [error.message for error in validate(schema.graphql_schema, parse(query))]
    assert errors == [], errors


@dataclass
class Selection:
    """One generated selection set, with the named fragment it may use."""

    text: str
    fragment: str = ""
    uses: set[str] = field(default_factory=set)


def decorated(fields: list[str], type_name: str, rng: random.Random, tag: str) -> Selection:
    """``fields`` selected in the ways a client may write them, chosen by ``rng``.

    Aliases, duplicates, two aliases of one field, inline fragments with and without a type
    condition, a named fragment, ``@include``/``@skip`` both ways (with variables ``$yes`` and
    ``$no``), ``__typename`` plain and aliased, and fields that directives leave out.
    """
    parts: list[str] = []
    fragment_parts: list[str] = []
    uses: set[str] = set()
    for name in fields:
        way = rng.randrange(9)
        if way == 0:
            parts.append(name)
        elif way == 1:
            parts.append(f"{tag}_{name}: {name}")
        elif way == 2:
            parts.append(f"{name} {name}")
        elif way == 3:
            parts.append(f"{name} again_{name}: {name}")
        elif way == 4:
            parts.append(f"... on {type_name} {{ {name} }}")
        elif way == 5:
            parts.append(f"... {{ {name} }}")
        elif way == 6:
            fragment_parts.append(name)
        elif way == 7:
            parts.append(f"{name} @include(if: $yes)")
            uses.add("yes")
        else:
            parts.append(f"{name} @skip(if: $no)")
            uses.add("no")
    if rng.random() < 0.3:
        parts.insert(rng.randrange(len(parts) + 1), "__typename")
    if rng.random() < 0.2:
        parts.append(f"{tag}_type: __typename")
    if rng.random() < 0.3:
        left_out = rng.choice(fields)
        parts.append(f"{left_out} @include(if: $no)")
        parts.append(f"... @skip(if: $yes) {{ left_{left_out}: {left_out} }}")
        uses.update({"yes", "no"})
    fragment = ""
    if fragment_parts:
        fragment = f"fragment F_{tag} on {type_name} {{ {' '.join(fragment_parts)} }}"
        parts.append(f"...F_{tag}")
    return Selection(" ".join(parts), fragment, uses)


def document(roots: list[tuple[str, str, Selection]]) -> str:
    """One operation of aliased root fields: ``(alias, field with arguments, selection)``."""
    uses = set().union(*(selection.uses for _, _, selection in roots))
    declared = [f"${name}: Boolean!" for name in ("yes", "no") if name in uses]
    header = f"query Lists({', '.join(declared)})" if declared else "query Lists"
    body = " ".join(f"{alias}: {root} {{ {sel.text} }}" for alias, root, sel in roots)
    fragments = " ".join(sel.fragment for _, _, sel in roots if sel.fragment)
    return f"{header} {{ {body} }} {fragments}"


VARIABLES = {"yes": True, "no": False}
