"""Admin change forms of groups: domain rules and §3.6 protections apply (users: test_admin_users)."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Group, Membership, User
from accounts.services import administrators_group
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


def _value(bound):
    value = bound.value()  # already prepared: JSON fields give their JSON text
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return "" if value is None else str(value)


def _form_fields(form, data: dict) -> None:
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = _value(form[name])
        if value is not None:
            data[form.add_prefix(name)] = value


def form_data(response) -> dict:
    """The POST data the admin change page would submit unchanged (form and inlines)."""
    data: dict = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_fields(formset.management_form, data)
        for form in formset.forms:
            _form_fields(form, data)
    return data


def _change(http: Client, obj, edit) -> tuple:
    app, model = obj._meta.app_label, obj._meta.model_name
    url = reverse(f"admin:{app}_{model}_change", args=[obj.pk])
    page = http.get(url)
    assert page.status_code == 200
    data = form_data(page)
    edit(data)
    return http.post(url, data), data


def _errors(response) -> str:
    """Every error text on a re-rendered change page (form, non-form and inline)."""
    texts = [str(e) for e in response.context["errors"]]
    for inline in response.context["inline_admin_formsets"]:
        texts += [str(e) for e in inline.formset.non_form_errors()]
    return " ".join(texts)


def _add_membership(data: dict, prefix: str, field: str, value) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data[f"{prefix}-{index}-{field}"] = str(value)


def _membership_index(data: dict, prefix: str, field: str, value) -> int:
    for key, item in data.items():
        if key.startswith(prefix + "-") and key.endswith(f"-{field}") and item == str(value):
            return int(key.split("-")[-2])
    raise AssertionError(f"no {field}={value} in {prefix}")


def _delete_membership(data: dict, prefix: str, field: str, value) -> None:
    data[f"{prefix}-{_membership_index(data, prefix, field, value)}-DELETE"] = "on"


def _assert_refused(response, key: str) -> None:
    """The change page is shown again (nothing saved) with ``key`` among its errors."""
    assert response.status_code == 200
    assert key in _errors(response)


# The group inline edits Membership rows, whose related name gives the formset prefix.
GROUP_INLINE = "memberships"


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [(["manage:system"], False), (["manage:users"], True), (["read:pages"], True)],
)
def test_membership_of_a_manage_system_group_needs_manage_system(
    staff_http, user, permissions, allowed
):
    """manage:groups passes the elevation rule, but not for a manage:system group (§3.6)."""
    staff = staff_http("manage:groups")
    target = GroupFactory(permissions=permissions)

    response, _ = _change(
        staff,
        target,
        lambda data: _add_membership(data, GROUP_INLINE, "user", user.pk),
    )

    assert Membership.objects.filter(user=user, group=target).exists() is allowed
    if allowed:
        assert response.status_code == 302
    else:
        _assert_refused(response, "ERR_FORBIDDEN")


def test_group_inline_cannot_remove_the_guest_from_guests(admin_http):
    guests = Group.objects.get(name="Guests")
    guest = User.objects.get(is_system=True)

    def edit(data):
        _delete_membership(data, GROUP_INLINE, "user", guest.pk)

    response, _ = _change(admin_http, guests, edit)

    _assert_refused(response, "ERR_FORBIDDEN")
    assert guest.groups.filter(pk=guests.pk).exists()


# --- Groups -----------------------------------------------------------------------------------
def test_new_group_form_starts_with_the_contract_defaults(admin_http):
    response = admin_http.get(reverse("admin:accounts_group_add"))

    form = response.context["adminform"].form
    assert form["permissions"].value() == [
        "read:pages",
        "read:assets",
        "read:comments",
        "write:comments",
    ]
    [rule] = form.initial["rules"]
    assert (rule["mode"], rule["match"], rule["path"]) == ("ALLOW", "START", "")


def test_group_edit_saves_permissions_and_rules(admin_http):
    group = GroupFactory(name="Writers", permissions=["read:pages"])
    rule = {"mode": "ALLOW", "match": "START", "path": "docs", "roles": ["write:pages"]}

    def edit(data):
        data["permissions"] = ["read:pages", "write:pages"]
        data["rules"] = json.dumps([rule])

    response, _ = _change(admin_http, group, edit)

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.permissions == ["read:pages", "write:pages"]
    [stored] = group.rules
    uuid.UUID(stored["id"])  # the form gives a rule typed in without an id one
    assert stored == {**rule, "id": stored["id"], "name": "", "locales": [], "sites": []}


@pytest.mark.parametrize(
    "rules",
    [
        '{"not": "a list"}',
        '[{"mode": "MAYBE", "match": "START", "path": "", "roles": []}]',
        '[{"mode": "ALLOW", "match": "START", "path": "", "roles": ["fly:pages"]}]',
        '[{"mode": "ALLOW", "match": "REGEX", "path": "(", "roles": []}]',
        # Stored, these made even the administrator's groups { rules { id sites } } fail.
        '[{"id": "r1", "mode": "ALLOW", "match": "START", "path": "", "roles": []}]',
        '[{"mode": "DENY", "match": "START", "path": "", "roles": [], "sites": ["main"]}]',
        '[{"mode": "DENY", "match": "REGEX", "path": "(?<=hr/)faq", "roles": []}]',
    ],
)
def test_group_edit_refuses_bad_rules(admin_http, rules):
    group = GroupFactory(name="Writers")

    response, _ = _change(admin_http, group, lambda data: data.update(rules=rules))

    _assert_refused(response, "ERR_INVALID_INPUT")
    group.refresh_from_db()
    assert group.rules == []


def test_administrators_keep_manage_system(admin_http):
    admins = administrators_group()

    response, _ = _change(admin_http, admins, lambda data: data.update(permissions=["read:pages"]))

    _assert_refused(response, "ERR_FORBIDDEN")
    admins.refresh_from_db()
    assert admins.permissions == ["manage:system"]


def test_only_manage_system_grants_system_scopes(staff_http):
    staff = staff_http("manage:groups")
    group = GroupFactory(name="Climbers", permissions=["read:pages"])

    response, _ = _change(staff, group, lambda data: data.update(permissions=["manage:system"]))

    _assert_refused(response, "ERR_FORBIDDEN")
    group.refresh_from_db()
    assert group.permissions == ["read:pages"]
