"""Raw HTTP to /graphql for the transport and credential tests: what a client puts on the wire."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.test import Client
from graphql import GraphQLField

from api.v2.schema import schema

V2_URL = "/graphql"
JSON = "application/json"


def post_json(body, http: Client | None = None, **headers):
    """A POST whose body is ``body`` as JSON text (or ``body`` itself when it is text)."""
    text = body if isinstance(body, str) else json.dumps(body)
    return (http or Client()).post(V2_URL, text, content_type=JSON, **headers)


def get_url(query: str, variables: dict | None = None, operation_name: str | None = None) -> str:
    """The address Apollo's HTTP link builds for a GET (``useGETForQueries``): every parameter
    encoded with JavaScript's ``encodeURIComponent``, variables as JSON text."""
    parts = [f"query={quote(query, safe='')}"]
    if operation_name is not None:
        parts.append(f"operationName={quote(operation_name, safe='')}")
    if variables is not None:
        parts.append(f"variables={quote(json.dumps(variables), safe='')}")
    return V2_URL + "?" + "&".join(parts)


def root_field(operation: str, name: str) -> GraphQLField:
    """A root field of the v2 schema, to give it a resolver of the test's own."""
    root = schema.graphql_schema.query_type if operation == "query" else None
    root = root or schema.graphql_schema.mutation_type
    return root.fields[name]
