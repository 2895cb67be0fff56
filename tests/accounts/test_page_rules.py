"""One page rule against one page (API.md §3.2, §3.4 step 2): parsing and matching. No DB."""

import uuid

import pytest

from accounts.permissions import PageContext, PageRule, RuleMatch, RuleMode, parse_rule_tags
from tests.factories import rule

SITE_A = uuid.UUID("aaaaaaaa-0000-4000-8000-000000000001")
SITE_B = uuid.UUID("bbbbbbbb-0000-4000-8000-000000000002")


def page(path, locale="en", tags=(), site=SITE_A):
    return PageContext(site, locale, path, tuple(tags))


def parsed(**fields) -> PageRule:
    built = PageRule.from_dict(rule(**fields))
    assert built is not None
    return built


def matches(ctx: PageContext, **fields) -> bool:
    return parsed(**fields).matches(ctx)


# --- START, EXACT, END, REGEX: the rule path against the page path -----------------------------
PATH_CASES = {
    # START: the rule path is a prefix of "/" + the page path.
    "START": [
        ("docs", "docs", True),
        ("docs", "docs/install", True),
        ("docs", "docs2/x", True),  # a plain string prefix, not a folder boundary
        ("docs/", "docs/install", True),
        ("docs/", "docs", False),
        ("docs", "doc", False),
        ("docs", "mydocs/x", False),
        ("", "home", True),
        ("", "a/b/c/d", True),
        ("/docs", "docs/x", True),  # a leading "/" on the rule is ignored
        ("//docs", "docs/x", True),
        ("/", "anything", True),
        ("DOCS/Install", "docs/install", True),  # rule paths compare case-insensitively
        ("hr", "home", False),
    ],
    # EXACT: the whole path.
    "EXACT": [
        ("hr/faq", "hr/faq", True),
        ("/hr/faq", "hr/faq", True),
        ("HR/FAQ", "hr/faq", True),
        ("hr/faq", "hr/faq2", False),
        ("hr/faq", "hr", False),
        ("hr", "hr/faq", False),
        ("", "home", False),
    ],
    # END: a suffix.
    "END": [
        ("faq", "hr/faq", True),
        ("faq", "faq", True),
        ("/faq", "hr/faq", True),  # the leading "/" is stripped, leaving "faq"
        ("/faq", "faq", True),
        ("FAQ", "it/faq", True),
        ("faq", "faq/hr", False),
        ("q", "hr/faq", True),
        ("", "home", True),
    ],
    # REGEX: the pattern is searched for in the path.
    "REGEX": [
        (r"secret", "a/top-secret/b", True),  # search semantics: anywhere in the path
        (r"^secret", "a/secret", False),
        (r"^secret", "secret/a", True),
        (r"\d{4}$", "reports/2024", True),
        (r"\d{4}$", "reports/2024/q1", False),
        (r"^(hr|it)/", "it/faq", True),
        (r"^(hr|it)/", "ops/faq", False),
        (r"\bfaq\b", "it/faq", True),
        (r"Secret", "secret", False),  # a regular expression is taken as written
        (r"", "anything", True),
    ],
}


@pytest.mark.parametrize(
    ("match", "rule_path", "page_path", "expected"),
    [(match, *case) for match, cases in PATH_CASES.items() for case in cases],
)
def test_path_matching(match, rule_path, page_path, expected):
    assert matches(page(page_path), match=match, path=rule_path) is expected


def test_regex_path_is_not_case_folded_or_stripped():
    built = parsed(match="REGEX", path="/Docs")
    assert built.path == "/Docs"
    assert built.regex.pattern == "/Docs"


# --- TAG / TAGALL -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule_path", "tags", "expected"),
    [
        ("hr", ["hr"], True),
        ("hr", ["finance", "hr"], True),
        ("hr", ["finance"], False),
        ("hr", [], False),
        ("hr,finance", ["finance"], True),
        ("hr finance", ["finance"], True),
        ("hr, finance", ["legal"], False),
        ("  hr ,\tfinance\n", ["finance"], True),
        ("#HR", ["hr"], True),  # tags are normalised like page tags
        ("", ["hr"], False),
        (" , ", ["hr"], False),
    ],
)
def test_tag_matches_any_listed_tag(rule_path, tags, expected):
    assert matches(page("x", tags=tags), match="TAG", path=rule_path) is expected


@pytest.mark.parametrize(
    ("rule_path", "tags", "expected"),
    [
        ("hr", ["hr"], True),
        ("hr,finance", ["finance", "hr", "legal"], True),
        ("hr finance", ["hr"], False),
        ("hr,,  finance", ["finance"], False),
        ("hr, finance", ["finance", "hr"], True),
        ("HR #Finance", ["hr", "finance"], True),
        ("", ["hr"], False),  # no tag listed matches nothing, not everything
        ("#", [], False),
    ],
)
def test_tagall_needs_every_listed_tag(rule_path, tags, expected):
    assert matches(page("x", tags=tags), match="TAGALL", path=rule_path) is expected


def test_tag_rules_ignore_the_path():
    assert not matches(page("hr", tags=[]), match="TAG", path="hr")
    assert not matches(page("hr/x", tags=["other"]), match="TAGALL", path="hr")


def test_parse_rule_tags_splits_on_commas_and_whitespace():
    assert parse_rule_tags("a, b  c,d\te\n#f,,") == ("a", "b", "c", "d", "e", "f")
    assert parse_rule_tags("") == ()
    assert parse_rule_tags(" ,# ,") == ()


# --- locales and sites ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locales", "page_locale", "expected"),
    [
        ([], "en", True),
        ([], "fr", True),
        (["en"], "en", True),
        (["en"], "fr", False),
        (["fr", "de"], "de", True),
        (["FR"], "fr", True),
        (["pt-br"], "pt-br", True),
        (["pt"], "pt-br", False),
    ],
)
def test_locales_limit_a_rule(locales, page_locale, expected):
    assert matches(page("docs", locale=page_locale), path="docs", locales=locales) is expected


@pytest.mark.parametrize(
    ("sites", "page_site", "expected"),
    [
        ([], SITE_A, True),
        ([], SITE_B, True),
        ([SITE_A], SITE_A, True),
        ([SITE_A], SITE_B, False),
        ([SITE_A, SITE_B], SITE_B, True),
        ([str(SITE_B).upper()], SITE_B, True),
        ([SITE_A], str(SITE_A), True),  # a context may carry the id as text
    ],
)
def test_sites_limit_a_rule(sites, page_site, expected):
    assert matches(page("docs", site=page_site), path="docs", sites=sites) is expected


def test_sites_and_locales_limit_every_match_kind():
    ctx = page("hr/faq", locale="fr", tags=["hr"], site=SITE_B)
    for match, path in [
        ("START", "hr"),
        ("EXACT", "hr/faq"),
        ("END", "faq"),
        ("REGEX", "faq"),
        ("TAG", "hr"),
        ("TAGALL", "hr"),
    ]:
        assert matches(ctx, match=match, path=path)
        assert not matches(ctx, match=match, path=path, locales=["en"])
        assert not matches(ctx, match=match, path=path, sites=[SITE_A])
        assert matches(ctx, match=match, path=path, locales=["fr"], sites=[SITE_B])


def test_absent_limits_mean_all():
    built = PageRule.from_dict({"mode": "ALLOW", "match": "START", "roles": ["read:pages"]})
    assert built.path == ""
    assert built.locales == frozenset()
    assert built.sites == frozenset()
    assert built.matches(page("anything", locale="zh", site=SITE_B))


# --- parsing ----------------------------------------------------------------------------------
def test_a_rule_is_normalised_once():
    built = parsed(mode="DENY", match="START", path="/HR/", roles=["read:pages", "write:pages"])
    assert built.mode is RuleMode.DENY
    assert built.match is RuleMatch.START
    assert built.path == "hr/"
    assert built.roles == frozenset({"read:pages", "write:pages"})
    assert built.applies_to("write:pages")
    assert not built.applies_to("delete:pages")


@pytest.mark.parametrize(
    "raw",
    [
        {"match": "START", "path": "", "roles": ["read:pages"]},  # no mode
        {"mode": "ALLOW", "path": "", "roles": ["read:pages"]},  # no match
        {"mode": "allow", "match": "START", "path": "", "roles": ["read:pages"]},
        {"mode": "PERMIT", "match": "START", "path": "", "roles": ["read:pages"]},
        {"mode": "ALLOW", "match": "PREFIX", "path": "", "roles": ["read:pages"]},
        {"mode": ["ALLOW"], "match": "START", "path": "", "roles": ["read:pages"]},
        {"mode": "ALLOW", "match": "START", "path": "", "roles": 5},
        {"mode": "ALLOW", "match": "START", "path": "", "roles": ["read:pages"], "locales": 7},
        {"mode": "ALLOW", "match": "START", "path": "", "roles": ["read:pages"], "sites": 7},
    ],
)
def test_malformed_rules_are_ignored(raw):
    assert PageRule.from_dict(raw) is None


def test_roles_given_as_text_are_malformed():
    assert PageRule.from_dict({"mode": "ALLOW", "match": "START", "roles": "read:pages"}) is None


def test_site_ids_compare_in_canonical_form():
    built = parsed(path="", sites=[SITE_A.hex.upper(), "not-a-site"])
    assert built.sites == frozenset({str(SITE_A), "not-a-site"})
    assert built.matches(page("x", site=SITE_A))
    assert built.matches(page("x", site=str(SITE_A).upper()))
    assert not built.matches(page("x", site=SITE_B))


def test_null_entries_of_lists_are_skipped():
    raw = rule(path="", locales=["en"]) | {
        "sites": [None, str(SITE_A)],
        "roles": [None, "read:pages"],
    }
    built = PageRule.from_dict(raw)
    assert built.roles == frozenset({"read:pages"})
    assert built.sites == frozenset({str(SITE_A)})
