"""Hypothesis strategies for the fuzz runs: GraphQL argument values and browser addresses.

Random text alone mostly meets the first check of every service (an id that names nothing, a
path that is not a path), so each strategy mixes values from the seeded world (``world.py``)
with hostile ones: very long, odd Unicode, control characters, path tricks, extreme numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from .world import PLAIN_WORDS, World

# No NUL: the endpoint refuses it before any operation runs (HTTP 400, tested elsewhere), so a
# NUL would only shorten the trip. Lone surrogates come from HOSTILE_TEXT only.
TEXT_CHARACTERS = st.characters(min_codepoint=1, max_codepoint=0x10FFFF, exclude_categories=["Cs"])
HOSTILE_TEXT = (
    "",
    " ",
    "../../etc/passwd",
    "%2e%2e/%2e%2e",
    "a/../b",
    "//double//slash",
    "x" * 5000,
    "é" * 300,
    "\u202eevil",  # right-to-left override
    "\ufeffbom",
    "tab\tand\nnewline\r\n",
    "\x7f\x1b[31m",
    "' OR 1=1 --",
    '"; DROP TABLE pages; --',
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "😀🏳️‍🌈",
    "İı",  # case folding changes the length
    "ß",
    "\u0130" * 200,
    "\ud800",  # a lone surrogate: valid in JSON text, storable by no database
    "a\udfffb",
)


def _datetime_text(moment: datetime) -> str:
    return moment.isoformat()


OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
DATES = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2),  # noqa: DTZ001 - naive bounds; the zone comes from OFFSETS
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001
        timezones=st.one_of(st.just(UTC), OFFSETS),
    ).map(_datetime_text),
    st.sampled_from(
        (
            "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
            "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
            "2024-02-30T00:00:00Z",
            "2024-01-01",
            "not a date",
        )
    ),
)

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(TEXT_CHARACTERS, max_size=30),
)
GRAPHQL_NAMES = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,15}\Z")
JSON_KEYS = st.one_of(
    GRAPHQL_NAMES,
    st.sampled_from(("id", "rawId", "type", "response", "clientDataJSON", "timezone", "meta")),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(JSON_KEYS, children, max_size=4)
    ),
    max_leaves=12,
)


def value_node(value) -> graphql.ValueNode:
    """A GraphQL literal for a JSON-like Python value."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([value_node(item) for item in value])
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value_node(item))
            for key, item in value.items()
        ]
    )


def scalar_strategies(world: World) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """``custom_scalars`` for hypothesis-graphql: UUID, Date, JSON, and a richer String."""
    # A model first, then one of its rows: the one site is as likely as any of the pages.
    known_ids = st.sampled_from(sorted(world.ids_by_model)).flatmap(
        lambda model: st.sampled_from(world.ids_by_model[model])
    )
    uuids = st.one_of(known_ids, known_ids, known_ids, st.uuids(version=4).map(str))
    strings = st.one_of(
        st.text(TEXT_CHARACTERS, max_size=40),
        st.sampled_from(PLAIN_WORDS),
        st.sampled_from(world.paths),
        st.sampled_from(world.tags),
        st.sampled_from(world.emails),
        known_ids,
        st.sampled_from(HOSTILE_TEXT),
        st.builds(
            "/".join, st.lists(st.sampled_from(world.paths + list(HOSTILE_TEXT[:6])), max_size=3)
        ),
    )
    return {
        "UUID": uuids.map(nodes.String),
        "Date": DATES.map(nodes.String),
        "JSON": st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=5).map(value_node),
        "String": strings.map(nodes.String),
    }


# --- Browser addresses ------------------------------------------------------------------------
def _encode_like_a_browser(segment: str) -> str:
    """What a browser puts on the wire for a typed segment: non-ASCII, spaces and control
    characters percent-encoded (UTF-8); ``%`` sequences, dots and the rest left as typed."""
    return quote(segment, safe="!$&'()*+,;=:@%~-._/")


RAW_SEGMENTS = st.one_of(
    st.text(TEXT_CHARACTERS, min_size=1, max_size=20),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x7F), min_size=1, max_size=10),
    st.sampled_from(
        (
            ".",
            "..",
            "...",
            "%2e%2e",
            "%2F",
            "%00",
            "%zz",
            "%",
            "%c0%af",  # overlong UTF-8 for "/"
            "%ff%fe",
            "%ed%a0%80",  # a UTF-16 surrogate in UTF-8
            "a" * 300,
            "é" * 200,
            "x" * 3000,
            "index.php",
            "sitemap.xml",
            "~",
            "-",
            "_",
            "@",
            "en",
            "fr",
            "i",
            "t",
            "e",
            "h",
            "s",
            "d",
            "0",
            "99999999999999999999",
            "-1",
        )
    ),
)


def segment_strategy(world: World) -> st.SearchStrategy[str]:
    """One to four path segments (seeded paths and tags among them), maybe a trailing slash."""
    segments = st.one_of(
        st.sampled_from(world.paths), st.sampled_from(world.tags), RAW_SEGMENTS
    ).map(_encode_like_a_browser)
    trailing = st.sampled_from(("", "", "/", "//"))
    return st.builds(
        lambda parts, end: "/".join(parts) + end,
        st.lists(segments, min_size=1, max_size=4),
        trailing,
    )


def path_strategy(world: World) -> st.SearchStrategy[str]:
    """Any request path: a route prefix or none, then segments or an id."""
    prefixes = st.sampled_from(
        ("", "en/", "fr/", "i/", "t/", "e/", "h/", "s/", "d/", "_search/", "admin/", "_profile/")
    )
    tail = st.one_of(segment_strategy(world), st.sampled_from(world.ids))
    return st.builds(lambda prefix, rest: f"/{prefix}{rest}", prefixes, tail)


QUERY_KEYS = st.sampled_from(
    ("page", "q", "from", "to", "next", "tag", "tags", "locale", "sort", "o", "p", "e", "v", "id")
)
QUERY_VALUES = st.one_of(
    st.integers(min_value=-(2**65), max_value=2**65).map(str),
    st.sampled_from(("", "0", "1", "²", "1e9", "NaN", "-0", "2024-01-01", "//evil.example", "/")),
    RAW_SEGMENTS,
).map(lambda value: quote(value, safe="%/"))


def query_string_strategy() -> st.SearchStrategy[str]:
    pairs = st.lists(
        st.tuples(QUERY_KEYS, QUERY_VALUES).map(lambda pair: f"{pair[0]}={pair[1]}"), max_size=4
    )
    return pairs.map(lambda items: f"?{'&'.join(items)}" if items else "")
