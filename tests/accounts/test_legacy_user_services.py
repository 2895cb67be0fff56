"""The account services added for the Wiki.js 2 API, called directly (API-v2.md §3.3)."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core import mail

from accounts import directory, profile, registration, user_admin
from accounts.models import Group, User
from accounts.permissions import AccessPolicy, Caller, CallerKind
from accounts.services import guest_user
from accounts.validation import clean_name, name_problem, password_problem
from pages.authorship import created_page_count
from tests.factories import PageFactory, UserFactory
from wiki.errors import DomainError, ErrorKey

pytestmark = pytest.mark.django_db


def caller(kind=CallerKind.USER, *permissions, user=None) -> Caller:
    groups = [SimpleNamespace(permissions=list(permissions), rules=[])]
    return Caller(kind, AccessPolicy.from_groups(groups), user=user)


# --- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "problem"),
    [(None, "blank"), ("  ", "blank"), (" J ", "short"), ("J" * 256, "long"), (" Jo ", None)],
)
def test_name_problem_names_the_rule_clean_name_applies(name, problem):
    assert name_problem(name) == problem
    if problem is None:
        assert clean_name(name) == name.strip()
    else:
        with pytest.raises(DomainError):
            clean_name(name)


@pytest.mark.parametrize(
    ("password", "problem"),
    [(None, "blank"), ("", "blank"), ("1234567", "short"), ("12345678", None)],
)
def test_password_problem(password, problem):
    assert password_problem(password) == problem


# --- directory --------------------------------------------------------------------------------------
def test_list_by_legacy_order_filters_and_needs_permission():
    a = UserFactory(name="Zoe Smith", email="a@example.com")
    b = UserFactory(name="Adam Smith", email="b@example.com")
    reader = caller(CallerKind.USER, "read:users")
    listed = directory.list_users_by_legacy_order(reader, text_filter="smith")
    assert [u.pk for u in listed] == [a.pk, b.pk]
    listed = directory.list_users_by_legacy_order(reader, text_filter="smith", order_by="name")
    assert [u.pk for u in listed] == [b.pk, a.pk]
    with pytest.raises(DomainError) as refused:
        directory.list_users_by_legacy_order(caller(CallerKind.USER, "read:pages"))
    assert refused.value.key == ErrorKey.FORBIDDEN


def test_list_by_last_login_puts_never_first_then_ties_by_legacy_id():
    when = datetime(2024, 1, 1, tzinfo=UTC)
    first, second = UserFactory(last_login=when), UserFactory(last_login=when)
    listed = list(
        directory.list_users_by_legacy_order(
            caller(CallerKind.USER, "read:users"), order_by="lastLoginAt"
        )
    )
    assert listed[0].last_login is None
    assert [u.pk for u in listed[-2:]] == [first.pk, second.pk]


def test_search_users_at_most_ten():
    UserFactory.create_batch(11, name="Findme")
    found = directory.search_users(caller(CallerKind.USER, "read:users"), "FINDME")
    assert len(found) == 10
    assert [u.legacy_id for u in found] == sorted(u.legacy_id for u in found)


def test_legacy_lookups():
    user = UserFactory()
    assert directory.user_id_by_legacy_id(user.legacy_id) == user.pk
    assert directory.user_id_by_legacy_id(2) == guest_user().pk
    for unknown in (None, 0, -1, 999999):
        with pytest.raises(DomainError) as refused:
            directory.user_id_by_legacy_id(unknown)
        assert refused.value.key == ErrorKey.INVALID_USER
    assert directory.legacy_user_ref(user.legacy_id) == user.pk
    users = Group.objects.get(legacy_id=3)
    refs = directory.legacy_group_refs([3, None, 3, 999999])
    assert refs[0] == users.pk
    assert len(refs) == 2
    # An unknown id stays unknown to the services, which refuse it in their own order.
    with pytest.raises(DomainError) as refused:
        user_admin.update_user(None, user.pk, user_admin.UserPatch(group_ids=refs))
    assert refused.value.key == ErrorKey.INVALID_GROUP
    with pytest.raises(DomainError) as refused:
        user_admin.delete_user(None, user.pk, directory.legacy_user_ref(999999))
    assert refused.value.key == ErrorKey.INVALID_USER


# --- user_admin ---------------------------------------------------------------------------------------
def test_meta_and_prefs_changes_keep_the_other_keys():
    user = UserFactory(
        meta={"location": "A", "jobTitle": "B", "pronouns": "C"}, prefs={"cvd": "none"}
    )
    patch = user_admin.UserPatch(
        meta_changes={"location": " Here "}, prefs_changes={"appearance": "dark"}
    )
    user_admin.update_user(None, user.pk, patch)
    user.refresh_from_db()
    assert user.meta == {"location": "Here", "jobTitle": "B", "pronouns": "C"}
    assert user.prefs == {"cvd": "none", "appearance": "dark"}


def test_update_with_a_short_password_changes_nothing():
    user = UserFactory(name="Before")
    with pytest.raises(DomainError) as refused:
        user_admin.update_user_and_password(
            None, user.pk, user_admin.UserPatch(name="After"), "short"
        )
    assert refused.value.key == ErrorKey.PASSWORD_TOO_SHORT
    user.refresh_from_db()
    assert user.name == "Before"
    user_admin.update_user_and_password(
        None, user.pk, user_admin.UserPatch(name="After"), "Long-enough1"
    )
    user.refresh_from_db()
    assert user.name == "After"
    assert user.check_password("Long-enough1")


# --- profile ------------------------------------------------------------------------------------------
def test_own_profile_and_own_account_checks(admin):
    user = UserFactory()
    assert profile.own_profile(caller(CallerKind.USER, user=user)) == user
    assert profile.own_profile(caller(CallerKind.API_KEY, "read:pages")) == admin
    with pytest.raises(DomainError) as refused:
        profile.own_profile(caller(CallerKind.GUEST, user=guest_user()))
    assert refused.value.key == ErrorKey.NOT_AUTHENTICATED
    User.objects.filter(pk=user.pk).update(is_verified=False)
    with pytest.raises(DomainError) as refused:
        profile.check_own_account(caller(CallerKind.USER, user=user))
    assert refused.value.key == ErrorKey.USER_NOT_VERIFIED
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(DomainError) as refused:
        profile.own_profile(caller(CallerKind.USER, user=user))
    assert refused.value.key == ErrorKey.INACTIVE_USER


# --- registration -------------------------------------------------------------------------------------
def test_send_password_reset(mail_configured):
    user = UserFactory(email="jane@example.com")
    with pytest.raises(DomainError) as refused:
        registration.send_password_reset(caller(CallerKind.USER, "read:users"), user.pk, site=None)
    assert refused.value.key == ErrorKey.FORBIDDEN
    registration.send_password_reset(caller(CallerKind.USER, "manage:users"), user.pk, site=None)
    (message,) = mail.outbox
    assert message.to == ["jane@example.com"]
    with pytest.raises(DomainError) as refused:
        registration.send_password_reset(None, guest_user().pk, site=None)
    assert refused.value.key == ErrorKey.INVALID_STRATEGY


# --- pages ----------------------------------------------------------------------------------------------
def test_created_page_count_counts_created_not_authored():
    user, other = UserFactory(), UserFactory()
    PageFactory.create_batch(2, author=user)
    PageFactory(author=other, creator=other)
    PageFactory(creator=other, author=user)
    assert created_page_count(user.pk) == 2
    assert created_page_count(other.pk) == 2
