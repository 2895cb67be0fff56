"""``users.list``, ``search``, ``single``, ``profile``, ``lastLogins`` on /graphql (API-v2.md §3.3)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from accounts.models import LOCAL_STRATEGY_ID, AuthStrategy, User
from tests.api.permission_support import KINDS, client_as
from tests.api.v2.conftest import on_v2
from tests.factories import GroupFactory, PageFactory, UserFactory

pytestmark = pytest.mark.django_db

# wikijs-pyclient selects every field of its dataclasses (§6): UserMinimal without
# isSystem/isActive, the whole User and UserProfile.
LIST = """
query ($filter: String, $orderBy: String) {
  users { list(filter: $filter, orderBy: $orderBy) {
    id name email providerKey createdAt lastLoginAt
  } }
}
"""
LIST_ALL_FIELDS = """
{ users { list { id name email providerKey isSystem isActive createdAt lastLoginAt } } }
"""
SEARCH = """
query ($query: String!) {
  users { search(query: $query) {
    id name email providerKey isSystem isActive createdAt lastLoginAt
  } }
}
"""
SINGLE = """
query ($id: Int!) {
  users { single(id: $id) {
    id name email providerKey providerName providerId providerIs2FACapable isSystem isActive
    isVerified location jobTitle timezone dateFormat appearance createdAt updatedAt
    lastLoginAt tfaIsActive groups { id name }
  } }
}
"""
PROFILE = """
{ users { profile {
  id name email providerKey providerName isSystem isVerified location jobTitle timezone
  dateFormat appearance createdAt updatedAt lastLoginAt groups pagesTotal
} } }
"""
LAST_LOGINS = "{ users { lastLogins { id name lastLoginAt } } }"

FORBIDDEN_ERROR = {"message": "Forbidden", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


def refused(r, field: str, error: dict = FORBIDDEN_ERROR) -> None:
    """§2.4: HTTP 200, ``users.<field>`` null, one error with the field's path."""
    assert r.status == 200, r.body
    assert r.data == {"users": {field: None}}, r.body
    assert len(r.errors) == 1, r.body
    assert r.errors[0]["path"] == ["users", field]
    assert {k: r.errors[0][k] for k in ("message", "extensions")} == error


def ok_data(r, field: str):
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    return r.data["users"][field]


# --- list ----------------------------------------------------------------------------------------
def test_list_holds_every_user_by_legacy_id(v2_admin_key, admin):
    UserFactory(email="zed@example.com", name="Zed")
    users = ok_data(v2_admin_key(LIST_ALL_FIELDS), "list")
    assert [u["id"] for u in users] == sorted(u.legacy_id for u in User.objects.all())
    guest = next(u for u in users if u["id"] == 2)
    assert guest == {
        "id": 2,
        "name": "Guest",
        "email": "guest@example.com",
        "providerKey": "local",
        "isSystem": True,
        "isActive": True,
        "createdAt": guest["createdAt"],
        "lastLoginAt": None,
    }
    assert guest["createdAt"].endswith("Z")
    assert len(guest["createdAt"]) == 24
    zed = next(u for u in users if u["email"] == "zed@example.com")
    assert (zed["isSystem"], zed["isActive"], zed["providerKey"]) == (False, True, "local")


def test_list_filter_and_order_by(v2_admin_key, admin):
    UserFactory(email="b-smith@example.com", name="Bob Smith")
    UserFactory(email="a@smith.test", name="Alice Jones")
    UserFactory(email="carol@example.com", name="Carol")
    r = v2_admin_key(LIST, {"filter": "SMITH", "orderBy": "name"})
    assert [u["name"] for u in ok_data(r, "list")] == ["Alice Jones", "Bob Smith"]
    r = v2_admin_key(LIST, {"filter": "smith", "orderBy": "email"})
    assert [u["email"] for u in ok_data(r, "list")] == ["a@smith.test", "b-smith@example.com"]
    # Unknown orderBy counts as id; an empty filter keeps everyone.
    r = v2_admin_key(LIST, {"filter": "", "orderBy": "bogus"})
    ids = [u["id"] for u in ok_data(r, "list")]
    assert ids == sorted(ids)
    assert len(ids) == User.objects.count()


def test_list_orders_by_last_login_never_first(v2_admin_key, admin):
    early = UserFactory(name="Early", last_login=datetime(2024, 1, 1, tzinfo=UTC))
    late = UserFactory(name="Late", last_login=datetime(2024, 5, 1, 12, tzinfo=UTC))
    users = ok_data(v2_admin_key(LIST, {"orderBy": "lastLoginAt"}), "list")
    logged = [u for u in users if u["lastLoginAt"]]
    assert [u["id"] for u in logged][-2:] == [early.legacy_id, late.legacy_id]
    assert logged[-1]["lastLoginAt"] == "2024-05-01T12:00:00.000Z"
    assert users[0]["lastLoginAt"] is None


def test_list_runs_a_constant_number_of_queries(v2_admin_key, admin):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            ok_data(v2_admin_key(LIST_ALL_FIELDS), "list")
        return len(queries)

    UserFactory.create_batch(2)
    few = count()
    UserFactory.create_batch(12, groups=[GroupFactory()])
    assert count() == few


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scope", [scopes.WRITE_USERS, scopes.MANAGE_USERS])
def test_list_gate(kind, scope, admin):
    client = on_v2(client_as(kind, admin, permissions=[scope]))
    r = client(LIST)
    if kind in ("guest", "user", "key_without"):
        refused(r, "list")
    else:
        assert len(ok_data(r, "list")) == User.objects.count()


@pytest.mark.parametrize("kind", ["user_with", "key_with"])
def test_list_gate_ignores_read_users(kind, admin):
    """Wiki.js 2's gate, not /_graphql's: read:users does not open the list."""
    refused(on_v2(client_as(kind, admin, permissions=[scopes.READ_USERS]))(LIST), "list")


# --- search --------------------------------------------------------------------------------------
def test_search_at_most_ten_by_legacy_id(v2_admin_key, admin):
    made = [UserFactory(name=f"Searchable {n}", email=f"s{n}@example.com") for n in range(12)]
    UserFactory(name="Other", email="other@example.net")
    users = ok_data(v2_admin_key(SEARCH, {"query": "SEARCHABLE"}), "search")
    assert [u["id"] for u in users] == [u.legacy_id for u in made[:10]]
    assert users[0] == {
        "id": made[0].legacy_id,
        "name": "Searchable 0",
        "email": "s0@example.com",
        "providerKey": "local",
        "isSystem": False,
        "isActive": True,
        "createdAt": users[0]["createdAt"],
        "lastLoginAt": None,
    }
    by_email = ok_data(v2_admin_key(SEARCH, {"query": "example.net"}), "search")
    assert [u["name"] for u in by_email] == ["Other"]


def test_search_runs_a_constant_number_of_queries(v2_admin_key, admin):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            ok_data(v2_admin_key(SEARCH, {"query": "example"}), "search")
        return len(queries)

    UserFactory.create_batch(2)
    few = count()
    UserFactory.create_batch(9, groups=[GroupFactory()])
    assert count() == few


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scope", [scopes.WRITE_GROUPS, scopes.MANAGE_GROUPS, scopes.WRITE_USERS])
def test_search_gate(kind, scope, admin):
    r = on_v2(client_as(kind, admin, permissions=[scope]))(SEARCH, {"query": "admin@"})
    if kind in ("guest", "user", "key_without"):
        refused(r, "search")
    else:
        assert [u["email"] for u in ok_data(r, "search")] == ["admin@example.com"]


# --- single --------------------------------------------------------------------------------------
def test_single_renders_every_field(v2_admin_key, admin):
    extra = GroupFactory(name="Editors")
    user = UserFactory(
        email="jane@example.com",
        name="Jane",
        groups=[extra],
        meta={"location": "Lyon", "jobTitle": "Writer", "pronouns": ""},
        prefs={"timezone": "Europe/Paris", "dateFormat": "YYYY-MM-DD", "appearance": "site"},
        last_login=datetime(2024, 5, 1, 12, tzinfo=UTC),
    )
    AuthStrategy.objects.filter(pk=LOCAL_STRATEGY_ID).update(display_name="Local Login")
    single = ok_data(v2_admin_key(SINGLE, {"id": user.legacy_id}), "single")
    user.refresh_from_db()
    assert single == {
        "id": user.legacy_id,
        "name": "Jane",
        "email": "jane@example.com",
        "providerKey": "local",
        "providerName": "Local Login",
        "providerId": None,
        "providerIs2FACapable": True,
        "isSystem": False,
        "isActive": True,
        "isVerified": True,
        "location": "Lyon",
        "jobTitle": "Writer",
        "timezone": "Europe/Paris",
        "dateFormat": "YYYY-MM-DD",
        "appearance": "",
        "createdAt": user.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "updatedAt": user.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "lastLoginAt": "2024-05-01T12:00:00.000Z",
        "tfaIsActive": False,
        "groups": [{"id": extra.legacy_id, "name": "Editors"}, {"id": 3, "name": "Users"}],
    }


def test_single_of_the_guest_and_missing_profile_values(v2_admin_key):
    single = ok_data(v2_admin_key(SINGLE, {"id": 2}), "single")
    assert (single["id"], single["isSystem"], single["email"]) == (2, True, "guest@example.com")
    assert [g["id"] for g in single["groups"]] == [2]
    bare = UserFactory(meta={}, prefs={"appearance": "dark"})
    single = ok_data(v2_admin_key(SINGLE, {"id": bare.legacy_id}), "single")
    assert (single["location"], single["jobTitle"], single["timezone"]) == ("", "", "")
    assert (single["dateFormat"], single["appearance"]) == ("", "dark")


def test_single_unknown_id_is_user_not_found(v2_admin_key):
    for unknown in (0, -4, 999999):
        refused(
            v2_admin_key(SINGLE, {"id": unknown}),
            "single",
            {
                "message": "This user does not exist.",
                "extensions": {
                    "code": "INTERNAL_SERVER_ERROR",
                    "exception": {"code": 1016, "message": "This user does not exist."},
                },
            },
        )


def test_single_groups_cost_a_constant_number_of_queries(v2_admin_key):
    def count(user) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert ok_data(v2_admin_key(SINGLE, {"id": user.legacy_id}), "single")
        return len(queries)

    few = count(UserFactory())
    many = count(UserFactory(groups=GroupFactory.create_batch(8)))
    assert many == few


def test_single_groups_members_cost_one_query_for_every_group(v2_admin_key):
    """pyclient selects ``groups { ... users { ... } }``: members load once for all groups."""
    query = "query ($id: Int!) { users { single(id: $id) { groups { id users { id email } } } } }"

    def count(user) -> int:
        with CaptureQueriesContext(connection) as queries:
            groups = ok_data(v2_admin_key(query, {"id": user.legacy_id}), "single")["groups"]
        assert all(user.legacy_id in [m["id"] for m in group["users"]] for group in groups)
        return len(queries)

    few = count(UserFactory(groups=GroupFactory.create_batch(1)))
    many = count(UserFactory(groups=GroupFactory.create_batch(8)))
    assert many == few


@pytest.mark.parametrize("kind", KINDS)
def test_single_gate(kind, admin):
    r = on_v2(client_as(kind, admin, permissions=[scopes.MANAGE_USERS]))(SINGLE, {"id": 2})
    if kind in ("guest", "user", "key_without"):
        refused(r, "single")
    else:
        assert ok_data(r, "single")["id"] == 2


@pytest.mark.parametrize("scope", [scopes.WRITE_USERS, scopes.READ_USERS])
def test_single_gate_needs_manage_users(scope, admin):
    refused(on_v2(client_as("user_with", admin, permissions=[scope]))(SINGLE, {"id": 2}), "single")


# --- profile -------------------------------------------------------------------------------------
def test_profile_of_a_signed_in_user(v2_for):
    editors = GroupFactory(name="Editors")
    user = UserFactory(
        email="jane@example.com",
        name="Jane",
        groups=[editors],
        meta={"location": "Lyon", "jobTitle": "Writer"},
        prefs={"timezone": "Europe/Paris", "dateFormat": "", "appearance": "light"},
    )
    PageFactory.create_batch(2, author=user)
    PageFactory(author=UserFactory())
    profile = ok_data(v2_for(user)(PROFILE), "profile")
    user.refresh_from_db()
    assert profile == {
        "id": user.legacy_id,
        "name": "Jane",
        "email": "jane@example.com",
        "providerKey": "local",
        "providerName": AuthStrategy.objects.get(pk=LOCAL_STRATEGY_ID).display_name,
        "isSystem": False,
        "isVerified": True,
        "location": "Lyon",
        "jobTitle": "Writer",
        "timezone": "Europe/Paris",
        "dateFormat": "",
        "appearance": "light",
        "createdAt": profile["createdAt"],
        "updatedAt": profile["updatedAt"],
        # Never signed in: updatedAt stands in (§4.3).
        "lastLoginAt": profile["updatedAt"],
        "groups": ["Editors", "Users"],
        "pagesTotal": 2,
    }


def test_profile_of_an_api_key_is_the_root_administrators(v2_key_for, admin):
    key = v2_key_for(GroupFactory(permissions=["read:pages"]))
    profile = ok_data(key(PROFILE), "profile")
    assert (profile["id"], profile["email"]) == (admin.legacy_id, "admin@example.com")
    assert profile["groups"] == ["Administrators", "Users"]


def test_profile_of_a_guest_is_auth_required(v2_anonymous):
    refused(
        v2_anonymous(PROFILE),
        "profile",
        {
            "message": "You must be authenticated to access this resource.",
            "extensions": {
                "code": "INTERNAL_SERVER_ERROR",
                "exception": {
                    "code": 1019,
                    "message": "You must be authenticated to access this resource.",
                },
            },
        },
    )


# --- lastLogins ----------------------------------------------------------------------------------
def test_last_logins_newest_first_at_most_ten(v2_admin_key, admin):
    made = [
        UserFactory(name=f"U{n}", last_login=datetime(2024, 1, n + 1, tzinfo=UTC))
        for n in range(12)
    ]
    UserFactory(name="Never")
    logins = ok_data(v2_admin_key(LAST_LOGINS), "lastLogins")
    assert [entry["id"] for entry in logins] == [u.legacy_id for u in reversed(made)][:10]
    assert logins[0] == {
        "id": made[-1].legacy_id,
        "name": "U11",
        "lastLoginAt": "2024-01-12T00:00:00.000Z",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_last_logins_gate(kind, admin):
    r = on_v2(client_as(kind, admin, permissions=[scopes.WRITE_GROUPS]))(LAST_LOGINS)
    if kind in ("guest", "user", "key_without"):
        refused(r, "lastLogins")
    else:
        assert isinstance(ok_data(r, "lastLogins"), list)
