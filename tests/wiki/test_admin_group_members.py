"""The group admin's members page: a page at a time, searchable, labelled by user; adding and
removing go through the membership services with §3.6's elevation rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import GUESTS_GROUP_ID, Membership, User
from accounts.services import administrators_group
from tests.factories import GroupFactory, UserFactory

from .group_admin_support import change_url, members_url, messages_of

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [m.user.name for m in response.context["page"].object_list]


@pytest.fixture
def crowd():
    """A group of 30 members named Member 00..29, with their emails."""
    group = GroupFactory(name="Crowd")
    for n in range(30):
        UserFactory(name=f"Member {n:02d}", email=f"member{n:02d}@example.com", groups=[group])
    return group


def test_members_are_listed_a_page_at_a_time_by_name(admin_http, crowd):
    first = admin_http.get(members_url(crowd))
    second = admin_http.get(members_url(crowd), {"p": "2"})

    assert first.status_code == second.status_code == 200
    assert _names(first) == [f"Member {n:02d}" for n in range(25)]
    assert _names(second) == [f"Member {n:02d}" for n in range(25, 30)]
    html = first.content.decode()
    assert "member00@example.com" in html
    assert "member24@example.com" in html
    assert "member25@example.com" not in html
    assert "30 members" in html


def test_member_search_matches_name_or_email(admin_http, crowd):
    by_name = admin_http.get(members_url(crowd), {"q": "member 1"})
    by_email = admin_http.get(members_url(crowd), {"q": "R07@EXAMPLE"})
    nobody = admin_http.get(members_url(crowd), {"q": "nobody"})

    assert _names(by_name) == [f"Member {n:02d}" for n in range(10, 20)]
    assert _names(by_email) == ["Member 07"]
    assert _names(nobody) == []
    assert "No member matches “nobody”." in nobody.content.decode()


def test_members_page_costs_the_same_for_one_and_many_members(admin_http, crowd):
    small = GroupFactory(name="Small")
    UserFactory(groups=[small])
    admin_http.get(members_url(small))  # warm the caller's caches
    with CaptureQueriesContext(connection) as one:
        admin_http.get(members_url(small))
    with CaptureQueriesContext(connection) as many:
        admin_http.get(members_url(crowd))
    assert len(many) == len(one)


def test_change_page_links_to_the_members_page_with_the_count(admin_http, crowd):
    html = admin_http.get(change_url(crowd)).content.decode()

    assert f'href="{members_url(crowd)}" id="group-members-link">Members (30)</a>' in html


def test_adding_a_member_by_email(admin_http, user):
    group = GroupFactory(name="Joiners")

    response = admin_http.post(
        members_url(group), {"action": "add", "email": " MEMBER@example.com "}, follow=True
    )

    assert Membership.objects.filter(group=group, user=user).exists()
    assert messages_of(response) == ["Member <member@example.com> added to Joiners."]
    assert _names(response) == ["Member"]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.com", "ERR_INVALID_USER: no user has the email 'nobody@example.com'"),
        ("", "ERR_INVALID_USER: no user has the email ''"),
        ("guest@example.com", "ERR_FORBIDDEN: system users keep their groups"),
    ],
)
def test_adding_an_unknown_or_system_user_is_refused(admin_http, email, message):
    group = GroupFactory(name="Joiners")

    response = admin_http.post(members_url(group), {"action": "add", "email": email}, follow=True)

    assert messages_of(response) == [message]
    assert not Membership.objects.filter(group=group).exists()


def test_adding_a_member_twice_is_refused(admin_http, user):
    group = GroupFactory(name="Joiners")
    user.groups.add(group)

    response = admin_http.post(
        members_url(group), {"action": "add", "email": user.email}, follow=True
    )

    assert messages_of(response) == ["ERR_INVALID_INPUT: already a member"]
    assert Membership.objects.filter(group=group, user=user).count() == 1


def test_removing_a_member_keeps_the_search_and_page(admin_http, crowd):
    leaving = User.objects.get(email="member03@example.com")

    response = admin_http.post(
        members_url(crowd), {"action": "remove", "user": str(leaving.pk), "q": "member 0"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{members_url(crowd)}?q=member+0"
    assert not Membership.objects.filter(group=crowd, user=leaving).exists()
    assert Membership.objects.filter(group=crowd).count() == 29


def test_the_root_administrator_stays_in_administrators(admin_http, admin):
    admins = administrators_group()

    response = admin_http.post(
        members_url(admins), {"action": "remove", "user": str(admin.pk)}, follow=True
    )

    assert messages_of(response) == ["ERR_FORBIDDEN: the root administrator stays an administrator"]
    assert Membership.objects.filter(group=admins, user=admin).exists()


def test_the_guest_stays_in_guests(admin_http):
    guest = User.objects.get(is_system=True)

    response = admin_http.post(
        members_url(guest.groups.get(pk=GUESTS_GROUP_ID)),
        {"action": "remove", "user": str(guest.pk)},
        follow=True,
    )

    assert messages_of(response) == ["ERR_FORBIDDEN: system users keep their groups"]
    assert guest.groups.filter(pk=GUESTS_GROUP_ID).exists()


@pytest.mark.parametrize(
    ("permissions", "allowed"),
    [(["manage:system"], False), (["manage:users"], True), (["read:pages"], True)],
)
def test_membership_of_a_manage_system_group_needs_manage_system(
    staff_http, user, permissions, allowed
):
    """manage:groups passes the elevation rule, but not for a manage:system group (§3.6)."""
    staff = staff_http("manage:groups")
    target = GroupFactory(name="Target", permissions=permissions)
    UserFactory(email="stays@example.com", groups=[target])
    stays = User.objects.get(email="stays@example.com")

    added = staff.post(members_url(target), {"action": "add", "email": user.email}, follow=True)
    removed = staff.post(
        members_url(target), {"action": "remove", "user": str(stays.pk)}, follow=True
    )

    assert Membership.objects.filter(group=target, user=user).exists() is allowed
    assert Membership.objects.filter(group=target, user=stays).exists() is not allowed
    if not allowed:
        assert messages_of(added)[0].startswith("ERR_FORBIDDEN")
        assert messages_of(removed)[0].startswith("ERR_FORBIDDEN")


def test_members_page_needs_manage_groups(staff_http, crowd):
    staff = staff_http("manage:users")
    member = User.objects.get(email="member01@example.com")

    assert staff.get(members_url(crowd)).status_code == 403
    refused = staff.post(members_url(crowd), {"action": "remove", "user": str(member.pk)})
    assert refused.status_code == 403
    assert Membership.objects.filter(group=crowd, user=member).exists()


def test_an_unknown_action_changes_nothing(admin_http, crowd):
    response = admin_http.post(members_url(crowd), {"action": "drop"}, follow=True)

    assert messages_of(response) == ["ERR_INVALID_INPUT: unknown action"]
    assert Membership.objects.filter(group=crowd).count() == 30
