"""Every /graphql operation has its entry in the reference (docs/api-v2/), as every /_graphql
field has one in docs/api.md: a new operation fails this test until it is documented."""

from __future__ import annotations

import re
from pathlib import Path

import graphql
import pytest

from api.v2.schema import schema

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api-v2"
# The page documenting each namespace type.
PAGE_OF = {
    "PageQuery": "pages-read.md",
    "PageMutation": "pages-write.md",
    "UserQuery": "users.md",
    "UserMutation": "users.md",
    "GroupQuery": "groups.md",
    "GroupMutation": "groups.md",
    "AuthenticationQuery": "authentication.md",
    "AuthenticationMutation": "authentication.md",
    "SiteQuery": "site.md",
    "SystemQuery": "site.md",
    "LocalizationQuery": "site.md",
    "NavigationQuery": "site.md",
    "NavigationMutation": "site.md",
}


def _operations() -> list[tuple[str, str]]:
    found = []
    live = schema.graphql_schema
    for root in (live.query_type, live.mutation_type):
        for field in root.fields.values():
            namespace = graphql.get_named_type(field.type)
            found += [(namespace.name, name) for name in namespace.fields]
    return found


def test_every_namespace_has_its_page():
    assert {namespace for namespace, _ in _operations()} == set(PAGE_OF)


@pytest.mark.parametrize(("namespace", "operation"), _operations())
def test_operation_is_documented(namespace, operation):
    text = (DOCS / PAGE_OF[namespace]).read_text()
    # Named in code type, as a heading or a table row does: `single`, `single(id: ...)`,
    # `pages.single` or `users { single }`.
    named = re.compile(rf"`(?:[\w.]*\.)?{re.escape(operation)}(?:\(|`| )")
    assert named.search(text), (
        f"{namespace}.{operation} is missing from docs/api-v2/{PAGE_OF[namespace]}"
    )
