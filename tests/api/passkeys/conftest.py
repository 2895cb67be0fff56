"""Fixtures of the passkey tests: a site with a real hostname and a software authenticator."""

from __future__ import annotations

import pytest

from accounts import tokens
from tests.accounts.webauthn_authenticator import SoftwareAuthenticator
from tests.factories import UserFactory
from wiki.models import Site

from .support import Browser

HOSTNAME = "wiki.example.com"
ORIGIN = f"https://{HOSTNAME}"


@pytest.fixture
def site(db):
    return Site.objects.create(hostname=HOSTNAME, config={"title": "Example Wiki"})


@pytest.fixture
def authenticator() -> SoftwareAuthenticator:
    return SoftwareAuthenticator(ORIGIN)


@pytest.fixture
def member(db):
    # An email of its own per test: the per-account rate limit counts by email.
    return UserFactory(name="Pat Member")


@pytest.fixture
def browser_for(db):
    """``browser_for(user)``: a signed-in browser; ``browser_for(None)``: a guest's."""

    def make(user=None) -> Browser:
        return Browser(tokens.issue_session_token(user) if user is not None else None)

    return make


@pytest.fixture
def register(browser_for, site, authenticator):
    """``register(user, name=...)``: a passkey made through the API; returns its credential."""

    def run(user, name: str = "Laptop", **create_options):
        browser = browser_for(user)
        options = browser.setup(site).data["setupPasskey"]["registrationOptions"]
        response = authenticator.create(options, **create_options)
        answer = browser.finalize(response, name)
        assert answer.data["finalizePasskey"]["operation"]["succeeded"], answer.body
        return authenticator.credentials[response["id"]]

    return run
