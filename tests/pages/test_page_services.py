"""Page services called directly (API.md §4.1): the trusted operator, lost races, tags, and
the SQL visibility filter agreeing with the rule algorithm page by page."""

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.permissions import AccessPolicy, Caller, CallerKind, PageContext
from pages import services
from pages.models import Page, PageTag, Tag
from pages.services import PageInput, attach_tags, create_page, get_page, list_pages
from pages.visibility import visible_to
from tests.factories import PageFactory, UserFactory, default_site, rule
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site

pytestmark = pytest.mark.django_db


def page_input(**overrides) -> PageInput:
    fields = {
        "site_id": default_site().pk,
        "locale": "en",
        "path": "docs/new",
        "title": "New",
        "description": "",
        "content": "# New",
        "editor": "markdown",
        "publish_state": "published",
        "tags": ["fresh"],
    }
    fields.update(overrides)
    return PageInput(**fields)


def caller_with(*rules, permissions=()) -> Caller:
    group = SimpleNamespace(permissions=list(permissions), rules=list(rules))
    return Caller(CallerKind.USER, AccessPolicy.from_groups([group]), user=UserFactory())


def rows() -> tuple[int, int, int]:
    return (Page.objects.count(), Tag.objects.count(), PageTag.objects.count())


# --- The trusted operator (caller=None) --------------------------------------------------------
def test_operator_creates_as_root_administrator_with_scripts(admin):
    page = create_page(
        None, page_input(script_css="a{}", script_js_load="l()", script_js_unload="u()")
    )
    page.refresh_from_db()
    assert (page.author_id, page.creator_id, page.owner_id) == (admin.pk, admin.pk, admin.pk)
    assert page.scripts == {"css": "a{}", "jsLoad": "l()", "jsUnload": "u()"}
    assert page.publish_state == "published"
    assert list(Tag.objects.values_list("tag", "usage_count")) == [("fresh", 1)]


def test_operator_still_gets_input_checks(admin):
    with pytest.raises(DomainError) as raised:
        create_page(None, page_input(path="en/x"))
    assert raised.value.key == ErrorKey.INVALID_PATH
    assert rows() == (0, 0, 0)


def test_without_a_root_administrator_the_failure_is_not_called_a_duplicate():
    with pytest.raises(DomainError) as raised:
        create_page(None, page_input(alias="free"))
    assert raised.value.key == ErrorKey.INVALID_USER
    assert rows() == (0, 0, 0)


def test_operator_reads_and_lists_everything():
    draft = PageFactory(path="b", publish_state="draft")
    published = PageFactory(path="a")
    assert list(list_pages(None, order_by="PATH")) == [published, draft]
    assert get_page(None, draft.pk) == draft
    with pytest.raises(DomainError) as raised:
        get_page(None, uuid.uuid4())
    assert raised.value.key == ErrorKey.PAGE_NOT_FOUND


# --- Lost races: the database constraint has the last word -------------------------------------
@pytest.mark.parametrize(
    ("rival", "key"),
    [
        ({"path": "docs/new"}, ErrorKey.PAGE_DUPLICATE_PATH),
        ({"path": "elsewhere", "alias": "short"}, ErrorKey.PAGE_DUPLICATE_ALIAS),
    ],
)
def test_a_rival_insert_after_the_checks(monkeypatch, admin, rival, key):
    real_render = services.render

    def render_while_a_rival_commits(*args, **kwargs):
        PageFactory(**rival)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services, "render", render_while_a_rival_commits)
    with pytest.raises(DomainError) as raised:
        create_page(caller_with(rule(roles=("write:pages",))), page_input(alias="short"))
    assert raised.value.key == key
    assert rows() == (1, 0, 0)


# --- Tags --------------------------------------------------------------------------------------
def test_attach_tags_counts_usage_per_site():
    other = Site.objects.create(hostname="other.example.com")
    first = PageFactory(tags=["a", "b"])
    attach_tags(first, ["a", "b"])
    second = PageFactory(tags=["b", "c"])
    attach_tags(second, ["b", "c"])
    elsewhere = PageFactory(site=other, tags=["a"])
    attach_tags(elsewhere, ["a"])
    attach_tags(PageFactory(), [])
    assert sorted(Tag.objects.values_list("site__hostname", "tag", "usage_count")) == [
        ("*", "a", 1),
        ("*", "b", 2),
        ("*", "c", 1),
        ("other.example.com", "a", 1),
    ]
    assert PageTag.objects.filter(page=second).count() == 2


def test_list_pages_refuses_a_negative_offset():
    with pytest.raises(DomainError) as raised:
        list_pages(caller_with(rule()), offset=-1)
    assert raised.value.key == ErrorKey.INVALID_INPUT


# --- visible_to(caller) in SQL == canAt(read) and (published or canAt(write)) page by page -----
@pytest.fixture
def landscape():
    other = Site.objects.create(hostname="other.example.com")
    now = timezone.now()
    specs = [
        ("home", "en", (), "published", None),
        ("docs", "en", ("pub",), "published", None),
        ("docs/a", "de", ("a", "b"), "published", None),
        ("docs2/x", "en", ("a",), "draft", None),
        ("hr/payroll", "en", ("secret", "a", "b"), "published", None),
        ("hr/faq", "en", ("pub",), "published", None),
        ("a/docs", "en", (), "published", None),  # on the other site
        ("misc/readme", "de", ("b",), "scheduled", (-1, 1)),
        ("misc/old", "en", ("pub",), "scheduled", (-2, -1)),
        ("docs/draft", "en", ("pub",), "draft", None),
    ]
    for path, locale, tags, state, window in specs:
        start, end = (now + timedelta(hours=h) for h in window) if window else (None, None)
        page = PageFactory(
            path=path,
            locale=locale,
            tags=list(tags),
            publish_state=state,
            site=other if path == "a/docs" else default_site(),
            publish_start_date=start,
            publish_end_date=end,
        )
        attach_tags(page, tags)
    return other


WRITE = ("write:pages",)
RULE_SETS = [
    [rule()],
    [rule(), rule(mode="DENY", path="hr")],
    [rule(), rule(mode="DENY", path="hr"), rule(match="EXACT", path="hr/faq")],
    [rule(mode="DENY"), rule(mode="FORCEALLOW", match="TAG", path="pub")],
    [rule(match="END", path="readme"), rule(match="REGEX", path=r"^docs\d?/")],
    [rule(match="TAGALL", path="a, b"), rule(mode="DENY", match="TAG", path="#secret")],
    [rule(path="docs", locales=("de",))],
    [rule(path="docs"), rule(mode="DENY", match="END", path="docs")],
    [rule(path="hr"), rule(mode="DENY", path="/HR")],
    [rule(), rule(path="docs", roles=WRITE)],
    [rule(), rule(roles=WRITE), rule(mode="DENY", match="TAG", path="pub", roles=WRITE)],
    [rule(match="REGEX", path="(")],
    [rule(match="TAG", path="")],
    [rule(roles=WRITE)],
    [],
]


@pytest.mark.parametrize("rules", RULE_SETS)
def test_sql_visibility_matches_the_rule_algorithm(landscape, rules):
    caller = caller_with(*rules)
    expected = set()
    for page in Page.objects.all():
        ctx = PageContext.of(page)
        readable = caller.can_at("read:pages", ctx)
        if readable and (page.is_effectively_published or caller.can_at("write:pages", ctx)):
            expected.add(page.path)
    assert set(visible_to(caller).values_list("path", flat=True)) == expected
    assert {p.path for p in list_pages(caller)} == expected


def test_sql_visibility_with_site_limited_rules(landscape):
    caller = caller_with(rule(sites=(landscape.pk,)), rule(path="home", sites=(uuid.uuid4(),)))
    assert list(visible_to(caller).values_list("path", flat=True)) == ["a/docs"]


def test_manage_system_sees_everything(landscape):
    caller = caller_with(permissions=("manage:system",))
    assert visible_to(caller).count() == Page.objects.count() == 10
