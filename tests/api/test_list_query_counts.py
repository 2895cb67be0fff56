"""Every list costs the same number of SQL queries for 1 item as for 50 (issue 6).

For each list root and nested list, for each kind of caller that may read it, and with the
fast list path on and off: the request is made once to warm whatever the caller's resolution
caches, counted, the list is grown to 50 items, warmed again and must cost exactly as many
queries.
"""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import apikeys, scopes
from accounts.models import GUESTS_GROUP_ID, USERS_GROUP_ID, ApiKey, Group, Membership
from pages.services import attach_tags
from tests.factories import GroupFactory, PageFactory, UserFactory, rule
from wiki.models import Site

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("fast", [True, False])]

GROWN = 50


@pytest.fixture(autouse=True)
def _fast_path(fast, settings):
    settings.GRAPHQL_FAST_LISTS = fast


@pytest.fixture
def measure(django_assert_num_queries):
    """``measure(client, query, grow, items)``: same query count before and after ``grow()``."""

    def run(client, query: str, grow: Callable[[], None], items: Callable[[dict], int]):
        client(query)
        with CaptureQueriesContext(connection) as first:
            small = client(query)
        # Read now: the log is cleared by the next request.
        count = len(first.captured_queries)
        assert small.errors == [], small.body
        assert items(small.data) == 1, small.body
        grow()
        client(query)
        with django_assert_num_queries(count):
            large = client(query)
        assert large.errors == [], large.body
        assert items(large.data) == GROWN, large.body

    return run


def _length(field: str):
    return lambda data: len(data[field])


# --- callers ----------------------------------------------------------------------------------


def _caller(kind, permissions, client_for, api_key_for, admin_client, anonymous, rules=()):
    if kind == "admin":
        return admin_client
    if kind == "guest":
        return anonymous
    group = GroupFactory(name="Caller", permissions=list(permissions), rules=list(rules))
    if kind == "user":
        return client_for(UserFactory(name="Caller", groups=[group]))
    if kind == "api_key":
        return api_key_for(group)
    raise ValueError(kind)


@pytest.fixture
def caller(client_for, api_key_for, admin_client, anonymous):
    def make(kind, *permissions, rules=()):
        return _caller(kind, permissions, client_for, api_key_for, admin_client, anonymous, rules)

    return make


# --- pages ------------------------------------------------------------------------------------

PAGES = "{ pages(orderBy: PATH) { id path title isPublished tags createdAt } }"
PAGES_ALL_FIELDS = """
{ pages(tags: ["listed"]) { id path locale title description contentType isPublished isPrivate
                            privateNS createdAt updatedAt tags } }
"""


def _listed_page(n: int):
    page = PageFactory(path=f"listed/page-{n:03d}", tags=["listed"])
    attach_tags(page, ["listed"])
    return page


@pytest.mark.parametrize("kind", ["guest", "user", "api_key", "admin"])
@pytest.mark.parametrize("query", [PAGES, PAGES_ALL_FIELDS])
def test_pages(kind, query, caller, measure):
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule(path="listed")]
    guests.save()
    # Rules of every kind the permission filter turns into SQL.
    rules = [
        rule(path="listed"),
        rule(match="REGEX", path="^listed/page-0[0-9]+$"),
        rule(match="TAG", path="listed"),
        rule(mode="DENY", match="EXACT", path="listed/hidden"),
    ]
    client = caller(kind, scopes.READ_PAGES, rules=rules)
    _listed_page(0)
    measure(client, query, lambda: [_listed_page(n) for n in range(1, GROWN)], _length("pages"))


# --- users ------------------------------------------------------------------------------------

USERS = '{ users(query: "listed") { id name email isSystem isActive createdAt lastLoginAt } }'
USERS_PAGED = '{ users(query: "listed", page: 1, pageSize: 100, orderBy: lastLoginAt) { id } }'


@pytest.mark.parametrize("kind", ["user", "api_key", "admin"])
@pytest.mark.parametrize("query", [USERS, USERS_PAGED])
def test_users(kind, query, caller, measure):
    client = caller(kind, scopes.MANAGE_USERS)
    UserFactory(name="Listed 0")
    measure(
        client,
        query,
        lambda: [UserFactory(name=f"Listed {n}") for n in range(1, GROWN)],
        _length("users"),
    )


# --- groups, and the members nested in them ------------------------------------------------------

GROUPS = '{ groups(filter: "listed") { id name permissions userCount createdAt updatedAt } }'
GROUPS_DEEP = """
{ groups(filter: "listed", orderBy: "userCount") {
    id name userCount rules { id mode match path roles }
    users(orderBy: name) { id name email lastLoginAt }
} }
"""


def _grow_groups_and_members():
    """50 listed groups of 50 members each (the first group's member included)."""
    members = [UserFactory(name=f"Member {n}") for n in range(1, GROWN)]
    first = Group.objects.get(name="Listed 0")
    links = [Membership(user=member, group=first) for member in members]
    for n in range(1, GROWN):
        group = GroupFactory(name=f"Listed {n}", rules=[rule(path=f"p{n}")])
        links += [Membership(user=member, group=group) for member in members]
        links.append(Membership(user=first.users.first(), group=group))
    Membership.objects.bulk_create(links)


@pytest.mark.parametrize("kind", ["user", "api_key", "admin"])
def test_groups(kind, caller, measure):
    client = caller(kind, scopes.MANAGE_GROUPS)
    GroupFactory(name="Listed 0").memberships.create(user=UserFactory())
    measure(client, GROUPS, _grow_groups_and_members, _length("groups"))


@pytest.mark.parametrize("kind", ["user", "api_key", "admin"])
def test_groups_with_rules_and_members(kind, caller, measure):
    client = caller(kind, scopes.MANAGE_GROUPS)
    GroupFactory(name="Listed 0", rules=[rule()]).memberships.create(user=UserFactory())

    def members_everywhere(data):
        groups = data["groups"]
        assert all(len(group["users"]) == len(groups) for group in groups), data
        return len(groups)

    measure(client, GROUPS_DEEP, _grow_groups_and_members, members_everywhere)


MY_GROUPS = '{ userById(id: "%s") { groups { id name userCount users { id name } } } }'


@pytest.mark.parametrize("kind", ["user", "admin"])
def test_groups_of_a_user_and_their_members(kind, admin, client_for, admin_client, measure):
    """``userById(me) { groups { users } }``: one query for the members of every group."""
    if kind == "admin":
        me, client = admin, admin_client
    else:
        me = UserFactory(name="Me", groups=[GroupFactory(permissions=[scopes.MANAGE_USERS])])
        client = client_for(me)
    before = Membership.objects.filter(user=me).count()
    GroupFactory(name="Listed 0").memberships.create(user=me)

    def grow():
        for n in range(1, GROWN):
            group = GroupFactory(name=f"Listed {n}")
            group.memberships.create(user=me)
            group.memberships.create(user=UserFactory())

    def listed_groups(data):
        return len(data["userById"]["groups"]) - before

    measure(client, MY_GROUPS % me.pk, grow, listed_groups)


# --- API keys and sites -----------------------------------------------------------------------

API_KEYS = "{ apiKeys { id name keyShort expiration createdAt updatedAt isRevoked } }"


@pytest.mark.parametrize("kind", ["user", "api_key", "admin"])
def test_api_keys(kind, caller, measure):
    client = caller(kind, scopes.MANAGE_API)
    if not ApiKey.objects.exists():  # an API-key caller brings its own
        apikeys.create_api_key(None, name="key 0", expiration="1d", group_ids=[USERS_GROUP_ID])

    def grow():
        for n in range(1, GROWN):
            apikeys.create_api_key(
                None, name=f"key {n}", expiration="1d", group_ids=[USERS_GROUP_ID]
            )

    measure(client, API_KEYS, grow, _length("apiKeys"))


SITES = "{ sites { id hostname isEnabled title config } }"


@pytest.mark.parametrize("kind", ["guest", "admin"])
def test_sites(kind, caller, measure):
    client = caller(kind)

    def grow():
        for n in range(1, GROWN):
            Site.objects.create(hostname=f"site-{n}.example.com")

    measure(client, SITES, grow, _length("sites"))
