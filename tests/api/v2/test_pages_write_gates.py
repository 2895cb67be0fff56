"""The gates of the page writes on /graphql (API-v2.md §2.5, §3.2), for every kind of caller:
refused callers get the G error ``Forbidden`` and change nothing."""

import pytest

from pages.models import PageHistory
from tests.api.page_edit_support import world
from tests.api.permission_support import KINDS, client_as
from tests.factories import rule

from .conftest import on_v2
from .pages_write_support import FULL_ARGUMENTS, FULL_CREATE, make_page, result

pytestmark = pytest.mark.django_db

RESPONSE = "{ responseResult { succeeded errorCode slug message } }"

# operation: (gate scopes granted, page roles granted, the mutation text)
OPERATIONS = {
    "create": (("write:pages",), ("write:pages",), None),
    "update": (
        ("write:pages",),
        ("write:pages",),
        'mutation ($id: Int!) { pages { update(id: $id, content: "New") ' + RESPONSE + " } }",
    ),
    "move": (
        ("manage:pages",),
        ("write:pages", "manage:pages"),
        'mutation ($id: Int!) { pages { move(id: $id, destinationPath: "docs/moved",'
        ' destinationLocale: "en") ' + RESPONSE + " } }",
    ),
    "delete": (
        ("delete:pages",),
        ("delete:pages",),
        "mutation ($id: Int!) { pages { delete(id: $id) " + RESPONSE + " } }",
    ),
    "render": (
        ("manage:system",),
        ("write:pages",),
        "mutation ($id: Int!) { pages { render(id: $id) " + RESPONSE + " } }",
    ),
    "restore": (
        ("write:pages",),
        ("write:pages",),
        "mutation ($id: Int!, $v: Int!) { pages { restore(pageId: $id, versionId: $v) "
        + RESPONSE
        + " } }",
    ),
    "flushCache": (
        ("manage:system",),
        (),
        "mutation { pages { flushCache " + RESPONSE + " } }",
    ),
    "rebuildTree": (
        ("manage:system",),
        (),
        "mutation { pages { rebuildTree " + RESPONSE + " } }",
    ),
}
REFUSED_KINDS = {"guest", "user", "key_without"}


def call(client, operation, page, version):
    if operation == "create":
        return client(FULL_CREATE, {**FULL_ARGUMENTS, "path": "docs/new"})
    text = OPERATIONS[operation][2]
    variables = {"id": page.legacy_id, "v": version.legacy_id}
    return client(text, {name: value for name, value in variables.items() if f"${name}" in text})


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("kind", KINDS)
def test_gate_matrix(admin, kind, operation):
    from pages import edits

    page = make_page("docs/intro")
    edits.update_page(None, page.pk, edits.PagePatch(content="Second"))
    version = PageHistory.objects.get(page_id=page.pk)
    permissions, roles, _ = OPERATIONS[operation]
    client = on_v2(
        client_as(
            kind,
            admin,
            permissions=("read:pages", *permissions),
            rules=[rule(roles=("read:pages", *roles))],
        )
    )
    before = world()

    r = call(client, operation, page, version)

    assert r.status == 200, r.body
    if kind in REFUSED_KINDS:
        assert r.data == {"pages": {operation: None}}, r.body
        assert r.errors == [
            {
                "message": "Forbidden",
                "locations": r.errors[0]["locations"],
                "path": ["pages", operation],
                "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            }
        ], r.body
        assert world() == before
    else:
        assert result(r, operation)["responseResult"]["succeeded"] is True, r.body


@pytest.mark.parametrize("scope", ["write:pages", "manage:pages", "manage:system"])
def test_any_scope_of_the_gate_opens_create(admin, v2_key_for, group_with, scope):
    writers = group_with(scope, rules=[rule(roles=("write:pages",))])

    r = v2_key_for(writers)(FULL_CREATE, FULL_ARGUMENTS)

    assert result(r, "create")["responseResult"]["succeeded"] is True, r.body


def test_write_pages_does_not_open_move(admin, v2_key_for, group_with):
    page = make_page("docs/intro")
    writers = group_with("write:pages", rules=[rule(roles=("write:pages", "manage:pages"))])

    r = v2_key_for(writers)(OPERATIONS["move"][2], {"id": page.legacy_id})

    assert r.data == {"pages": {"move": None}}
    assert r.error_messages == ["Forbidden"]


def test_a_refused_gate_leaves_sibling_fields_alone(admin, v2_user):
    r = v2_user("mutation { pages { __typename flushCache { responseResult { succeeded } } } }")

    assert r.data == {"pages": {"__typename": "PageMutation", "flushCache": None}}
    assert r.error_messages == ["Forbidden"]
