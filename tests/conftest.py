"""Fixtures shared by every test: clients that call /_graphql the way integrators do."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from accounts import apikeys, tokens
from accounts.services import administrators_group, make_administrator
from wiki.config import set_api_enabled, update_setting

from .factories import GroupFactory, UserFactory
from .redis_support import RunScopedRedisCache

GRAPHQL_URL = "/_graphql"


@dataclass
class GraphQLResponse:
    status: int
    body: dict

    @property
    def data(self) -> dict | None:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict]:
        return self.body.get("errors") or []

    @property
    def error_messages(self) -> list[str]:
        return [e.get("message") for e in self.errors]


class GraphQLClient:
    """Posts JSON to /_graphql (or ``url``) with an optional ``Authorization: Bearer`` token."""

    def __init__(self, token: str | None = None, url: str = GRAPHQL_URL) -> None:
        self.token = token
        self.url = url
        self.http = Client()

    def __call__(self, query: str, variables: dict | None = None, **headers) -> GraphQLResponse:
        if self.token:
            headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        body = {"query": query}
        if variables is not None:
            body["variables"] = variables
        response = self.http.post(
            self.url, data=json.dumps(body), content_type="application/json", **headers
        )
        return GraphQLResponse(response.status_code, response.json())


@pytest.fixture(scope="session", autouse=True)
def _cache_keys_of_this_run():
    """A cache on the test Redis database leaves none of this run's keys behind (only those)."""
    yield
    cache = caches["default"]
    if isinstance(cache, RunScopedRedisCache):
        try:
            cache.clear()
        except redis.RedisError:
            pass  # unreachable: then nothing was written either


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (wiki/rate_limits.py) live in the cache: every test starts at zero,
    whatever the tests before it sent from the same test client address."""
    caches["default"].clear()


@pytest.fixture
def anonymous() -> GraphQLClient:
    return GraphQLClient()


@pytest.fixture
def make_user(db):
    def make(**fields):
        return UserFactory(**fields)

    return make


@pytest.fixture
def user(db):
    return UserFactory(email="member@example.com", name="Member")


@pytest.fixture
def user_client(user) -> GraphQLClient:
    """A signed-in user in the Users group only (read:pages and friends)."""
    return GraphQLClient(tokens.issue_session_token(user))


@pytest.fixture
def admin(db):
    admin = UserFactory(email="admin@example.com", name="Administrator")
    make_administrator(admin)
    return admin


@pytest.fixture
def admin_client(admin) -> GraphQLClient:
    return GraphQLClient(tokens.issue_session_token(admin))


@pytest.fixture
def client_for(db):
    """A session-token client for any user."""

    def make(user) -> GraphQLClient:
        return GraphQLClient(tokens.issue_session_token(user))

    return make


@pytest.fixture
def api_key_for(db):
    """An API-key client carrying ``groups``; API access is switched on."""

    def make(*groups, expiration: str = "30d") -> GraphQLClient:
        set_api_enabled(True)
        issued = apikeys.create_api_key(
            None, name="test key", expiration=expiration, group_ids=[g.pk for g in groups]
        )
        client = GraphQLClient(issued.token)
        client.api_key = issued.api_key
        return client

    return make


@pytest.fixture
def admin_key_client(api_key_for) -> GraphQLClient:
    return api_key_for(administrators_group())


@pytest.fixture
def group_with(db):
    """A group holding the given global permissions and page rules."""

    def make(*permissions: str, rules=(), name: str | None = None):
        fields = {"permissions": list(permissions), "rules": list(rules)}
        if name:
            fields["name"] = name
        return GroupFactory(**fields)

    return make


@pytest.fixture
def mail_configured(db):
    """Mail settings that count as configured (API.md §4.6); nothing listens at the host."""
    return update_setting(
        "mail",
        host="smtp.example.com",
        senderEmail="wiki@example.com",
        senderName="Wiki Bot",
        defaultBaseURL="https://docs.example.org/",
    )
