"""Admin change forms of users: domain rules and §3.6 protections apply (groups:
test_admin_groups.py, test_admin_group_members.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import USERS_GROUP_ID, Membership
from accounts.services import administrators_group
from tests.factories import GroupFactory, UserFactory

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


# The inline edits Membership rows, whose related name gives the formset prefix.
USER_INLINE = "memberships"


def test_unchanged_user_form_saves(admin_http, user):
    response, _ = _change(admin_http, user, lambda data: None)

    assert response.status_code == 302


def test_user_profile_edit_is_normalised(admin_http, user):
    def edit(data):
        data["email"] = "  Renamed@Example.COM "
        data["name"] = "  Renamed Member "

    response, _ = _change(admin_http, user, edit)

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.name) == ("renamed@example.com", "Renamed Member")
    assert user.check_password("Password123")


def test_user_profile_edit_refuses_a_bad_name(admin_http, user):
    response, _ = _change(admin_http, user, lambda data: data.update(name="Z"))

    _assert_refused(response, "ERR_INVALID_INPUT")
    user.refresh_from_db()
    assert user.name == "Member"


def test_add_and_remove_group_through_the_user_inline(admin_http, user):
    editors = GroupFactory(name="Editors")

    def edit(data):
        _add_membership(data, USER_INLINE, "group", editors.pk)
        _delete_membership(data, USER_INLINE, "group", USERS_GROUP_ID)

    response, _ = _change(admin_http, user, edit)

    assert response.status_code == 302
    assert set(user.groups.values_list("pk", flat=True)) == {editors.pk}


def test_root_administrator_cannot_leave_administrators(admin_http, admin):
    admins = administrators_group()

    def edit(data):
        _delete_membership(data, USER_INLINE, "group", admins.pk)

    response, _ = _change(admin_http, admin, edit)

    _assert_refused(response, "ERR_FORBIDDEN")
    assert Membership.objects.filter(user=admin, group=admins).exists()


def test_membership_inline_is_hidden_without_manage_groups(staff_http, user):
    staff = staff_http("manage:users")

    page = staff.get(reverse("admin:accounts_user_change", args=[user.pk]))

    assert page.status_code == 200
    assert page.context["inline_admin_formsets"] == []


def test_user_email_edit_refuses_another_accounts_address(admin_http, user):
    other = UserFactory(email="taken@example.com")

    response, _ = _change(admin_http, user, lambda data: data.update(email="TAKEN@example.com"))

    _assert_refused(response, "ERR_DUPLICATE_ACCOUNT_EMAIL")
    user.refresh_from_db()
    assert user.email == "member@example.com"
    assert other.email == "taken@example.com"
