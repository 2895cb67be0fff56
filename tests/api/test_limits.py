"""Request limits of /_graphql (issue 12, item 1), each at and just past its bound.

Documents: size in bytes, tokens, depth, aliases, the worst-case object estimate (through
fragments, inline fragments, aliases and variables), input lists. Lists: the server's caps,
and OWASP's ``limit: 99999999``. Time budgets are in ``test_limits_deadline.py``.
"""

import json

import pytest
from django.test import Client
from graphql import build_schema, get_introspection_query, parse

from accounts.models import User
from accounts.services import administrators_group
from api.core import cost
from api.core.documents import documents
from tests.conftest import GRAPHQL_URL
from tests.factories import PageFactory, UserFactory

pytestmark = pytest.mark.django_db

SITES = "{ sites { id } }"


@pytest.fixture(autouse=True)
def _fresh_document_cache():
    documents.clear()
    yield
    documents.clear()


def post(query: str, variables: dict | None = None, **headers):
    body = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return Client().post(
        GRAPHQL_URL, data=json.dumps(body), content_type="application/json", **headers
    )


def messages(response) -> list[str]:
    return [error["message"] for error in response.json()["errors"]]


def nested(depth: int, leaf: str = "id") -> str:
    """OWASP's deep-nesting shape: ``album { songs { album { songs ... } } }``."""
    names = ["album", "songs"]
    opening = " ".join(f"{names[n % 2]} {{" for n in range(depth - 1))
    return f"query evil {{ {opening} {leaf} {'}' * (depth - 1)} }}"


# --- Document size in bytes ---------------------------------------------------------------------
def test_document_bytes_at_and_past_the_limit(settings):
    query = "{ sites { id } }    "
    settings.GRAPHQL_MAX_DOCUMENT_BYTES = len(query.encode())

    assert post(query).status_code == 200
    response = post(query + " ")
    assert response.status_code == 400
    assert messages(response) == [
        f"The document is {len(query) + 1} bytes long; the limit is {len(query)}. "
        "Send large values (page content) in variables."
    ]


def test_document_bytes_count_utf8_not_characters(settings):
    query = '{ siteByHostname(hostname: "éé", exact: true) { id } }'
    settings.GRAPHQL_MAX_DOCUMENT_BYTES = len(query) + 1  # two 2-byte characters: +2 bytes

    (message,) = messages(post(query))
    assert message.startswith(f"The document is {len(query) + 2} bytes long;")


def test_document_bytes_are_checked_before_parsing(settings, monkeypatch):
    import api.core.documents as module

    parsed = []
    monkeypatch.setattr(module, "parse", lambda *a, **k: parsed.append(a))
    settings.GRAPHQL_MAX_DOCUMENT_BYTES = 100

    response = post("{ " + "x" * 200)  # not even a valid document

    assert response.status_code == 400
    assert messages(response)[0].startswith("The document is 202 bytes long;")
    assert parsed == []


def test_default_document_limit_refuses_a_megabyte_of_literal(admin_key_client):
    content = "a" * (1024 * 1024)
    query = '{ pages(tags: ["' + content + '"]) { id } }'

    response = post(query, HTTP_AUTHORIZATION=f"Bearer {admin_key_client.token}")

    assert response.status_code == 400
    assert "the limit is 1048576" in messages(response)[0]


# --- Tokens -------------------------------------------------------------------------------------
def test_tokens_at_and_past_the_limit(settings):
    # { sites { id } } is six tokens (the end of the text is not counted).
    settings.GRAPHQL_MAX_TOKENS = 6
    assert post(SITES).status_code == 200

    settings.GRAPHQL_MAX_TOKENS = 5
    response = post(SITES)
    assert response.status_code == 400
    assert messages(response) == [
        "Syntax Error: Document contains more than 5 tokens. Parsing aborted."
    ]


def test_tokens_bound_the_parser_inside_literals(settings):
    # A list literal of 3,000 items would be fine for the byte limit; the parser stops at the
    # token limit long before building it.
    query = "{ pages(tags: [" + '"a" ' * 3000 + "]) { id } }"

    response = post(query)

    assert response.status_code == 400
    assert messages(response) == [
        "Syntax Error: Document contains more than 3000 tokens. Parsing aborted."
    ]


# --- Depth --------------------------------------------------------------------------------------
def test_depth_at_the_default_limit_reaches_validation():
    # Depth is measured before validation: at 12 the document goes on to be validated (and
    # fails there, the fields do not exist); at 13 it is refused for its depth.
    assert messages(post(nested(12)))[0].startswith("Cannot query field 'album'")

    response = post(nested(13))
    assert response.status_code == 400
    assert messages(response) == ["Query is nested 13 levels deep; the limit is 12."]


def test_owasp_deep_nesting_is_refused_with_one_message():
    response = post(nested(200))

    assert response.status_code == 400
    assert messages(response) == ["Query is nested 200 levels deep; the limit is 12."]


def test_depth_counts_through_fragments_and_inline_fragments():
    # 4 levels in the operation, 4 in fragment A (inline fragments add none), 5 in B: 13.
    query = """
    query { a { b { c { d { ...A } } } } }
    fragment A on Query { e { ... on Query { f { g { h { ...B } } } } } }
    fragment B on Query { i { j { k { l { m } } } } }
    """

    assert messages(post(query)) == ["Query is nested 13 levels deep; the limit is 12."]


def test_real_queries_at_depth_four_run():
    response = post("{ sites { locales { active { code } } } }")

    assert response.status_code == 200
    assert response.json()["data"]["sites"][0]["locales"]["active"][0]["code"] == "en"


# --- Introspection ------------------------------------------------------------------------------
def test_the_full_introspection_query_runs(settings):
    settings.GRAPHQL_INTROSPECTION = "on"  # a guest's introspection (production: signed-in)
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )

    response = post(query)

    assert response.status_code == 200
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_nested_introspection_lists_are_refused():
    # Each __Type.fields { type { fields ... } } multiplies the answer by the schema's size;
    # the depth limit does not see it (introspection fields are not counted there).
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"

    response = post(query)

    assert response.status_code == 400
    assert set(messages(response)) == {"Maximum introspection depth exceeded"}


# --- The standard rules stay --------------------------------------------------------------------
def test_standard_validation_rules_still_apply():
    response = post("query { sites { id nope } pages(limit: $n) { id } }")

    assert response.status_code == 400
    assert messages(response) == [
        "Cannot query field 'nope' on type 'Site'.",
        "Variable '$n' is not defined.",
    ]


# --- Fragment cycles ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
            "Cannot spread fragment 'A' within itself via 'B'.",
        ),
        (
            "{ sites { ...S } } fragment S on Site { locales { active { code } } ...S }",
            "Cannot spread fragment 'S' within itself.",
        ),
    ],
    ids=["two-fragments", "self"],
)
def test_fragment_cycles_are_refused_by_validation(query, message):
    response = post(query)

    assert response.status_code == 400
    assert messages(response) == [message]


def fragment_chain(count: int) -> str:
    chain = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(count))
    return f"{{ ...F0 }} {chain} fragment F{count} on Query {{ sites {{ hostname }} }}"


def test_a_short_chain_of_fragments_runs():
    assert post(fragment_chain(20)).json() == {"data": {"sites": [{"hostname": "*"}]}}


def test_a_long_chain_of_fragments_is_refused_not_a_500():
    # graphql-core's own budget for fragment work stops validation, with a clear refusal.
    response = post(fragment_chain(240))

    assert response.status_code == 400
    assert messages(response) == ["Validation aborted."]


def test_a_chain_past_the_recursion_limit_is_refused_not_a_500(settings):
    settings.GRAPHQL_MAX_TOKENS = settings.GRAPHQL_MAX_FIELDS = 100_000

    response = post(fragment_chain(2000))

    assert response.status_code == 400
    assert messages(response) == ["The document is nested too deeply."]


# --- Aliases ------------------------------------------------------------------------------------
def aliased_sites(count: int) -> str:
    return " ".join(f"a{n}: sites {{ id }}" for n in range(count))


def test_repeated_spreads_in_one_selection_set_count_once():
    # graphql-core runs a fragment spread twice in one selection set once; so it counts.
    query = f"{{ ...Many ...Many }} fragment Many on Query {{ {aliased_sites(30)} }}"

    assert post(query).status_code == 200


def test_aliases_at_and_past_the_default_through_fragments():
    spread_twice = (
        "query { s: sites { ...Aliased } t: sites { ...Aliased } }"
        " fragment Aliased on Site { " + " ".join(f"h{n}: hostname" for n in range(14)) + " }"
    )
    spread_twice_over = spread_twice.replace("h0: hostname", "h0: hostname h99: hostname")

    assert post(spread_twice).status_code == 200  # 2 + 2 x 14 = 30
    response = post(spread_twice_over)  # 2 + 2 x 15 = 32
    assert response.status_code == 400
    assert messages(response) == ["More than 30 aliases in one request."]


def test_batch_like_aliasing_of_a_mutation_is_refused_before_it_runs(admin):
    calls = " ".join(
        f'l{n}: login(username: "admin@example.com", password: "wrong{n}", strategyId: '
        '"00000000-0000-0000-0000-000000000000") { operation { succeeded } }'
        for n in range(31)
    )

    response = post(f"mutation {{ {calls} }}")

    assert response.status_code == 400
    assert messages(response) == ["More than 30 aliases in one request."]


# --- Worst-case object estimate -----------------------------------------------------------------
PAGES_BY_VARIABLE = "query ($n: Int) { pages(limit: $n) { id } }"


def test_estimate_at_and_past_the_limit_through_aliases(settings):
    settings.GRAPHQL_MAX_NODES = 100

    assert post("{ a: pages(limit: 60) { id } b: pages(limit: 40) { id } }").status_code == 200
    response = post("{ a: pages(limit: 60) { id } b: pages(limit: 41) { id } }")
    assert response.status_code == 400
    assert messages(response) == [
        "The operation may return up to 101 objects; the limit is 100. "
        "Ask for fewer items (limit, pageSize, offsetSize) or split the request."
    ]


def test_estimate_counts_named_and_inline_fragments(settings):
    settings.GRAPHQL_MAX_NODES = 100
    query = """
    query { ...Lists ... on Query { b: pages(limit: 20) { id } } }
    fragment Lists on Query { a: pages(limit: 40) { id } c: searchPages(siteId: "%s",
      query: "", limit: %d) { results { id } } }
    """
    site = "00000000-0000-0000-0000-000000000000"

    # 40 + 20 + 40: searchPages counts its results, not the wrapper around them.
    at_limit = post(query % (site, 40))
    assert at_limit.status_code == 200, at_limit.content
    over = post(query % (site, 41))
    assert messages(over)[0].startswith("The operation may return up to 101 objects;")


def test_estimate_multiplies_nested_lists():
    schema = build_schema(
        """
        type Query { pages(limit: Int): [Group] sites: [Group] }
        type Group { users(page: Int, pageSize: Int): [Group] id: ID }
        """
    )
    document = parse(
        """
        query ($size: Int) {
          pages(limit: 10) { a: users(pageSize: 10) { id } b: users(pageSize: $size) { id } }
          sites { users(pageSize: 7) { users(pageSize: 3) { id } } }
        }
        """
    )

    plan = cost.plan_costs(schema, document)

    # pages: 10 + 10 x 10 + 10 x size; sites: 1 + 7 + 7 x 3.
    assert plan.nodes(None, {"size": 5}) == 10 + 100 + 50 + 1 + 7 + 21
    # Without page and pageSize the list is the server's cap (1000).
    assert plan.nodes(None, {"size": None}) == 10 + 100 + 10 * 1000 + 1 + 7 + 21
    assert not plan.is_static


def test_estimate_counts_a_fragment_bomb_as_graphql_core_runs_it(settings):
    # 2**30 spreads of one fragment: graphql-core runs its field once, and so it counts once.
    settings.GRAPHQL_MAX_NODES = 1000
    chain = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(29))
    query = f"{{ ...F0 }} {chain} fragment F29 on Query {{ pages(limit: 1000) {{ id }} }}"

    assert post(query).status_code == 200


def test_variables_sizing_a_list_are_resolved_per_request(settings, monkeypatch):
    import api.core.documents as module

    parsed = []
    real_parse = module.parse
    monkeypatch.setattr(module, "parse", lambda *a, **k: parsed.append(a) or real_parse(*a, **k))
    settings.GRAPHQL_MAX_NODES = 100

    assert post(PAGES_BY_VARIABLE, {"n": 100}).status_code == 200
    refused = post(PAGES_BY_VARIABLE, {"n": 101})
    assert refused.status_code == 400
    assert messages(refused)[0].startswith("The operation may return up to 101 objects;")
    # No limit means the server's cap (1000): over 100 as well.
    assert messages(post(PAGES_BY_VARIABLE, {}))[0].startswith(
        "The operation may return up to 1000 objects;"
    )
    assert post(PAGES_BY_VARIABLE, {"n": 3}).status_code == 200
    # One document, parsed and planned once, whatever the variables.
    assert len(parsed) == 1
    assert len(documents) == 1


def test_variable_defaults_size_lists_too(settings):
    settings.GRAPHQL_MAX_NODES = 100

    response = post("query ($n: Int = 101) { pages(limit: $n) { id } }")

    assert messages(response)[0].startswith("The operation may return up to 101 objects;")


def test_the_chosen_operation_is_estimated(settings):
    settings.GRAPHQL_MAX_NODES = 100
    query = (
        "query Small($n: Int) { pages(limit: $n) { id } } "
        "query Big($n: Int) { a: pages(limit: $n) { id } b: pages(limit: $n) { id } }"
    )

    def run(name):
        return Client().post(
            GRAPHQL_URL,
            data=json.dumps({"query": query, "variables": {"n": 60}, "operationName": name}),
            content_type="application/json",
        )

    assert run("Small").status_code == 200
    assert messages(run("Big"))[0].startswith("The operation may return up to 120 objects;")


def test_a_large_uncached_document_is_estimated_with_its_variables(settings):
    settings.GRAPHQL_MAX_NODES = 100
    settings.GRAPHQL_DOCUMENT_CACHE_MAX_BYTES = 10
    query = PAGES_BY_VARIABLE + " " * 50

    assert post(query, {"n": 100}).status_code == 200
    assert messages(post(query, {"n": 101}))[0].startswith("The operation may return up to 101")
    assert len(documents) == 0


def test_default_limit_allows_the_seed_examples(admin_key_client):
    response = admin_key_client(
        '{ pages(orderBy: TITLE) { id path title } groups { id name } users(query: "john") '
        "{ id name email } }"
    )

    assert response.status == 200
    assert response.errors == []


def test_every_list_sized_by_an_argument_is_known_to_the_estimate():
    """A new list field sized by an argument must join ``cost.SIZED_FIELDS``."""
    from api.schema import schema

    size_arguments = {"limit", "pageSize", "offsetSize", "first", "last"}
    for type_name, named in schema.graphql_schema.type_map.items():
        fields = getattr(named, "fields", None)
        if type_name.startswith("__") or not fields or not hasattr(named, "interfaces"):
            continue
        for field_name, field in fields.items():
            if size_arguments & set(field.args):
                assert (type_name, field_name) in cost.SIZED_FIELDS, (type_name, field_name)


# --- Input lists --------------------------------------------------------------------------------
TAGS_BY_VARIABLE = "query ($t: [String!]) { pages(tags: $t) { id } }"


def test_an_inline_list_at_and_past_the_limit():
    def query(count):
        return "{ pages(tags: [" + " ".join(f'"t{n}"' for n in range(count)) + "]) { id } }"

    assert post(query(250)).json() == {"data": {"pages": []}}
    response = post(query(251))
    assert response.status_code == 400
    assert messages(response) == ["A list in the document holds 251 items; the limit is 250."]


def test_a_list_in_variables_at_and_past_the_limit():
    assert post(TAGS_BY_VARIABLE, {"t": [f"t{n}" for n in range(250)]}).json() == {
        "data": {"pages": []}
    }
    response = post(TAGS_BY_VARIABLE, {"t": [f"t{n}" for n in range(251)]})
    assert response.status_code == 400
    assert messages(response) == ["A list in the variables holds 251 items; the limit is 250."]


def test_a_long_list_nested_in_an_object_variable_is_refused(settings):
    settings.GRAPHQL_MAX_INPUT_LIST_ITEMS = 3
    query = (
        "mutation ($id: UUID!, $p: PageUpdateInput!) { updatePage(id: $id, patch: $p) "
        "{ operation { slug } } }"
    )
    variables = {"id": "00000000-0000-0000-0000-000000000000", "p": {"tags": ["a"] * 4}}

    response = post(query, variables)

    assert response.status_code == 400
    assert messages(response) == ["A list in the variables holds 4 items; the limit is 3."]


# --- Server-side caps on list arguments (API.md bounds; OWASP's limit: 99999999) ----------------
PAGES = "query ($n: Int) { pages(limit: $n, orderBy: PATH) { path } }"


@pytest.fixture
def five_pages(db):
    return [PageFactory(path=f"p{n}") for n in range(5)]


@pytest.mark.parametrize(
    ("limit", "count"), [(None, 3), (0, 3), (-1, 3), (2, 2), (3, 3), (4, 3), (99999999, 3)]
)
def test_pages_are_capped(settings, admin_key_client, five_pages, limit, count):
    settings.GRAPHQL_MAX_LIST_ITEMS = 3

    response = admin_key_client(PAGES, {"n": limit})

    assert response.errors == []
    assert [p["path"] for p in response.data["pages"]] == [f"p{n}" for n in range(count)]


def test_pages_limit_99999999_is_clamped_in_one_list_query(
    admin_key_client, five_pages, django_assert_num_queries
):
    admin_key_client(PAGES, {"n": 1})  # warms the caches of the key's permissions
    with django_assert_num_queries(2):  # the key's validity, then the list
        response = admin_key_client("{ pages(limit: 99999999) { path } }")

    assert sorted(p["path"] for p in response.data["pages"]) == [f"p{n}" for n in range(5)]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ('{ tree(siteId: "%s", limit: 99999999) { id } }', "ERR_INVALID_INPUT"),
        ('{ searchPages(siteId: "%s", query: "", limit: 99999999) { totalHits } }', None),
    ],
    ids=["tree", "searchPages"],
)
def test_contract_bounds_refuse_99999999(admin_key_client, query, error):
    site = admin_key_client("{ sites { id } }").data["sites"][0]["id"]

    response = admin_key_client(query % site)

    assert response.error_messages == ["ERR_INVALID_INPUT"]


def test_history_offset_size_at_and_past_the_cap(settings, admin_key_client):
    settings.GRAPHQL_MAX_LIST_ITEMS = 3
    page = PageFactory()
    query = "query ($id: UUID!, $s: Int) { pageHistoryById(id: $id, offsetSize: $s) { total } }"

    assert admin_key_client(query, {"id": str(page.pk), "s": 3}).errors == []
    over = admin_key_client(query, {"id": str(page.pk), "s": 4})
    assert over.error_messages == ["ERR_INVALID_INPUT"]
    huge = admin_key_client(query, {"id": str(page.pk), "s": 99999999})
    assert huge.error_messages == ["ERR_INVALID_INPUT"]


USERS = "query ($size: Int) { users(pageSize: $size) { email } }"
GROUP_USERS = """query ($size: Int) {
  groups { name users(pageSize: $size) { email } } }"""


def test_users_without_paging_stop_at_the_cap(settings, admin_key_client):
    settings.GRAPHQL_MAX_LIST_ITEMS = 2
    for n in range(5):
        UserFactory(email=f"u{n}@example.com")

    assert len(admin_key_client(USERS, {"size": None}).data["users"]) == 2
    # pageSize past 1000 means 1000 (the contract's own bound), whatever the cap.
    every = admin_key_client(USERS, {"size": 99999999}).data["users"]
    assert len(every) == User.objects.count() > 5


def test_group_members_without_paging_stop_at_the_cap(settings, admin_key_client):
    settings.GRAPHQL_MAX_LIST_ITEMS = 2
    for n in range(4):
        UserFactory(email=f"m{n}@example.com", groups=[administrators_group()])

    def members(size):
        groups = admin_key_client(GROUP_USERS, {"size": size}).data["groups"]
        (administrators,) = [g for g in groups if g["name"] == "Administrators"]
        return administrators["users"]

    assert len(members(None)) == 2
    assert len(members(3)) == 3
    assert len(members(99999999)) == 4


def test_owasp_limit_99999999_under_aliases_is_refused_by_the_estimate():
    # Each alias is clamped to the list cap (1000): ten fit the default 10,000, eleven do not.
    def query(count):
        return (
            "{ " + " ".join(f"a{n}: pages(limit: 99999999) {{ id }}" for n in range(count)) + " }"
        )

    assert post(query(10)).status_code == 200
    response = post(query(11))
    assert response.status_code == 400
    assert messages(response)[0].startswith("The operation may return up to 11000 objects;")


def of_type_chain(levels: int) -> str:
    return (
        '{ __type(name: "Query") { name ' + "ofType { " * levels + "name" + " }" * levels + " } }"
    )


def test_deep_of_type_chains_in_introspection_are_answered(settings):
    settings.GRAPHQL_INTROSPECTION = "on"  # a guest's introspection (production: signed-in)
    # ofType is not a list: the answer ends where the type does, and the depth counts none
    # of it; graphql-core's parser bounds the nesting of the text.
    assert post(of_type_chain(10)).json() == {"data": {"__type": {"name": "Query", "ofType": None}}}

    response = post(of_type_chain(400))
    assert response.status_code == 400
    assert messages(response) == ["Syntax Error: Document is nested too deeply. Parsing aborted."]
