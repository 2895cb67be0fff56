"""REGEX page rules on RE2 (accounts/rule_regex.py): linear time, same answers, fail closed.

Python's backtracking ``re`` takes seconds (or forever) on the patterns below against 33-100
character paths; RE2 answers each in microseconds. The tests assert the engine in use and the
answers, plus one generous bound on the whole corpus that no backtracking engine could meet.
"""

import re
import time
import uuid
from types import SimpleNamespace

import pytest

from accounts import scopes
from accounts.permissions import AccessPolicy, PageContext, PageRule, is_catastrophic_regex
from accounts.rule_regex import (
    RuleRegex,
    compile_rule_regex,
    is_supported_rule_regex,
    rule_regex_problem,
)
from tests.factories import rule

READ, WRITE = scopes.READ_PAGES, scopes.WRITE_PAGES
SITE_A = uuid.UUID("aaaaaaaa-0000-4000-8000-000000000001")
SITE_B = uuid.UUID("bbbbbbbb-0000-4000-8000-000000000002")

# (pattern, adversarial path, whether the pattern is found in it). Each path is the classic
# near miss that makes a backtracking engine try every way of splitting it.
BACKTRACKING = [
    ("(a|aa)+$", "a" * 33 + "!", False),
    ("(a|aa)+$", "a" * 100, True),
    (r"(\w|\d)+$", "1" * 33 + "!", False),
    (r"(\w|\d)+$", "9" * 99 + "/", False),
    ("(a+)+$", "a" * 40 + "!", False),
    ("(a+)+b", "a" * 100, False),
    ("(a|a)*b", "a" * 60, False),
    ("(a*)*b", "a" * 60, False),
    ("(x+x+)+y", "x" * 80, False),
    ("(x+x+)+y", "x" * 80 + "y", True),
    ("(.*a){20}", "a" * 19 + "b" * 81, False),
    ("(.*a){20}", "a" * 20 + "b" * 80, True),
    ("((a|b)+|(a|b)*c)+d", "ab" * 40, False),
    ("((ab)+|a+b+|(a|b)+)+$", "ab" * 40 + "!", False),
    ("^(([a-z])+.)+[A-Z]([a-z])+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", False),
    (r"^(\w+\s?)*$", "docs " * 15 + "!", False),
    (r"^([a-z0-9-]+/?)+$", "docs-" * 16 + "!", False),
    ("(a|b|ab|ba)*c", "ab" * 50, False),
    ("(?:a?){40}a{40}", "a" * 40, True),
]


def compiled(pattern: str) -> RuleRegex:
    matcher = compile_rule_regex(pattern)
    assert matcher is not None, pattern
    return matcher


def policy(*rules) -> AccessPolicy:
    return AccessPolicy.from_groups([SimpleNamespace(permissions=[], rules=list(rules))])


def at(path: str, site=SITE_A, locale="en") -> PageContext:
    return PageContext(site, locale, path, ())


# --- linear time ------------------------------------------------------------------------------
@pytest.mark.parametrize(("pattern", "path", "expected"), BACKTRACKING)
def test_backtracking_patterns_are_answered_by_re2(pattern, path, expected):
    assert 33 <= len(path) <= 100
    matcher = compiled(pattern)
    assert type(matcher.compiled).__module__ == "re2"  # not Python's backtracking ``re``
    assert matcher.search(path) is expected
    assert is_catastrophic_regex(pattern) is False
    allow = policy(rule("ALLOW", "REGEX", pattern))
    assert allow.can_at(READ, at(path)) is expected


def test_the_whole_backtracking_corpus_takes_well_under_a_second():
    """One smoke bound, 20x what RE2 needs here; ``re`` spends seconds on the first pattern."""
    matchers = [(compiled(pattern), path) for pattern, path, _ in BACKTRACKING]
    started = time.perf_counter()
    for _ in range(10):
        for matcher, path in matchers:
            matcher.search(path)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(("pattern", "path", "expected"), BACKTRACKING)
def test_re2_answers_as_python_re_on_short_paths(pattern, path, expected):
    """The meaning is the one rules had with ``re``: compared where ``re`` is still quick."""
    for size in range(13):
        short = path[:size] + path[-1:]
        assert compiled(pattern).search(short) is (re.search(pattern, short) is not None), short


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("secret", "a/top-secret/b", True),  # search semantics: anywhere in the path
        ("^secret", "a/secret", False),
        (r"\d{4}$", "reports/2024", True),
        (r"\bfaq\b", "it/faq", True),
        (r"\bfaq\b", "it/faqs", False),
        ("Secret", "secret", False),  # taken as written: case-sensitive
        ("(?i)Secret", "secret", True),
        ("^docs/.+", "docs/", False),
        ("", "anything", True),
        ("^$", "", True),
        (r"caf\xe9|日本", "wiki/日本/x", True),  # UTF-8 on both sides
        ("^.{3}$", "日本語", True),  # "." is one character, not one byte
    ],
)
def test_search_semantics(pattern, path, expected):
    assert compiled(pattern).search(path) is expected
    assert compiled(pattern).matching([path]) == ([path] if expected else [])


def test_matching_keeps_the_order_of_the_paths():
    matcher = compiled(r"^(hr|it)/")
    paths = ["it/faq", "home", "hr/payroll", "ops/hr/x", "hr/faq"]
    assert matcher.matching(paths) == ["it/faq", "hr/payroll", "hr/faq"]
    assert matcher.matching(iter(paths)) == ["it/faq", "hr/payroll", "hr/faq"]


def test_equal_patterns_give_equal_matchers():
    assert compiled("^docs") == compiled("^docs")
    assert hash(compiled("^docs")) == hash(compiled("^docs"))
    assert compiled("^docs") != compiled("^doc")
    assert PageRule.from_dict(rule("ALLOW", "REGEX", "x")) == PageRule.from_dict(
        rule("ALLOW", "REGEX", "x")
    )


# --- what RE2 cannot express ------------------------------------------------------------------
UNSUPPORTED = [
    r"(a)\1",  # backreference
    "(?=docs)",  # lookahead
    "(?!docs)x",
    "(?<=hr/)faq",  # lookbehind
    "(?<!hr/)faq",
    "(?>a+)b",  # atomic group
    "a++",  # possessive
    r"faq\Z",  # Python's end of text; RE2 spells it \z
    "(?#comment)x",
    "a{1001}",  # repetition beyond 1000
    r"(\w{1000}){1000}",
    r"\p{Greek}{1000}",  # larger than the memory a rule may use
    "(unclosed",
    "*",
    "[",
    "\ud800",  # not Unicode text
]


@pytest.mark.parametrize("pattern", UNSUPPORTED)
def test_unsupported_patterns_are_refused_with_a_reason(pattern):
    assert compile_rule_regex(pattern) is None
    assert is_supported_rule_regex(pattern) is False
    assert is_catastrophic_regex(pattern) is True
    problem = rule_regex_problem(pattern)
    assert problem
    assert problem.startswith(
        "the pattern is not valid Unicode text"
        if pattern == "\ud800"
        else "not a regular expression rules support (RE2 syntax): "
    )


def test_the_reason_names_what_re2_objects_to():
    assert rule_regex_problem("(?=docs)") == (
        "not a regular expression rules support (RE2 syntax): invalid perl operator: (?="
    )
    assert rule_regex_problem(r"(a)\1") == (
        "not a regular expression rules support (RE2 syntax): invalid escape sequence: \\1"
    )


@pytest.mark.parametrize("value", [None, 5, b"docs", ["docs"]])
def test_a_pattern_that_is_not_text_is_refused(value):
    assert compile_rule_regex(value) is None
    assert is_supported_rule_regex(value) is False
    assert rule_regex_problem(value) == "the pattern must be text"


@pytest.mark.parametrize("pattern", ["^docs/.*", r"faq\z", "a{1000}", "(?i)hr", r"[[:alpha:]]+"])
def test_supported_patterns_have_no_problem(pattern):
    assert rule_regex_problem(pattern) is None
    assert is_supported_rule_regex(pattern) is True


def test_refused_patterns_do_not_log_to_stderr(capfd):
    assert compile_rule_regex("(?=x)") is None
    assert capfd.readouterr().err == ""


# --- stored rules that cannot be evaluated fail closed ----------------------------------------
USERS = rule("ALLOW", "START", "")


@pytest.mark.parametrize("mode", ["ALLOW", "FORCEALLOW"])
@pytest.mark.parametrize("pattern", ["(?=x)", "[", r"(a)\1"])
def test_an_unevaluable_grant_matches_nothing(mode, pattern):
    stored = PageRule.from_dict(rule(mode, "REGEX", pattern))
    assert stored is not None
    assert stored.regex is None
    assert stored.path == pattern
    for path in ["x", "a", "aa", "docs", ""]:
        assert stored.matches(at(path)) is False
        assert policy(rule(mode, "REGEX", pattern)).can_at(READ, at(path)) is False


@pytest.mark.parametrize("pattern", ["(?=x)", "[", r"(a)\1"])
def test_an_unevaluable_deny_matches_every_page(pattern):
    stored = PageRule.from_dict(rule("DENY", "REGEX", pattern))
    assert stored.regex is None
    assert all(stored.matches(at(path)) for path in ["x", "docs/a", "", "hr"])
    # Dropping it would have let the Users rule through; it denies instead.
    assert policy(USERS, rule("DENY", "REGEX", pattern)).can_at(READ, at("docs/a")) is False


def test_an_unevaluable_deny_keeps_its_scope_and_specificity():
    deny = rule("DENY", "REGEX", "(?<=hr/)faq", sites=[SITE_A], locales=["en"])  # length 11
    p = policy(
        USERS,
        deny,
        rule("ALLOW", "START", "docs/public/"),  # longer than the DENY: still allowed
        rule("ALLOW", "START", "docs/"),  # shorter: denied
        rule("FORCEALLOW", "EXACT", "hr/faq"),
    )
    assert p.can_at(READ, at("docs/public/x")) is True
    assert p.can_at(READ, at("docs/x")) is False
    assert p.can_at(READ, at("home")) is False
    assert p.can_at(READ, at("hr/faq")) is True  # FORCEALLOW overrides every DENY
    assert p.can_at(READ, at("home", site=SITE_B)) is True  # another site
    assert p.can_at(READ, at("home", locale="fr")) is True  # another locale
    assert p.can_at(WRITE, at("home")) is False  # no rule grants write at all


def test_an_unevaluable_deny_for_other_roles_leaves_reading_alone():
    p = policy(USERS, rule("DENY", "REGEX", "(?=x)", roles=[WRITE]))
    assert p.can_at(READ, at("docs")) is True
