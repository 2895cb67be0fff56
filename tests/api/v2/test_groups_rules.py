"""Page rules through /graphql (API-v2.md §5.1): v2 ids, round trips through both endpoints,
what v2 cannot express surviving a v2 read-modify-write, and what the rules mean."""

from __future__ import annotations

import uuid

import pytest

from accounts.models import USERS_GROUP_ID, Group, Membership
from accounts.permissions import PageRule
from tests.api.group_support import GROUP_BY_ID, UPDATE_GROUP
from tests.factories import GroupFactory, PageFactory, UserFactory, rule

from .group_documents import GET_BASIC, TF_UPDATE, ok, tf_rule, update_variables

pytestmark = pytest.mark.django_db

A_UUID = "3f0c9a4e-7b1d-4c2a-9e5f-0a1b2c3d4e5f"
UPPER_UUID = "9D6B1C2E-0F3A-4B5C-8D7E-6F5A4B3C2D1E"


def v2_rules(client, group: Group) -> list[dict]:
    r = client(GET_BASIC, {"id": group.legacy_id})
    assert r.errors == [], r.body
    return r.data["groups"]["single"]["pageRules"]


def main_rules(client, group: Group) -> list[dict]:
    r = client(GROUP_BY_ID, {"id": str(group.pk)})
    assert r.errors == [], r.body
    return r.data["groupById"]["rules"]


def write(client, group: Group, page_rules: list[dict]) -> None:
    r = client(TF_UPDATE, update_variables(group, pageRules=page_rules))
    assert r.errors == [], r.body
    assert r.data["groups"]["update"]["responseResult"] == ok("Group has been updated.")


def expected_uuid(group: Group, v2_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"wikijs2-rule:{group.pk}:{v2_id}"))


def test_rules_written_through_v2_read_back_identically(v2_admin):
    group = GroupFactory()
    written = [
        tf_rule(group, 0, roles=["read:pages", "write:pages"], path="docs"),
        tf_rule(group, 1, deny=True, match="EXACT", path="docs/secret", locales=["en", "de"]),
        tf_rule(group, 2, id="default", match="END", path="draft"),
        tf_rule(group, 3, id="a1b2c3d4e5", match="REGEX", path="^team/[a-z]+$"),
        tf_rule(group, 4, id=A_UUID, match="TAG", path="public"),
        tf_rule(group, 5, id=UPPER_UUID, deny=True, path="archive"),
    ]

    write(v2_admin, group, written)

    assert v2_rules(v2_admin, group) == written
    # Written again unchanged: the stored rules do not move.
    stored = Group.objects.get(pk=group.pk).rules
    write(v2_admin, group, written)
    assert Group.objects.get(pk=group.pk).rules == stored


def test_rules_written_through_v2_as_main_api_reads_them(v2_admin, admin_client):
    group = GroupFactory()
    write(
        v2_admin,
        group,
        [
            tf_rule(group, 0, path="docs"),
            tf_rule(group, 1, id="default", deny=True, match="TAG", path="secret"),
            tf_rule(group, 2, id=A_UUID, match="EXACT", path="home", locales=["en"]),
        ],
    )

    assert main_rules(admin_client, group) == [
        {
            "id": expected_uuid(group, f"tf_{group.legacy_id}_0"),
            "name": "",
            "mode": "ALLOW",
            "match": "START",
            "roles": ["read:pages"],
            "path": "docs",
            "locales": [],
            "sites": [],
        },
        {
            "id": expected_uuid(group, "default"),
            "name": "",
            "mode": "DENY",
            "match": "TAG",
            "roles": ["read:pages"],
            "path": "secret",
            "locales": [],
            "sites": [],
        },
        {
            "id": A_UUID,
            "name": "",
            "mode": "ALLOW",
            "match": "EXACT",
            "roles": ["read:pages"],
            "path": "home",
            "locales": ["en"],
            "sites": [],
        },
    ]
    stored = Group.objects.get(pk=group.pk).rules
    assert [r.get("legacyId") for r in stored] == [f"tf_{group.legacy_id}_0", "default", None]


def test_the_main_api_does_not_offer_legacy_ids(admin_client):
    r = admin_client('{ __type(name: "GroupRule") { fields { name } } }')
    names = {field["name"] for field in r.data["__type"]["fields"]}
    assert names == {"id", "name", "mode", "match", "roles", "path", "locales", "sites"}


def test_same_v2_id_in_two_groups_names_two_rules(v2_admin):
    first, second = GroupFactory(), GroupFactory()
    write(v2_admin, first, [tf_rule(first, 0, id="default")])
    write(v2_admin, second, [tf_rule(second, 0, id="default")])
    [a] = Group.objects.get(pk=first.pk).rules
    [b] = Group.objects.get(pk=second.pk).rules
    assert a["id"] != b["id"]
    assert a["id"] == expected_uuid(first, "default")


def test_legacy_ids_survive_a_main_api_read_modify_write(v2_admin, admin_client):
    group = GroupFactory()
    written = [tf_rule(group, 0, path="docs"), tf_rule(group, 1, deny=True, path="docs/x")]
    write(v2_admin, group, written)

    rules = main_rules(admin_client, group)
    rules[0]["name"] = "Renamed in the admin"
    rules[1]["roles"] = ["read:pages", "read:source"]
    r = admin_client(
        UPDATE_GROUP,
        {
            "id": str(group.pk),
            "name": group.name,
            "redirect": "",
            "permissions": group.permissions,
            "rules": rules,
        },
    )
    assert r.data["updateGroup"]["operation"]["succeeded"], r.body

    assert v2_rules(v2_admin, group) == [written[0], written[1] | {"roles": rules[1]["roles"]}]
    # A rule the main API adds has no Wiki.js 2 id: v2 shows its UUID.
    extra = rule(path="new")
    r = admin_client(
        UPDATE_GROUP,
        {
            "id": str(group.pk),
            "name": group.name,
            "redirect": "",
            "permissions": group.permissions,
            "rules": [*rules, extra],
        },
    )
    assert r.data["updateGroup"]["operation"]["succeeded"], r.body
    assert [r["id"] for r in v2_rules(v2_admin, group)] == [
        written[0]["id"],
        written[1]["id"],
        extra["id"],
    ]


def test_what_v2_cannot_express_survives_a_v2_read_modify_write(v2_admin, admin_client):
    site = uuid.uuid4()
    forced = rule("FORCEALLOW", "START", "docs", roles=["read:pages"], name="Forced")
    tagged = rule("ALLOW", "TAGALL", "a b", roles=["read:pages"], sites=[site], name="Both")
    denied = rule("DENY", "EXACT", "x", name="Plain")
    group = GroupFactory(rules=[forced, tagged, denied])
    before = main_rules(admin_client, group)

    read = v2_rules(v2_admin, group)
    assert read == [
        {
            "id": forced["id"],
            "deny": False,
            "match": "START",
            "roles": ["read:pages"],
            "path": "docs",
            "locales": [],
        },
        {
            "id": tagged["id"],
            "deny": False,
            "match": "TAG",
            "roles": ["read:pages"],
            "path": "a b",
            "locales": [],
        },
        {
            "id": denied["id"],
            "deny": True,
            "match": "EXACT",
            "roles": ["read:pages"],
            "path": "x",
            "locales": [],
        },
    ]
    write(v2_admin, group, read)

    assert main_rules(admin_client, group) == before
    assert all("legacyId" not in r for r in Group.objects.get(pk=group.pk).rules)


def test_v2_changes_override_what_they_express(v2_admin, admin_client):
    forced = rule("FORCEALLOW", "START", "docs", name="Forced")
    tagged = rule("ALLOW", "TAGALL", "a b", name="Both")
    group = GroupFactory(rules=[forced, tagged])
    read = v2_rules(v2_admin, group)
    read[0]["deny"] = True
    read[1]["match"] = "START"

    write(v2_admin, group, read)

    rules = main_rules(admin_client, group)
    assert [(r["name"], r["mode"], r["match"]) for r in rules] == [
        ("Forced", "DENY", "START"),
        ("Both", "ALLOW", "START"),
    ]
    # Once DENY, allowing again gives ALLOW: the FORCEALLOW is gone.
    read = v2_rules(v2_admin, group)
    read[0]["deny"] = False
    write(v2_admin, group, read)
    assert main_rules(admin_client, group)[0]["mode"] == "ALLOW"


def test_rules_dropped_from_v2_input_are_removed(v2_admin):
    group = GroupFactory(rules=[rule(path="a"), rule(path="b")])
    read = v2_rules(v2_admin, group)
    write(v2_admin, group, read[1:])
    assert [r["path"] for r in Group.objects.get(pk=group.pk).rules] == ["b"]


def test_stored_rules_with_legacy_ids_are_evaluated():
    stored = {**rule("DENY", "EXACT", "docs/x"), "legacyId": "tf_5_0"}
    parsed = PageRule.from_dict(stored)
    assert parsed is not None
    assert parsed.path == "docs/x"


# --- what the rules mean ------------------------------------------------------------------------
PAGE = "query ($id: UUID!) { pageById(id: $id) { path } }"


def test_rules_written_through_v2_decide_what_members_read(v2_admin, client_for):
    group = GroupFactory(permissions=["read:pages"])
    member = UserFactory(groups=[group])
    Membership.objects.filter(user=member, group_id=USERS_GROUP_ID).delete()
    pages = {
        path: PageFactory(path=path, tags=tags)
        for path, tags in (
            ("docs/intro", []),
            ("docs/secret", []),
            ("other/page", []),
            ("other/public", ["public"]),
            ("team/alpha", []),
        )
    }
    write(
        v2_admin,
        group,
        [
            tf_rule(group, 0, path="docs"),
            tf_rule(group, 1, deny=True, match="EXACT", path="docs/secret"),
            tf_rule(group, 2, match="TAG", path="public"),
            tf_rule(group, 3, id="a1b2c3d4e5", match="REGEX", path="^team/[a-z]+$"),
        ],
    )

    reader = client_for(member)
    readable = set()
    for path, page in pages.items():
        r = reader(PAGE, {"id": str(page.pk)})
        if r.data["pageById"] is not None:
            readable.add(path)
    assert readable == {"docs/intro", "other/public", "team/alpha"}

    # Turning the allow rule into a deny through v2 closes the folder.
    rules = v2_rules(v2_admin, group)
    rules[0]["deny"] = True
    write(v2_admin, group, rules)
    assert reader(PAGE, {"id": str(pages["docs/intro"].pk)}).data["pageById"] is None


def test_the_main_api_lists_rules_without_legacy_ids(v2_admin, admin_client):
    group = GroupFactory(name="Listed")
    write(v2_admin, group, [tf_rule(group, 0, path="docs")])
    r = admin_client(
        '{ groups(filter: "Listed") { id rules { id name mode match roles path locales sites } } }'
    )
    assert r.errors == [], r.body
    [listed] = r.data["groups"]
    assert listed["rules"] == [
        {
            "id": expected_uuid(group, f"tf_{group.legacy_id}_0"),
            "name": "",
            "mode": "ALLOW",
            "match": "START",
            "roles": ["read:pages"],
            "path": "docs",
            "locales": [],
            "sites": [],
        }
    ]
