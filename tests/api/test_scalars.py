"""The contract's scalars (API.md §4.0) through /_graphql: UUID, Date and JSON."""

from datetime import UTC, datetime, timedelta, timezone

import graphene
import pytest
from graphql import GraphQLError

from api.core.scalars import JSON, UUID, Date
from pages.models import Page
from tests.factories import PageFactory, default_site

from .test_create_page import create

pytestmark = pytest.mark.django_db

BY_ID_VARIABLE = "query P($id: UUID!) { pageById(id: $id) { id } }"
BY_ID_LITERAL = '{ pageById(id: "%s") { id } }'
CREATE_WITH_DATES = """
mutation C($siteId: UUID!, $start: Date, $end: Date) {
  createPage(siteId: $siteId, locale: "en", path: "dated", title: "T", description: "",
             content: "c", editor: "markdown", publishState: draft,
             publishStartDate: $start, publishEndDate: $end) {
    operation { succeeded message } page { publishStartDate publishEndDate }
  }
}
"""
CREATE_LITERAL_DATE = """
mutation { createPage(siteId: "%s", locale: "en", path: "dated", title: "T", description: "",
  content: "c", editor: "markdown", publishState: draft, publishStartDate: %s) {
  operation { succeeded } } }
"""


def assert_rejected(response) -> None:
    """A request-level validation error: HTTP 400, no data, at least one error."""
    assert response.status == 400, response.body
    assert response.body.get("data") is None
    assert response.errors


# --- UUID --------------------------------------------------------------------------------------
VALID_UUIDS = [
    *(f"3f2504e0-4f89-{v}1d3-9a0c-0305e82c3301" for v in "12345"),
    *(f"3f2504e0-4f89-41d3-{n}a0c-0305e82c3301" for n in "89abAB"),
    "00000000-0000-0000-0000-000000000000",
    "3F2504E0-4F89-41D3-9A0C-0305E82C3301",
]
INVALID_UUIDS = [
    *(f"3f2504e0-4f89-{v}1d3-9a0c-0305e82c3301" for v in "06789f"),
    *(f"3f2504e0-4f89-41d3-{n}a0c-0305e82c3301" for n in "01234567cdef"),
    "3f2504e04f8941d39a0c0305e82c3301",
    "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}",
    "urn:uuid:3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    " 3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "3f2504e0-4f89-41d3-9a0c-0305e82c3301 ",
    "3f2504e0-4f89-41d3-9a0c-0305e82c330",
    "3f2504e0-4f89-41d3-9a0c-0305e82c33011",
    "3g2504e0-4f89-41d3-9a0c-0305e82c3301",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "00000000-0000-0000-0000-000000000001",
    "",
    "1",
]


@pytest.mark.parametrize("value", VALID_UUIDS)
def test_valid_uuids_are_parsed(admin_client, value):
    for r in (admin_client(BY_ID_VARIABLE, {"id": value}), admin_client(BY_ID_LITERAL % value)):
        assert r.status == 200, r.body
        assert r.data == {"pageById": None}
        assert r.error_messages == ["ERR_PAGE_NOT_FOUND"]


@pytest.mark.parametrize("value", INVALID_UUIDS)
def test_invalid_uuids_are_rejected_as_variable_and_literal(admin_client, value):
    assert_rejected(admin_client(BY_ID_VARIABLE, {"id": value}))
    assert_rejected(admin_client(BY_ID_LITERAL % value))


@pytest.mark.parametrize("value", [123, 1.5, True, ["3f2504e0-4f89-41d3-9a0c-0305e82c3301"], {}])
def test_non_string_uuid_variables_are_rejected(admin_client, value):
    assert_rejected(admin_client(BY_ID_VARIABLE, {"id": value}))


def test_non_string_uuid_literals_are_rejected(admin_client):
    assert_rejected(admin_client("{ pageById(id: 123) { id } }"))
    assert_rejected(admin_client("{ pageById(id: [1]) { id } }"))


def test_uppercase_uuid_is_accepted_and_answered_in_lowercase(admin_client):
    page = PageFactory()
    upper = str(page.pk).upper()
    for r in (admin_client(BY_ID_VARIABLE, {"id": upper}), admin_client(BY_ID_LITERAL % upper)):
        assert r.status == 200
        assert r.body == {"data": {"pageById": {"id": str(page.pk)}}}
    r = create(admin_client, siteId=str(default_site().pk).upper())
    assert r.data["createPage"]["page"]["siteId"] == str(default_site().pk)


@pytest.mark.parametrize(
    "overrides",
    [
        {"siteId": "not-a-uuid"},
        {"siteId": "3f2504e0-4f89-71d3-9a0c-0305e82c3301"},
        {"relations": [{"id": "x", "position": "left", "label": "L", "target": "/t"}]},
        {"publishStartDate": "yesterday"},
        {"publishEndDate": "2024-02-30T00:00:00Z"},
    ],
)
def test_create_page_with_a_bad_scalar_is_rejected_before_anything_runs(admin_client, overrides):
    assert_rejected(create(admin_client, **overrides))
    assert Page.objects.count() == 0


def test_uuid_serialize_lowercases():
    assert UUID.serialize("3F2504E0-4F89-41D3-9A0C-0305E82C3301") == (
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    )


# --- Date --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "answered"),
    [
        ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000Z"),
        ("2024-05-01T12:00:00z", "2024-05-01T12:00:00.000Z"),
        ("2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00.123Z"),
        ("2024-05-01T12:00:00.123456Z", "2024-05-01T12:00:00.123Z"),
        ("2024-05-01T12:00:00+05:30", "2024-05-01T06:30:00.000Z"),
        ("2024-05-01T01:00:00-03:00", "2024-05-01T04:00:00.000Z"),
        ("2024-05-01T00:30:00.5+01:00", "2024-04-30T23:30:00.500Z"),
        ("2024-05-01T12:00:00+0200", "2024-05-01T10:00:00.000Z"),
        ("2024-05-01T12:00", "2024-05-01T12:00:00.000Z"),
        ("2024-05-01T12:00:00", "2024-05-01T12:00:00.000Z"),
    ],
)
def test_date_input_offsets_are_honoured(admin_client, given, answered):
    site = str(default_site().pk)
    r = admin_client(CREATE_WITH_DATES, {"siteId": site, "start": given, "end": given})
    assert r.status == 200, r.body
    assert r.data["createPage"]["page"] == {
        "publishStartDate": answered,
        "publishEndDate": answered,
    }
    stored = Page.objects.get().publish_start_date
    assert Date.serialize(stored) == answered
    Page.objects.all().delete()
    r = admin_client(CREATE_LITERAL_DATE % (site, f'"{given}"'))
    assert r.body == {"data": {"createPage": {"operation": {"succeeded": True}}}}
    assert Page.objects.get().publish_start_date == stored


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "",
        "2024-13-01T00:00:00Z",
        "2024-05-01T25:00:00Z",
        "2024-05-01T12:00:00+25:00",
        "01/05/2024 12:00",
        "2024-05-01T12:00:00Zjunk",
    ],
)
def test_unparsable_dates_are_rejected(admin_client, value):
    site = str(default_site().pk)
    assert_rejected(admin_client(CREATE_WITH_DATES, {"siteId": site, "start": value}))
    assert_rejected(admin_client(CREATE_LITERAL_DATE % (site, f'"{value}"')))
    assert Page.objects.count() == 0


@pytest.mark.parametrize("value", [20240501, True, {"at": "2024-05-01T00:00:00Z"}])
def test_non_string_dates_are_rejected(admin_client, value):
    site = str(default_site().pk)
    assert_rejected(admin_client(CREATE_WITH_DATES, {"siteId": site, "start": value}))
    assert_rejected(admin_client(CREATE_LITERAL_DATE % (site, "20240501")))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2024, 5, 1, 12, 0, tzinfo=UTC), "2024-05-01T12:00:00.000Z"),
        (datetime(2024, 5, 1, 12, 0, 0, 999999, tzinfo=UTC), "2024-05-01T12:00:00.999Z"),
        (
            datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-01T12:00:00.000Z",
        ),
        (datetime(2024, 5, 1, 12, 0), "2024-05-01T12:00:00.000Z"),  # noqa: DTZ001 naive = UTC
        ("2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00.000Z"),
    ],
)
def test_date_output_is_utc_with_milliseconds(value, text):
    assert Date.serialize(value) == text


def test_stored_dates_are_answered_in_utc_milliseconds(admin_client):
    at = datetime(2024, 5, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-7)))
    page = PageFactory(created_at=at, updated_at=at)
    r = admin_client(
        "query P($id: UUID!) { pageById(id: $id) { createdAt updatedAt } }", {"id": str(page.pk)}
    )
    assert r.body == {
        "data": {
            "pageById": {
                "createdAt": "2024-05-02T06:59:59.999Z",
                "updatedAt": "2024-05-02T06:59:59.999Z",
            }
        }
    }


# --- JSON (no argument of the schema takes it yet; a probe schema uses the same scalar) -------
class Probe(graphene.ObjectType):
    echo = graphene.Field(JSON, value=JSON(), description="Returns its argument.")
    number = graphene.Int(description="Makes Int known to the probe schema.")

    @staticmethod
    def resolve_echo(root, info, value=None):
        return value


PROBE = graphene.Schema(query=Probe)


def test_json_accepts_objects_as_literal_and_variable():
    literal = PROBE.execute('{ echo(value: {a: 1, b: [true, null, "x"], c: {d: 1.5}}) }')
    assert literal.errors is None
    assert literal.data == {"echo": {"a": 1, "b": [True, None, "x"], "c": {"d": 1.5}}}
    variable = PROBE.execute(
        "query Q($v: JSON) { echo(value: $v) }", variable_values={"v": {"k": [1, {"n": None}]}}
    )
    assert variable.errors is None
    assert variable.data == {"echo": {"k": [1, {"n": None}]}}
    nested = PROBE.execute("query Q($v: Int) { echo(value: {n: $v}) }", variable_values={"v": 3})
    assert nested.data == {"echo": {"n": 3}}


@pytest.mark.parametrize("literal", ["[1, 2]", '"text"', "1", "1.5", "true", "ENUM"])
def test_json_rejects_other_literals(literal):
    result = PROBE.execute(f"{{ echo(value: {literal}) }}")
    assert result.data is None
    assert result.errors


@pytest.mark.parametrize("value", [[{"a": 1}], "text", 1, 1.5, True])
def test_json_rejects_other_variables(value):
    result = PROBE.execute("query Q($v: JSON) { echo(value: $v) }", variable_values={"v": value})
    assert result.data is None
    assert result.errors


@pytest.mark.parametrize("value", [[], "x", 0, False, None])
def test_json_parse_value_accepts_only_dicts(value):
    with pytest.raises(GraphQLError):
        JSON.parse_value(value)
    assert JSON.parse_value({"a": value}) == {"a": value}


def test_toc_is_answered_as_a_list_of_objects(admin_client):
    page = PageFactory(
        toc=[{"label": "A", "key": "a", "children": [{"label": "B", "key": "b", "children": []}]}]
    )
    r = admin_client("query P($id: UUID!) { pageById(id: $id) { toc } }", {"id": str(page.pk)})
    assert r.body == {
        "data": {
            "pageById": {
                "toc": [
                    {
                        "label": "A",
                        "key": "a",
                        "children": [{"label": "B", "key": "b", "children": []}],
                    }
                ]
            }
        }
    }
