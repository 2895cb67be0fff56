"""Callers and assertions shared by the permission-matrix tests (test_permission_*.py)."""

from __future__ import annotations

from accounts import apikeys, scopes, tokens
from accounts.models import ApiKey, Group, Membership, User
from pages.models import Page, PageTag, Tag
from tests.conftest import GraphQLClient, GraphQLResponse
from tests.factories import GroupFactory, UserFactory, rule
from wiki.config import set_api_enabled
from wiki.models import Setting, Site

# Caller kinds of every matrix: a guest, a user without the needed scope, a user holding it
# through a group, an API key whose groups lack it, an API key whose group holds it, and an
# administrator (manage:system).
KINDS = ["guest", "user", "user_with", "key_without", "key_with", "admin"]
# The key a refused caller gets (API.md §2.5); kinds not listed are allowed.
REFUSED = {
    "guest": "ERR_NOT_AUTHENTICATED",
    "user": "ERR_FORBIDDEN",
    "key_without": "ERR_FORBIDDEN",
}


def client_as(kind: str, admin: User, *, permissions=(), rules=()) -> GraphQLClient:
    """A client of ``kind``; ``permissions``/``rules`` are what the granting group holds."""
    if kind == "guest":
        return GraphQLClient()
    if kind == "admin":
        return GraphQLClient(tokens.issue_session_token(admin))
    if kind == "user":
        return GraphQLClient(tokens.issue_session_token(UserFactory()))
    if kind == "user_with":
        granting = GroupFactory(name="Granting", permissions=list(permissions), rules=list(rules))
        return GraphQLClient(tokens.issue_session_token(UserFactory(groups=[granting])))
    if kind == "key_with":
        group = GroupFactory(name="Granting", permissions=list(permissions), rules=list(rules))
    elif kind == "key_without":
        # Limited: what the Users group has, reading pages everywhere, and nothing else.
        group = GroupFactory(
            name="Limited",
            permissions=list(scopes.BASE_READ_PERMISSIONS),
            rules=[rule(roles=scopes.BASE_READ_PERMISSIONS)],
        )
    else:
        raise ValueError(kind)
    set_api_enabled(True)
    issued = apikeys.create_api_key(None, name=f"{kind} key", expiration="1d", group_ids=[group.pk])
    client = GraphQLClient(issued.token)
    client.api_key = issued.api_key
    return client


def snapshot() -> dict:
    """Everything a refused operation must leave untouched."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (User, Group, Membership, ApiKey, Page, Tag, PageTag, Site, Setting)
        },
        "settings": dict(Setting.objects.values_list("key", "value")),
        "revoked": sorted(
            str(pk) for pk in ApiKey.objects.filter(is_revoked=True).values_list("pk", flat=True)
        ),
    }


def assert_query_refused(r: GraphQLResponse, field: str, key: str) -> None:
    """§2.4: HTTP 200, ``data.<field>`` null, one error carrying the key and the field's path."""
    assert r.status == 200, r.body
    assert r.data == {field: None}, r.body
    assert [(e["message"], e["path"]) for e in r.errors] == [(key, [field])], r.body


def assert_mutation_refused(r: GraphQLResponse, field: str, key: str, *payload: str) -> None:
    """§2.3: HTTP 200, no errors, operation {false, key, key} and every payload field null."""
    assert r.status == 200, r.body
    assert r.errors == [], r.body
    expected = {"operation": {"succeeded": False, "slug": key, "message": key}}
    expected.update(dict.fromkeys(payload))
    assert r.data == {field: expected}, r.body


def assert_mutation_succeeded(r: GraphQLResponse, field: str) -> dict:
    assert r.status == 200, r.body
    assert r.errors == [], r.body
    operation = r.data[field]["operation"]
    assert (operation["succeeded"], operation["slug"]) == (True, "ok"), r.body
    return r.data[field]
