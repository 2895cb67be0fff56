"""The access decision over many rules (API.md §3.4 steps 1-5, §3.5 hasAny, §2.5). No DB."""

import uuid
from types import SimpleNamespace

import pytest

from accounts import scopes
from accounts.permissions import AccessPolicy, Caller, CallerKind, PageContext
from tests.factories import rule
from wiki.errors import DomainError, ErrorKey

SITE = uuid.UUID("aaaaaaaa-0000-4000-8000-000000000001")
READ = scopes.READ_PAGES
USERS_RULE = rule("ALLOW", "START", "", roles=scopes.BASE_READ_PERMISSIONS)


def group(*rules, permissions=()):
    return SimpleNamespace(permissions=list(permissions), rules=list(rules))


def policy(*groups) -> AccessPolicy:
    return AccessPolicy.from_groups(groups)


def at(path, tags=(), locale="en") -> PageContext:
    return PageContext(SITE, locale, path, tuple(tags))


# --- the examples of §3.4, verbatim -----------------------------------------------------------
def test_longer_deny_beats_users_allow():
    p = policy(group(USERS_RULE), group(rule("DENY", "START", "hr")))
    assert not p.can_at(READ, at("hr/payroll"))
    assert p.can_at(READ, at("home"))


def test_forceallow_in_a_third_group_allows_everything():
    p = policy(
        group(USERS_RULE),
        group(rule("DENY", "START", "hr")),
        group(rule("FORCEALLOW", "START", "")),
    )
    assert p.can_at(READ, at("hr/payroll"))
    assert p.can_at(READ, at("home"))
    assert p.can_at(READ, at("hr"))


def test_exact_allow_longer_than_start_deny():
    p = policy(group(rule("ALLOW", "EXACT", "hr/faq")), group(rule("DENY", "START", "hr")))
    assert p.can_at(READ, at("hr/faq"))
    assert not p.can_at(READ, at("hr/payroll"))
    assert not p.can_at(READ, at("home"))  # no candidate at all


# --- specificity ------------------------------------------------------------------------------
def test_longer_path_wins_whatever_the_mode():
    p = policy(group(rule("DENY", "START", "docs"), rule("ALLOW", "START", "docs/pub")))
    assert p.can_at(READ, at("docs/pub/x"))
    assert not p.can_at(READ, at("docs/priv"))
    # Length beats match priority: a long START beats a short EXACT.
    p = policy(group(rule("ALLOW", "EXACT", "ab"), rule("DENY", "START", "abc")))
    assert not p.can_at(READ, at("abc"))
    p = policy(group(rule("DENY", "EXACT", "abc"), rule("ALLOW", "START", "abcd")))
    assert not p.can_at(READ, at("abc"))  # START "abcd" does not match "abc"


def test_leading_slash_does_not_count_towards_length():
    # "/hr" is the rule "hr": equal length with ALLOW START "hr", so DENY wins the tie.
    p = policy(group(rule("ALLOW", "START", "hr"), rule("DENY", "START", "/hr")))
    assert not p.can_at(READ, at("hr/x"))


# Equal-length rules all matching the page "abc" tagged "xyz" (every pattern has length 3).
EQUAL_LENGTH = {
    "EXACT": "abc",
    "TAG": "xyz",
    "TAGALL": "xyz",
    "REGEX": "a.c",
    "END": "abc",
    "START": "abc",
}
PRIORITY = ["EXACT", "TAG", "REGEX", "END", "START"]


@pytest.mark.parametrize(
    ("stronger", "weaker"),
    [(PRIORITY[i], PRIORITY[j]) for i in range(len(PRIORITY)) for j in range(i + 1, len(PRIORITY))]
    + [("TAGALL", w) for w in PRIORITY[2:]],
)
def test_match_priority_at_equal_length(stronger, weaker):
    ctx = at("abc", tags=["xyz"])
    deny_wins = policy(
        group(rule("DENY", stronger, EQUAL_LENGTH[stronger])),
        group(rule("ALLOW", weaker, EQUAL_LENGTH[weaker])),
    )
    assert not deny_wins.can_at(READ, ctx)
    allow_wins = policy(
        group(rule("ALLOW", stronger, EQUAL_LENGTH[stronger])),
        group(rule("DENY", weaker, EQUAL_LENGTH[weaker])),
    )
    assert allow_wins.can_at(READ, ctx)


@pytest.mark.parametrize(
    ("first", "second"), [("TAG", "TAGALL"), ("TAGALL", "TAG"), ("START", "START")]
)
def test_deny_wins_exact_ties(first, second):
    ctx = at("abc", tags=["xyz"])
    for deny, allow in [(first, second), (second, first)]:
        p = policy(
            group(rule("ALLOW", allow, EQUAL_LENGTH[allow]), rule("DENY", deny, EQUAL_LENGTH[deny]))
        )
        assert not p.can_at(READ, ctx)


def test_forceallow_overrides_a_more_specific_deny():
    p = policy(group(rule("FORCEALLOW", "START", "docs"), rule("DENY", "EXACT", "docs/secret/x")))
    assert p.can_at(READ, at("docs/secret/x"))
    # ... but only where the FORCEALLOW itself matches.
    p = policy(group(rule("FORCEALLOW", "START", "docs"), rule("DENY", "START", "")))
    assert not p.can_at(READ, at("home"))
    # ... and only for its own roles.
    p = policy(
        group(
            rule("FORCEALLOW", "START", "", roles=[READ]),
            rule("DENY", "START", "", roles=[scopes.WRITE_PAGES]),
        )
    )
    assert p.can_at(READ, at("x"))
    assert not p.can_at(scopes.WRITE_PAGES, at("x"))


def test_rules_only_count_for_their_roles_locales_and_sites():
    p = policy(
        group(USERS_RULE),
        group(rule("DENY", "START", "hr", roles=[scopes.WRITE_PAGES])),
        group(rule("DENY", "START", "docs", locales=["fr"])),
        group(rule("DENY", "START", "ops", sites=[uuid.uuid4()])),
    )
    assert p.can_at(READ, at("hr/payroll"))
    assert p.can_at(READ, at("docs/x"))
    assert not p.can_at(READ, at("docs/x", locale="fr"))
    assert p.can_at(READ, at("ops/x"))


# --- no candidate, root, global permissions ---------------------------------------------------
def test_no_candidate_is_denied():
    assert not policy().can_at(READ, at("home"))
    assert not policy(group(rule("ALLOW", "START", "docs"))).can_at(READ, at("home"))
    assert not policy(group(USERS_RULE)).can_at(scopes.WRITE_PAGES, at("home"))


def test_manage_system_passes_every_check():
    root = policy(
        group(rule("DENY", "START", "", roles=scopes.PAGE_ROLES), permissions=["manage:system"])
    )
    assert root.is_root
    for role in scopes.PAGE_ROLES:
        assert root.can_at(role, at("hr/payroll"))
    assert root.roles_at(at("x")) == list(scopes.PAGE_ROLES)
    assert root.has_any(scopes.MANAGE_API)
    assert root.has_any()


def test_global_permissions_are_not_consulted_for_page_roles():
    # A group granting read:pages / write:pages globally, but with no rule: no page access.
    p = policy(group(permissions=list(scopes.PAGE_ROLES) + ["manage:users", "manage:groups"]))
    assert not p.can_at(READ, at("home"))
    assert p.roles_at(at("home")) == []
    # And a rule works without the scope among the group's permissions.
    p = policy(group(rule("ALLOW", "START", "", roles=[scopes.DELETE_PAGES]), permissions=[]))
    assert p.can_at(scopes.DELETE_PAGES, at("home"))


def test_malformed_allow_rules_are_dropped_among_good_ones():
    p = policy(
        group(
            {"mode": "ALLOW", "match": "NOPE", "path": "", "roles": [scopes.WRITE_PAGES]},
            {"mode": "FORCEALLOW", "match": "REGEX", "path": "([", "roles": [READ]},
            {"mode": "ALLOW", "match": "START", "path": "", "roles": 12},
            None,
            USERS_RULE,
        )
    )
    # The broken ALLOW rules are dropped; the FORCEALLOW REGEX that RE2 cannot compile is kept
    # but matches nothing.
    assert [r.match for r in p.rules] == ["REGEX", "START"]
    assert p.blocked_roles == frozenset()
    assert p.can_at(READ, at("anything"))
    assert not p.can_at(scopes.WRITE_PAGES, at("anything"))


@pytest.mark.parametrize(
    ("malformed", "blocked"),
    [
        ({"mode": "DENY", "match": "NOPE", "path": "hr", "roles": [READ]}, {READ}),
        # Kept as a rule that matches every page of its scope (accounts.rule_regex), so it
        # blocks nothing beyond what any DENY of its specificity would.
        ({"mode": "DENY", "match": "REGEX", "path": "([", "roles": [READ]}, set()),
        ({"mode": "DENY", "match": "START", "path": "hr", "roles": 12}, set(scopes.PAGE_ROLES)),
        ({"mode": "MAYBE", "match": "START", "path": "", "roles": [READ]}, {READ}),
        ("DENY START hr", set(scopes.PAGE_ROLES)),
        (42, set(scopes.PAGE_ROLES)),
    ],
)
def test_a_malformed_rule_that_may_deny_fails_closed(malformed, blocked):
    """Dropping a DENY that cannot be read would grant what it meant to refuse."""
    p = policy(group(malformed, USERS_RULE))
    assert p.blocked_roles == frozenset(blocked)
    assert not p.can_at(READ, at("anything"))
    assert not p.can_at(READ, at("hr/payroll"))
    forced = policy(group(malformed, rule("FORCEALLOW", "START", "docs", roles=[READ])))
    assert forced.can_at(READ, at("docs/a"))
    assert not forced.can_at(READ, at("hr/payroll"))


def test_groups_without_rules_or_permissions_contribute_nothing():
    users = group(USERS_RULE, permissions=scopes.BASE_READ_PERMISSIONS)
    p = policy(SimpleNamespace(permissions=None, rules=None), users)
    assert p.permissions == frozenset(scopes.BASE_READ_PERMISSIONS)
    assert p.can_at(READ, at("x"))


# --- roles_at, has_any ------------------------------------------------------------------------
def test_roles_at_lists_allowed_roles_in_canonical_order():
    roles = [scopes.READ_COMMENTS, scopes.READ_SOURCE, scopes.WRITE_PAGES, READ]
    p = policy(
        group(rule("ALLOW", "START", "", roles=roles)),
        group(rule("DENY", "START", "hr", roles=[scopes.WRITE_PAGES])),
    )
    assert p.roles_at(at("docs")) == [
        READ,
        scopes.WRITE_PAGES,
        scopes.READ_SOURCE,
        scopes.READ_COMMENTS,
    ]
    assert p.roles_at(at("hr/x")) == [READ, scopes.READ_SOURCE, scopes.READ_COMMENTS]
    assert policy().roles_at(at("docs")) == []


def test_has_any_reads_the_union_of_global_permissions():
    p = policy(group(permissions=["read:api"]), group(permissions=["write:users"]))
    assert p.permissions == frozenset({"read:api", "write:users"})
    assert p.has_any("manage:api", "read:api")
    assert p.has_any(*scopes.CREATE_USERS_ANY)
    assert not p.has_any("manage:api")
    assert not p.has_any(*scopes.LIST_GROUPS_ANY)
    assert not p.has_any()
    assert not p.is_root


# --- Caller: forbidden key (§2.5) -------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (CallerKind.GUEST, ErrorKey.NOT_AUTHENTICATED),
        (CallerKind.USER, ErrorKey.FORBIDDEN),
        (CallerKind.API_KEY, ErrorKey.FORBIDDEN),
    ],
)
def test_failed_checks_raise_the_forbidden_key_of_the_caller_kind(kind, key):
    caller = Caller(kind, policy(group(USERS_RULE, permissions=["read:api"])))
    assert caller.forbidden_key is key
    caller.require_any("manage:api", "read:api")
    with pytest.raises(DomainError) as raised:
        caller.require_any("manage:api")
    assert raised.value.key is key
    caller.require_at(READ, at("x"))
    with pytest.raises(DomainError) as raised:
        caller.require_at(scopes.WRITE_PAGES, at("x"))
    assert raised.value.key is key


def test_require_at_uses_a_specific_key_for_signed_in_callers_only():
    special = ErrorKey.PAGE_UPDATE_FORBIDDEN
    for kind, key in [
        (CallerKind.USER, special),
        (CallerKind.API_KEY, special),
        (CallerKind.GUEST, ErrorKey.NOT_AUTHENTICATED),
    ]:
        with pytest.raises(DomainError) as raised:
            Caller(kind, policy()).require_at(scopes.WRITE_PAGES, at("x"), special)
        assert raised.value.key is key


@pytest.mark.parametrize("kind", [CallerKind.GUEST, CallerKind.API_KEY])
def test_self_service_needs_a_signed_in_user(kind):
    with pytest.raises(DomainError) as raised:
        Caller(kind, policy(group(permissions=["manage:system"]))).require_signed_in_user()
    assert raised.value.key is ErrorKey.NOT_AUTHENTICATED
    Caller(CallerKind.USER, policy()).require_signed_in_user()


# --- grants_somewhere: may a tool be offered before a page is chosen ---------------------------
WRITE = scopes.WRITE_PAGES


@pytest.mark.parametrize(
    ("rules", "permissions", "expected"),
    [
        ([USERS_RULE], (), False),
        ([rule("ALLOW", "START", "docs", roles=[WRITE])], (), True),
        ([rule("FORCEALLOW", "TAG", "x", roles=[WRITE])], (), True),
        ([rule("DENY", "START", "", roles=[WRITE])], (), False),
        ([], (WRITE,), False),  # the global set holds no page roles (§3.4)
        ([], (scopes.MANAGE_SYSTEM,), True),
    ],
)
def test_grants_somewhere(rules, permissions, expected):
    subject = policy(group(*rules, permissions=permissions))

    assert subject.grants_somewhere(WRITE, scopes.DELETE_PAGES) is expected
