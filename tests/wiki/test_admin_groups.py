"""The group admin: permissions as checkboxes, page rules as ordered rows checked by the one
validator of updateGroup, saving through the group services with §3.6's elevation rules."""

import uuid

import pytest
from django.urls import reverse

from accounts.models import Group
from accounts.services import administrators_group
from tests.factories import GroupFactory, default_site, rule

from .group_admin_support import change_url, form_errors, page_data, row_data, row_errors, save

pytestmark = pytest.mark.django_db

RULES_QUERY = """
query ($id: UUID!) {
  groupById(id: $id) { name permissions rules { id name mode match roles path locales sites } }
}
"""


def _rules_through_api(admin_client, group) -> list[dict]:
    r = admin_client(RULES_QUERY, {"id": str(group.pk)})
    assert r.errors == []
    return r.data["groupById"]["rules"]


def _row(**fields) -> dict:
    return {"mode": "ALLOW", "match": "START", "path": "", "roles": ["read:pages"], **fields}


# --- The form as the page shows it --------------------------------------------------------------
def test_new_group_form_starts_with_the_contract_defaults(admin_http):
    response = admin_http.get(reverse("admin:accounts_group_add"))

    form = response.context["adminform"].form
    assert form["permissions"].value() == [
        "read:pages",
        "read:assets",
        "read:comments",
        "write:comments",
    ]
    [row] = form.rule_rows.forms
    assert (row["mode"].value(), row["match"].value(), row["path"].value()) == (
        "ALLOW",
        "START",
        "",
    )
    assert row["roles"].value() == ["read:pages", "read:assets", "read:comments", "write:comments"]


def test_change_page_shows_rules_as_rows_and_permissions_grouped(admin_http):
    stored = [
        rule("DENY", "EXACT", "hr/faq", ["read:pages"], locales=["en", "fr-ca"], name="No FAQ"),
        rule("ALLOW", "START", "", ["read:pages", "write:pages"]),
    ]
    group = GroupFactory(name="Editors", permissions=["read:pages", "manage:users"], rules=stored)

    response = admin_http.get(change_url(group))

    assert response.status_code == 200
    form = response.context["adminform"].form
    rows = form.rule_rows.forms
    assert [row["id"].value() for row in rows] == [r["id"] for r in stored]
    assert rows[0]["locales"].value() == "en, fr-ca"
    assert rows[1]["roles"].value() == ["read:pages", "write:pages"]
    assert [label for label, _ in form.fields["permissions"].choices] == [
        "Global permissions",
        "Page roles (page access comes from the rules below)",
        "Additional scopes checked by the server",
    ]
    html = response.content.decode()
    assert 'id="rule-rows"' in html
    assert "manage:users — create and manage users" in html
    assert '"rules"' not in html  # no raw JSON field any more


def test_unchanged_save_keeps_every_rule_and_permission(admin_http, admin_client):
    stored = [
        rule("DENY", "REGEX", r"^hr/\d+ ", ["read:pages"], name="Numbered HR"),
        rule("FORCEALLOW", "TAG", "public, docs", ["read:pages"], sites=[default_site().pk]),
    ]
    group = GroupFactory(name="Keepers", permissions=["read:pages", "read:api"], rules=stored)

    response, _ = save(admin_http, group)

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.rules == stored
    assert group.permissions == ["read:pages", "read:api"]
    assert _rules_through_api(admin_client, group) == stored


# --- Rules saved in order and read back by the API ------------------------------------------------
def test_rule_rows_are_saved_in_order_and_read_back_by_the_api(admin_http, admin_client):
    group = GroupFactory(name="Writers", permissions=["read:pages"])
    kept_id = str(uuid.uuid4())
    site = default_site()
    rows = [
        _row(id=kept_id, name="  Everyone reads ", roles=["read:pages", "read:history"]),
        _row(mode="DENY", match="EXACT", path="/HR/Payroll", locales="en, FR-ca"),
        _row(mode="FORCEALLOW", match="TAGALL", path="public docs", sites=[site.pk]),
        _row(mode="ALLOW", match="REGEX", path=r"^team/[a-z]+$", roles=["write:pages"]),
    ]

    response, _ = save(admin_http, group, rows=rows)

    assert response.status_code == 302
    group.refresh_from_db()
    new_ids = [r["id"] for r in group.rules[1:]]
    for rule_id in new_ids:
        uuid.UUID(rule_id)  # a row typed in without an id gets one
    base = {"locales": [], "sites": [], "name": "", "roles": ["read:pages"]}
    expected = [
        {**base, "id": kept_id, "name": "Everyone reads", "mode": "ALLOW", "match": "START",
         "path": "", "roles": ["read:pages", "read:history"]},
        {**base, "id": new_ids[0], "mode": "DENY", "match": "EXACT", "path": "hr/payroll",
         "locales": ["en", "fr-ca"]},
        {**base, "id": new_ids[1], "mode": "FORCEALLOW", "match": "TAGALL",
         "path": "public docs", "sites": [str(site.pk)]},
        {**base, "id": new_ids[2], "mode": "ALLOW", "match": "REGEX", "path": r"^team/[a-z]+$",
         "roles": ["write:pages"]},
    ]  # fmt: skip
    assert group.rules == expected
    assert _rules_through_api(admin_client, group) == expected


def test_reordered_and_removed_rows_are_stored_as_posted(admin_http, admin_client):
    first, second, third = (rule(path=p) for p in ("a", "b", "c"))
    group = GroupFactory(name="Order", rules=[first, second, third])

    response, _ = save(admin_http, group, rows=[third, first])

    assert response.status_code == 302
    group.refresh_from_db()
    assert [r["id"] for r in group.rules] == [third["id"], first["id"]]
    assert [r["path"] for r in _rules_through_api(admin_client, group)] == ["c", "a"]


def test_no_rows_stores_no_rules(admin_http):
    group = GroupFactory(name="Empty", rules=[rule()])

    response, _ = save(admin_http, group, rows=[])

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.rules == []


# --- Each invalid row refused with the validator's message, nothing saved --------------------------
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"mode": "MAYBE"}, "rule 2: mode or match is unknown"),
        ({"match": "FUZZY"}, "rule 2: mode or match is unknown"),
        ({"roles": ["fly:pages"]}, "rule 2: 'fly:pages' is not a page role"),
        ({"roles": ["manage:system"]}, "rule 2: 'manage:system' is not a page role"),
        (
            {"match": "REGEX", "path": "("},
            "rule 2: not a regular expression rules support (RE2 syntax): missing ): (",
        ),
        (
            {"mode": "DENY", "match": "REGEX", "path": "(?<=hr/)faq"},
            "rule 2: not a regular expression rules support (RE2 syntax): invalid perl operator: (?<=",
        ),
        ({"match": "TAG", "path": " , "}, "rule 2: a tag rule must name at least one tag"),
        ({"path": "x" * 1025}, "rule 2: path longer than 1024"),
        ({"name": "n" * 256}, "rule 2: name must be text of at most 255 characters"),
        ({"locales": "english"}, "rule 2: 'english' is not a locale code"),
        # Stored, these made even the administrator's groups { rules { id sites } } fail.
        ({"id": "r1"}, "rule 2: id 'r1' is not a UUID"),
        ({"sites": ["main"]}, "rule 2: site 'main' is not a UUID"),
    ],
)
def test_an_invalid_row_is_refused_with_its_message_and_nothing_is_saved(admin_http, bad, message):
    stored = [rule(path="kept")]
    group = GroupFactory(name="Writers", permissions=["read:pages"], rules=stored)

    response, _ = save(
        admin_http,
        group,
        name="Renamed",
        permissions=["read:pages", "write:pages"],
        rows=[_row(path="fine"), _row(**bad), _row(path="also-fine")],
    )

    assert response.status_code == 200
    assert row_errors(response) == [[], [f"ERR_INVALID_INPUT: {message}"], []]
    assert form_errors(response) == [
        "Page rules: correct the rows marked below; nothing was saved."
    ]
    group.refresh_from_db()
    assert (group.name, group.permissions, group.rules) == ("Writers", ["read:pages"], stored)


def test_every_invalid_row_gets_its_own_message(admin_http):
    group = GroupFactory(name="Writers", rules=[])

    response, _ = save(admin_http, group, rows=[_row(mode="NO"), _row(), _row(roles=["x:y"])])

    assert row_errors(response) == [
        ["ERR_INVALID_INPUT: rule 1: mode or match is unknown"],
        [],
        ["ERR_INVALID_INPUT: rule 3: 'x:y' is not a page role"],
    ]
    assert Group.objects.get(pk=group.pk).rules == []


def test_a_post_without_the_rule_rows_is_refused(admin_http):
    group = GroupFactory(name="Writers", rules=[rule()])
    page = admin_http.get(change_url(group))
    data = {k: v for k, v in page_data(page).items() if not k.startswith("rules-")}

    response = admin_http.post(change_url(group), data)

    assert response.status_code == 200
    assert len(Group.objects.get(pk=group.pk).rules) == 1


# --- Permissions and elevation (§3.6) -------------------------------------------------------------
def test_permissions_are_saved_in_the_order_offered(admin_http):
    group = GroupFactory(name="Scoped", permissions=["read:pages"])

    response, _ = save(admin_http, group, permissions=["read:api", "manage:groups", "read:pages"])

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.permissions == ["read:api", "manage:groups", "read:pages"]


def test_an_unknown_permission_is_refused(admin_http):
    group = GroupFactory(name="Scoped", permissions=["read:pages"])

    response, _ = save(admin_http, group, permissions=["read:pages", "fly:pages"])

    assert response.status_code == 200
    assert Group.objects.get(pk=group.pk).permissions == ["read:pages"]


def test_administrators_keep_manage_system(admin_http):
    admins = administrators_group()

    response, _ = save(admin_http, admins, permissions=["read:pages"])

    assert response.status_code == 200
    assert any(e.startswith("ERR_FORBIDDEN") for e in form_errors(response))
    admins.refresh_from_db()
    assert admins.permissions == ["manage:system"]


def test_manage_groups_staff_cannot_grant_manage_system(staff_http):
    staff = staff_http("manage:groups")
    group = GroupFactory(name="Climbers", permissions=["read:pages"], rules=[rule()])
    before = group.rules

    response, _ = save(
        staff, group, permissions=["read:pages", "manage:system"], rows=[_row(path="x")]
    )

    assert response.status_code == 200
    assert [e for e in form_errors(response) if e.startswith("ERR_FORBIDDEN")] == [
        "ERR_FORBIDDEN: only manage:system may grant {'manage:system'}"
    ]
    group.refresh_from_db()
    assert (group.permissions, group.rules) == (["read:pages"], before)


def test_manage_groups_staff_cannot_create_a_system_group(staff_http):
    staff = staff_http("manage:groups")
    page = staff.get(reverse("admin:accounts_group_add"))
    data = {**page_data(page), "name": "Rooted", "permissions": ["manage:system"]}

    response = staff.post(reverse("admin:accounts_group_add"), data)

    assert response.status_code == 200
    assert not Group.objects.filter(name="Rooted").exists()


def test_manage_groups_staff_edits_an_ordinary_group(staff_http, admin_client):
    staff = staff_http("manage:groups")
    group = GroupFactory(name="Plain", permissions=["read:pages"])

    response, _ = save(staff, group, permissions=["read:pages", "manage:users"], rows=[_row()])

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.permissions == ["read:pages", "manage:users"]
    assert [r["path"] for r in _rules_through_api(admin_client, group)] == [""]


def test_staff_without_manage_groups_cannot_open_a_group(staff_http):
    group = GroupFactory(name="Closed")

    assert staff_http("manage:users").get(change_url(group)).status_code == 403


# --- Creating a group ------------------------------------------------------------------------------
def test_adding_a_group_saves_its_rows_and_redirects(admin_http, admin_client):
    page = admin_http.get(reverse("admin:accounts_group_add"))
    rows = [_row(mode="DENY", path="secret"), _row(roles=["read:pages", "write:pages"])]
    data = {**page_data(page), "name": "  Authors ", "redirect_on_first_login": "/welcome"}
    data = {key: value for key, value in data.items() if not key.startswith("rules-")}

    response = admin_http.post(reverse("admin:accounts_group_add"), {**data, **row_data(rows)})

    assert response.status_code == 302
    group = Group.objects.get(name="Authors")
    assert group.is_system is False
    assert group.permissions == ["read:pages", "read:assets", "read:comments", "write:comments"]
    assert group.redirect_on_login == "/"
    assert group.redirect_on_first_login == "/welcome"
    api_rules = _rules_through_api(admin_client, group)
    assert [(r["mode"], r["path"], r["roles"]) for r in api_rules] == [
        ("DENY", "secret", ["read:pages"]),
        ("ALLOW", "", ["read:pages", "write:pages"]),
    ]
