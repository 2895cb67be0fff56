"""The ``/_graphql`` transport rules (API.md §1.1, §1.2, §1.6, §2.3-2.4)."""

import json
import re

import jwt
import pytest
from django.test import Client

from accounts import directory, services, tokens
from tests.conftest import GRAPHQL_URL
from tests.token_support import verified_claims

pytestmark = pytest.mark.django_db

API_STATE = "{ apiState }"
SITES = "{ sites { hostname } }"
ME = "query ($id: UUID!) { userById(id: $id) { id email } }"
USERS = "{ users { id } }"
CREATE_USER = """
mutation { createUser(email: "csrf@example.com", name: "Csrf", passwordRaw: "Password123") {
  operation { succeeded slug message } user { id } } }
"""
SITE_DEPTH_3 = "{ sites { locales { primary } } }"
SITE_DEPTH_4 = "{ sites { locales { active { code } } } }"
SITE_DEPTH_4_FRAGMENT = """
query { sites { ...SiteLocales } }
fragment SiteLocales on Site { locales { active { code } } }
"""


def post(body, content_type="application/json", client=None, **headers):
    client = client or Client()
    if not isinstance(body, str | bytes):
        body = json.dumps(body)
    return client.post(GRAPHQL_URL, data=body, content_type=content_type, **headers)


def messages(response) -> list[str]:
    return [error["message"] for error in response.json()["errors"]]


# --- Bodies (content types, methods and sizes: test_transport_http.py) ---------------------------
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"query": "{ sites { id } }"', "POST body sent invalid JSON."),
        ("not json at all", "POST body sent invalid JSON."),
        (b"\xff\xfe{}", None),
        ('[{"query": "{ sites { id } }"}]', "The received data is not a valid JSON query."),
        ('"{ sites { id } }"', "The received data is not a valid JSON query."),
        ("{}", "Must provide query string."),
        ('{"query": ""}', "Must provide query string."),
    ],
    ids=["truncated", "text", "not-utf8", "batch", "string", "no-query", "empty-query"],
)
def test_unusable_bodies(body, message):
    response = post(body)

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert "unexpected" not in error["message"].lower()
    if message is not None:
        assert error["message"] == message


def test_syntax_error():
    response = post({"query": "{ sites { id }"})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"].startswith("Syntax Error:")
    assert error["locations"] == [{"line": 1, "column": 15}]


@pytest.mark.parametrize(
    ("query", "variables", "fragment"),
    [
        ("{ sites { nope } }", None, "Cannot query field 'nope' on type 'Site'."),
        ("{ nothingHere }", None, "Cannot query field 'nothingHere'"),
        ("{ userById { id } }", None, "argument 'id' of type 'UUID!' is required"),
        ('{ userById(id: "not-a-uuid") { id } }', None, "UUID cannot represent value"),
        ('{ userById(id: "123e4567-e89b-72d3-a456-426614174000") { id } }', None, "UUID"),
        ("{ userById(id: 12) { id } }", None, "UUID must be a string."),
        (ME, {"id": "nope"}, "UUID cannot represent value"),
        (ME, {"id": 5}, "UUID cannot represent value"),
        (ME, {}, "Variable '$id' of required type 'UUID!' was not provided."),
        ("query ($id: String!) { userById(id: $id) { id } }", {"id": "x"}, "Variable '$id'"),
        (
            "query ($n: String) { users(query: $n) { id } }",
            {"n": 5},
            "String cannot represent a non string value: 5",
        ),
        (
            "query ($p: Int) { users(page: $p) { id } }",
            {"p": "two"},
            "Int cannot represent non-integer value: 'two'",
        ),
        ('{ users(orderBy: "name") { id } }', None, "Enum 'UserOrderBy' cannot represent"),
    ],
)
def test_validation_errors_are_400(query, variables, fragment):
    body = {"query": query}
    if variables is not None:
        body["variables"] = variables

    response = post(body)

    assert response.status_code == 400, response.content
    assert "data" not in response.json() or response.json()["data"] is None
    assert any(fragment in message for message in messages(response)), messages(response)


def test_resolver_errors_are_200_with_key_and_path():
    response = post({"query": "{ sites { hostname } users { id } apiState }"})

    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"sites": [{"hostname": "*"}], "users": None, "apiState": None}
    assert [(e["message"], e["path"], e["extensions"]) for e in body["errors"]] == [
        ("ERR_NOT_AUTHENTICATED", ["users"], {"code": "ERR_NOT_AUTHENTICATED"}),
        ("ERR_NOT_AUTHENTICATED", ["apiState"], {"code": "ERR_NOT_AUTHENTICATED"}),
    ]


def test_errors_key_is_absent_when_there_are_none():
    assert post({"query": SITES}).json() == {"data": {"sites": [{"hostname": "*"}]}}


def test_operation_name_selects_the_operation():
    body = {
        "query": "query A { apiState } query B { sites { hostname } }",
        "operationName": "B",
    }

    response = post(body)

    assert response.status_code == 200
    assert response.json() == {"data": {"sites": [{"hostname": "*"}]}}


# --- Limits ---------------------------------------------------------------------------------------
def test_depth_limit(settings):
    settings.GRAPHQL_MAX_QUERY_DEPTH = 3

    assert post({"query": SITE_DEPTH_3}).status_code == 200
    for query in (SITE_DEPTH_4, SITE_DEPTH_4_FRAGMENT):
        response = post({"query": query})
        assert response.status_code == 400
        assert messages(response) == ["Query is nested 4 levels deep; the limit is 3."]


def test_default_depth_limit_allows_real_queries():
    response = post({"query": SITE_DEPTH_4})

    assert response.status_code == 200
    assert response.json()["data"]["sites"][0]["locales"]["active"][0]["code"] == "en"


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{n}: sites {{ id }}" for n in range(count)) + " }"


@pytest.mark.parametrize(("limit", "override"), [(30, False), (3, True)])
def test_alias_limit(settings, limit, override):
    if override:
        settings.GRAPHQL_MAX_ALIASES = limit

    at_limit = post({"query": _aliases(limit)})
    over = post({"query": _aliases(limit + 1)})

    assert at_limit.status_code == 200
    assert len(at_limit.json()["data"]) == limit
    assert over.status_code == 400
    assert messages(over) == [f"More than {limit} aliases in one request."]


# --- Unexpected failures --------------------------------------------------------------------------
UNEXPECTED = re.compile(r"An unexpected error occurred\. Reference: [0-9a-f]{32}\.")


def answer_while_failing(monkeypatch, target, name: str, client, query: str):
    """``client(query)`` while ``target.name`` raises: HTTP 200 with none of the details."""

    def explode(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(target, name, explode)

    response = client(query)

    assert response.status == 200
    raw = json.dumps(response.body)
    assert "secret detail" not in raw
    assert "Traceback" not in raw
    assert "RuntimeError" not in raw
    return response


def test_unexpected_query_failure_hides_details(admin_key_client, monkeypatch, caplog):
    response = answer_while_failing(monkeypatch, directory, "list_users", admin_key_client, USERS)

    assert response.data == {"users": None}
    (error,) = response.errors
    assert error["path"] == ["users"]
    assert error["extensions"]["code"] == "ERR_UNEXPECTED"
    assert UNEXPECTED.fullmatch(error["message"])
    # The details and the reference are in the server log.
    assert error["extensions"]["ref"] in caplog.text
    assert "secret detail" in caplog.text


def test_unexpected_mutation_failure_hides_details(admin_key_client, monkeypatch, caplog):
    response = answer_while_failing(
        monkeypatch, services, "create_user", admin_key_client, CREATE_USER
    )

    payload = response.data["createUser"]
    assert payload["user"] is None
    assert payload["operation"]["succeeded"] is False
    assert payload["operation"]["slug"] == "ERR_UNEXPECTED"
    assert UNEXPECTED.fullmatch(payload["operation"]["message"])
    assert "secret detail" in caplog.text


# --- Explorer, size ------------------------------------------------------------------------------
def test_explorer_is_served_from_local_assets():
    client = Client()

    response = client.get(GRAPHQL_URL, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "http://" not in html
    assert "https://" not in html
    assert "//cdn" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/graphiql/graphiql.min.js" in assets
    assert "/static/vendor/graphiql/graphiql.min.css" in assets
    assert 'data-endpoint="/_graphql"' in html
    for asset in assets:
        assert asset.startswith("/static/")
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content if served.streaming else [served.content])


def test_body_under_5_mb_is_executed():
    padding = "x" * (5 * 1024 * 1024 - 200)

    response = post({"query": SITES, "variables": {"pad": padding}})

    assert response.status_code == 200
    assert response.json() == {"data": {"sites": [{"hostname": "*"}]}}


# --- Credentials ----------------------------------------------------------------------------------
def test_jwt_cookie_is_a_credential(user):
    client = Client()
    client.cookies["jwt"] = tokens.issue_session_token(user)

    response = post({"query": ME, "variables": {"id": str(user.pk)}}, client=client)

    assert response.json() == {"data": {"userById": {"id": str(user.pk), "email": user.email}}}


def test_authorization_header_wins_over_the_cookie(user, admin):
    client = Client()
    client.cookies["jwt"] = tokens.issue_session_token(user)

    response = post(
        {"query": ME, "variables": {"id": str(admin.pk)}},
        client=client,
        HTTP_AUTHORIZATION=f"Bearer {tokens.issue_session_token(admin)}",
    )

    assert response.json() == {"data": {"userById": {"id": str(admin.pk), "email": admin.email}}}


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer  ", "JWT {token}", "Token {token}", "garbage"]
)
def test_malformed_authorization_is_a_guest(user, header):
    header = header.format(token=tokens.issue_session_token(user))

    response = post({"query": ME, "variables": {"id": str(user.pk)}}, HTTP_AUTHORIZATION=header)

    assert response.status_code == 200
    assert messages(response) == ["ERR_NOT_AUTHENTICATED"]


def test_bad_cookie_is_a_guest(user):
    client = Client()
    client.cookies["jwt"] = "not.a.token"

    response = post({"query": ME, "variables": {"id": str(user.pk)}}, client=client)

    assert response.status_code == 200
    assert messages(response) == ["ERR_NOT_AUTHENTICATED"]


def test_public_key_routes_verify_issued_tokens(user):
    token = tokens.issue_session_token(user)
    client = Client()

    pem_response = client.get("/.well-known/jwk.pem")
    jwk_response = client.get("/.well-known/jwk.json")

    assert pem_response.status_code == 200
    pem = pem_response.content.decode()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in pem
    claims = verified_claims(token, pem)
    assert claims["id"] == str(user.pk)

    assert jwk_response.status_code == 200
    (jwk,) = jwk_response.json()["keys"]
    assert {"kty": "RSA", "alg": "RS256", "use": "sig"}.items() <= jwk.items()
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()
    public_key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    claims = verified_claims(token, public_key)
    assert claims["email"] == user.email


def test_public_key_routes_are_get_only():
    response = Client().post("/.well-known/jwk.json")

    assert response.status_code == 405


NUL_REQUESTS = [
    ('{ users(query: "a\\u0000b") { id } }', None),
    ("query ($q: String) { users(query: $q) { id } }", {"q": "a\x00b"}),
]


@pytest.mark.parametrize(("query", "variables"), NUL_REQUESTS)
def test_nul_characters_are_refused_with_a_clear_400(admin_client, query, variables):
    response = admin_client(query, variables)
    assert response.status == 400
    assert response.error_messages == ["NUL characters (\\u0000) are not allowed."]


def test_backslash_text_in_variables_is_not_mistaken_for_nul(admin_client):
    response = admin_client("query ($q: String) { users(query: $q) { id } }", {"q": "\\u0000"})
    assert response.status == 200
    assert response.data == {"users": []}
