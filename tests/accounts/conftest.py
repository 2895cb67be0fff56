"""Fixtures of the sign-in page and profile tests."""

import pytest

from wiki.models import Site

from .signin_page_support import ORIGIN


@pytest.fixture
def site(db, settings):
    """The site Django's test client talks to, a relying party for passkeys."""
    settings.WEBAUTHN_ORIGINS = [ORIGIN]
    return Site.objects.create(hostname="testserver", config={"title": "Test Wiki"})
