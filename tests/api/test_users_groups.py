"""``users``, ``userById`` (API.md §4.3.1) and ``groups`` (§4.4.1) through the endpoint."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import USERS_GROUP_ID, Group, User
from tests.factories import GroupFactory, UserFactory, rule

from .permission_support import assert_query_refused

pytestmark = pytest.mark.django_db

USERS = """
query Users($query: String, $filter: String, $page: Int, $pageSize: Int,
            $orderBy: UserOrderBy, $dir: OrderByDirection) {
  users(query: $query, filter: $filter, page: $page, pageSize: $pageSize,
        orderBy: $orderBy, orderByDirection: $dir) {
    id name email isSystem isActive createdAt lastLoginAt
  }
}
"""
USER_NAMES = """
query Users($query: String, $filter: String, $page: Int, $pageSize: Int,
            $orderBy: UserOrderBy, $dir: OrderByDirection) {
  users(query: $query, filter: $filter, page: $page, pageSize: $pageSize,
        orderBy: $orderBy, orderByDirection: $dir) { name }
}
"""
USER_BY_ID = """
query ($id: UUID!) {
  userById(id: $id) {
    id name email isSystem isActive isVerified hasAvatar meta prefs createdAt updatedAt
    lastLoginAt groups { id name }
  }
}
"""
GROUPS = """
query ($filter: String, $orderBy: String) {
  groups(filter: $filter, orderBy: $orderBy) { name }
}
"""
GROUP_DETAILS = """
query ($filter: String) {
  groups(filter: $filter) {
    id name isSystem redirectOnLogin redirectOnFirstLogin redirectOnLogout permissions
    rules { id name mode match roles path locales sites }
    userCount createdAt updatedAt
    users { id name email isSystem isActive createdAt lastLoginAt }
  }
}
"""
GROUP_MEMBERS = """
query ($page: Int, $pageSize: Int, $orderBy: UserOrderBy, $dir: OrderByDirection,
       $filter: String) {
  groups(filter: "Team") {
    name
    users(page: $page, pageSize: $pageSize, orderBy: $orderBy, orderByDirection: $dir,
          filter: $filter) { name }
  }
}
"""
GROUPS_WITH_USERS = "{ groups { id name userCount users { id name } } }"


def at(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def people(db):
    """Three users whose every sort key orders them differently."""
    anna = UserFactory(
        id=uuid.UUID("33333333-3333-4333-8333-333333333333"),
        name="Anna Berg",
        email="zed.anna@corp.example.com",
        created_at=at(1, 3),
        last_login=at(3, 1),
    )
    boris = UserFactory(
        id=uuid.UUID("11111111-1111-4111-8111-111111111111"),
        name="Boris Chan",
        email="boris@corp.example.com",
        created_at=at(1, 1),
        last_login=None,
        is_active=False,
    )
    clara = UserFactory(
        id=uuid.UUID("22222222-2222-4222-8222-222222222222"),
        name="Clara Diaz",
        email="a.clara@corp.example.com",
        created_at=at(1, 2),
        last_login=at(2, 1),
    )
    User.objects.filter(pk=anna.pk).update(updated_at=at(3, 1))
    User.objects.filter(pk=boris.pk).update(updated_at=at(3, 3))
    User.objects.filter(pk=clara.pk).update(updated_at=at(3, 2))
    return anna, boris, clara


def names(response, field="users") -> list[str]:
    assert response.status == 200, response.body
    assert "errors" not in response.body, response.body
    return [item["name"] for item in response.data[field]]


# --- users ----------------------------------------------------------------------------------------
def test_user_minimal_fields(admin_key_client, people):
    anna, boris, _ = people

    response = admin_key_client(USERS, {"query": "BORIS"})
    guest = admin_key_client(USERS, {"filter": "guest@"})

    assert response.body == {
        "data": {
            "users": [
                {
                    "id": str(boris.pk),
                    "name": "Boris Chan",
                    "email": "boris@corp.example.com",
                    "isSystem": False,
                    "isActive": False,
                    "createdAt": "2024-01-01T09:00:00.000Z",
                    "lastLoginAt": None,
                }
            ]
        }
    }
    guest_user = User.objects.get(is_system=True)
    assert guest.data["users"] == [
        {
            "id": str(guest_user.pk),
            "name": "Guest",
            "email": "guest@example.com",
            "isSystem": True,
            "isActive": True,
            "createdAt": guest.data["users"][0]["createdAt"],
            "lastLoginAt": None,
        }
    ]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"query": "corp"}, ["Anna Berg", "Boris Chan", "Clara Diaz"]),
        ({"filter": "CORP"}, ["Anna Berg", "Boris Chan", "Clara Diaz"]),
        ({"query": "corp", "filter": "anna"}, ["Anna Berg"]),
        ({"query": "anna", "filter": "boris"}, []),
        ({"query": "a.clara"}, ["Clara Diaz"]),
        ({"query": "  chan  "}, ["Boris Chan"]),
        ({"query": "nobody"}, []),
    ],
)
def test_query_and_filter_must_both_match(admin_key_client, people, variables, expected):
    assert names(admin_key_client(USER_NAMES, variables)) == expected


def test_without_arguments_every_user_is_listed(admin_key_client, people, admin):
    assert names(admin_key_client(USER_NAMES)) == [
        "Administrator",
        "Anna Berg",
        "Boris Chan",
        "Clara Diaz",
        "Guest",
    ]


@pytest.mark.parametrize(
    ("order_by", "ascending"),
    [
        (None, ["Anna Berg", "Boris Chan", "Clara Diaz"]),
        ("name", ["Anna Berg", "Boris Chan", "Clara Diaz"]),
        ("id", ["Boris Chan", "Clara Diaz", "Anna Berg"]),
        ("email", ["Clara Diaz", "Boris Chan", "Anna Berg"]),
        ("createdAt", ["Boris Chan", "Clara Diaz", "Anna Berg"]),
        ("updatedAt", ["Anna Berg", "Clara Diaz", "Boris Chan"]),
        # Never logged in sorts first ascending, last descending, on every database.
        ("lastLoginAt", ["Boris Chan", "Clara Diaz", "Anna Berg"]),
    ],
)
def test_order_by(admin_key_client, people, order_by, ascending):
    base = {"query": "corp", "orderBy": order_by}

    assert names(admin_key_client(USER_NAMES, base)) == ascending
    assert names(admin_key_client(USER_NAMES, {**base, "dir": "asc"})) == ascending
    assert names(admin_key_client(USER_NAMES, {**base, "dir": "desc"})) == ascending[::-1]


def test_unknown_order_value_is_a_validation_error(admin_key_client):
    response = admin_key_client(USER_NAMES, {"orderBy": "password"})

    assert response.status == 400
    assert "data" not in response.body


@pytest.fixture
def pager_users(db):
    return [
        UserFactory(name=f"Pager {n:02d}", email=f"pager{n:02d}@example.com") for n in range(25)
    ]


@pytest.mark.parametrize(
    ("page", "page_size", "expected"),
    [
        (None, None, range(25)),
        (1, None, range(20)),
        (2, None, range(20, 25)),
        (0, None, range(20)),
        (-3, None, range(20)),
        (None, 10, range(10)),
        (3, 10, range(20, 25)),
        (4, 10, range(0)),
        (2, 7, range(7, 14)),
        (None, 0, range(25)),
        (None, -1, range(25)),
        (None, 1001, range(25)),
        (2, 1000, range(0)),
    ],
)
def test_pagination(admin_key_client, pager_users, page, page_size, expected):
    variables = {"query": "pager", "page": page, "pageSize": page_size}

    assert names(admin_key_client(USER_NAMES, variables)) == [f"Pager {n:02d}" for n in expected]


def test_page_size_is_capped_at_1000(admin_key_client):
    User.objects.bulk_create(
        User(name=f"Bulk {n:04d}", email=f"bulk{n:04d}@example.com", is_active=True)
        for n in range(1005)
    )

    # Without page and pageSize the server's list cap (GRAPHQL_MAX_LIST_ITEMS) applies.
    assert len(names(admin_key_client(USER_NAMES, {"query": "bulk"}))) == 1000
    for size in (0, 1001, 5000, -7):
        listed = names(admin_key_client(USER_NAMES, {"query": "bulk", "pageSize": size}))
        assert listed == [f"Bulk {n:04d}" for n in range(1000)]
    second = names(admin_key_client(USER_NAMES, {"query": "bulk", "page": 2, "pageSize": 5000}))
    assert second == [f"Bulk {n:04d}" for n in range(1000, 1005)]


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [
        ((), False),
        (("read:pages", "manage:api", "write:groups"), False),
        (("read:users",), True),
        (("write:users",), True),
        (("manage:users",), True),
        (("manage:groups",), True),
        (("manage:system",), True),
    ],
)
@pytest.mark.parametrize("kind", ["user", "api_key"])
def test_users_permission(group_with, client_of, permissions, allowed, kind):
    client = client_of(kind, group_with(*permissions))

    response = client(USER_NAMES, {"query": "guest"})

    if allowed:
        assert response.status == 200
        assert response.body == {"data": {"users": [{"name": "Guest"}]}}
    else:
        assert_query_refused(response, "users", "ERR_FORBIDDEN")


def test_users_as_guest(anonymous):
    response = anonymous(USER_NAMES)

    assert_query_refused(response, "users", "ERR_NOT_AUTHENTICATED")


def test_users_query_count_does_not_grow(admin_key_client):
    admin_key_client(USERS)  # warm-up: keys and settings caches
    UserFactory(name="Only One")
    with CaptureQueriesContext(connection) as one:
        assert len(admin_key_client(USERS).data["users"]) == 2
    for n in range(49):
        UserFactory(name=f"More {n}", last_login=at(1, 1))
    with CaptureQueriesContext(connection) as fifty:
        assert len(admin_key_client(USERS).data["users"]) == 51

    assert len(fifty.captured_queries) == len(one.captured_queries)


# --- userById -------------------------------------------------------------------------------------
def test_user_by_id_for_yourself_needs_no_permission(user, user_client):
    response = user_client(USER_BY_ID, {"id": str(user.pk)})

    assert response.status == 200
    assert response.body == {
        "data": {
            "userById": {
                "id": str(user.pk),
                "name": "Member",
                "email": "member@example.com",
                "isSystem": False,
                "isActive": True,
                "isVerified": True,
                "hasAvatar": False,
                "meta": {},
                "prefs": {},
                "createdAt": response.data["userById"]["createdAt"],
                "updatedAt": response.data["userById"]["updatedAt"],
                "lastLoginAt": None,
                "groups": [{"id": str(USERS_GROUP_ID), "name": "Users"}],
            }
        }
    }


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [
        ((), False),
        (("manage:api", "write:groups"), False),
        (("read:users",), "without groups"),
        (("write:users",), "without groups"),
        (("manage:users",), True),
        (("manage:groups",), True),
    ],
)
def test_user_by_id_for_others(client_with, people, permissions, allowed):
    anna = people[0]
    client = client_with(*permissions)

    response = client(USER_BY_ID, {"id": str(anna.pk)})

    if allowed:
        assert response.status == 200
        assert response.data["userById"]["email"] == "zed.anna@corp.example.com"
        assert response.data["userById"]["lastLoginAt"] == "2024-03-01T09:00:00.000Z"
    if allowed is True:
        assert "errors" not in response.body
        assert response.data["userById"]["groups"] == [{"id": str(USERS_GROUP_ID), "name": "Users"}]
    elif allowed:
        # Another user's groups are read as ``groups`` is (§3.5).
        assert response.data["userById"]["groups"] is None
        assert [(e["message"], e["path"]) for e in response.errors] == [
            ("ERR_FORBIDDEN", ["userById", "groups"])
        ]
    else:
        assert_query_refused(response, "userById", "ERR_FORBIDDEN")


def test_user_by_id_as_guest(anonymous, people):
    response = anonymous(USER_BY_ID, {"id": str(people[0].pk)})

    assert response.data == {"userById": None}
    assert response.error_messages == ["ERR_NOT_AUTHENTICATED"]


@pytest.mark.parametrize(
    ("client_name", "key"),
    [("admin_key_client", "ERR_INVALID_USER"), ("user_client", "ERR_FORBIDDEN")],
)
def test_user_by_id_unknown(request, client_name, key):
    client = request.getfixturevalue(client_name)

    response = client(USER_BY_ID, {"id": str(uuid.uuid4())})

    assert_query_refused(response, "userById", key)


# --- groups ---------------------------------------------------------------------------------------
@pytest.fixture
def teams(db):
    alpha = GroupFactory(
        id=uuid.UUID("cccccccc-cccc-4ccc-8ccc-cccccccccccc"), name="Team Alpha", created_at=at(1, 2)
    )
    beta = GroupFactory(
        id=uuid.UUID("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"), name="Team Beta", created_at=at(1, 3)
    )
    gamma = GroupFactory(
        id=uuid.UUID("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"), name="team gamma", created_at=at(1, 1)
    )
    Group.objects.filter(pk=alpha.pk).update(updated_at=at(2, 2))
    Group.objects.filter(pk=beta.pk).update(updated_at=at(2, 1))
    Group.objects.filter(pk=gamma.pk).update(updated_at=at(2, 3))
    UserFactory(name="Yuri", groups=[alpha], created_at=at(1, 1))
    UserFactory(name="Xena", groups=[alpha, gamma], created_at=at(1, 2))
    UserFactory(name="Walt", groups=[alpha], created_at=at(1, 3))
    return alpha, beta, gamma


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (None, ["Team Alpha", "Team Beta", "team gamma"]),
        ("name", ["Team Alpha", "Team Beta", "team gamma"]),
        ("bogus", ["Team Alpha", "Team Beta", "team gamma"]),
        ("id", ["Team Beta", "team gamma", "Team Alpha"]),
        ("createdAt", ["team gamma", "Team Alpha", "Team Beta"]),
        ("updatedAt", ["Team Beta", "Team Alpha", "team gamma"]),
        ("userCount", ["Team Beta", "team gamma", "Team Alpha"]),
    ],
)
def test_groups_order_by(admin_key_client, teams, order_by, expected):
    response = admin_key_client(GROUPS, {"filter": "TEAM", "orderBy": order_by})

    assert names(response, "groups") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("admin", ["Administrators"]),
        ("  GUEST ", ["Guests"]),
        ("s", ["Administrators", "Guests", "Users"]),
        ("", ["Administrators", "Guests", "Users"]),
        ("nothing", []),
    ],
)
def test_groups_filter(admin_key_client, text, expected):
    assert names(admin_key_client(GROUPS, {"filter": text}), "groups") == expected


def test_group_fields(admin_key_client, teams):
    alpha = teams[0]
    page_rule = rule(mode="DENY", match="TAG", path="secret, hr", roles=["read:pages"])
    page_rule["locales"] = ["en"]
    page_rule["sites"] = [str(uuid.UUID(int=5, version=4))]
    Group.objects.filter(pk=alpha.pk).update(
        permissions=["read:pages", "write:pages"], rules=[page_rule], redirect_on_login="/home"
    )
    members = {u.name: u for u in User.objects.filter(groups=alpha)}

    response = admin_key_client(GROUP_DETAILS, {"filter": "alpha"})

    assert response.body == {
        "data": {
            "groups": [
                {
                    "id": str(alpha.pk),
                    "name": "Team Alpha",
                    "isSystem": False,
                    "redirectOnLogin": "/home",
                    "redirectOnFirstLogin": "",
                    "redirectOnLogout": "",
                    "permissions": ["read:pages", "write:pages"],
                    "rules": [page_rule],
                    "userCount": 3,
                    "createdAt": "2024-01-02T09:00:00.000Z",
                    "updatedAt": "2024-02-02T09:00:00.000Z",
                    "users": [
                        {
                            "id": str(members[name].pk),
                            "name": name,
                            "email": members[name].email,
                            "isSystem": False,
                            "isActive": True,
                            "createdAt": response.data["groups"][0]["users"][i]["createdAt"],
                            "lastLoginAt": None,
                        }
                        for i, name in enumerate(["Walt", "Xena", "Yuri"])
                    ],
                }
            ]
        }
    }


def test_system_groups(admin_key_client):
    response = admin_key_client(GROUP_DETAILS, {"filter": "s"})

    groups = {g["name"]: g for g in response.data["groups"]}
    assert groups["Administrators"]["permissions"] == ["manage:system"]
    assert groups["Administrators"]["rules"] == []
    assert groups["Guests"]["userCount"] == 1
    assert groups["Guests"]["users"][0]["email"] == "guest@example.com"
    for name, mode in (("Users", "ALLOW"), ("Guests", "DENY")):
        assert groups[name]["isSystem"] is True
        assert groups[name]["permissions"] == ["read:pages", "read:assets", "read:comments"]
        (default_rule,) = groups[name]["rules"]
        assert {k: v for k, v in default_rule.items() if k != "id"} == {
            "name": "Default Rule",
            "mode": mode,
            "match": "START",
            "roles": ["read:pages", "read:assets", "read:comments"],
            "path": "",
            "locales": [],
            "sites": [],
        }


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, [["Walt", "Xena", "Yuri"], [], ["Xena"]]),
        ({"dir": "desc"}, [["Yuri", "Xena", "Walt"], [], ["Xena"]]),
        ({"filter": "XEN"}, [["Xena"], [], ["Xena"]]),
        ({"page": 2, "pageSize": 2}, [["Yuri"], [], []]),
        ({"pageSize": 1}, [["Walt"], [], ["Xena"]]),
        ({"page": 0, "pageSize": 0}, [["Walt", "Xena", "Yuri"], [], ["Xena"]]),
        ({"orderBy": "createdAt", "dir": "desc"}, [["Walt", "Xena", "Yuri"], [], ["Xena"]]),
    ],
)
def test_group_members_arguments(admin_key_client, teams, arguments, expected):
    response = admin_key_client(GROUP_MEMBERS, arguments)

    assert response.status == 200, response.body
    assert [[u["name"] for u in g["users"]] for g in response.data["groups"]] == expected


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [
        ((), False),
        (("write:users", "read:users", "write:groups", "manage:api"), False),
        (("manage:groups",), True),
        (("manage:users",), True),
        (("manage:system",), True),
    ],
)
@pytest.mark.parametrize("kind", ["user", "api_key"])
def test_groups_permission(group_with, client_of, permissions, allowed, kind):
    client = client_of(kind, group_with(*permissions, name="Zeta"))

    response = client(GROUPS, {"filter": "zeta"})

    if allowed:
        assert response.status == 200
        assert response.body == {"data": {"groups": [{"name": "Zeta"}]}}
    else:
        assert_query_refused(response, "groups", "ERR_FORBIDDEN")


def test_groups_as_guest(anonymous):
    response = anonymous(GROUPS)

    assert response.data == {"groups": None}
    assert response.error_messages == ["ERR_NOT_AUTHENTICATED"]


def test_groups_with_members_query_count_does_not_grow(admin_key_client):
    admin_key_client(GROUPS_WITH_USERS)  # warm-up
    first = GroupFactory(name="G 00")
    UserFactory(groups=[first])
    with CaptureQueriesContext(connection) as one:
        assert len(admin_key_client(GROUPS_WITH_USERS).data["groups"]) == 4
    for n in range(1, 10):
        group = GroupFactory(name=f"G {n:02d}")
        UserFactory(groups=[group])
        UserFactory(groups=[group, first])
    with CaptureQueriesContext(connection) as ten:
        response = admin_key_client(GROUPS_WITH_USERS)
    assert len(response.data["groups"]) == 13
    counts = {g["name"]: (g["userCount"], len(g["users"])) for g in response.data["groups"]}
    assert counts["G 00"] == (10, 10)
    assert counts["G 05"] == (2, 2)

    assert len(ten.captured_queries) == len(one.captured_queries)
