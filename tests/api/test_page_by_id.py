"""``pageById`` through /_graphql (API.md §4.1.2, §2.4, §2.5, §3.4, §4.1.4)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import GUESTS_GROUP_ID, Group
from pages.models import page_hash
from tests.factories import PageFactory, UserFactory, rule

from .permission_support import assert_query_refused
from .seed_examples import SEED_ID, SEED_PAGE_BY_ID

pytestmark = pytest.mark.django_db

BY_ID = """
query PageById($id: UUID!, $password: String) {
  pageById(id: $id, password: $password) { id path title }
}
"""
FULL = """
query PageById($id: UUID!) {
  pageById(id: $id) {
    id siteId locale path hash alias title description icon content contentType editor
    render toc tocDepth { min max } tags relations { id position label caption icon target }
    publishState publishStartDate publishEndDate isBrowsable isSearchable
    allowComments allowContributions allowRatings showSidebar showTags showToc
    scriptCss scriptJsLoad scriptJsUnload password navigationId navigationMode
    author { id name email } creator { id name email } createdAt updatedAt
  }
}
"""
WITH_PEOPLE = """
query PageById($id: UUID!) {
  pageById(id: $id) { id tags relations { id label } author { id name email isActive }
                      creator { id name email } content }
}
"""
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
UNKNOWN = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def fetch(client, page_id, query=BY_ID, **variables):
    return client(query, {"id": str(page_id), **variables})


def assert_refused(response, key: str) -> None:
    assert_query_refused(response, "pageById", key)


def assert_found(response, page) -> None:
    assert response.status == 200, response.body
    assert response.body == {
        "data": {"pageById": {"id": str(page.pk), "path": page.path, "title": page.title}}
    }


def test_seed_example_verbatim(admin_key_client, admin):
    PageFactory(
        id=SEED_ID,
        path="docs/seed",
        title="Seed page",
        created_at=T0,
        updated_at=T0 + timedelta(days=1, milliseconds=5),
    )
    r = admin_key_client(SEED_PAGE_BY_ID)
    assert r.status == 200
    assert r.body == {
        "data": {
            "pageById": {
                "path": "docs/seed",
                "title": "Seed page",
                "createdAt": "2024-05-01T12:00:00.000Z",
                "updatedAt": "2024-05-02T12:00:00.005Z",
            }
        }
    }


@pytest.mark.parametrize("who", ["anonymous", "user_client", "admin_client", "admin_key_client"])
def test_unknown_id_is_not_found_for_everyone(request, who):
    PageFactory()
    assert_refused(fetch(request.getfixturevalue(who), UNKNOWN), "ERR_PAGE_NOT_FOUND")


def test_every_field_of_a_stored_page(admin_client, admin):
    author, creator = UserFactory(name="Ann"), UserFactory(name="Cy")
    page = PageFactory(
        locale="fr",
        path="docs/tout",
        alias="tout",
        title="Tout",
        description="Desc",
        icon="",
        content="# T",
        content_type="markdown",
        editor="markdown",
        render='<h1 id="t">T</h1>',
        toc=[{"label": "T", "key": "t", "children": []}],
        config={"allowComments": False},
        tags=["b", "a"],
        relations=[
            {"id": SEED_ID, "position": "left", "label": "L", "target": "/x"},
        ],
        publish_state="scheduled",
        publish_start_date=T0,
        publish_end_date=T0 + timedelta(days=3650),
        is_searchable=False,
        password="hashed",
        scripts={"css": "a{}"},
        author=author,
        creator=creator,
        owner=creator,
        created_at=T0,
        updated_at=T0,
    )
    r = fetch(admin_client, page.pk, FULL)
    assert r.status == 200
    assert r.body == {
        "data": {
            "pageById": {
                "id": str(page.pk),
                "siteId": str(page.site_id),
                "locale": "fr",
                "path": "docs/tout",
                "hash": page_hash("fr", "docs/tout"),
                "alias": "tout",
                "title": "Tout",
                "description": "Desc",
                "icon": "las la-file-alt",
                "content": "# T",
                "contentType": "markdown",
                "editor": "markdown",
                "render": '<h1 id="t">T</h1>',
                "toc": [{"label": "T", "key": "t", "children": []}],
                "tocDepth": {"min": 1, "max": 2},
                "tags": ["b", "a"],
                "relations": [
                    {
                        "id": SEED_ID,
                        "position": "left",
                        "label": "L",
                        "caption": "",
                        "icon": "",
                        "target": "/x",
                    }
                ],
                "publishState": "scheduled",
                "publishStartDate": "2024-05-01T12:00:00.000Z",
                "publishEndDate": "2034-04-29T12:00:00.000Z",
                "isBrowsable": True,
                "isSearchable": False,
                "allowComments": False,
                "allowContributions": True,
                "allowRatings": True,
                "showSidebar": True,
                "showTags": True,
                "showToc": True,
                "scriptCss": "a{}",
                "scriptJsLoad": "",
                "scriptJsUnload": "",
                "password": "********",
                "navigationId": None,
                "navigationMode": "inherit",
                "author": {"id": str(author.pk), "name": "Ann", "email": author.email},
                "creator": {"id": str(creator.pk), "name": "Cy", "email": creator.email},
                "createdAt": "2024-05-01T12:00:00.000Z",
                "updatedAt": "2024-05-01T12:00:00.000Z",
            }
        }
    }


def test_password_argument_is_accepted_and_ignored(user_client):
    page = PageFactory(password="hashed")
    assert_found(fetch(user_client, page.pk, password="wrong"), page)
    assert_found(fetch(user_client, page.pk, password=None), page)
    assert_found(fetch(user_client, page.pk), page)


# --- Permission: read:pages, then publish visibility (§3.4, §2.5) ------------------------------
def test_read_permission_decides(
    anonymous, user_client, client_for, make_user, group_with, api_key_for
):
    page = PageFactory(path="hr/payroll")
    assert_refused(fetch(anonymous, page.pk), "ERR_NOT_AUTHENTICATED")
    assert_found(fetch(user_client, page.pk), page)
    deny = group_with(rules=[rule(mode="DENY", path="hr")])
    assert_refused(fetch(client_for(make_user(groups=[deny])), page.pk), "ERR_FORBIDDEN")
    assert_refused(fetch(api_key_for(group_with("read:pages")), page.pk), "ERR_FORBIDDEN")
    assert_found(fetch(api_key_for(group_with(rules=[rule(path="hr/")])), page.pk), page)
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule()]
    guests.save()
    assert_found(fetch(anonymous, page.pk), page)


def test_write_pages_without_read_pages_is_not_enough(client_for, make_user, group_with):
    page = PageFactory(path="draft", publish_state="draft")
    only_write = group_with(rules=[rule(mode="DENY"), rule(roles=("write:pages",))])
    assert_refused(fetch(client_for(make_user(groups=[only_write])), page.pk), "ERR_FORBIDDEN")


@pytest.mark.parametrize(
    ("state", "start", "end", "published"),
    [
        ("published", None, None, True),
        ("draft", None, None, False),
        ("scheduled", -1, 1, True),
        ("scheduled", 1, 2, False),
        ("scheduled", -2, -1, False),
        ("scheduled", None, None, False),
        ("scheduled", -1, None, False),
        ("draft", -1, 1, False),
    ],
)
def test_unpublished_pages_need_write_pages(
    anonymous, user_client, client_with, state, start, end, published
):
    now = timezone.now()
    page = PageFactory(
        publish_state=state,
        publish_start_date=None if start is None else now + timedelta(hours=start),
        publish_end_date=None if end is None else now + timedelta(hours=end),
    )
    writer = client_with(rules=[rule(roles=("write:pages",))])
    assert_found(fetch(writer, page.pk), page)
    if published:
        assert_found(fetch(user_client, page.pk), page)
    else:
        assert_refused(fetch(user_client, page.pk), "ERR_FORBIDDEN")
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule()]
    guests.save()
    if published:
        assert_found(fetch(anonymous, page.pk), page)
    else:
        assert_refused(fetch(anonymous, page.pk), "ERR_NOT_AUTHENTICATED")


# --- Field-level rules: content and the people ------------------------------------------------
CONTENT = "query PageById($id: UUID!) { pageById(id: $id) { id title content } }"


@pytest.mark.parametrize(
    ("roles", "readable"),
    [
        (("read:pages",), False),
        (("read:pages", "read:source"), True),
        (("read:pages", "write:pages"), True),
        (("read:pages", "manage:pages"), True),
    ],
)
def test_content_needs_source_permission(client_with, roles, readable):
    page = PageFactory(content="secret source")
    client = client_with(rules=[rule(roles=roles)])
    r = fetch(client, page.pk, CONTENT)
    assert r.status == 200
    expected = {"id": str(page.pk), "title": page.title}
    if readable:
        assert r.body == {"data": {"pageById": {**expected, "content": "secret source"}}}
    else:
        assert r.data == {"pageById": {**expected, "content": None}}
        assert [(e["message"], e["path"]) for e in r.errors] == [
            ("ERR_FORBIDDEN", ["pageById", "content"])
        ]


def test_people_show_only_id_and_name_to_others(client_for, client_with):
    author, creator = UserFactory(name="Ann"), UserFactory(name="Cy")
    page = PageFactory(author=author, creator=creator, owner=creator)
    query = "query P($id: UUID!) { pageById(id: $id) { author { id name email } creator { id name email } } }"
    plain = fetch(client_for(UserFactory()), page.pk, query)
    assert plain.body == {
        "data": {
            "pageById": {
                "author": {"id": str(author.pk), "name": "Ann", "email": None},
                "creator": {"id": str(creator.pk), "name": "Cy", "email": None},
            }
        }
    }
    own = fetch(client_for(author), page.pk, query).data["pageById"]
    assert (own["author"]["email"], own["creator"]["email"]) == (author.email, None)
    manager = client_with("read:users")
    both = fetch(manager, page.pk, query).data["pageById"]
    assert (both["author"]["email"], both["creator"]["email"]) == (author.email, creator.email)


# --- No N+1 ------------------------------------------------------------------------------------
@pytest.fixture
def plain_user_client(client_with):
    rules = [rule(roles=("read:pages", "read:source")), rule(match="TAG", path="t1", mode="DENY")]
    return client_with(rules=rules)


def count_queries(client, page, query=WITH_PEOPLE) -> int:
    with CaptureQueriesContext(connection) as captured:
        r = fetch(client, page.pk, query)
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    assert r.data["pageById"]["id"] == str(page.pk)
    return len(captured)


@pytest.mark.parametrize("who", ["admin_client", "plain_user_client", "admin_key_client"])
def test_page_by_id_query_count_is_fixed(request, who):
    client = request.getfixturevalue(who)
    same = UserFactory()
    small = PageFactory(author=same, creator=same, owner=same, tags=["t0"], relations=[])
    relations = [
        {"id": SEED_ID, "position": "left", "label": f"L{n}", "target": "/x"} for n in range(50)
    ]
    large = PageFactory(
        author=UserFactory(), tags=[f"t{n + 2}" for n in range(50)], relations=relations
    )
    client("{ __typename }")  # the caller's policy is read once, then cached
    bare = count_queries(client, small, "query P($id: UUID!) { pageById(id: $id) { id } }")
    # Author and creator come with the page (select_related), whatever the page holds.
    assert count_queries(client, small) == count_queries(client, large) == bare
