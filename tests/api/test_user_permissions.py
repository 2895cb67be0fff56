"""lastLogins, userPermissions and userPermissionsAtPath (API.md §4.3.1).

userPermissionsAtPath gives real answers: the page roles ``AccessPolicy.roles_at`` grants at
the location read as pageByPath reads it (Wiki.js 3 answers an empty list).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from accounts.authentication import user_caller
from accounts.models import GUESTS_GROUP_ID, Group, User
from accounts.permissions import PageContext
from tests.factories import GroupFactory, PageFactory, UserFactory, default_site, rule
from wiki.models import Site

from .permission_support import assert_query_refused, client_as

pytestmark = pytest.mark.django_db

LAST_LOGINS = "{ lastLogins { id name lastLoginAt } }"
USER_PERMISSIONS = "{ userPermissions }"
AT_PATH = """query ($siteId: UUID!, $path: String!) {
  userPermissionsAtPath(siteId: $siteId, path: $path) }"""
UNKNOWN_SITE = "8d1c3f52-2b7e-4c1a-9f0e-5a6b7c8d9e0f"
T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
BASE_READ = ["read:pages", "read:assets", "read:comments"]

CALLERS = {
    "guest": ("guest", ()),
    "plain user": ("user", ()),
    "user with read:dashboard": ("user_with", ("read:dashboard",)),
    "user with read:users": ("user_with", ("read:users",)),
    "user with write:users": ("user_with", ("write:users",)),
    "user with manage:users": ("user_with", ("manage:users",)),
    "user with manage:groups": ("user_with", ("manage:groups",)),
    "admin": ("admin", ()),
    "key with limited groups": ("key_without", ()),
    "key with read:dashboard": ("key_with", ("read:dashboard",)),
}


def caller(name, admin, **fields):
    kind, permissions = CALLERS[name]
    return client_as(kind, admin, permissions=permissions, **fields)


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


# --- lastLogins -------------------------------------------------------------------------------
LAST_LOGINS_REFUSED = {
    "guest": "ERR_NOT_AUTHENTICATED",
    "plain user": "ERR_FORBIDDEN",
    # manage:groups reads users but not the dashboard's sign-ins (§3.5).
    "user with manage:groups": "ERR_FORBIDDEN",
    "key with limited groups": "ERR_FORBIDDEN",
}


@pytest.mark.parametrize("who", list(CALLERS))
def test_last_logins_permission_matrix(who, admin):
    client = caller(who, admin)
    ada = UserFactory(name="Ada", last_login=at(1))
    r = client(LAST_LOGINS)
    if who in LAST_LOGINS_REFUSED:
        assert_query_refused(r, "lastLogins", LAST_LOGINS_REFUSED[who])
        return
    assert r.errors == [], r.body
    assert r.data["lastLogins"][0] == {
        "id": str(ada.pk),
        "name": "Ada",
        "lastLoginAt": "2024-05-02T12:00:00.000Z",
    }


def test_last_logins_are_the_ten_newest_newest_first(admin_client):
    users = [UserFactory(name=f"Signed {n:02d}", last_login=at(n)) for n in range(12)]
    same = UserFactory(name="Same time", last_login=at(11))
    UserFactory(name="Never")
    data = admin_client(LAST_LOGINS).data["lastLogins"]
    tie = sorted([users[11], same], key=lambda u: u.pk, reverse=True)
    expected = [*tie, *reversed(users[3:11])]
    assert [row["id"] for row in data] == [str(u.pk) for u in expected]
    assert data[-1] == {
        "id": str(users[3].pk),
        "name": "Signed 03",
        "lastLoginAt": "2024-05-04T12:00:00.000Z",
    }


def test_last_logins_without_any_sign_in_is_empty(admin_client):
    User.objects.update(last_login=None)
    assert admin_client(LAST_LOGINS).data == {"lastLogins": []}


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("kind", ["user_with", "key_with", "admin"])
def test_last_logins_cost_the_same_for_1_and_50_signed_in_users(
    kind, fast, admin, settings, django_assert_num_queries
):
    settings.GRAPHQL_FAST_LISTS = fast
    User.objects.update(last_login=None)
    client = client_as(kind, admin, permissions=["read:dashboard"])
    UserFactory(last_login=at(0))
    client(LAST_LOGINS)
    with CaptureQueriesContext(connection) as small:
        assert len(client(LAST_LOGINS).data["lastLogins"]) == 1
    # Read now: the log is cleared by the next request.
    count = len(small.captured_queries)
    for n in range(1, 50):
        UserFactory(last_login=at(n))
    client(LAST_LOGINS)
    with django_assert_num_queries(count):
        assert len(client(LAST_LOGINS).data["lastLogins"]) == 10


# --- userPermissions --------------------------------------------------------------------------
@pytest.mark.parametrize("who", list(CALLERS))
def test_user_permissions_of_every_caller(who, admin):
    r = caller(who, admin)(USER_PERMISSIONS)
    if who == "guest":
        assert_query_refused(r, "userPermissions", "ERR_NOT_AUTHENTICATED")
        return
    assert r.errors == [], r.body
    expected = {
        "admin": ["manage:system", *BASE_READ],
        "key with limited groups": BASE_READ,
        "key with read:dashboard": ["read:dashboard"],
    }.get(who)
    if expected is None:  # a user: the Users group's scopes and the granting group's
        granted = {*BASE_READ, *CALLERS[who][1]}
        expected = [scope for scope in scopes.ORDERED_SCOPES if scope in granted]
    assert r.data == {"userPermissions": expected}


def test_user_permissions_are_deduplicated_in_contract_order(client_for, api_key_for):
    first = GroupFactory(permissions=["manage:api", "write:pages", "manage:users", "read:pages"])
    second = GroupFactory(permissions=["read:pages", "manage:users", "access:admin"])
    expected = ["access:admin", "manage:users", "read:pages", "write:pages", "manage:api"]
    user_answer = client_for(UserFactory(groups=[first, second]))(USER_PERMISSIONS)
    assert user_answer.data == {
        "userPermissions": [*expected[:4], "read:assets", "read:comments", "manage:api"]
    }
    key_answer = api_key_for(first, second)(USER_PERMISSIONS)
    assert key_answer.data == {"userPermissions": expected}


def test_user_permissions_follow_a_group_change_on_the_next_request(client_for):
    group = GroupFactory(permissions=["read:users"])
    client = client_for(UserFactory(groups=[group]))
    assert client(USER_PERMISSIONS).data == {"userPermissions": [*BASE_READ, "read:users"]}
    group.permissions = ["manage:groups"]
    group.save()
    assert client(USER_PERMISSIONS).data == {"userPermissions": ["manage:groups", *BASE_READ]}


# --- userPermissionsAtPath --------------------------------------------------------------------
def at_path(client, path: str, site=None) -> list[str]:
    r = client(AT_PATH, {"siteId": str((site or default_site()).pk), "path": path})
    assert r.errors == [], r.body
    return r.data["userPermissionsAtPath"]


@pytest.mark.parametrize("who", list(CALLERS))
def test_unknown_site_is_refused_for_every_caller(who, admin):
    r = caller(who, admin)(AT_PATH, {"siteId": UNKNOWN_SITE, "path": "home"})
    assert_query_refused(r, "userPermissionsAtPath", "ERR_INVALID_SITE")


@pytest.mark.parametrize("who", list(CALLERS))
def test_every_caller_may_ask(who, admin):
    expected = {
        "guest": [],  # the Guests group's default rule denies everything
        "admin": list(scopes.PAGE_ROLES),
        # key_with's group has no rules: no page role anywhere.
        "key with read:dashboard": [],
    }.get(who, BASE_READ)
    assert at_path(caller(who, admin), "docs/guide") == expected


def test_the_guest_gets_what_the_guests_rules_grant(anonymous):
    Group.objects.filter(pk=GUESTS_GROUP_ID).update(
        rules=[rule(path="public", roles=["read:pages", "read:history"])]
    )
    assert at_path(anonymous, "public/faq") == ["read:pages", "read:history"]
    assert at_path(anonymous, "private/faq") == []


RULES = [
    rule(path="", roles=["read:pages", "write:pages", "read:source", "read:history"]),
    rule(mode="DENY", path="staff", roles=["read:pages", "write:pages", "read:source"]),
    rule(match="EXACT", path="staff/faq", roles=["read:pages"]),
    rule(mode="FORCEALLOW", match="END", path="/handbook", roles=["write:pages"]),
    rule(match="TAG", path="secret, #classified", roles=["delete:pages"]),
    rule(mode="DENY", match="TAGALL", path="secret locked", roles=["read:history"]),
    rule(match="REGEX", path="^blog/[0-9]{4}/", roles=["write:styles"]),
    rule(path="fr-only", roles=["manage:pages"], locales=["fr"]),
]


@pytest.fixture
def ruled(client_for):
    """A user whose only group holds RULES (no Users group), and a client of theirs."""
    group = GroupFactory(permissions=["read:pages"], rules=RULES)
    user = UserFactory()
    user.groups.set([group])
    return user, client_for(user)


@pytest.mark.parametrize(
    ("path", "tags", "expected"),
    [
        ("home", None, RULES[0]["roles"]),
        ("staff/payroll", None, ["read:history"]),  # DENY "staff" is longer than ALLOW ""
        ("staff/faq", None, ["read:pages", "read:history"]),  # EXACT staff/faq beats DENY staff
        ("staff/handbook", None, ["write:pages", "read:history"]),  # FORCEALLOW beats DENY
        (
            "docs/x",
            ["secret"],
            ["read:pages", "write:pages", "delete:pages", "read:source", "read:history"],
        ),
        (
            "docs/x",
            ["classified", "locked"],
            ["read:pages", "write:pages", "delete:pages", "read:source", "read:history"],
        ),
        # TAGALL DENY "secret locked" (13 characters) beats ALLOW "" for read:history.
        (
            "docs/x",
            ["secret", "locked"],
            ["read:pages", "write:pages", "delete:pages", "read:source"],
        ),
        (
            "blog/2024/post",
            None,
            ["read:pages", "write:pages", "write:styles", "read:source", "read:history"],
        ),
        ("blog/draft", None, RULES[0]["roles"]),
    ],
)
def test_answers_are_those_of_the_permission_engine(ruled, path, tags, expected):
    user, client = ruled
    if tags is not None:
        PageFactory(path=path, tags=tags)
    assert at_path(client, path) == expected
    policy = user_caller(user).policy
    assert (
        policy.roles_at(PageContext(default_site().pk, "en", path, tuple(tags or ()))) == expected
    )


def test_tag_rules_need_a_page_carrying_the_tags(ruled):
    _, client = ruled
    assert "delete:pages" not in at_path(client, "docs/untagged")
    PageFactory(path="docs/untagged", locale="de", tags=["secret"])
    assert "delete:pages" not in at_path(client, "docs/untagged")
    assert "delete:pages" in at_path(client, "de/docs/untagged")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/STAFF/Payroll/", ["read:history"]),
        ("%2Fstaff%2Fpayroll", ["read:history"]),
        ("en/staff/payroll", ["read:history"]),
        ("hr/payroll", RULES[0]["roles"]),  # locale hr, path payroll: outside "staff"
        ("_assets/staff/payroll", ["read:history"]),
        ('staff/pay"roll', ["read:history"]),
        ("", RULES[0]["roles"]),  # "home"
        ("fr", ["read:pages", "write:pages", "read:source", "read:history"]),  # fr/home
        ("fr/fr-only/page", [*RULES[0]["roles"][:2], "manage:pages", *RULES[0]["roles"][2:]]),
        ("fr-only/page", RULES[0]["roles"]),  # the site's primary locale, en
    ],
)
def test_the_path_is_read_as_page_by_path_reads_it(ruled, raw, expected):
    _, client = ruled
    assert at_path(client, raw) == expected


def test_without_a_locale_segment_the_site_primary_locale_applies(ruled):
    _, client = ruled
    site = Site.objects.create(
        hostname="fr.example", config={**default_site().config, "locales": {"primary": "fr"}}
    )
    assert "manage:pages" in at_path(client, "fr-only/page", site)
    assert "manage:pages" not in at_path(client, "fr-only/page")


def test_site_limited_rules_apply_on_their_site_only(client_for, api_key_for):
    other = Site.objects.create(hostname="other.example", config=default_site().config)
    group = GroupFactory(rules=[rule(path="", roles=["read:pages"], sites=[other.pk])])
    user = UserFactory()
    user.groups.set([group])
    for client in (client_for(user), api_key_for(group)):
        assert at_path(client, "home", other) == ["read:pages"]
        assert at_path(client, "home") == []


def test_a_rule_change_applies_on_the_next_request(ruled):
    user, client = ruled
    assert at_path(client, "staff/payroll") == ["read:history"]
    group = user.groups.get()
    group.rules = [rule(mode="FORCEALLOW", match="START", path="staff", roles=["read:pages"])]
    group.save()
    assert at_path(client, "staff/payroll") == ["read:pages"]
