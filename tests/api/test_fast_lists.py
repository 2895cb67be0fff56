"""The fast list path answers exactly what normal execution answers (issue 6).

Each document is sent twice, with ``GRAPHQL_FAST_LISTS`` on and off, and the two responses
must be the same bytes. The selections cover every combination of the list item's fields
(``pages``, ``users``, ``groups``, ``apiKeys``; ``sites`` is small), written in every way a
client may write them; a spy counts the lists the fast path completed, so that a comparison
never passes because both runs took the normal path.
"""

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts import scopes
from accounts.models import GUESTS_GROUP_ID, ApiKey, Group, User
from pages.models import Page
from pages.services import attach_tags
from tests.factories import GroupFactory, PageFactory, UserFactory, rule
from wiki.models import Site

from .fast_list_support import (
    VARIABLES,
    assert_valid,
    compare,
    decorated,
    document,
    execute_both,
)

pytestmark = pytest.mark.django_db

PAGE_FIELDS = [
    "id",
    "path",
    "locale",
    "title",
    "description",
    "contentType",
    "isPublished",
    "isPrivate",
    "privateNS",
    "createdAt",
    "updatedAt",
    "tags",
]
USER_FIELDS = ["id", "name", "email", "isSystem", "isActive", "createdAt", "lastLoginAt"]
GROUP_FIELDS = [
    "id",
    "name",
    "isSystem",
    "redirectOnLogin",
    "redirectOnFirstLogin",
    "redirectOnLogout",
    "permissions",
    "userCount",
    "createdAt",
    "updatedAt",
]
API_KEY_FIELDS = ["id", "name", "keyShort", "expiration", "createdAt", "updatedAt", "isRevoked"]
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def subsets(fields: list[str]) -> list[list[str]]:
    """Every non-empty combination of ``fields``, in their order."""
    return [
        list(combination)
        for size in range(1, len(fields) + 1)
        for combination in itertools.combinations(fields, size)
    ]


def run_all(client, root_variants, type_name, selections, *, batch=64, seed=0):
    """Run every selection, ``batch`` root fields per document, cycling through arguments.

    In process (``execute_both``): validating thousands of root fields would cost the endpoint
    ten seconds and prove nothing about execution. The first document is validated as the
    endpoint validates, so the generator is known to write documents the endpoint accepts.
    """
    rng = random.Random(seed)
    fast_lists = 0
    for start in range(0, len(selections), batch):
        roots = []
        for offset, fields in enumerate(selections[start : start + batch]):
            number = start + offset
            tag = f"r{number}"
            root = root_variants[number % len(root_variants)]
            roots.append((tag, root, decorated(fields, type_name, rng, tag)))
        query = document(roots)
        if start == 0:
            assert_valid(query)
        outcome = execute_both(client, query, VARIABLES)
        assert "errors" not in outcome["body"], outcome["body"]
        assert outcome["fast_lists"] == len(roots)
        fast_lists += outcome["fast_lists"]
    return fast_lists


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def wiki(admin):
    """Pages of every publish state, two sites, two locales, tags, and awkward values."""
    other = Site.objects.create(hostname="other.example.com")
    writer = UserFactory(name="Writer")
    now = timezone.now()
    specs = [
        ("docs/one", {"title": "One", "description": "First", "content_type": "html"}, ["zeta"]),
        ("docs/two", {"title": "Two", "locale": "de"}, ["alpha", "zeta"]),
        ("docs/été", {"title": "Ünïcode ✓", "description": 'quote " and \\'}, []),
        ("docs/draft", {"title": "Draft", "publish_state": "draft"}, ["alpha"]),
        (
            "plan/now",
            {
                "title": "Window open",
                "publish_state": "scheduled",
                "publish_start_date": now - timedelta(days=1),
                "publish_end_date": now + timedelta(days=1),
            },
            [],
        ),
        (
            "plan/later",
            {
                "title": "Window closed",
                "publish_state": "scheduled",
                "publish_start_date": now + timedelta(days=1),
                "publish_end_date": now + timedelta(days=2),
            },
            ["alpha"],
        ),
        ("plan/undated", {"title": "Scheduled, no dates", "publish_state": "scheduled"}, []),
        ("other/page", {"title": "Elsewhere", "site": other, "author": writer}, ["zeta"]),
        ("z/last", {"title": "a lowercase title", "creator": writer, "author": writer}, []),
    ]
    pages = []
    for index, (path, fields, tags) in enumerate(specs):
        fields.setdefault("author", admin)
        fields.setdefault("creator", fields["author"])
        fields.setdefault("owner", fields["author"])
        created = T0 + timedelta(days=index % 4, microseconds=123457 * index)
        page = PageFactory(
            path=path, tags=tags, created_at=created, updated_at=created + timedelta(hours=index)
        )
        Page.objects.filter(pk=page.pk).update(**fields)
        if fields.get("site") is not None:
            page.site = fields["site"]
        attach_tags(page, tags)
        pages.append(page)
    return {"other_site": other, "writer": writer, "pages": pages}


def page_roots(wiki) -> list[str]:
    site = wiki["other_site"].pk
    writer = wiki["writer"].pk
    return [
        "pages",
        "pages(orderBy: TITLE)",
        "pages(orderBy: PATH, orderByDirection: DESC)",
        "pages(orderBy: UPDATED, limit: 3)",
        "pages(orderBy: CREATED, orderByDirection: DESC, offset: 2, limit: 4)",
        'pages(tags: ["alpha"])',
        'pages(tags: ["ALPHA", "#zeta"], orderBy: TITLE)',
        'pages(locale: "de")',
        f'pages(siteId: "{site}")',
        f'pages(creatorId: "{writer}", authorId: "{writer}")',
        "pages(limit: 0, offset: 1)",
        "pages(offset: 100)",
    ]


# Few rows per list, so that 4,095 lists stay cheap; together they still cover every page.
POWER_SET_ROOTS = [
    "pages(limit: 4)",
    "pages(limit: 4, offset: 4)",
    "pages(orderBy: TITLE, orderByDirection: DESC, limit: 3, offset: 6)",
    "pages(orderBy: UPDATED, limit: 3)",
    'pages(tags: ["alpha"])',
    'pages(locale: "de")',
]


def test_every_page_field_combination_admin(admin_client, wiki):
    selections = subsets(PAGE_FIELDS)
    assert len(selections) == 4095
    assert run_all(admin_client, POWER_SET_ROOTS, "PageListItem", selections) == 4095


@pytest.fixture
def page_callers(wiki, client_for, api_key_for, anonymous):
    """Callers who see different parts of the wiki, each filtered in SQL."""
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [*guests.rules, rule(path="docs")]
    guests.save()
    planner = GroupFactory(
        permissions=["read:pages", "write:pages"],
        rules=[rule(path="plan", roles=["read:pages", "write:pages"])],
    )
    tagged = GroupFactory(rules=[rule(match="TAG", path="zeta")])
    return {
        "guest": anonymous,
        "user": client_for(UserFactory()),
        "planner": client_for(UserFactory(groups=[planner])),
        "key": api_key_for(tagged),
    }


@pytest.mark.parametrize("kind", ["guest", "user", "planner", "key"])
def test_page_field_sample_for_each_caller(kind, page_callers, wiki):
    selections = random.Random(kind).sample(subsets(PAGE_FIELDS), 256)
    client = page_callers[kind]
    assert run_all(client, page_roots(wiki), "PageListItem", selections, seed=1) == 256


def test_callers_see_different_rows(page_callers, admin_client, wiki, monkeypatch):
    """The comparisons above are not all over the same rows."""
    seen = {}
    for kind, client in [*page_callers.items(), ("admin", admin_client)]:
        fast, _ = compare(client, "{ pages { path } }", monkeypatch)
        assert fast.fast_lists == 1
        seen[kind] = sorted(item["path"] for item in fast.body["data"]["pages"])
    assert seen["guest"] == ["docs/one", "docs/two", "docs/été"]
    assert "plan/later" in seen["planner"]
    assert "plan/later" not in seen["user"]
    assert seen["key"] == ["docs/one", "docs/two", "other/page"]
    assert len(seen["admin"]) == len(wiki["pages"])


def test_the_benchmark_query_is_fast(admin_client, wiki, monkeypatch):
    fast, _ = compare(admin_client, "{ pages(limit: 1000) { id path title } }", monkeypatch)
    assert fast.fast_lists == 1
    assert len(fast.body["data"]["pages"]) == len(wiki["pages"])


def test_errors_and_data_side_by_side(admin_client, wiki, monkeypatch):
    query = """
    query ($offset: Int, $limit: Int) {
      bad: pages(offset: -1) { id title }
      good: pages(limit: 2) { id __typename }
      alsoBad: pages(offset: $offset, limit: $limit) { path }
    }
    """
    fast, _ = compare(admin_client, query, monkeypatch, {"offset": -3, "limit": 1})
    body = fast.body
    assert body["data"]["bad"] is None
    assert body["data"]["alsoBad"] is None
    assert [item["__typename"] for item in body["data"]["good"]] == ["PageListItem"] * 2
    assert [(e["message"], e["path"]) for e in body["errors"]] == [
        ("ERR_INVALID_INPUT", ["bad"]),
        ("ERR_INVALID_INPUT", ["alsoBad"]),
    ]
    assert fast.fast_lists == 1


def test_bad_arguments_are_refused_alike(admin_client, wiki, monkeypatch):
    for query, variables in [
        ("query ($id: UUID) { pages(siteId: $id) { id } }", {"id": "not-a-uuid"}),
        ("query ($n: Int) { pages(limit: $n) { id } }", {"n": "ten"}),
        ("{ pages(limit: 1) { id nope } }", None),
        ("{ pages { id tags { x } } }", None),
    ]:
        fast, _ = compare(admin_client, query, monkeypatch, variables)
        assert fast.body["errors"], fast.body
        assert fast.fast_lists == 0


def test_unusual_stored_values_take_the_normal_path(admin_client, wiki, monkeypatch):
    """Values the shortcuts do not vouch for are completed (or refused) by graphql-core."""
    one, two = wiki["pages"][:2]
    Page.objects.filter(pk=one.pk).update(tags=[1, None, "x", True])
    Page.objects.filter(pk=two.pk).update(tags={"not": "a list"})
    fast, _ = compare(admin_client, "{ pages { path tags } }", monkeypatch)
    assert fast.fast_lists == 0
    items = {item["path"]: item["tags"] for item in fast.body["data"]["pages"]}
    assert items["docs/one"] == ["1", None, "x", "true"]
    assert items["docs/two"] is None
    index = [item["path"] for item in fast.body["data"]["pages"]].index("docs/two")
    assert [e["path"] for e in fast.body["errors"]] == [["pages", index, "tags"]]
    # Without tags the same rows are fine for the fast path.
    fast, _ = compare(admin_client, "{ pages { path title } }", monkeypatch)
    assert fast.fast_lists == 1


def test_switched_off_means_normal_execution(admin_client, wiki, settings, monkeypatch):
    from .fast_list_support import post

    settings.GRAPHQL_FAST_LISTS = False
    assert post(admin_client, "{ pages { id } }", None, monkeypatch).fast_lists == 0
    settings.GRAPHQL_FAST_LISTS = True
    assert post(admin_client, "{ pages { id } }", None, monkeypatch).fast_lists == 1


# --- users ------------------------------------------------------------------------------------


@pytest.fixture
def people(admin):
    users = [
        UserFactory(name="Ada", email="ada@example.com", last_login=T0),
        UserFactory(name="bob", email="bob@corp.example", is_active=False),
        UserFactory(name="Cé", email="ce@example.com", last_login=T0 + timedelta(days=1)),
        UserFactory(name="Ada", email="ada2@example.com", created_at=T0),
    ]
    User.objects.filter(pk=users[1].pk).update(created_at=T0 - timedelta(days=3))
    return users


USER_ROOTS = [
    "users",
    'users(query: "ada")',
    'users(filter: "EXAMPLE.com", query: "a")',
    "users(page: 2, pageSize: 2)",
    "users(pageSize: 0)",
    "users(orderBy: lastLoginAt)",
    "users(orderBy: lastLoginAt, orderByDirection: desc)",
    "users(orderBy: createdAt, orderByDirection: desc, page: 1, pageSize: 3)",
    "users(orderBy: email)",
    "users(orderBy: id, page: -1)",
]


@pytest.mark.parametrize("kind", ["admin", "manager", "key"])
def test_every_user_field_combination(kind, people, admin_client, client_with, api_key_for):
    client = {
        "admin": lambda: admin_client,
        "manager": lambda: client_with(scopes.MANAGE_USERS),
        "key": lambda: api_key_for(GroupFactory(permissions=[scopes.READ_USERS])),
    }[kind]()
    selections = subsets(USER_FIELDS)
    assert run_all(client, USER_ROOTS, "UserMinimal", selections) == 127


@pytest.mark.parametrize("kind", ["guest", "user"])
def test_refused_users_alike(kind, people, anonymous, user_client, monkeypatch):
    client = anonymous if kind == "guest" else user_client
    fast, _ = compare(client, "{ users { id name } groups { id } apiKeys { id } }", monkeypatch)
    assert fast.body["data"] == {"users": None, "groups": None, "apiKeys": None}
    assert [e["path"] for e in fast.body["errors"]] == [["users"], ["groups"], ["apiKeys"]]


# --- groups -----------------------------------------------------------------------------------


@pytest.fixture
def teams(people):
    editors = GroupFactory(
        name="Editors",
        permissions=["read:pages", "write:pages"],
        rules=[rule(path="docs")],
        redirect_on_login="/docs",
    )
    empty = GroupFactory(name="empty", permissions=[])
    editors.memberships.create(user=people[0])
    editors.memberships.create(user=people[1])
    Group.objects.filter(pk=empty.pk).update(created_at=T0)
    return [editors, empty]


GROUP_ROOTS = [
    "groups",
    'groups(filter: "E")',
    'groups(orderBy: "userCount")',
    'groups(orderBy: "createdAt")',
    'groups(orderBy: "id")',
    'groups(orderBy: "nonsense")',
]


def test_every_group_field_combination(teams, admin_client):
    selections = subsets(GROUP_FIELDS)
    assert run_all(admin_client, GROUP_ROOTS, "Group", selections) == 1023


def test_group_fields_that_stay_on_the_normal_path(teams, admin_client, monkeypatch):
    query = """
    {
      plain: groups { id name userCount }
      withRules: groups { id rules { id mode path } }
      withUsers: groups { name users(orderBy: email) { id email } }
      withFragment: groups { ...G }
    }
    fragment G on Group { name users { name } }
    """
    fast, _ = compare(admin_client, query, monkeypatch)
    assert "errors" not in fast.body
    assert fast.fast_lists == 1  # only ``plain``


def test_every_api_key_field_combination(admin_client, api_key_for):
    for name in ("b key", "a key"):
        api_key_for(GroupFactory())
        ApiKey.objects.filter(name="test key").update(name=name)
    ApiKey.objects.filter(name="a key").update(is_revoked=True)
    roots = ["apiKeys"]
    assert run_all(admin_client, roots, "AuthenticationApiKey", subsets(API_KEY_FIELDS)) == 127


def test_sites(admin_client, monkeypatch):
    Site.objects.create(hostname="b.example.com", is_enabled=False, config={"title": "B"})
    fast, _ = compare(
        admin_client, "{ sites { id hostname isEnabled config __typename } }", monkeypatch
    )
    assert fast.fast_lists == 1
    fast, _ = compare(admin_client, "{ sites { id title } }", monkeypatch)
    assert fast.fast_lists == 0  # ``title`` has its own resolver


def test_rows_are_read_with_the_selected_columns_only(admin_client, wiki, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        compare(admin_client, "{ pages { title } }", monkeypatch)
    listing = [q["sql"] for q in queries if 'FROM "pages_page"' in q["sql"]]
    fast_sql = listing[0]
    assert '"pages_page"."title"' in fast_sql
    assert '"pages_page"."path"' not in fast_sql
    assert '"pages_page"."content"' not in fast_sql


def test_unknown_ids_are_just_empty(admin_client, wiki, monkeypatch):
    fast, _ = compare(admin_client, f'{{ pages(siteId: "{uuid.uuid4()}") {{ id }} }}', monkeypatch)
    assert fast.body == {"data": {"pages": []}}
