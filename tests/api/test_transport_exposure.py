"""Introspection and "did you mean" suggestions by caller (issue 12, item 2).

Documents are validated once and shared by every caller (api/core/documents.py): each test that
matters sends the same text as a guest and as a signed-in caller, in both orders, so an answer
cached for one caller can never be served to the other.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from graphql import GraphQLError, get_introspection_query
from graphql.pyutils import did_you_mean

from api.core.documents import documents
from api.core.exposure import without_suggestions
from api.schema import schema
from tests.conftest import GRAPHQL_URL
from wiki.settings import exposure_setting

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Site") { name } }'
SCHEMA_ANSWER = {"__schema": {"queryType": {"name": "Query"}}}
SIGNED_IN_ONLY = (
    "Introspection is served to signed-in users and API keys only (the query asks for "
    "{names}): send an Authorization: Bearer header."
)
TYPO = "{ sites { hostnam } }"
TYPO_HINTED = "Cannot query field 'hostnam' on type 'Site'. Did you mean 'hostname'?"
TYPO_PLAIN = "Cannot query field 'hostnam' on type 'Site'."


@pytest.fixture(autouse=True)
def _fresh_document_cache():
    documents.clear()
    yield
    documents.clear()


@pytest.fixture
def callers(user_client, admin_key_client, anonymous):
    return {"guest": anonymous, "user": user_client, "api_key": admin_key_client}


def test_production_defaults(settings):
    """The tests run with DEBUG off, as production does."""
    assert settings.DEBUG is False
    assert settings.GRAPHQL_INTROSPECTION == "signed-in"
    assert settings.GRAPHQL_SUGGESTIONS == "signed-in"
    assert settings.GRAPHQL_EXPLORER is True


# --- Introspection: signed-in (the production default) ----------------------------------------
INTROSPECTION_DOCUMENTS = {
    "schema": (SCHEMA, "'__schema'"),
    "type": (TYPE, "'__type'"),
    "alias": ("{ s: __schema { queryType { name } } }", "'__schema'"),
    "fragment": (
        'query { ...Meta } fragment Meta on Query { __type(name: "Page") { name } }',
        "'__type'",
    ),
    "inline": ("{ ... on Query { __schema { types { name } } } }", "'__schema'"),
    "both": (
        '{ sites { hostname } __schema { queryType { name } } __type(name: "Page") { name } }',
        "'__schema' and '__type'",
    ),
    "standard query": (get_introspection_query(), "'__schema'"),
}


@pytest.mark.parametrize("kind", INTROSPECTION_DOCUMENTS)
def test_guest_introspection_is_refused_with_a_clear_error(anonymous, kind):
    query, names = INTROSPECTION_DOCUMENTS[kind]

    response = anonymous(query)

    assert response.status == 400
    assert "data" not in response.body
    (error,) = response.errors
    assert error["message"] == SIGNED_IN_ONLY.format(names=names)
    assert error["extensions"] == {"code": "ERR_NOT_AUTHENTICATED"}
    assert len(error["locations"]) == 1


@pytest.mark.parametrize("kind", ["user", "api_key"])
def test_signed_in_callers_are_served_the_same_cached_document(callers, kind):
    guest, signed_in = callers["guest"], callers[kind]

    first_guest = guest(SCHEMA)
    served = signed_in(SCHEMA)
    second_guest = guest(SCHEMA)
    served_again = signed_in(TYPE)

    assert first_guest.status == second_guest.status == 400
    assert served.status == 200
    assert served.body == {"data": SCHEMA_ANSWER}
    assert served_again.body == {"data": {"__type": {"name": "Site"}}}
    assert len(documents) == 2  # one entry per text, shared by every caller


def test_the_full_introspection_query_is_served_to_an_api_key(admin_key_client):
    """What GraphiQL and schemathesis send: within the document limits, and answered."""
    response = admin_key_client(get_introspection_query())

    assert response.status == 200
    assert response.errors == []
    names = {t["name"] for t in response.data["__schema"]["types"]}
    assert {"Query", "Mutation", "Page", "Site"} <= names


def test_an_ignored_token_is_a_guest_for_introspection_too(anonymous):
    response = anonymous(SCHEMA, HTTP_AUTHORIZATION="Bearer not.a.token")

    assert response.status == 400
    assert response.errors[0]["extensions"] == {"code": "ERR_NOT_AUTHENTICATED"}


@pytest.mark.parametrize(
    "query",
    [
        "{ __typename }",
        "{ sites { __typename hostname } }",
        "{ t: __typename }",
        '{ users(query: "__schema __type") { id } }',
        "# __schema\n{ __typename }",
    ],
)
def test_typename_and_mere_mentions_are_not_introspection(anonymous, query):
    response = anonymous(query)

    assert response.status == 200
    assert not [e for e in response.errors if "Introspection" in e["message"]]
    assert documents.prepare(schema.graphql_schema, query).uses_introspection is False


def test_the_whole_document_counts_not_only_the_chosen_operation():
    """The flag belongs to the cached document, which serves every operationName."""
    query = "query Sites { sites { hostname } } query Meta { __schema { queryType { name } } }"
    body = json.dumps({"query": query, "operationName": "Sites"})

    response = Client().post(GRAPHQL_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Introspection is served")


# --- Introspection: on and off ----------------------------------------------------------------
def test_introspection_on_serves_guests(settings, anonymous):
    settings.GRAPHQL_INTROSPECTION = "on"

    assert anonymous(SCHEMA).body == {"data": SCHEMA_ANSWER}


def test_introspection_off_refuses_everyone(settings, callers):
    callers["api_key"](SCHEMA)  # cached while introspection was on for it
    settings.GRAPHQL_INTROSPECTION = "off"

    for caller in callers.values():
        response = caller(SCHEMA)
        assert response.status == 400
        (error,) = response.errors
        assert error["message"] == (
            "Introspection is switched off on this server (the query asks for '__schema')."
        )
        assert error["extensions"] == {"code": "ERR_FORBIDDEN"}
    assert callers["guest"]("{ __typename }").body == {"data": {"__typename": "Query"}}


def test_a_setting_changed_at_run_time_counts_for_cached_documents(settings, anonymous):
    assert anonymous(SCHEMA).status == 400
    settings.GRAPHQL_INTROSPECTION = "on"

    assert anonymous(SCHEMA).status == 200
    assert len(documents) == 1


# --- Suggestions ------------------------------------------------------------------------------
def test_guests_get_no_suggestions_and_signed_in_callers_do(callers):
    guest = callers["guest"]

    first = guest(TYPO)
    hinted = callers["user"](TYPO)
    keyed = callers["api_key"](TYPO)
    again = guest(TYPO)

    for response in (first, again):
        assert response.status == 400
        assert [(e["message"], e["locations"]) for e in response.errors] == [
            (TYPO_PLAIN, [{"line": 1, "column": 11}])
        ]
    for response in (hinted, keyed):
        assert [(e["message"], e["locations"]) for e in response.errors] == [
            (TYPO_HINTED, [{"line": 1, "column": 11}])
        ]
    assert len(documents) == 1


SUGGESTING_REQUESTS = [
    ("{ users(orderBy: nam) { id } }", None, "Value 'nam' does not exist in 'UserOrderBy' enum."),
    (
        "query ($o: UserOrderBy) { users(orderBy: $o) { id } }",
        {"o": "nme"},
        "Variable '$o' got invalid value 'nme'; Value 'nme' does not exist in 'UserOrderBy' enum.",
    ),
    ("{ users(orderBi: name) { id } }", None, "Unknown argument 'orderBi' on field 'Query.users'."),
    ("query ($o: UserOrderBi) { __typename }", None, "Unknown type 'UserOrderBi'."),
]


@pytest.mark.parametrize(("query", "variables", "plain"), SUGGESTING_REQUESTS)
def test_every_kind_of_suggestion_is_cut_for_guests(callers, query, variables, plain):
    guest_messages = callers["guest"](query, variables).error_messages
    admin_messages = callers["api_key"](query, variables).error_messages

    assert plain in guest_messages
    assert not [m for m in guest_messages if "Did you mean" in m]
    assert [m for m in admin_messages if m.startswith(plain + " Did you mean ")]


def test_suggestions_off_for_everyone(settings, callers):
    settings.GRAPHQL_SUGGESTIONS = "off"

    for caller in callers.values():
        assert caller(TYPO).error_messages == [TYPO_PLAIN]


def test_suggestions_on_for_guests(settings, anonymous):
    settings.GRAPHQL_SUGGESTIONS = "on"

    assert anonymous(TYPO).error_messages == [TYPO_HINTED]


@pytest.mark.parametrize(
    "hint",
    [
        did_you_mean(["a"]),
        did_you_mean(["a", "b"]),
        did_you_mean(["a", "b_c", "D9"]),
        did_you_mean([f"n{i}" for i in range(8)]),
        did_you_mean(["NAME", "name"], "the enum value"),
    ],
)
def test_every_shape_of_graphql_cores_hint_is_cut_exactly(hint):
    (error,) = without_suggestions([GraphQLError("Unknown field 'x'." + hint)])

    assert error.message == "Unknown field 'x'."


def test_cached_errors_are_never_changed():
    shared = GraphQLError("Cannot query field 'a' on type 'B'." + did_you_mean(["b"]))

    without_suggestions([shared])

    assert shared.message.endswith("Did you mean 'b'?")


def test_a_guest_who_sends_no_typo_pays_nothing(anonymous):
    """No error, no rewriting: the answer is the cached document's run, untouched."""
    assert anonymous("{ sites { hostname } }").body == {"data": {"sites": [{"hostname": "*"}]}}


# --- The settings -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [("", "signed-in"), ("on", "on"), (" Signed-In ", "signed-in"), ("OFF", "off")],
)
def test_exposure_settings_read_three_values(monkeypatch, value, expected):
    monkeypatch.setenv("GRAPHQL_TEST_EXPOSURE", value)

    assert exposure_setting("GRAPHQL_TEST_EXPOSURE", "signed-in") == expected


@pytest.mark.parametrize("value", ["yes", "signed_in", "guests", "1"])
def test_an_unknown_exposure_value_stops_the_server(monkeypatch, value):
    monkeypatch.setenv("GRAPHQL_TEST_EXPOSURE", value)

    with pytest.raises(ImproperlyConfigured, match="must be on, signed-in or off"):
        exposure_setting("GRAPHQL_TEST_EXPOSURE", "on")


def _settings_in_a_fresh_process(**env) -> str:
    names = ("DEBUG", "SECRET_KEY", "GRAPHQL_INTROSPECTION", "GRAPHQL_SUGGESTIONS")
    clean = {k: v for k, v in os.environ.items() if k not in names}
    script = (
        "import wiki.settings as s; "
        "print(s.GRAPHQL_INTROSPECTION, s.GRAPHQL_SUGGESTIONS, s.GRAPHQL_EXPLORER)"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-c", script],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_defaults_follow_debug():
    secret = "x" * 60
    development = _settings_in_a_fresh_process(DEBUG="1")
    production = _settings_in_a_fresh_process(DEBUG="0", SECRET_KEY=secret)
    switched = _settings_in_a_fresh_process(
        DEBUG="0", SECRET_KEY=secret, GRAPHQL_INTROSPECTION="on", GRAPHQL_EXPLORER="0"
    )

    assert development == "on on True"
    assert production == "signed-in signed-in True"
    assert switched == "on signed-in False"
