"""REGEX rules mean the same in SQL as in the permission engine, backtracking traps included.

The list conditions (``visible_to`` for pages, ``FolderRuleSql`` for folder items) decide REGEX
rules with RE2 over the distinct paths; ``can_at`` decides them page by page. Random rule
sets of every match kind, with patterns that make a backtracking engine hang and patterns RE2
refuses (which fail closed), must give both the same answer. Run on SQLite and PostgreSQL.
"""

import random
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import scopes
from accounts.permissions import AccessPolicy, Caller, CallerKind, PageContext
from pages.models import Page, TreeItem, TreeItemType
from pages.services import attach_tags
from pages.tree import ensure_folders
from pages.tree_listing import FolderRuleSql
from pages.visibility import PageRuleSql, visible_to
from tests.factories import PageFactory, UserFactory, default_site, rule
from wiki.models import Site

pytestmark = pytest.mark.django_db

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES

# (site, locale, path, tags, published): long runs of one letter are the near misses that
# make backtracking patterns explode.
CORPUS = [
    ("a", "en", "home", [], True),
    ("a", "en", "docs/install", ["guide"], True),
    ("a", "en", "docs/admin/users", ["admin"], False),
    ("a", "en", "hr/faq", ["hr", "faq"], True),
    ("a", "en", "hr/payroll-2024", ["hr", "finance"], True),
    ("a", "en", "a" * 33, [], True),
    ("a", "en", "aa/" + "a" * 60, ["secret"], True),
    ("a", "en", "x" * 80, [], False),
    ("a", "en", "x" * 40 + "y", ["faq"], True),
    ("a", "en", "1" * 50 + "-", [], True),
    ("a", "en", "ab" * 45, [], True),
    ("a", "fr", "a" * 33, [], True),
    ("a", "fr", "docs/" + "docs-" * 15, ["guide"], True),
    ("a", "de", "hr/faq", ["hr"], True),
    ("b", "en", "a" * 100, [], True),
    ("b", "en", "docs/install", ["guide", "setup"], True),
    ("b", "en", "ops/" + "9" * 90, ["it"], False),
    ("b", "fr", "hr/faq", ["hr"], True),
]
FOLDERS = ["docs", "docs/admin", "hr", "aa", "a" * 40, "x" * 60 + "/z", "ab" * 40]

REGEXES = [
    "(a|aa)+$",
    r"(\w|\d)+$",
    "(a+)+$",
    "(a|a)*b",
    "(x+x+)+y",
    "(.*a){20}",
    "((a|b)+|(a|b)*c)+d",
    r"^([a-z0-9-]+/?)+$",
    "^docs",
    "faq$",
    r"\d{4}",
    r"^(hr|docs)/",
    r"\bfaq\b",
    "^$",
    ".",
    # Refused by RE2: each fails closed (grants nothing, or denies everything in its scope).
    "(?=hr)",
    r"(a)\1",
    "(?<!x)a",
    "a++",
    "[",
]
START_PATHS = ["", "docs", "hr", "hr/faq", "a" * 20, "x" * 40, "ops"]
END_PATHS = ["", "faq", "a", "y", "-", "users"]
EXACT_PATHS = ["home", "hr/faq", "a" * 33, "docs"]
TAGS = ["hr", "faq", "guide", "secret", "it", "finance", "setup"]


@pytest.fixture
def sites(db):
    return {"a": default_site(), "b": Site.objects.create(hostname="b.example.com")}


@pytest.fixture
def corpus(sites):
    author = UserFactory()
    for site, locale, path, tags, published in CORPUS:
        page = PageFactory(
            site=sites[site],
            locale=locale,
            path=path,
            author=author,
            tags=tags,
            publish_state="published" if published else "draft",
        )
        attach_tags(page, tags)
    for site in sites.values():
        for locale in ("en", "fr"):
            ensure_folders(site.pk, locale, FOLDERS)
    return list(Page.objects.all())


def caller_with(*rule_lists) -> Caller:
    groups = [SimpleNamespace(permissions=[], rules=list(rules)) for rules in rule_lists]
    return Caller(CallerKind.USER, AccessPolicy.from_groups(groups))


def allowed(caller: Caller, page: Page) -> bool:
    ctx = PageContext.of(page)
    if not caller.can_at(READ, ctx):
        return False
    return page.is_effectively_published or caller.can_at(WRITE, ctx)


def page_answers(caller: Caller, pages) -> tuple[set, set]:
    """(what SQL lists, what the engine allows), as page ids."""
    listed = set(visible_to(caller).values_list("pk", flat=True))
    return listed, {page.pk for page in pages if allowed(caller, page)}


def folder_answers(caller: Caller) -> tuple[set, set]:
    folders = TreeItem.objects.filter(type=TreeItemType.FOLDER)
    condition = caller.policy.filter_q(READ, FolderRuleSql())
    listed = set(folders.filter(condition).values_list("pk", flat=True))
    expected = {
        f.pk for f in folders if caller.can_at(READ, PageContext(f.site_id, f.locale, f.path, ()))
    }
    return listed, expected


def random_rule(rng: random.Random, sites: dict) -> dict:
    match = rng.choice(["START", "EXACT", "END", "REGEX", "REGEX", "REGEX", "TAG", "TAGALL"])
    if match in ("TAG", "TAGALL"):
        path = " ".join(rng.sample(TAGS, rng.randint(1, 2)))
    else:
        pool = {"START": START_PATHS, "END": END_PATHS, "EXACT": EXACT_PATHS, "REGEX": REGEXES}
        path = rng.choice(pool[match])
    limits = {}
    if rng.random() < 0.2:
        limits["locales"] = rng.choice([["en"], ["fr"], ["de", "fr"]])
    if rng.random() < 0.2:
        limits["sites"] = [rng.choice([sites["a"].pk, sites["b"].pk])]
    mode = rng.choices(["ALLOW", "DENY", "FORCEALLOW"], weights=[8, 7, 2])[0]
    roles = rng.choice([[READ], [READ], [WRITE], [READ, WRITE]])
    return rule(mode, match, path, roles=roles, **limits)


def random_rule_lists(rng: random.Random, sites: dict) -> list[list[dict]]:
    lists = [
        [random_rule(rng, sites) for _ in range(rng.randint(1, 4))]
        for _ in range(rng.randint(1, 3))
    ]
    if rng.random() < 0.5:
        lists.append([rule("ALLOW", "START", "")])
    return lists


@pytest.mark.parametrize("seed", range(10))
def test_random_rule_sets_with_regex_rules_agree(corpus, sites, seed):
    rng = random.Random(seed)
    for _ in range(20):
        rule_lists = random_rule_lists(rng, sites)
        caller = caller_with(*rule_lists)
        listed, expected = page_answers(caller, corpus)
        assert listed == expected, rule_lists
        listed, expected = folder_answers(caller)
        assert listed == expected, rule_lists


def test_the_random_rule_sets_exercise_regex_outcomes(corpus, sites):
    """Guard: the generator reaches REGEX rules that allow, deny and fail closed."""
    rng = random.Random(0)
    sizes = set()
    for _ in range(80):
        sizes.add(len(page_answers(caller_with(*random_rule_lists(rng, sites)), corpus)[1]))
    assert 0 in sizes
    assert len(sizes) >= 6
    assert max(sizes) >= len(CORPUS) - 3


A33, A60, A100 = "a" * 33, "aa/" + "a" * 60, "a" * 100
ENDS_IN_A = {f"a:en:{A33}", f"a:fr:{A33}", f"a:en:{A60}", f"b:en:{A100}"}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("(a|aa)+$", ENDS_IN_A),
        # Every published page but the two whose path ends in "-".
        (
            r"(\w|\d)+$",
            ENDS_IN_A
            | {
                "a:en:home",
                "a:en:docs/install",
                "a:en:hr/faq",
                "a:en:hr/payroll-2024",
                "a:en:" + "x" * 40 + "y",
                "a:en:" + "ab" * 45,
                "a:de:hr/faq",
                "b:en:docs/install",
                "b:fr:hr/faq",
            },
        ),
        ("(x+x+)+y", {"a:en:" + "x" * 40 + "y"}),
    ],
)
def test_backtracking_patterns_select_the_right_pages(corpus, sites, pattern, expected):
    caller = caller_with([rule("ALLOW", "REGEX", pattern)])
    listed, allowed_ids = page_answers(caller, corpus)
    assert listed == allowed_ids
    site_keys = {site.pk: key for key, site in sites.items()}
    assert {f"{site_keys[p.site_id]}:{p.locale}:{p.path}" for p in corpus if p.pk in listed} == (
        expected
    )


def test_an_unsupported_deny_hides_every_page_of_its_scope(corpus, sites):
    caller = caller_with(
        [rule("ALLOW", "START", "")],
        [rule("DENY", "REGEX", "(?<=hr/)faq", sites=[sites["a"].pk], locales=["en"])],
    )
    listed, expected = page_answers(caller, corpus)
    assert listed == expected
    shown = set(Page.objects.filter(pk__in=listed).values_list("site__hostname", "locale"))
    assert ("b.example.com", "en") in shown
    assert all(site != sites["a"].hostname or locale != "en" for site, locale in shown)
    listed, expected = folder_answers(caller)
    assert listed == expected
    assert not TreeItem.objects.filter(pk__in=listed, site=sites["a"], locale="en").exists()


def test_an_unsupported_grant_shows_nothing(corpus):
    caller = caller_with([rule("ALLOW", "REGEX", "(?=hr)"), rule("FORCEALLOW", "REGEX", "a++")])
    assert page_answers(caller, corpus) == (set(), set())
    assert folder_answers(caller) == (set(), set())


def test_distinct_paths_are_read_once_per_translator(corpus):
    """Several REGEX rules in one request share one read of the paths."""
    caller = caller_with(
        [rule("ALLOW", "REGEX", p) for p in ("^docs", "faq$", r"\d{4}", "(a|aa)+$")]
    )
    sql = PageRuleSql()
    with CaptureQueriesContext(connection) as queries:
        caller.policy.filter_q(READ, sql)
        caller.policy.filter_q(WRITE, sql)
    assert len(queries) == 1
    assert "DISTINCT" in queries[0]["sql"].upper()
