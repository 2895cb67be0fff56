"""The path rule of API.md §4.1.1: reserved first segments (single characters, locale codes,
a leading underscore and the words of the server's own routes) are refused with
ERR_INVALID_PATH, so that no page can hide a browser address or be hidden by one."""

import string

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from pages.validation import RESERVED_PATH_WORDS, normalize_path, reserved_first_segment
from wiki.errors import DomainError, ErrorKey

CONTRACT_WORDS = (
    "login",
    "logout",
    "register",
    "verify",
    "login-reset",
    "admin",
    "graphql",
    "healthz",
    "readyz",
    "static",
    "favicons",
    "fonts",
    "img",
    "js",
    "svg",
)


def refused(raw: str) -> None:
    with pytest.raises(DomainError) as raised:
        normalize_path(raw)
    assert raised.value.key == ErrorKey.INVALID_PATH


def test_the_reserved_words_are_the_contracts():
    assert sorted(RESERVED_PATH_WORDS) == sorted(CONTRACT_WORDS)


SPELLINGS = {
    "bare": lambda word: word,
    "with-a-child": lambda word: f"{word}/x",
    "slashes": lambda word: f"/{word}/",
    "padded-deep": lambda word: f"  /{word}/deeper/page  ",
    "upper": str.upper,
    "upper-child": lambda word: f"{word.upper()}/Sub",
    "mixed": lambda word: "".join(c.upper() if i % 2 else c for i, c in enumerate(word)),
}


@pytest.mark.parametrize("word", CONTRACT_WORDS)
@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_route_words_are_refused_in_any_case(word, spelling):
    refused(spelling(word))


@pytest.mark.parametrize("char", string.ascii_lowercase + string.digits + "-")
def test_single_character_first_segments_are_refused(char):
    refused(char)
    refused(f"{char}/page")
    refused(f"/{char.upper()}/Page/")


@pytest.mark.parametrize(
    "raw",
    [
        "e/en/home",  # the edit address of issue 11
        "H/en/home",
        "i/42",
        "t/tag",
        "_graphql",
        "_assets/x",
        ".well-known/jwk.json",
        "en",
        "EN-us/page",
    ],
)
def test_other_browser_addresses_are_refused_too(raw):
    refused(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "login-help",
        "logins",
        "xlogin",
        "admins",
        "administration",
        "e2",
        "a1",
        "1a/b",
        "js2",
        "svgs",
        "static-files",
        "img_",
        "graphql-guide",
        "health",
        "ready",
        "login_reset",
        # Reserved words and single characters are only refused as the first segment.
        "docs/login",
        "docs/admin/x",
        "docs/e",
        "docs/x/y",
        # Not a route word of the contract: a browser search page must live at a reserved address.
        "search",
    ],
)
def test_near_misses_are_allowed(raw):
    assert normalize_path(raw) == raw.lower()


@pytest.mark.parametrize(
    ("segment", "reason"),
    [
        ("e", "single characters are kept for the server's routes"),
        ("_x", "a leading underscore is kept for the server's routes"),
        ("fr-ca", "it would be read as a locale code"),
        ("admin", "a route of the server uses it"),
        ("docs", None),
        ("e2", None),
    ],
)
def test_reserved_first_segment_says_why(segment, reason):
    assert reserved_first_segment(segment) == reason


def test_the_reason_reaches_the_detail_for_logs_not_the_key():
    with pytest.raises(DomainError) as raised:
        normalize_path("Admin/x")
    assert raised.value.key == ErrorKey.INVALID_PATH
    assert raised.value.detail == "reserved first segment 'admin': a route of the server uses it"


def _first_segments(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver) and not route:
            yield from _first_segments(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern | URLResolver) and route:
            yield route.split("/")[0]


def test_every_route_of_the_server_is_a_reserved_first_segment():
    """A route added to the URL configuration must be reserved too, or a page could hide it."""
    segments = set(_first_segments(get_resolver().url_patterns))
    assert {"_graphql", ".well-known", "admin"} <= segments
    for segment in segments:
        refused(segment)
        refused(f"{segment}/x")
