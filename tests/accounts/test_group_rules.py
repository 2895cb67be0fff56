"""The one validator of group permissions and page rules (accounts.group_rules)."""

import uuid

import pytest

from accounts import scopes
from accounts.group_rules import clean_permissions, clean_rule, clean_rules, default_rules
from accounts.permissions import PageRule
from wiki.errors import DomainError, ErrorKey

RULE_ID = "0b5f7e52-9d5c-4a43-8a8e-0d6b1c1f4c2a"
SITE_ID = "6f1c3a0e-1b2d-4c3e-9f40-5a6b7c8d9e0f"


def raw(**fields) -> dict:
    rule = {
        "id": RULE_ID,
        "name": "Docs",
        "mode": "ALLOW",
        "match": "START",
        "roles": [scopes.READ_PAGES],
        "path": "docs",
        "locales": [],
        "sites": [],
    }
    rule.update(fields)
    return rule


def refused(function, value) -> str:
    with pytest.raises(DomainError) as caught:
        function(value)
    assert caught.value.key == ErrorKey.INVALID_INPUT
    return caught.value.detail


# --- permissions --------------------------------------------------------------------------------
def test_every_scope_of_the_three_tables_is_accepted_in_order_without_duplicates():
    every = sorted(scopes.ALL_SCOPES)
    assert clean_permissions([*every, None, every[0]]) == every


@pytest.mark.parametrize(
    "permissions",
    [["read:pages", "fly:pages"], ["READ:PAGES"], ["read:pages "], [42], "read:pages", {}],
)
def test_unknown_scopes_and_other_shapes_are_refused(permissions):
    refused(clean_permissions, permissions)


# --- a good rule, normalised --------------------------------------------------------------------
def test_a_rule_is_normalised_to_the_stored_shape():
    cleaned = clean_rule(
        raw(
            id=RULE_ID.upper(),
            name="  Docs  ",
            path="/Docs/Guide",
            roles=[scopes.WRITE_PAGES, None, scopes.WRITE_PAGES, scopes.READ_PAGES],
            locales=["EN", "pt-BR", None],
            sites=[uuid.UUID(SITE_ID), SITE_ID.upper()],
            extra="dropped",
        )
    )
    assert cleaned == {
        "id": RULE_ID,
        "name": "Docs",
        "mode": "ALLOW",
        "match": "START",
        "roles": [scopes.WRITE_PAGES, scopes.READ_PAGES],
        "path": "docs/guide",
        "locales": ["en", "pt-br"],
        "sites": [SITE_ID],
    }
    assert PageRule.from_dict(cleaned) is not None


@pytest.mark.parametrize(
    ("match", "path", "stored"),
    [
        ("START", "", ""),
        ("EXACT", "/HR/FAQ", "hr/faq"),
        ("END", " /Faq ", "faq"),
        ("REGEX", "^Docs/[a-z]+$", "^Docs/[a-z]+$"),
        ("TAG", " news, #Team ", "news, #Team"),
        ("TAGALL", "a b", "a b"),
    ],
)
def test_paths_are_kept_as_each_match_compares_them(match, path, stored):
    assert clean_rule(raw(match=match, path=path))["path"] == stored


def test_absent_sites_and_null_lists_mean_all():
    rule = raw()
    del rule["sites"]
    assert clean_rule(rule)["sites"] == []
    assert clean_rule(raw(locales=None, sites=None))["locales"] == []


def test_rules_drop_null_entries_and_keep_their_order():
    second = str(uuid.uuid4())
    cleaned = clean_rules([raw(), None, raw(id=second, mode="DENY")])
    assert [(r["id"], r["mode"]) for r in cleaned] == [(RULE_ID, "ALLOW"), (second, "DENY")]
    assert clean_rules(None) == []


def test_enum_members_are_read_as_their_values():
    class Member:
        value = "FORCEALLOW"

    assert clean_rule(raw(mode=Member()))["mode"] == "FORCEALLOW"


def test_the_default_rule_passes_its_own_validator():
    [rule] = default_rules()
    assert clean_rule(rule) == rule
    assert rule["roles"] == scopes.NEW_GROUP_PERMISSIONS
    assert default_rules()[0]["id"] != rule["id"]


# --- every bad shape: ERR_INVALID_INPUT ---------------------------------------------------------
BAD_RULES = {
    "not an object": "ALLOW START docs",
    "no id": raw(id=None),
    "id not a UUID": raw(id="r1"),
    "id a number": raw(id=7),
    "unknown mode": raw(mode="MAYBE"),
    "lowercase mode": raw(mode="allow"),
    "no mode": raw(mode=None),
    "unknown match": raw(match="PREFIX"),
    "roles not a list": raw(roles="read:pages"),
    "roles missing": raw(roles=None),
    "unknown role": raw(roles=["fly:pages"]),
    "global scope as a role": raw(roles=[scopes.MANAGE_USERS]),
    "role not text": raw(roles=[1]),
    "path not text": raw(path=["docs"]),
    "path too long": raw(path="a" * 1025),
    "name not text": raw(name=5),
    "name too long": raw(name="n" * 256),
    "locale malformed": raw(locales=["english"]),
    "locale with a region too long": raw(locales=["en-usa"]),
    "locale not text": raw(locales=[1]),
    "locales not a list": raw(locales="en"),
    "site not a UUID": raw(sites=["main"]),
    "sites not a list": raw(sites=SITE_ID),
    "regex does not compile": raw(match="REGEX", path="(["),
    # RE2 evaluates nested repeats in linear time; what it cannot express is refused.
    "regex lookbehind": raw(match="REGEX", path="(?<=hr/)faq"),
    "regex backreference": raw(match="REGEX", path=r"(a)\1"),
    "tag rule without tags": raw(match="TAG", path=" , # "),
    "tagall rule without tags": raw(match="TAGALL", path=""),
}


@pytest.mark.parametrize("bad", BAD_RULES.values(), ids=BAD_RULES.keys())
def test_each_bad_rule_shape_is_refused(bad):
    detail = refused(clean_rules, [raw(), bad])
    assert detail.startswith("rule 1"), detail


@pytest.mark.parametrize("rules", ["[]", {"rules": []}, 3])
def test_rules_must_be_a_list(rules):
    refused(clean_rules, rules)
