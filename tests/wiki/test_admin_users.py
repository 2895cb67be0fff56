"""The users admin: every change through accounts.user_admin, refusals shown, nothing changed."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse

from accounts.models import USERS_GROUP_ID, Membership, User
from accounts.services import administrators_group, guest_user
from pages.history import record_version
from pages.models import Page, PageHistory
from tests.factories import GroupFactory, PageFactory, UserFactory

from .admin_support import form_data, logged_in

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"


def _change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def _operation_url(user, operation: str) -> str:
    return reverse("admin:accounts_user_operation", args=[user.pk, operation])


def _password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def _delete_url(user) -> str:
    return reverse("admin:accounts_user_delete", args=[user.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _edit(http, user, **changes):
    page = http.get(_change_url(user))
    assert page.status_code == 200
    data = {**form_data(page), **changes}
    return http.post(_change_url(user), data)


def _errors(response) -> str:
    return " ".join(str(error) for error in response.context["errors"])


def _state(user) -> tuple:
    user.refresh_from_db()
    groups = frozenset(user.groups.values_list("pk", flat=True))
    return (user.email, user.name, user.is_active, user.is_verified, user.password, groups)


# --- The list ---------------------------------------------------------------------------------
def test_list_has_few_short_columns(admin_http):
    UserFactory(name="Many Groups", groups=[GroupFactory(name=f"G{n}") for n in range(4)])

    response = admin_http.get(CHANGELIST, {"q": "Many Groups"})

    assert response.status_code == 200
    assert list(response.context["cl"].list_display) == [
        "action_checkbox",
        "name",
        "email",
        "is_active",
        "is_verified",
        "group_names",
        "last_login",
    ]
    assert b"G0, G1, G2 (+2)" in response.content


# --- Editing through update_user ---------------------------------------------------------------
def test_unchanged_form_saves(admin_http, user):
    before = _state(user)

    response = _edit(admin_http, user)

    assert response.status_code == 302
    assert _state(user) == before


def test_profile_edit_is_normalised(admin_http, user):
    response = _edit(admin_http, user, email="  Renamed@Example.COM ", name="  Renamed Member ")

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.name) == ("renamed@example.com", "Renamed Member")
    assert user.check_password("Password123")


def test_groups_are_edited_as_checkboxes(admin_http, user):
    editors = GroupFactory(name="Editors")

    response = _edit(admin_http, user, member_of=[str(editors.pk)])

    assert response.status_code == 302
    assert set(user.groups.values_list("pk", flat=True)) == {editors.pk}


def test_flags_are_saved(admin_http, user):
    response = _edit(admin_http, user, tfa_required="on", must_change_password="on")

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.tfa_required, user.must_change_password) == (True, True)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"name": "Z"}, "ERR_INVALID_INPUT"),
        ({"email": "TAKEN@example.com"}, "ERR_DUPLICATE_ACCOUNT_EMAIL"),
        ({"email": "no-address"}, "ERR_EMAIL_ADDRESS_NOT_ALLOWED"),
    ],
)
def test_bad_profile_input_is_refused(admin_http, user, changes, key):
    UserFactory(email="taken@example.com")
    before = _state(user)

    response = _edit(admin_http, user, **changes)

    assert response.status_code == 200
    assert key in _errors(response)
    assert _state(user) == before


def test_root_administrator_cannot_leave_administrators(admin_http, admin):
    before = _state(admin)

    response = _edit(admin_http, admin, member_of=[str(USERS_GROUP_ID)])

    assert response.status_code == 200
    assert "ERR_FORBIDDEN" in _errors(response)
    assert _state(admin) == before


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [(["read:pages"], True), (["manage:users"], False), (["manage:system"], False)],
)
def test_manage_users_joins_only_plain_groups(staff_http, user, permissions, allowed):
    http = staff_http("manage:users")
    target = GroupFactory(permissions=permissions)

    response = _edit(http, user, member_of=[str(USERS_GROUP_ID), str(target.pk)])

    assert user.groups.filter(pk=target.pk).exists() is allowed
    if allowed:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert "ERR_FORBIDDEN" in _errors(response)


def test_manage_groups_may_edit_users_too(staff_http, user):
    http = staff_http("manage:groups")
    elevated = GroupFactory(permissions=["manage:users"])

    response = _edit(http, user, member_of=[str(USERS_GROUP_ID), str(elevated.pk)])

    assert response.status_code == 302
    assert user.groups.filter(pk=elevated.pk).exists()


def test_protected_users_cannot_be_opened_for_change(staff_http, admin_http, admin):
    limited = staff_http("manage:users")

    assert limited.post(_change_url(admin), {"name": "Hacked"}).status_code == 403
    assert admin_http.post(_change_url(guest_user()), {"name": "Hacked"}).status_code == 403
    admin.refresh_from_db()
    assert admin.name == "Administrator"


# --- One-click operations ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operation", "start", "field", "expected"),
    [
        ("deactivate", {"is_active": True}, "is_active", False),
        ("activate", {"is_active": False}, "is_active", True),
        ("verify", {"is_verified": False}, "is_verified", True),
        ("reset-tfa", {"tfa_required": True}, "tfa_required", False),
    ],
)
@pytest.mark.parametrize("who", ["superuser", "manage:users"])
def test_operations_run_their_service(
    admin_http, staff_http, who, operation, start, field, expected
):
    http = admin_http if who == "superuser" else staff_http("manage:users")
    target = UserFactory(**start)

    response = http.post(_operation_url(target, operation), follow=True)

    target.refresh_from_db()
    assert getattr(target, field) is expected
    assert response.redirect_chain == [(_change_url(target), 302)]
    assert _messages(response)[-1].startswith(str(target))


def test_change_page_offers_the_operations(admin_http):
    target = UserFactory(is_active=False, is_verified=False)

    content = admin_http.get(_change_url(target)).content.decode()

    for operation in ("activate", "verify", "reset-tfa"):
        assert f'action="{_operation_url(target, operation)}"' in content
    assert f'action="{_operation_url(target, "deactivate")}"' not in content


def test_operations_are_refused_without_changing_anything(staff_http, admin, user):
    limited = staff_http("manage:users")
    reader = staff_http("read:users")
    strict = logged_in(admin, enforce_csrf_checks=True)

    protected = limited.post(_operation_url(admin, "deactivate"))
    read_only = reader.post(_operation_url(user, "deactivate"))
    as_get = limited.get(_operation_url(user, "deactivate"))
    without_csrf = strict.post(_operation_url(user, "deactivate"))
    unknown = limited.post(_operation_url(user, "explode"))

    assert [r.status_code for r in (protected, read_only, as_get, without_csrf, unknown)] == [
        403,
        403,
        405,
        403,
        403,
    ]
    admin.refresh_from_db()
    user.refresh_from_db()
    assert admin.is_active is True
    assert user.is_active is True


def test_reset_tfa_of_a_user_without_password_reports_the_key(admin_http):
    target = UserFactory(tfa_required=True, password=None)
    target.set_unusable_password()
    target.save()

    response = admin_http.post(_operation_url(target, "reset-tfa"), follow=True)

    assert _messages(response)[-1].startswith("ERR_INVALID_STRATEGY: ")
    target.refresh_from_db()
    assert target.tfa_required is True


def test_bulk_action_reports_each_refusal(staff_http, admin, user):
    http = staff_http("manage:users")

    response = http.post(
        CHANGELIST,
        {"action": "deactivate", "_selected_action": [str(admin.pk), str(user.pk)]},
        follow=True,
    )

    admin.refresh_from_db()
    user.refresh_from_db()
    assert (admin.is_active, user.is_active) == (True, False)
    messages = _messages(response)
    assert messages[0].startswith(f"{admin}: ERR_FORBIDDEN: ")
    assert messages[1] == "1 user(s) deactivated."


# --- Password ---------------------------------------------------------------------------------
def test_password_is_set_through_the_service(admin_http, user):
    response = admin_http.post(
        _password_url(user),
        {
            "password1": "Another-pass-1",
            "password2": "Another-pass-1",
            "must_change_password": "on",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-pass-1")
    assert user.must_change_password is True


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"password1": "short", "password2": "short"}, "password1", "ERR_PASSWORD_TOO_SHORT"),
        ({"password1": "Long-enough-1", "password2": "Other-pass-1"}, "password2", "differ"),
    ],
)
def test_bad_password_is_refused(admin_http, user, data, field, text):
    response = admin_http.post(_password_url(user), data)

    assert response.status_code == 400
    assert text in str(response.context["form"].errors[field])
    user.refresh_from_db()
    assert user.check_password("Password123")


def test_password_of_a_protected_user_is_refused(staff_http, admin):
    response = staff_http("manage:users").post(
        _password_url(admin), {"password1": "Another-pass-1", "password2": "Another-pass-1"}
    )

    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.check_password("Password123")


# --- Delete with a replacement ----------------------------------------------------------------
def test_delete_hands_pages_and_history_to_the_replacement(admin_http, admin):
    leaving = UserFactory(name="Leaving")
    page = PageFactory(author=leaving)
    other = PageFactory()
    version = record_version(page, "updated")

    form = admin_http.get(_delete_url(leaving))
    response = admin_http.post(_delete_url(leaving), {"replacement": admin.email}, follow=True)

    assert form.status_code == 200
    assert form.context["form"]["replacement"].value() == admin.email
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert not User.objects.filter(pk=leaving.pk).exists()
    assert not Membership.objects.filter(user_id=leaving.pk).exists()
    page.refresh_from_db()
    assert (page.author_id, page.creator_id, page.owner_id) == (admin.pk,) * 3
    assert PageHistory.objects.get(pk=version.pk).author_id == admin.pk
    assert Page.objects.get(pk=other.pk).author_id == other.author_id
    assert LogEntry.objects.filter(object_id=str(leaving.pk), action_flag=DELETION).count() == 1
    assert _messages(response)[-1].startswith(f"{leaving} deleted;")


@pytest.mark.parametrize(
    ("replacement", "text"),
    [("nobody@example.com", "ERR_INVALID_USER"), ("self", "ERR_INVALID_USER")],
)
def test_delete_refuses_a_bad_replacement(admin_http, replacement, text):
    leaving = UserFactory()
    page = PageFactory(author=leaving)
    email = leaving.email if replacement == "self" else replacement

    response = admin_http.post(_delete_url(leaving), {"replacement": email})

    assert response.status_code == 400
    assert text in str(response.context["form"].errors["replacement"])
    assert User.objects.filter(pk=leaving.pk).exists()
    assert Page.objects.get(pk=page.pk).author_id == leaving.pk


def test_delete_is_refused_for_protected_users(admin_http, staff_http, admin):
    limited = staff_http("manage:users")
    other_admin = UserFactory(groups=[administrators_group()])

    root = admin_http.post(_delete_url(admin), {"replacement": other_admin.email})
    holder = limited.post(_delete_url(other_admin), {"replacement": admin.email})
    guest = admin_http.get(_delete_url(guest_user()))

    assert [root.status_code, holder.status_code, guest.status_code] == [403, 403, 403]
    assert User.objects.filter(pk__in=[admin.pk, other_admin.pk]).count() == 2


def test_delete_needs_csrf_and_manage_users(staff_http, admin, user):
    strict = logged_in(admin, enforce_csrf_checks=True)

    without_csrf = strict.post(_delete_url(user), {"replacement": admin.email})
    reader = staff_http("read:users").post(_delete_url(user), {"replacement": admin.email})

    assert (without_csrf.status_code, reader.status_code) == (403, 403)
    assert User.objects.filter(pk=user.pk).exists()


def test_manage_users_deletes_a_plain_user(staff_http, admin, user):
    response = staff_http("manage:users").post(_delete_url(user), {"replacement": admin.email})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


# --- The staff gate ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("permissions", "opens"),
    [
        (["access:admin"], True),
        (["manage:system"], True),
        (["manage:users"], False),
        (["manage:users", "manage:groups", "manage:sites", "manage:api"], False),
    ],
)
def test_only_access_admin_or_manage_system_opens_the_admin(group_with, permissions, opens):
    http = logged_in(UserFactory(groups=[group_with(*permissions)]))

    response = http.get("/admin/")

    assert response.status_code == (200 if opens else 302)


def test_a_deactivated_staff_user_is_refused(group_with):
    staff = UserFactory(groups=[group_with("access:admin", "manage:users")])
    http = logged_in(staff)
    User.objects.filter(pk=staff.pk).update(is_active=False)

    assert http.get(CHANGELIST).status_code == 302


def test_read_users_lists_users_but_changes_nothing(staff_http, user):
    http = staff_http("read:users")

    listing = http.get(CHANGELIST)
    change = _edit(http, user, name="Renamed")

    assert listing.status_code == 200
    assert change.status_code == 403
    user.refresh_from_db()
    assert user.name == "Member"
