"""Fixtures of the /graphql tests: the same callers as /_graphql's, speaking to /graphql."""

import pytest

from accounts import tokens
from accounts.services import administrators_group
from tests.conftest import GraphQLClient

V2_URL = "/graphql"


def on_v2(client: GraphQLClient) -> GraphQLClient:
    """A client with the same credential as ``client``, calling /graphql."""
    twin = GraphQLClient(client.token, url=V2_URL)
    if hasattr(client, "api_key"):
        twin.api_key = client.api_key
    return twin


@pytest.fixture
def v2_anonymous() -> GraphQLClient:
    return GraphQLClient(url=V2_URL)


@pytest.fixture
def v2_for(db):
    """``v2_for(user)``: a session-token client of ``user`` on /graphql."""

    def make(user) -> GraphQLClient:
        return GraphQLClient(tokens.issue_session_token(user), url=V2_URL)

    return make


@pytest.fixture
def v2_admin(admin) -> GraphQLClient:
    return GraphQLClient(tokens.issue_session_token(admin), url=V2_URL)


@pytest.fixture
def v2_user(user) -> GraphQLClient:
    """A signed-in user in the Users group only."""
    return GraphQLClient(tokens.issue_session_token(user), url=V2_URL)


@pytest.fixture
def v2_key_for(api_key_for):
    """``v2_key_for(*groups)``: an API-key client on /graphql; API access is switched on."""

    def make(*groups, expiration: str = "30d") -> GraphQLClient:
        return on_v2(api_key_for(*groups, expiration=expiration))

    return make


@pytest.fixture
def v2_admin_key(v2_key_for) -> GraphQLClient:
    """A full-access API key (the Administrators group) on /graphql."""
    return v2_key_for(administrators_group())
