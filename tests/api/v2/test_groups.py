"""The ``groups`` namespace of /graphql (API-v2.md §3.4, §4.4): each operation as the
terraform provider and wikijs-pyclient send it, and its effect as /_graphql sees it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Group, Membership
from accounts.services import administrators_group
from api.v2.group_types import Group as V2Group
from api.v2.group_types import remember_groups
from api.v2.schema import schema
from api.v2.user_types import UserMinimal
from tests.api.group_support import GROUP_BY_ID
from tests.factories import GroupFactory, UserFactory

from .group_documents import (
    CREATE_BASIC,
    GET_BASIC,
    PY_ASSIGN,
    PY_CREATE,
    PY_DELETE,
    PY_LIST,
    PY_LIST_FILTERED,
    PY_SINGLE,
    PY_UNASSIGN,
    PY_UPDATE,
    TF_ASSIGN,
    TF_CREATE,
    TF_DELETE,
    TF_GET,
    TF_LIST,
    TF_UPDATE,
    member_ids,
    ok,
    tf_rule,
    update_variables,
)

pytestmark = pytest.mark.django_db

# terraform's GetGroup selects every UserMinimal field; the users part completes the type.
FULL_USER_MINIMAL = all(
    name in UserMinimal._meta.fields
    for name in ("provider_key", "is_system", "is_active", "created_at", "last_login_at")
)
needs_full_user_minimal = pytest.mark.skipif(
    not FULL_USER_MINIMAL, reason="UserMinimal is still the skeleton"
)


# --- list ---------------------------------------------------------------------------------------
def test_list_as_terraform_sends_it(v2_admin, admin):
    editors = GroupFactory(name="Editors")
    UserFactory(groups=[editors])
    UserFactory(groups=[editors])

    r = v2_admin(TF_LIST, {"filter": None, "orderBy": None})

    assert r.status == 200, r.body
    assert r.errors == [], r.body
    listed = r.data["groups"]["list"]
    assert [(g["id"], g["name"], g["isSystem"], g["userCount"]) for g in listed] == [
        (1, "Administrators", True, 1),
        (2, "Guests", True, 1),
        (3, "Users", True, 3),
        (editors.legacy_id, "Editors", False, 2),
    ]
    assert listed[3]["createdAt"].endswith("Z")
    assert len(listed[3]["createdAt"]) == 24


def test_list_filters_by_name_and_orders(v2_admin):
    GroupFactory(name="Beta writers")
    GroupFactory(name="Alpha WRITERS")
    GroupFactory(name="Readers")

    r = v2_admin(TF_LIST, {"filter": "writers", "orderBy": "name"})
    assert [g["name"] for g in r.data["groups"]["list"]] == ["Alpha WRITERS", "Beta writers"]

    r = v2_admin(TF_LIST, {"filter": "", "orderBy": "userCount"})
    counts = [g["userCount"] for g in r.data["groups"]["list"]]
    assert counts == sorted(counts)

    for order_by in (None, "id", "bogus"):
        r = v2_admin(TF_LIST, {"filter": None, "orderBy": order_by})
        ids = [g["id"] for g in r.data["groups"]["list"]]
        assert ids == sorted(ids), order_by


def test_list_needs_a_constant_number_of_queries(v2_admin):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            r = v2_admin(TF_LIST, {"filter": None, "orderBy": "userCount"})
        assert r.errors == [], r.body
        return len(captured), len(r.data["groups"]["list"])

    GroupFactory()
    few, listed_few = count_queries()
    for _ in range(8):
        UserFactory(groups=[GroupFactory(), GroupFactory()])
    many, listed_many = count_queries()
    assert listed_many == listed_few + 16
    assert many == few


# --- single -------------------------------------------------------------------------------------
def test_single_reads_everything_but_the_users_fields(v2_admin):
    group = GroupFactory(
        name="Docs",
        permissions=["read:pages", "write:pages"],
        rules=[],
        redirect_on_login="",
    )
    first, second = UserFactory(), UserFactory()
    for member in (second, first):
        Membership.objects.create(group=group, user=member)

    r = v2_admin(GET_BASIC, {"id": group.legacy_id})

    assert r.errors == [], r.body
    single = r.data["groups"]["single"]
    assert single == {
        "id": group.legacy_id,
        "name": "Docs",
        "isSystem": False,
        "redirectOnLogin": "/",
        "permissions": ["read:pages", "write:pages"],
        "pageRules": [],
        "users": [
            {"id": member.legacy_id, "name": member.name, "email": member.email}
            for member in sorted((first, second), key=lambda u: u.legacy_id)
        ],
        "createdAt": single["createdAt"],
        "updatedAt": single["updatedAt"],
    }


@needs_full_user_minimal
def test_single_as_terraform_sends_it(v2_admin, admin):
    r = v2_admin(TF_GET, {"id": 1})
    assert r.errors == [], r.body
    [member] = r.data["groups"]["single"]["users"]
    assert member["id"] == admin.legacy_id
    assert member["providerKey"] == "local"


@pytest.mark.parametrize("missing", [0, -1, 999999])
def test_single_of_an_unknown_id_is_null_without_error(v2_admin, missing):
    r = v2_admin(GET_BASIC, {"id": missing})
    assert r.status == 200
    assert r.body == {"data": {"groups": {"single": None}}}


def test_single_deleted_group_is_null(v2_admin):
    group = GroupFactory()
    legacy_id = group.legacy_id
    group.delete()
    assert v2_admin(GET_BASIC, {"id": legacy_id}).data == {"groups": {"single": None}}


# --- create -------------------------------------------------------------------------------------
def test_create_makes_the_default_group(v2_admin, admin_client):
    r = v2_admin(CREATE_BASIC, {"name": "  Editors  "})

    assert r.errors == [], r.body
    created = r.data["groups"]["create"]
    assert created["responseResult"] == ok("Group created successfully.")
    stored = Group.objects.get(legacy_id=created["group"]["id"])
    [default] = stored.rules
    assert created["group"] | {"createdAt": None, "updatedAt": None} == {
        "id": stored.legacy_id,
        "name": "Editors",
        "isSystem": False,
        "redirectOnLogin": "/",
        "permissions": ["read:pages", "read:assets", "read:comments", "write:comments"],
        "pageRules": [
            {
                "id": default["id"],
                "deny": False,
                "match": "START",
                "roles": ["read:pages", "read:assets", "read:comments", "write:comments"],
                "path": "",
                "locales": [],
            }
        ],
        "users": [],
        "createdAt": None,
        "updatedAt": None,
    }
    seen = admin_client(GROUP_BY_ID, {"id": str(stored.pk)}).data["groupById"]
    assert seen["name"] == "Editors"
    assert seen["userCount"] == 0


@needs_full_user_minimal
def test_create_as_terraform_sends_it(v2_admin):
    r = v2_admin(TF_CREATE, {"name": "Terraformed"})
    assert r.errors == [], r.body
    assert r.data["groups"]["create"]["group"]["users"] == []


def test_create_new_ids_count_up_from_four(v2_admin):
    first = v2_admin(CREATE_BASIC, {"name": "One"}).data["groups"]["create"]["group"]["id"]
    second = v2_admin(CREATE_BASIC, {"name": "Two"}).data["groups"]["create"]["group"]["id"]
    assert 4 <= first < second


# --- update -------------------------------------------------------------------------------------
def test_update_as_terraform_sends_it(v2_admin, admin_client):
    group = GroupFactory(name="Old", permissions=["read:pages"])
    variables = update_variables(
        group,
        name="New name",
        redirectOnLogin="",
        permissions=["read:pages", None, "write:pages", "write:comments"],
        pageRules=[
            tf_rule(group, 0, roles=["read:pages", "write:pages"], path="docs"),
            None,
            tf_rule(group, 1, deny=True, match="EXACT", path="docs/secret", locales=["en"]),
        ],
    )

    r = v2_admin(TF_UPDATE, variables)

    assert r.errors == [], r.body
    assert r.data == {"groups": {"update": {"responseResult": ok("Group has been updated.")}}}
    group.refresh_from_db()
    assert (group.name, group.redirect_on_login) == ("New name", "/")
    assert group.permissions == ["read:pages", "write:pages", "write:comments"]
    seen = admin_client(GROUP_BY_ID, {"id": str(group.pk)}).data["groupById"]
    assert [(r["mode"], r["match"], r["path"], r["locales"]) for r in seen["rules"]] == [
        ("ALLOW", "START", "docs", []),
        ("DENY", "EXACT", "docs/secret", ["en"]),
    ]


def test_update_can_rename_the_administrators_group(v2_admin):
    admins = administrators_group()
    r = v2_admin(TF_UPDATE, update_variables(admins, name="Admins"))
    assert r.errors == [], r.body
    admins.refresh_from_db()
    assert admins.name == "Admins"
    assert admins.permissions == ["manage:system"]


# --- delete -------------------------------------------------------------------------------------
def test_delete_as_terraform_sends_it(v2_admin, admin_client):
    group = GroupFactory()
    member = UserFactory(groups=[group])

    r = v2_admin(TF_DELETE, {"id": group.legacy_id})

    assert r.errors == [], r.body
    assert r.data == {"groups": {"delete": {"responseResult": ok("Group has been deleted.")}}}
    assert not Group.objects.filter(pk=group.pk).exists()
    assert not Membership.objects.filter(user=member, group_id=group.pk).exists()
    assert admin_client(GROUP_BY_ID, {"id": str(group.pk)}).data == {"groupById": None}


# --- assignUser / unassignUser ------------------------------------------------------------------
def test_assign_as_terraform_sends_it(v2_admin):
    group = GroupFactory()
    member = UserFactory()

    r = v2_admin(TF_ASSIGN, {"groupId": group.legacy_id, "userId": member.legacy_id})

    assert r.errors == [], r.body
    assert r.data == {
        "groups": {"assignUser": {"responseResult": ok("User has been assigned to group.")}}
    }
    assert member_ids(group) == [member.legacy_id]
    listed = v2_admin(GET_BASIC, {"id": group.legacy_id}).data["groups"]["single"]["users"]
    assert [u["id"] for u in listed] == [member.legacy_id]


def test_unassign_as_pyclient_sends_it(v2_admin):
    group = GroupFactory()
    member, other = UserFactory(groups=[group]), UserFactory(groups=[group])

    r = v2_admin(PY_UNASSIGN, {"groupId": group.legacy_id, "userId": member.legacy_id})

    assert r.errors == [], r.body
    assert r.data == {
        "groups": {"unassignUser": {"responseResult": ok("User has been unassigned from group.")}}
    }
    assert member_ids(group) == [other.legacy_id]


def test_unassign_of_a_non_member_succeeds_without_change(v2_admin):
    group = GroupFactory()
    member, stranger = UserFactory(groups=[group]), UserFactory()

    r = v2_admin(PY_UNASSIGN, {"groupId": group.legacy_id, "userId": stranger.legacy_id})

    assert r.errors == []
    assert r.data["groups"]["unassignUser"]["responseResult"]["succeeded"]
    assert member_ids(group) == [member.legacy_id]


def test_mutations_run_in_document_order(v2_admin):
    group = GroupFactory()
    member = UserFactory()
    ids = {"g": group.legacy_id, "u": member.legacy_id}
    r = v2_admin(
        "mutation ($g: Int!, $u: Int!) { groups {"
        " a: assignUser(groupId: $g, userId: $u) { responseResult { succeeded } }"
        " b: unassignUser(groupId: $g, userId: $u) { responseResult { succeeded } }"
        " c: assignUser(groupId: $g, userId: $u) { responseResult { succeeded } } } }",
        ids,
    )
    assert r.errors == [], r.body
    assert member_ids(group) == [member.legacy_id]


# --- the schema of the namespace (§3.4, §4.4, §4.7) ---------------------------------------------
def _shape(type_name: str) -> dict:
    graphql_type = schema.graphql_schema.type_map[type_name]
    return {
        name: (str(field.type), {arg: str(a.type) for arg, a in getattr(field, "args", {}).items()})
        for name, field in graphql_type.fields.items()
    }


def test_schema_of_the_groups_namespace():
    assert _shape("GroupQuery") == {
        "list": ("[GroupMinimal]", {"filter": "String", "orderBy": "String"}),
        "single": ("Group", {"id": "Int!"}),
    }
    pair = {"groupId": "Int!", "userId": "Int!"}
    assert _shape("GroupMutation") == {
        "create": ("GroupResponse", {"name": "String!"}),
        "update": (
            "DefaultResponse",
            {
                "id": "Int!",
                "name": "String!",
                "redirectOnLogin": "String!",
                "permissions": "[String]!",
                "pageRules": "[PageRuleInput]!",
            },
        ),
        "delete": ("DefaultResponse", {"id": "Int!"}),
        "assignUser": ("DefaultResponse", pair),
        "unassignUser": ("DefaultResponse", pair),
    }
    assert {k: v[0] for k, v in _shape("Group").items()} == {
        "id": "Int!",
        "name": "String!",
        "isSystem": "Boolean!",
        "redirectOnLogin": "String",
        "permissions": "[String]!",
        "pageRules": "[PageRule]",
        "users": "[UserMinimal]",
        "createdAt": "Date!",
        "updatedAt": "Date!",
    }
    assert {k: v[0] for k, v in _shape("GroupMinimal").items()} == {
        "id": "Int!",
        "name": "String!",
        "isSystem": "Boolean!",
        "userCount": "Int",
        "createdAt": "Date!",
        "updatedAt": "Date!",
    }
    rule = {
        "id": "String!",
        "deny": "Boolean!",
        "match": "PageRuleMatch!",
        "roles": "[String]!",
        "path": "String!",
        "locales": "[String]!",
    }
    assert {k: v[0] for k, v in _shape("PageRule").items()} == rule
    assert {k: v[0] for k, v in _shape("PageRuleInput").items()} == rule
    assert {k: v[0] for k, v in _shape("GroupResponse").items()} == {
        "responseResult": "ResponseStatus!",
        "group": "Group",
    }
    match = schema.graphql_schema.type_map["PageRuleMatch"]
    assert list(match.values) == ["START", "EXACT", "END", "REGEX", "TAG"]


# --- as wikijs-pyclient lays its documents out --------------------------------------------------
def test_pyclient_documents(v2_admin_key):
    r = v2_admin_key(PY_LIST)
    assert r.errors == [], r.body
    assert [g["id"] for g in r.data["groups"]["list"]] == [1, 2, 3]
    r = v2_admin_key(PY_LIST_FILTERED, {"filter": "user"})
    assert [g["name"] for g in r.data["groups"]["list"]] == ["Users"]

    r = v2_admin_key(PY_CREATE, {"name": "From Python"})
    assert r.errors == [], r.body
    created = r.data["groups"]["create"]
    assert created["responseResult"] == ok("Group created successfully.")
    group_id = created["group"]["id"]

    rules = [
        {
            "id": "a1b2c3d4e5",
            "deny": False,
            "match": "EXACT",
            "roles": ["read:pages"],
            "path": "home",
            "locales": ["en"],
        }
    ]
    variables = {
        "id": group_id,
        "name": "From Python",
        "redirectOnLogin": "/home",
        "permissions": ["read:pages"],
        "pageRules": rules,
    }
    r = v2_admin_key(PY_UPDATE, variables)
    assert r.data["groups"]["update"]["responseResult"] == ok("Group has been updated.")

    member = UserFactory()
    r = v2_admin_key(PY_ASSIGN, {"groupId": group_id, "userId": member.legacy_id})
    assert r.data["groups"]["assignUser"]["responseResult"]["succeeded"] is True

    single = v2_admin_key(PY_SINGLE, {"id": group_id}).data["groups"]["single"]
    assert single["redirectOnLogin"] == "/home"
    assert single["pageRules"] == rules
    assert single["users"] == [{"id": member.legacy_id, "name": member.name, "email": member.email}]

    r = v2_admin_key(PY_DELETE, {"id": group_id})
    assert r.data["groups"]["delete"]["responseResult"] == ok("Group has been deleted.")
    assert v2_admin_key(PY_SINGLE, {"id": group_id}).data == {"groups": {"single": None}}


def test_members_of_remembered_groups_load_in_one_query():
    """``User.groups { users }`` (the users part) remembers the groups it lists."""
    listed = [GroupFactory() for _ in range(4)]
    members = {group.pk: [UserFactory(groups=[group]) for _ in range(2)] for group in listed}
    info = SimpleNamespace(context=SimpleNamespace())

    remember_groups(info, listed)
    with CaptureQueriesContext(connection) as captured:
        loaded = {group.pk: V2Group.resolve_users(group, info) for group in listed}
    assert len(captured) == 1
    assert loaded == {
        pk: sorted(users, key=lambda user: user.legacy_id) for pk, users in members.items()
    }


def test_members_lists_are_not_counted_as_main_api_pages(v2_admin):
    """/graphql's Group.users takes no pageSize: the size limit must not read it as
    /_graphql's Group.users (a page of up to 1000 users per group)."""
    singles = " ".join(f"g{n}: single(id: 1) {{ users {{ id }} }}" for n in range(12))
    r = v2_admin("{ groups { " + singles + " } }")
    assert r.status == 200, r.body
    assert r.errors == [], r.body
    assert len(r.data["groups"]) == 12
