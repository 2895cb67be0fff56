"""Wiki.js 2's view of page rules (accounts.legacy_rules, API-v2.md §5.1) and the legacyId
attribute the rule validator and updateGroup keep."""

from __future__ import annotations

import uuid

import pytest

from accounts import groups, legacy_rules
from accounts.group_checks import GroupCheck
from accounts.group_rules import clean_rule, with_stored_legacy_ids
from tests.factories import GroupFactory, rule
from wiki.errors import DomainError, ErrorKey

GROUP_ID = uuid.UUID("0b6f7a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b")


def v2(rule_id: str, **fields) -> dict:
    return {
        "id": rule_id,
        "deny": False,
        "match": "START",
        "roles": ["read:pages"],
        "path": "",
        "locales": [],
    } | fields


def test_stored_rule_id_of_texts_and_uuids():
    name = uuid.uuid5(
        uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), f"wikijs2-rule:{GROUP_ID}:x"
    )
    assert legacy_rules.stored_rule_id(GROUP_ID, "x") == (str(name), "x")
    plain = str(uuid.uuid4())
    assert legacy_rules.stored_rule_id(GROUP_ID, plain) == (plain, None)
    assert legacy_rules.stored_rule_id(GROUP_ID, plain.upper()) == (plain, plain.upper())
    # The group is part of the name: the same v2 id in another group is another rule.
    assert legacy_rules.stored_rule_id(uuid.uuid4(), "x")[0] != str(name)


def test_rules_from_v2_keep_what_v2_cannot_express():
    site = str(uuid.uuid4())
    forced = rule("FORCEALLOW", "START", "docs", name="Forced", sites=[site])
    tagged = rule("ALLOW", "TAGALL", "a b", name="Tagged")
    group = GroupFactory.build(id=GROUP_ID, rules=[forced, tagged])

    mapped = legacy_rules.rules_from_v2(
        group,
        [
            v2(forced["id"], path="docs"),
            None,
            v2(tagged["id"], match="TAG", path="a b"),
            v2("new", deny=True, match="TAG", path="x"),
        ],
    )

    assert [(r["mode"], r["match"], r["name"], r["sites"]) for r in mapped] == [
        ("FORCEALLOW", "START", "Forced", [site]),
        ("ALLOW", "TAGALL", "Tagged", []),
        ("DENY", "TAG", "", []),
    ]
    assert [r.get("legacyId") for r in mapped] == [None, None, "new"]


def test_rules_from_v2_refuse_duplicate_ids():
    group = GroupFactory.build(id=GROUP_ID, rules=[])
    with pytest.raises(DomainError) as refused:
        legacy_rules.rules_from_v2(group, [v2("a"), v2("b"), v2("a")])
    assert refused.value.key == ErrorKey.INVALID_INPUT
    assert refused.value.check == GroupCheck.DUPLICATE_RULE_ID


def test_rule_to_v2():
    stored = {**rule("FORCEALLOW", "TAGALL", "a", locales=["en"]), "legacyId": "tf_4_0"}
    assert legacy_rules.rule_to_v2(stored) == v2("tf_4_0", match="TAG", path="a", locales=["en"])
    denied = rule("DENY", "EXACT", "x")
    assert legacy_rules.rule_to_v2(denied) == v2(denied["id"], deny=True, match="EXACT", path="x")


def test_clean_rule_keeps_a_legacy_id_and_checks_it():
    raw = rule() | {"legacyId": "tf_5_0"}
    assert clean_rule(raw)["legacyId"] == "tf_5_0"
    assert "legacyId" not in clean_rule(rule())
    for bad in ("", 5, "x" * 256):
        with pytest.raises(DomainError):
            clean_rule(rule() | {"legacyId": bad})


def test_with_stored_legacy_ids_matches_by_id():
    first, second = rule(), rule()
    stored = [first | {"legacyId": "one"}, second]
    incoming = [clean_rule(first), clean_rule(second), clean_rule(rule())]
    kept = with_stored_legacy_ids(incoming, stored)
    assert [r.get("legacyId") for r in kept] == ["one", None, None]
    # A rule stating its own legacyId keeps it.
    assert with_stored_legacy_ids([incoming[0] | {"legacyId": "two"}], stored)[0]["legacyId"] == (
        "two"
    )


@pytest.mark.django_db
def test_update_group_keeps_legacy_ids_unless_told_not_to():
    first = rule(path="docs")
    group = GroupFactory(rules=[first | {"legacyId": "default"}])
    arguments = {"name": group.name, "redirect_on_login": "", "permissions": []}

    groups.update_group(None, group.pk, rules=[first], **arguments)
    group.refresh_from_db()
    assert group.rules[0]["legacyId"] == "default"

    groups.update_group(None, group.pk, rules=[first], keep_legacy_ids=False, **arguments)
    group.refresh_from_db()
    assert "legacyId" not in group.rules[0]
