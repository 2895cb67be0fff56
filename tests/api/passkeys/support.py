"""Documents and steps shared by the passkey tests (API.md §4.5.6)."""

from __future__ import annotations

import itertools

from tests.conftest import GraphQLClient, GraphQLResponse

SETUP = """mutation ($siteId: UUID!) {
  setupPasskey(siteId: $siteId) { operation { succeeded slug message } registrationOptions }
}"""
FINALIZE = """mutation ($response: JSON!, $name: String!) {
  finalizePasskey(registrationResponse: $response, name: $name) {
    operation { succeeded slug message }
  }
}"""
DEACTIVATE = """mutation ($id: String!) {
  deactivatePasskey(id: $id) { operation { succeeded slug message } }
}"""
GENERATE = """mutation ($email: String!, $siteId: UUID!) {
  authenticatePasskeyGenerate(email: $email, siteId: $siteId) {
    operation { succeeded slug message } authOptions
  }
}"""
VERIFY = """mutation ($response: JSON!) {
  authenticatePasskeyVerify(authResponse: $response) {
    operation { succeeded slug message } jwt nextAction continuationToken redirect tfaQRImage
  }
}"""

_addresses = itertools.count(1)


def fresh_address() -> str:
    """A client address of its own per test, so that rate limits never carry over."""
    number = next(_addresses)
    return f"10.9.{number // 250}.{number % 250 + 1}"


class Browser:
    """A client at one address, as a browser on the sign-in or profile page calls the API."""

    def __init__(self, token: str | None = None, address: str | None = None) -> None:
        self.client = GraphQLClient(token)
        self.address = address or fresh_address()

    def __call__(self, query: str, variables: dict | None = None) -> GraphQLResponse:
        return self.client(query, variables, REMOTE_ADDR=self.address)

    def setup(self, site) -> GraphQLResponse:
        return self(SETUP, {"siteId": str(site.pk)})

    def finalize(self, response, name: str = "My phone") -> GraphQLResponse:
        return self(FINALIZE, {"response": response, "name": name})

    def deactivate(self, credential_id: str) -> GraphQLResponse:
        return self(DEACTIVATE, {"id": credential_id})

    def generate(self, email: str, site) -> GraphQLResponse:
        return self(GENERATE, {"email": email, "siteId": str(site.pk)})

    def verify(self, response) -> GraphQLResponse:
        return self(VERIFY, {"response": response})


def failed(key: str) -> dict:
    return {"succeeded": False, "slug": key, "message": key}


def operation(answer: GraphQLResponse, field: str) -> dict:
    assert answer.status == 200, answer.body
    assert answer.errors == [], answer.body
    return answer.data[field]["operation"]
