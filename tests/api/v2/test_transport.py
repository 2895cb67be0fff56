"""The /graphql transport (API-v2.md §1.1, §1.2): POST JSON, GET queries, the explorer, batches,
status codes and ``extensions.code`` as Apollo Server 2 answers them."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.v2 import view as v2_view
from wiki import security_headers

from .transport_support import JSON, V2_URL, get_url, post_json

pytestmark = pytest.mark.django_db

NAMESPACES = "{ pages { __typename } users { __typename } }"
NAMESPACES_DATA = {"pages": {"__typename": "PageQuery"}, "users": {"__typename": "UserQuery"}}
TYPE_BY_NAME = "query TypeByName($name: String!) { __type(name: $name) { name kind } }"
MUTATION = "mutation { pages { __typename } }"


def errors_of(response) -> list[dict]:
    return response.json()["errors"]


# --- POST -------------------------------------------------------------------------------------
def test_a_json_post_runs_and_has_no_errors_member():
    response = post_json({"query": NAMESPACES})

    assert response.status_code == 200
    assert response["Content-Type"] == JSON
    assert response.json() == {"data": NAMESPACES_DATA}


def test_variables_and_operation_name_are_optional_and_used():
    document = TYPE_BY_NAME + " query Other { users { __typename } }"
    body = {"query": document, "variables": {"name": "PageQuery"}, "operationName": "TypeByName"}

    response = post_json(body)

    assert response.status_code == 200
    assert response.json() == {"data": {"__type": {"name": "PageQuery", "kind": "OBJECT"}}}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/graphql",
        "application/json; charset=latin-1",
    ],
)
def test_other_content_types_are_refused_with_400(content_type, monkeypatch):
    ran = []
    monkeypatch.setattr(
        v2_view.WikiJs2GraphQLView,
        "execute_document",
        lambda self, *args, **kwargs: ran.append(args),
    )

    response = Client().post(V2_URL, json.dumps({"query": NAMESPACES}), content_type=content_type)

    assert response.status_code == 400
    (error,) = errors_of(response)
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert "application/json" in error["message"]
    assert "data" not in response.json()
    assert ran == []


def test_unparsable_json_is_400_with_errors_only():
    response = post_json('{"query": ')

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"message": "POST body sent invalid JSON.", "extensions": {"code": "BAD_REQUEST"}}
        ]
    }


@pytest.mark.parametrize("body", [{}, {"query": ""}, {"query": None, "variables": {}}])
def test_a_missing_query_is_400(body):
    response = post_json(body)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "Must provide query string.", "extensions": {"code": "BAD_REQUEST"}}]
    }


def test_the_body_limit_is_the_projects(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200

    response = post_json({"query": NAMESPACES, "variables": {"padding": "x" * 300}})

    assert response.status_code == 413
    assert errors_of(response) == [
        {
            "message": "The request body is larger than the limit of 200 bytes.",
            "extensions": {"code": "BAD_REQUEST"},
        }
    ]


def test_nul_in_the_body_is_refused():
    response = post_json({"query": NAMESPACES, "variables": {"name": "a\x00b"}})

    assert response.status_code == 400
    assert errors_of(response)[0]["message"] == "NUL characters (\\u0000) are not allowed."


# --- GET --------------------------------------------------------------------------------------
def test_a_query_by_get_as_a_wikijs2_client_encodes_it():
    # As Apollo's HTTP link writes it (encodeURIComponent on each parameter), byte for byte.
    url = (
        "/graphql?query=query%20TypeByName(%24name%3A%20String!)%20%7B%20__type(name%3A%20"
        "%24name)%20%7B%20name%20kind%20%7D%20%7D&operationName=TypeByName"
        "&variables=%7B%22name%22%3A%22UserQuery%22%7D"
    )

    response = Client().get(url)

    assert response.status_code == 200
    assert response.json() == {"data": {"__type": {"name": "UserQuery", "kind": "OBJECT"}}}


def test_a_query_by_get_with_form_encoding_and_no_variables():
    response = Client().get(V2_URL, {"query": NAMESPACES})  # spaces as "+"

    assert response.status_code == 200
    assert response.json() == {"data": NAMESPACES_DATA}


def test_a_mutation_by_get_is_405_allowing_post(monkeypatch):
    ran = []
    monkeypatch.setattr(
        v2_view.WikiJs2GraphQLView,
        "execute_document",
        lambda self, *args, **kwargs: ran.append(args),
    )

    response = Client().get(get_url(MUTATION))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {
        "errors": [
            {"message": "GET supports only query operation", "extensions": {"code": "BAD_REQUEST"}}
        ]
    }
    assert ran == []


def test_get_runs_the_named_query_of_a_document_that_also_holds_a_mutation():
    document = "query Read { pages { __typename } } mutation Write { pages { __typename } }"

    read = Client().get(get_url(document, operation_name="Read"))
    write = Client().get(get_url(document, operation_name="Write"))

    assert read.status_code == 200
    assert read.json() == {"data": {"pages": {"__typename": "PageQuery"}}}
    assert write.status_code == 405


def test_get_variables_that_are_not_json_are_400():
    response = Client().get(V2_URL, {"query": TYPE_BY_NAME, "variables": "{name:"})

    assert response.status_code == 400
    assert errors_of(response) == [
        {"message": "Variables are invalid JSON.", "extensions": {"code": "BAD_REQUEST"}}
    ]


@pytest.mark.parametrize("address", [V2_URL, V2_URL + "?query=", V2_URL + "?variables=%7B%7D"])
def test_get_without_query_from_a_program_is_400(address):
    response = Client().get(address, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "GET query missing.", "extensions": {"code": "BAD_REQUEST"}}]
    }


def test_get_without_query_from_a_browser_serves_the_explorer_pointed_at_graphql():
    response = Client().get(V2_URL, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'data-endpoint="/graphql"' in html
    assert response[security_headers.HEADER] == security_headers.EXPLORER_POLICY


def test_without_the_explorer_a_browser_gets_the_400_too(settings):
    settings.GRAPHQL_EXPLORER = False

    response = Client().get(V2_URL, HTTP_ACCEPT="text/html")

    assert response.status_code == 400
    assert errors_of(response)[0]["message"] == "GET query missing."


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_other_methods_are_405_and_no_cors_headers_are_sent(method):
    response = getattr(Client(), method)(V2_URL, HTTP_ORIGIN="https://elsewhere.example")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert errors_of(response)[0]["extensions"] == {"code": "BAD_REQUEST"}
    assert not [name for name in response.headers if name.lower().startswith("access-control")]


def test_no_cors_headers_on_an_executed_request():
    response = post_json({"query": NAMESPACES}, HTTP_ORIGIN="https://elsewhere.example")

    assert response.status_code == 200
    assert not [name for name in response.headers if name.lower().startswith("access-control")]


# --- Status codes and extensions.code (§1.2) ----------------------------------------------------
def test_a_syntax_error_is_400_graphql_parse_failed():
    response = post_json({"query": "{ pages { __typename }"})

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["message"] == "Syntax Error: Expected Name, found <EOF>."
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ("{ assets { list { id } } }", None),  # a namespace not offered
        ("{ pages { nothing } }", None),  # an unknown field
        ("{ __type(nameX: 1) { name } }", None),  # an unknown argument
        ("{ __type(name: 1) { name } }", None),  # a literal of the wrong type
        ("{ __type { name } }", None),  # a missing required argument
        ("query ($n: Int) { __type(name: $n) { name } }", {"n": 1}),  # incompatible variable
        ("query ($n: String) { __type(name: $n) { name } }", {"n": "X"}),  # String vs String!
    ],
)
def test_validation_errors_are_400_graphql_validation_failed(document, variables):
    response = post_json({"query": document, "variables": variables})

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert body["errors"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.parametrize(
    "variables",
    [{"name": 5}, {"name": None}, {}, {"name": ["a"]}],
)
def test_variables_that_do_not_coerce_are_400_bad_user_input(variables):
    response = post_json({"query": TYPE_BY_NAME, "variables": variables})

    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["message"].startswith("Variable '$name'")
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}


def test_suggestions_and_introspection_are_always_served(settings):
    settings.GRAPHQL_INTROSPECTION = "off"
    settings.GRAPHQL_SUGGESTIONS = "off"

    schema = post_json({"query": "{ __schema { queryType { name } } }"})
    typo = post_json({"query": "{ page { __typename } }"})

    assert schema.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    assert typo.json()["errors"][0]["message"] == (
        "Cannot query field 'page' on type 'Query'. Did you mean 'pages'?"
    )


# --- Batching -----------------------------------------------------------------------------------
def test_a_batch_is_run_in_order_and_answered_with_an_array():
    batch = [
        {"query": TYPE_BY_NAME, "variables": {"name": "PageQuery"}},
        {"query": "{ pages { nothing } }"},
        {"query": NAMESPACES},
        {"variables": {}},
        {"query": TYPE_BY_NAME, "variables": {"name": 1}},
    ]

    response = post_json(batch)

    assert response.status_code == 200
    answers = response.json()
    assert isinstance(answers, list)
    assert len(answers) == 5
    assert answers[0] == {"data": {"__type": {"name": "PageQuery", "kind": "OBJECT"}}}
    assert answers[1]["errors"][0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "data" not in answers[1]
    assert answers[2] == {"data": NAMESPACES_DATA}
    assert answers[3] == {
        "errors": [{"message": "Must provide query string.", "extensions": {"code": "BAD_REQUEST"}}]
    }
    assert answers[4]["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


def test_a_batch_of_mutations_runs_each_in_turn():
    response = post_json([{"query": MUTATION}, {"query": MUTATION}])

    assert response.json() == [{"data": {"pages": {"__typename": "PageMutation"}}}] * 2


def test_the_batch_size_is_bounded(settings, monkeypatch):
    settings.GRAPHQL_MAX_BATCH_OPERATIONS = 3
    ran = []
    monkeypatch.setattr(
        v2_view.WikiJs2GraphQLView,
        "execute_document",
        lambda self, *args, **kwargs: ran.append(args),
    )

    response = post_json([{"query": NAMESPACES}] * 4)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The batch holds 4 operations; the limit is 3.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
    assert ran == []


def test_the_default_batch_bound_is_ten(settings):
    assert settings.GRAPHQL_MAX_BATCH_OPERATIONS == 10
    assert post_json([{"query": NAMESPACES}] * 10).status_code == 200
    assert post_json([{"query": NAMESPACES}] * 11).status_code == 400


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ([], "The batch holds no operation."),
        ([{"query": NAMESPACES}, "{ pages { __typename } }"], v2_view.BATCH_ITEM),
        ("[1]", v2_view.BATCH_ITEM),
        ('"{ pages { __typename } }"', "The received data is not a valid JSON query."),
    ],
)
def test_malformed_batches_are_400(batch, message):
    response = post_json(batch if isinstance(batch, str) else json.dumps(batch))

    assert response.status_code == 400
    assert errors_of(response) == [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]


@pytest.mark.parametrize("send", ["post", "get"])
def test_an_unknown_operation_name_is_400_bad_user_input(send):
    if send == "post":
        response = post_json({"query": NAMESPACES, "operationName": "Missing"})
    else:
        response = Client().get(get_url(NAMESPACES, operation_name="Missing"))

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Unknown operation named 'Missing'.",
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
