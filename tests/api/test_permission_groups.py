"""Who may do what with groups (API.md §3.5, §3.6), and every path that reaches a group."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from accounts.models import Group, Membership
from accounts.services import administrators_group
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory, PageFactory, UserFactory, default_site, rule

from .group_support import (
    ASSIGN,
    CREATE_GROUP,
    DELETE_GROUP,
    GROUP_BY_ID,
    GROUP_FIELDS,
    UNASSIGN,
    UPDATE_GROUP,
    state,
    update_variables,
)
from .permission_support import (
    assert_mutation_refused,
    assert_mutation_succeeded,
    assert_query_refused,
)

pytestmark = pytest.mark.django_db

# Caller kinds: a guest, a plain user, users holding manage:users or manage:groups, the root
# administrator, an API key with limited groups, and a key carrying manage:groups.
KINDS = ["guest", "user", "manage_users", "manage_groups", "admin", "key_limited", "key_groups"]
GUEST_KEY = {"guest": "ERR_NOT_AUTHENTICATED"}
LISTERS = {"manage_users", "manage_groups", "admin", "key_groups"}
EDITORS = {"manage_groups", "admin", "key_groups"}


@pytest.fixture
def caller(admin_client, anonymous, client_for, api_key_for):
    def make(kind: str) -> GraphQLClient:
        if kind == "guest":
            return anonymous
        if kind == "admin":
            return admin_client
        if kind == "user":
            return client_for(UserFactory(name="Caller"))
        if kind in ("manage_users", "manage_groups"):
            scope = kind.replace("_", ":")
            return client_for(
                UserFactory(name="Caller", groups=[GroupFactory(permissions=[scope])])
            )
        if kind == "key_limited":
            return api_key_for(GroupFactory(name="Limited", permissions=["read:pages"]))
        if kind == "key_groups":
            return api_key_for(GroupFactory(name="Editors", permissions=[scopes.MANAGE_GROUPS]))
        raise ValueError(kind)

    return make


def expected_key(kind: str, allowed: set[str]) -> str | None:
    if kind in allowed:
        return None
    return GUEST_KEY.get(kind, "ERR_FORBIDDEN")


def check_mutation(client, document, variables, field, key, *payload):
    before = state()
    r = client(document, variables)
    if key is None:
        return assert_mutation_succeeded(r, field)
    assert_mutation_refused(r, field, key, *payload)
    assert state() == before
    return None


# --- queries --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_groups_and_group_by_id(kind, caller):
    team = GroupFactory(name="Team", rules=[rule()])
    client = caller(kind)
    key = expected_key(kind, LISTERS)
    listed = client('{ groups(filter: "Team") {' + GROUP_FIELDS + "} }")
    one = client(GROUP_BY_ID, {"id": str(team.pk)})
    if key:
        assert_query_refused(listed, "groups", key)
        assert_query_refused(one, "groupById", key)
        return
    assert listed.errors == []
    assert one.errors == []
    assert [g["id"] for g in listed.data["groups"]] == [str(team.pk)]
    assert one.data["groupById"] == {**listed.data["groups"][0], "users": []}
    assert one.data["groupById"]["rules"] == team.rules


def test_group_by_id_is_null_for_an_unknown_id(admin_client):
    r = admin_client(GROUP_BY_ID, {"id": "00000000-0000-4000-8000-000000000000"})
    assert (r.data, r.errors) == ({"groupById": None}, [])


# --- mutations: the permission matrix -------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_create_group(kind, caller):
    r = check_mutation(
        caller(kind),
        CREATE_GROUP,
        {"name": "New"},
        "createGroup",
        expected_key(kind, EDITORS),
        "group",
    )
    if r is not None:
        assert Group.objects.filter(name="New").count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_update_group(kind, caller):
    group = GroupFactory(name="Team")
    variables = update_variables(group, name="Renamed", permissions=[scopes.MANAGE_USERS])
    r = check_mutation(
        caller(kind), UPDATE_GROUP, variables, "updateGroup", expected_key(kind, EDITORS)
    )
    if r is not None:
        group.refresh_from_db()
        assert (group.name, group.permissions) == ("Renamed", [scopes.MANAGE_USERS])


@pytest.mark.parametrize("kind", KINDS)
def test_granting_system_scopes_needs_manage_system(kind, caller):
    group = GroupFactory(name="Team")
    variables = update_variables(group, permissions=["read:pages", scopes.MANAGE_SYSTEM])
    key = expected_key(kind, {"admin"})
    check_mutation(caller(kind), UPDATE_GROUP, variables, "updateGroup", key)


@pytest.mark.parametrize("kind", KINDS)
def test_delete_group(kind, caller):
    group = GroupFactory(name="Team", permissions=[scopes.MANAGE_API])
    key = expected_key(kind, EDITORS)
    check_mutation(caller(kind), DELETE_GROUP, {"id": str(group.pk)}, "deleteGroup", key)
    assert Group.objects.filter(pk=group.pk).exists() is (key is not None)


@pytest.mark.parametrize("kind", KINDS)
def test_deleting_a_group_holding_manage_system_needs_it(kind, caller):
    group = GroupFactory(name="Roots", permissions=[scopes.MANAGE_SYSTEM])
    key = expected_key(kind, {"admin"})
    check_mutation(caller(kind), DELETE_GROUP, {"id": str(group.pk)}, "deleteGroup", key)


# Which groups each caller may add users to or remove users from (§3.6).
MEMBERSHIP_CASES = {
    "plain": ([scopes.READ_PAGES], LISTERS),
    "elevated": ([scopes.MANAGE_API], EDITORS),
    "holding manage:system": ([scopes.MANAGE_SYSTEM], {"admin"}),
}


@pytest.mark.parametrize("case", MEMBERSHIP_CASES, ids=MEMBERSHIP_CASES.keys())
@pytest.mark.parametrize("kind", KINDS)
def test_assign_and_unassign(kind, case, caller):
    permissions, allowed = MEMBERSHIP_CASES[case]
    group = GroupFactory(name="Target", permissions=permissions)
    outsider, member = UserFactory(), UserFactory(groups=[group])
    client = caller(kind)
    key = expected_key(kind, allowed)

    assign = {"groupId": str(group.pk), "userId": str(outsider.pk)}
    check_mutation(client, ASSIGN, assign, "assignUserToGroup", key)
    unassign = {"groupId": str(group.pk), "userId": str(member.pk)}
    check_mutation(client, UNASSIGN, unassign, "unassignUserFromGroup", key)

    members = set(Membership.objects.filter(group=group).values_list("user_id", flat=True))
    assert members == ({member.pk} if key else {outsider.pk})


# --- every path that reaches a group --------------------------------------------------------------
GATED = [
    "isSystem",
    "redirectOnLogin",
    "redirectOnFirstLogin",
    "redirectOnLogout",
    "permissions",
    "rules",
    "userCount",
    "createdAt",
    "updatedAt",
    "users",
]
USER_GROUPS = (
    "query ($id: UUID!) { userById(id: $id) { groups {" + GROUP_FIELDS + "users { email } } } }"
)
AUTHOR_GROUPS = (
    "query ($id: UUID!) { pageById(id: $id) { author { groups {"
    + GROUP_FIELDS
    + "users { email } } } } }"
)


def _errors_by_field(r) -> dict[str, str]:
    return {e["path"][-1]: e["message"] for e in r.errors}


@pytest.mark.parametrize("kind", ["user", "manage_users", "manage_groups", "admin", "key_groups"])
def test_another_users_groups_through_user_by_id(kind, caller, client_with):
    other = UserFactory(email="other@example.com", groups=[GroupFactory(name="Secret")])
    r = caller(kind)(USER_GROUPS, {"id": str(other.pk)})
    if kind == "user":
        assert_query_refused(r, "userById", "ERR_FORBIDDEN")
        return
    assert r.errors == []
    assert [g["name"] for g in r.data["userById"]["groups"]] == ["Secret", "Users"]
    assert r.data["userById"]["groups"][0]["users"] == [{"email": "other@example.com"}]


@pytest.mark.parametrize("scope", [scopes.READ_USERS, scopes.WRITE_USERS])
@pytest.mark.parametrize("through", ["user", "api_key"])
def test_user_readers_see_no_group_of_another_user(scope, through, client_of, group_with):
    """The review's finding: read:users read every group's rules and members this way."""
    other = UserFactory(groups=[GroupFactory(name="Secret", rules=[rule()])])
    page = PageFactory(path="home", author=other)
    reader = client_of(through, group_with(scope, rules=[rule()]))

    r = reader(USER_GROUPS, {"id": str(other.pk)})
    assert r.data == {"userById": {"groups": None}}
    assert [(e["message"], e["path"]) for e in r.errors] == [
        ("ERR_FORBIDDEN", ["userById", "groups"])
    ]
    r = reader(AUTHOR_GROUPS, {"id": str(page.pk)})
    assert r.data == {"pageById": {"author": {"groups": None}}}
    assert [e["path"] for e in r.errors] == [["pageById", "author", "groups"]]


def test_a_user_sees_only_the_names_of_their_own_groups(make_user, client_for):
    secret = GroupFactory(name="Secret", permissions=["read:pages"], rules=[rule()])
    me = make_user(groups=[secret])
    page = PageFactory(path="home", author=me)

    for document, variables, at in (
        (USER_GROUPS, {"id": str(me.pk)}, lambda d: d["userById"]["groups"]),
        (AUTHOR_GROUPS, {"id": str(page.pk)}, lambda d: d["pageById"]["author"]["groups"]),
    ):
        r = client_for(me)(document, variables)
        groups = at(r.data)
        assert [(g["id"], g["name"]) for g in groups] == [
            (str(secret.pk), "Secret"),
            (str(groups[1]["id"]), "Users"),
        ]
        assert all(g[field] is None for g in groups for field in GATED)
        assert sorted(_errors_by_field(r)) == sorted(GATED)
        assert set(_errors_by_field(r).values()) == {"ERR_FORBIDDEN"}
        assert len(r.errors) == 2 * len(GATED)


def test_group_fields_after_create_group_and_through_lists(admin_client):
    """groups, groupById, userById.groups and createGroup's payload answer the same fields."""
    created = admin_client(CREATE_GROUP, {"name": "Same"}).data["createGroup"]["group"]
    group = Group.objects.get(pk=created["id"])
    member = UserFactory(email="m@example.com", groups=[group])
    listed = admin_client('{ groups(filter: "Same") {' + GROUP_FIELDS + "} }").data["groups"]
    one = admin_client(GROUP_BY_ID, {"id": created["id"]}).data["groupById"]
    mine = admin_client(USER_GROUPS, {"id": str(member.pk)}).data["userById"]["groups"]
    expected = {**created, "userCount": 1, "updatedAt": listed[0]["updatedAt"]}
    assert listed == [expected]
    assert one == {**expected, "users": [{"id": str(member.pk), "email": "m@example.com"}]}
    assert mine[0] == {**expected, "users": [{"email": "m@example.com"}]}


# --- query counts ---------------------------------------------------------------------------------
GROUPS_DEEP = '{ groups(filter: "Listed") {' + GROUP_FIELDS + "users { id email } } }"
GROUP_MEMBERS = "query ($id: UUID!) { groupById(id: $id) { name userCount users { id name } } }"


def _counted(client, document, variables=None) -> tuple[int, dict]:
    client(document, variables)  # warm the caller's policy
    with CaptureQueriesContext(connection) as queries:
        r = client(document, variables)
    assert r.errors == [], r.body
    return len(queries.captured_queries), r.data


@pytest.mark.parametrize("fast", [True, False])
def test_groups_cost_the_same_for_one_and_fifty(fast, settings, admin_client):
    settings.GRAPHQL_FAST_LISTS = fast
    GroupFactory(name="Listed 00", rules=[rule()]).memberships.create(user=UserFactory())
    one, data = _counted(admin_client, GROUPS_DEEP)
    assert len(data["groups"]) == 1
    for n in range(1, 50):
        GroupFactory(name=f"Listed {n:02}", rules=[rule()]).memberships.create(user=UserFactory())
    fifty, data = _counted(admin_client, GROUPS_DEEP)
    assert len(data["groups"]) == 50
    assert fifty == one


def test_group_by_id_users_cost_the_same_for_one_and_fifty(admin_client):
    group = GroupFactory(name="Team")
    UserFactory(groups=[group])
    one, data = _counted(admin_client, GROUP_MEMBERS, {"id": str(group.pk)})
    assert len(data["groupById"]["users"]) == 1
    for _ in range(49):
        UserFactory(groups=[group])
    fifty, data = _counted(admin_client, GROUP_MEMBERS, {"id": str(group.pk)})
    assert (len(data["groupById"]["users"]), data["groupById"]["userCount"]) == (50, 50)
    assert fifty == one


PAGE_BY_PATH = 'query ($siteId: UUID!) { pageByPath(siteId: $siteId, path: "en/hr/pay") { id } }'


# --- a malformed stored DENY fails closed ----------------------------------------------------------
def test_a_malformed_stored_deny_rule_denies_instead_of_granting(make_user, client_for):
    PageFactory(path="docs/a")
    PageFactory(path="hr/pay")
    readers = GroupFactory(name="Readers", rules=[rule()])
    # Written around the validator (raw SQL, an old admin): a DENY whose match is unknown.
    hr = GroupFactory(name="No HR", rules=[{**rule("DENY", "START", "hr"), "match": "PREFIX"}])
    client = client_for(make_user(groups=[readers, hr]))

    r = client("{ pages(orderBy: PATH) { path } }")
    assert (r.data, r.errors) == ({"pages": []}, [])
    hr_page = client(PAGE_BY_PATH, {"siteId": str(default_site().pk)})
    assert hr_page.error_messages == ["ERR_FORBIDDEN"]
    # Once fixed through updateGroup, the rule means what it says.
    variables = update_variables(hr, rules=[rule("DENY", "START", "hr")])
    admin = client_for(make_user(groups=[administrators_group()]))
    assert_mutation_succeeded(admin(UPDATE_GROUP, variables), "updateGroup")
    r = client("{ pages(orderBy: PATH) { path } }")
    assert r.data == {"pages": [{"path": "docs/a"}]}
