"""Which origins a passkey response may come from (``WEBAUTHN_ORIGINS``, API.md §4.5.6)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.passkeys import expected_origins
from wiki.settings import _webauthn_origins


def test_the_default_is_https_on_the_hostname(settings):
    settings.WEBAUTHN_ORIGINS = []
    assert expected_origins("wiki.example.com") == ["https://wiki.example.com"]


def test_configured_origins_apply_to_their_own_site_only(settings):
    settings.WEBAUTHN_ORIGINS = [
        "http://localhost:8000",
        "https://wiki.example.com:8443",
        "https://eu.wiki.example.com",
        "https://notwiki.example.com",
    ]
    assert expected_origins("localhost") == ["http://localhost:8000"]
    assert expected_origins("wiki.example.com") == [
        "https://wiki.example.com:8443",
        "https://eu.wiki.example.com",
    ]
    # A site none of them is for keeps the default.
    assert expected_origins("docs.example.org") == ["https://docs.example.org"]


def test_the_setting_is_read_as_origins():
    assert _webauthn_origins(["HTTP://LocalHost:8000/", "https://wiki.example.com"]) == [
        "http://localhost:8000",
        "https://wiki.example.com",
    ]
    assert _webauthn_origins([]) == []


@pytest.mark.parametrize(
    "value",
    [
        "localhost:8000",
        "ftp://wiki.example.com",
        "https://",
        "https://wiki.example.com/path",
        "https://wiki.example.com?x=1",
        "https://user@wiki.example.com",
    ],
)
def test_anything_else_is_refused_at_start(value):
    with pytest.raises(ImproperlyConfigured, match="WEBAUTHN_ORIGINS"):
        _webauthn_origins([value])
