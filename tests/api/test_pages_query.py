"""The ``pages`` query through /_graphql (API.md §4.1.2, §3.4 publish visibility)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import GUESTS_GROUP_ID, Group
from pages.services import attach_tags
from tests.factories import PageFactory, UserFactory, rule
from wiki.models import Site

pytestmark = pytest.mark.django_db

SEED_PAGES = "{ pages (orderBy: TITLE) { id path title } }"
LIST = """
query Pages($limit: Int, $offset: Int, $orderBy: PageOrderBy,
            $orderByDirection: PageOrderByDirection, $tags: [String!], $locale: String,
            $creatorId: UUID, $authorId: UUID, $siteId: UUID) {
  pages(limit: $limit, offset: $offset, orderBy: $orderBy, orderByDirection: $orderByDirection,
        tags: $tags, locale: $locale, creatorId: $creatorId, authorId: $authorId,
        siteId: $siteId) { path }
}
"""
ITEM = """
{ pages { id path locale title description contentType isPublished isPrivate privateNS
          createdAt updatedAt tags } }
"""
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def make_page(path: str, tags=(), **fields):
    page = PageFactory(path=path, tags=list(tags), **fields)
    attach_tags(page, tags)
    return page


def paths(client, **variables) -> list[str]:
    r = client(LIST, variables)
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    return [item["path"] for item in r.data["pages"]]


def test_seed_example_lists_pages_by_title(admin_client):
    b = make_page("b", title="Beta")
    a = make_page("a", title="Alpha")
    r = admin_client(SEED_PAGES)
    assert r.status == 200
    assert r.body == {
        "data": {
            "pages": [
                {"id": str(a.pk), "path": "a", "title": "Alpha"},
                {"id": str(b.pk), "path": "b", "title": "Beta"},
            ]
        }
    }


def test_list_item_fields(admin_client, admin):
    page = make_page(
        "docs/one",
        tags=["zeta", "alpha"],
        locale="de",
        title="One",
        description="First",
        content_type="html",
        created_at=T0,
        updated_at=T0 + timedelta(seconds=1, microseconds=234567),
    )
    draft = make_page(
        "docs/draft", publish_state="draft", created_at=T0, updated_at=T0, title="Draft"
    )
    r = admin_client(ITEM)
    assert r.status == 200
    assert r.body == {
        "data": {
            "pages": sorted(
                [
                    {
                        "id": str(page.pk),
                        "path": "docs/one",
                        "locale": "de",
                        "title": "One",
                        "description": "First",
                        "contentType": "html",
                        "isPublished": True,
                        "isPrivate": False,
                        "privateNS": None,
                        "createdAt": "2024-05-01T12:00:00.000Z",
                        "updatedAt": "2024-05-01T12:00:01.234Z",
                        "tags": ["zeta", "alpha"],
                    },
                    {
                        "id": str(draft.pk),
                        "path": "docs/draft",
                        "locale": "en",
                        "title": "Draft",
                        "description": "",
                        "contentType": "markdown",
                        "isPublished": False,
                        "isPrivate": False,
                        "privateNS": None,
                        "createdAt": "2024-05-01T12:00:00.000Z",
                        "updatedAt": "2024-05-01T12:00:00.000Z",
                        "tags": [],
                    },
                ],
                key=lambda item: item["id"],
            )
        }
    }


def ids(n: int) -> list[uuid.UUID]:
    return sorted(uuid.uuid4() for _ in range(n))


def test_default_order_is_id_ascending(admin_client):
    first, second, third = ids(3)
    make_page("c", id=second)
    make_page("a", id=third)
    make_page("b", id=first)
    assert paths(admin_client) == ["b", "c", "a"]
    assert paths(admin_client, orderByDirection="DESC") == ["a", "c", "b"]


@pytest.fixture
def ordered(db):
    """Four pages whose order differs per field: (title, path, created, updated)."""
    rows = [("Cherry", "d", 2, 1), ("Apple", "b", 3, 4), ("Banana", "a", 1, 3), ("Date", "c", 4, 2)]
    for title, path, created, updated in rows:
        make_page(
            path,
            title=title,
            created_at=T0 + timedelta(minutes=created),
            updated_at=T0 + timedelta(minutes=updated),
        )


@pytest.mark.usefixtures("ordered")
@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("TITLE", ["b", "a", "d", "c"]),
        ("PATH", ["a", "b", "c", "d"]),
        ("CREATED", ["a", "d", "b", "c"]),
        ("UPDATED", ["d", "c", "a", "b"]),
    ],
)
def test_order_by_each_field_both_ways(admin_client, order_by, expected):
    assert paths(admin_client, orderBy=order_by) == expected
    assert paths(admin_client, orderBy=order_by, orderByDirection="ASC") == expected
    assert paths(admin_client, orderBy=order_by, orderByDirection="DESC") == expected[::-1]


def test_equal_values_are_ordered_by_id(admin_client):
    low, high = ids(2)
    make_page("x", id=high, title="Same")
    make_page("y", id=low, title="Same")
    assert paths(admin_client, orderBy="TITLE") == ["y", "x"]
    assert paths(admin_client, orderBy="TITLE", orderByDirection="DESC") == ["x", "y"]


@pytest.mark.usefixtures("ordered")
@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (None, None, ["a", "b", "c", "d"]),
        (2, None, ["a", "b"]),
        (2, 1, ["b", "c"]),
        (10, 3, ["d"]),
        (None, 2, ["c", "d"]),
        (0, 1, ["b", "c", "d"]),
        (-5, None, ["a", "b", "c", "d"]),
        (1, 4, []),
        (None, 0, ["a", "b", "c", "d"]),
    ],
)
def test_limit_and_offset(admin_client, limit, offset, expected):
    assert paths(admin_client, orderBy="PATH", limit=limit, offset=offset) == expected


def test_negative_offset_is_refused(admin_client):
    make_page("a")
    r = admin_client(LIST, {"offset": -1})
    assert r.status == 200
    assert r.data == {"pages": None}
    assert [(e["message"], e["path"]) for e in r.errors] == [("ERR_INVALID_INPUT", ["pages"])]


def test_offset_and_limit_count_only_readable_pages(client_for, make_user, group_with):
    hidden = group_with(rules=[rule(mode="DENY", match="END", path="-secret")])
    reader = client_for(make_user(groups=[hidden]))
    for path in ("a", "b-secret", "c", "d-secret", "e", "f-secret", "g"):
        make_page(path)
    make_page("h", publish_state="draft")
    assert paths(reader, orderBy="PATH") == ["a", "c", "e", "g"]
    assert paths(reader, orderBy="PATH", offset=1, limit=2) == ["c", "e"]
    assert paths(reader, orderBy="PATH", offset=3, limit=2) == ["g"]
    assert paths(reader, orderBy="PATH", orderByDirection="DESC", limit=1) == ["g"]


def test_unpublished_pages_need_write_pages(
    client_for, make_user, group_with, anonymous, client_with
):
    now = timezone.now()
    make_page("published")
    make_page("draft", publish_state="draft")
    make_page(
        "due",
        publish_state="scheduled",
        publish_start_date=now - timedelta(hours=1),
        publish_end_date=now + timedelta(hours=1),
    )
    make_page(
        "early",
        publish_state="scheduled",
        publish_start_date=now + timedelta(hours=1),
        publish_end_date=now + timedelta(hours=2),
    )
    make_page(
        "late",
        publish_state="scheduled",
        publish_start_date=now - timedelta(hours=2),
        publish_end_date=now - timedelta(hours=1),
    )
    make_page("undated", publish_state="scheduled")
    everything = ["draft", "due", "early", "late", "published", "undated"]
    reader = client_for(UserFactory())
    assert paths(reader, orderBy="PATH") == ["due", "published"]
    writers = group_with(rules=[rule(path="d", roles=("write:pages",))])
    writer = client_for(make_user(groups=[writers]))
    assert paths(writer, orderBy="PATH") == ["draft", "due", "published"]
    all_writer = client_with(rules=[rule(roles=("write:pages",))])
    assert paths(all_writer, orderBy="PATH") == everything
    assert paths(anonymous) == []
    guests = Group.objects.get(pk=GUESTS_GROUP_ID)
    guests.rules = [rule()]
    guests.save()
    assert paths(anonymous, orderBy="PATH") == ["due", "published"]
    r = all_writer("{ pages(orderBy: PATH) { path isPublished } }")
    assert [p["isPublished"] for p in r.data["pages"]] == [False, True, False, False, True, False]


def test_read_rules_filter_the_list(client_for, make_user, group_with, api_key_for):
    make_page("docs/a", tags=["pub"])
    make_page("docs/b")
    make_page("hr/pay", tags=["pub"])
    make_page("misc", locale="de")
    tagged = group_with(rules=[rule(match="TAG", path="pub")])
    assert paths(api_key_for(tagged), orderBy="PATH") == ["docs/a", "hr/pay"]
    regex = group_with(rules=[rule(match="REGEX", path=r"^(docs|misc)\b")])
    assert paths(api_key_for(regex), orderBy="PATH") == ["docs/a", "docs/b", "misc"]
    mixed = group_with(
        rules=[rule(), rule(mode="DENY", path="hr"), rule(locales=("de",), mode="DENY")]
    )
    assert paths(client_for(make_user(groups=[mixed])), orderBy="PATH") == ["docs/a", "docs/b"]
    nothing = group_with("read:pages")
    assert paths(api_key_for(nothing)) == []


def test_tags_filter_needs_all_normalised_tags(admin_client):
    make_page("ab", tags=["a", "b"])
    make_page("a", tags=["a"])
    make_page("abc", tags=["a", "b", "c"])
    make_page("b", tags=["b"])
    make_page("cjk", tags=["中文", "a"])
    assert paths(admin_client, orderBy="PATH", tags=["a"]) == ["a", "ab", "abc", "cjk"]
    assert paths(admin_client, orderBy="PATH", tags=[" #A ", "b", "B"]) == ["ab", "abc"]
    assert paths(admin_client, orderBy="PATH", tags=["中文"]) == ["cjk"]
    assert paths(admin_client, orderBy="PATH", tags=["a", "b", "c"]) == ["abc"]
    assert paths(admin_client, orderBy="PATH", tags=["d"]) == []
    assert paths(admin_client, orderBy="PATH", tags=["a b"]) == []
    assert paths(admin_client, orderBy="PATH", tags=[]) == ["a", "ab", "abc", "b", "cjk"]
    assert paths(admin_client, orderBy="PATH", tags=["", "#"]) == ["a", "ab", "abc", "b", "cjk"]


def test_tags_filter_respects_the_site(admin_client):
    other = Site.objects.create(hostname="other.example.com")
    make_page("here", tags=["a"])
    make_page("there", tags=["a"], site=other)
    assert paths(admin_client, orderBy="PATH", tags=["a"]) == ["here", "there"]
    assert paths(admin_client, tags=["a"], siteId=str(other.pk)) == ["there"]


def test_locale_site_creator_and_author_filters(admin_client):
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    other = Site.objects.create(hostname="other.example.com")
    make_page("p1", author=alice, creator=alice, owner=alice)
    make_page("p2", author=bob, creator=alice, owner=alice, locale="de")
    make_page("p3", author=alice, creator=bob, owner=bob, site=other)
    make_page("p4", author=carol, creator=carol, owner=carol)
    assert paths(admin_client, orderBy="PATH", locale="de") == ["p2"]
    assert paths(admin_client, orderBy="PATH", locale="fr") == []
    assert paths(admin_client, orderBy="PATH", siteId=str(other.pk)) == ["p3"]
    assert paths(admin_client, siteId="3f2504e0-4f89-41d3-9a0c-0305e82c3301") == []
    assert paths(admin_client, orderBy="PATH", creatorId=str(alice.pk)) == ["p1", "p2"]
    assert paths(admin_client, orderBy="PATH", authorId=str(alice.pk)) == ["p1", "p3"]
    both = {"creatorId": str(bob.pk), "authorId": str(bob.pk)}
    assert paths(admin_client, orderBy="PATH", **both) == ["p2", "p3"]
    either = {"creatorId": str(carol.pk), "authorId": str(alice.pk)}
    assert paths(admin_client, orderBy="PATH", **either) == ["p1", "p3", "p4"]
    assert paths(admin_client, orderBy="PATH", creatorId=str(alice.pk), locale="en") == ["p1"]
    unknown = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    assert paths(admin_client, creatorId=unknown) == []


# --- No N+1: one page or fifty, the same number of queries ------------------------------------
def count_queries(client, query: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        r = client(query)
    assert r.status == 200, r.body
    assert "errors" not in r.body, r.body
    return len(captured), len(r.data["pages"])


@pytest.fixture
def plain_user_client(client_with):
    rules = [
        rule(),
        rule(mode="DENY", path="hidden"),
        rule(match="TAG", path="pub", roles=("read:pages", "write:pages")),
        rule(match="REGEX", path="^page-", roles=("write:pages",)),
    ]
    return client_with(rules=rules)


@pytest.mark.parametrize("who", ["admin_client", "plain_user_client", "admin_key_client"])
def test_pages_query_count_does_not_grow(request, who):
    client = request.getfixturevalue(who)
    make_page("page-first", tags=["pub", "x"])
    small = count_queries(client, ITEM)
    for n in range(49):
        make_page(
            f"page-{n:02d}", tags=["pub", f"t{n}"], publish_state="draft" if n % 2 else "published"
        )
    large = count_queries(client, ITEM)
    assert (small[1], large[1]) == (1, 50)
    assert small[0] == large[0]


def test_page_lists_leave_source_and_rendered_html_unread(admin_key_client):
    PageFactory(path="big", content="x" * 10_000, render="<p>" + "x" * 10_000 + "</p>")
    with CaptureQueriesContext(connection) as captured:
        response = admin_key_client("{ pages { id path title tags isPublished } }")
    assert [p["path"] for p in response.data["pages"]] == ["big"]
    [page_query] = [q["sql"] for q in captured.captured_queries if '"pages_page"' in q["sql"]]
    for column in ("content", "render", "search_content", "toc"):
        assert f'"pages_page"."{column}"' not in page_query, column
