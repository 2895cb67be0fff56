"""Every example of the seed document, verbatim, called with an Administrators API key.

The query texts (seed_examples.py) are copied character for character from the seed.
"""

import uuid
from datetime import UTC, datetime

import pytest

from accounts.models import USERS_GROUP_ID, Group, Membership, User
from accounts.services import administrators_group
from tests.factories import GroupFactory, PageFactory, UserFactory

from .seed_examples import (
    SEED_CREATE_USER,
    SEED_GROUPS,
    SEED_ID,
    SEED_PAGE_BY_ID,
    SEED_PAGES,
    SEED_USERS,
)

pytestmark = pytest.mark.django_db


def test_fetch_all_pages_ordered_by_title(admin_key_client):
    cherry = PageFactory(path="fruits/cherry", title="Cherry")
    apple = PageFactory(path="apple", title="Apple")
    draft = PageFactory(path="drafts/banana", title="Banana", publish_state="draft")
    elder = PageFactory(path="z/elderberry", title="Elderberry", locale="fr")

    response = admin_key_client(SEED_PAGES)

    assert response.status == 200, response.body
    assert response.body == {
        "data": {
            "pages": [
                {"id": str(apple.pk), "path": "apple", "title": "Apple"},
                {"id": str(draft.pk), "path": "drafts/banana", "title": "Banana"},
                {"id": str(cherry.pk), "path": "fruits/cherry", "title": "Cherry"},
                {"id": str(elder.pk), "path": "z/elderberry", "title": "Elderberry"},
            ]
        }
    }


def test_fetch_all_pages_when_there_are_none(admin_key_client):
    response = admin_key_client(SEED_PAGES)

    assert response.status == 200
    assert response.body == {"data": {"pages": []}}


def test_fetch_a_specific_page(admin_key_client):
    PageFactory(
        id=uuid.UUID(SEED_ID),
        path="guides/getting-started",
        title="Getting Started",
        created_at=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
        updated_at=datetime(2024, 6, 2, 8, 30, 15, 7000, tzinfo=UTC),
    )
    PageFactory(path="other", title="Other")

    response = admin_key_client(SEED_PAGE_BY_ID)

    assert response.status == 200, response.body
    assert response.body == {
        "data": {
            "pageById": {
                "path": "guides/getting-started",
                "title": "Getting Started",
                "createdAt": "2024-05-01T12:00:00.123Z",
                "updatedAt": "2024-06-02T08:30:15.007Z",
            }
        }
    }


def test_fetch_a_specific_page_that_does_not_exist(admin_key_client):
    response = admin_key_client(SEED_PAGE_BY_ID)

    assert response.status == 200
    assert response.data == {"pageById": None}
    assert response.errors == [
        {
            "message": "ERR_PAGE_NOT_FOUND",
            "locations": [{"line": 2, "column": 1}],
            "path": ["pageById"],
            "extensions": {"code": "ERR_PAGE_NOT_FOUND"},
        }
    ]


def test_fetch_all_groups(admin_key_client):
    editors = GroupFactory(name="Editors")
    seeded = GroupFactory(id=uuid.UUID(SEED_ID), name="Authors")

    response = admin_key_client(SEED_GROUPS)

    assert response.status == 200, response.body
    assert response.body == {
        "data": {
            "groups": [
                {"id": str(administrators_group().pk), "name": "Administrators"},
                {"id": str(seeded.pk), "name": "Authors"},
                {"id": str(editors.pk), "name": "Editors"},
                {"id": "10000000-0000-4000-8000-000000000001", "name": "Guests"},
                {"id": str(USERS_GROUP_ID), "name": "Users"},
            ]
        }
    }


def test_search_users_matches_name_or_email_case_insensitively(admin_key_client):
    bob = UserFactory(name="Bob Johnston", email="bob@example.com")
    carla = UserFactory(name="Carla Smith", email="carla.johns@example.com")
    dave = UserFactory(name="Dave JOHN", email="dave@example.com")
    john = UserFactory(name="John Doe", email="jd@example.com")
    UserFactory(name="Eve Jones", email="eve@example.com")
    UserFactory(name="Jo Hn", email="jo.hn@example.com")
    # System users are listed too when they match.
    guest = User.objects.get(is_system=True)
    guest.name = "Guest Johnny"
    guest.save()

    response = admin_key_client(SEED_USERS)

    assert response.status == 200, response.body
    assert response.body == {
        "data": {
            "users": [
                {"id": str(bob.pk), "name": "Bob Johnston", "email": "bob@example.com"},
                {"id": str(carla.pk), "name": "Carla Smith", "email": "carla.johns@example.com"},
                {"id": str(dave.pk), "name": "Dave JOHN", "email": "dave@example.com"},
                {"id": str(guest.pk), "name": "Guest Johnny", "email": "guest@example.com"},
                {"id": str(john.pk), "name": "John Doe", "email": "jd@example.com"},
            ]
        }
    }


def test_search_users_without_matches(admin_key_client):
    UserFactory(name="Eve Jones", email="eve@example.com")

    response = admin_key_client(SEED_USERS)

    assert response.status == 200
    assert response.body == {"data": {"users": []}}


def test_create_new_user(admin_key_client):
    seeded = GroupFactory(id=uuid.UUID(SEED_ID), name="Authors")
    users_before = User.objects.count()

    response = admin_key_client(SEED_CREATE_USER)

    assert response.status == 200, response.body
    payload = response.data["createUser"]
    assert payload["operation"] == {"succeeded": True, "message": "User created successfully."}
    new_id = uuid.UUID(payload["user"]["id"])
    assert new_id.version == 4
    assert payload == {
        "operation": {"succeeded": True, "message": "User created successfully."},
        "user": {"id": str(new_id)},
    }
    assert User.objects.count() == users_before + 1
    user = User.objects.get(pk=new_id)
    assert user.email == "john.doe@example.com"
    assert user.name == "John Doe"
    assert user.check_password("Password123")
    assert not user.check_password("password123")
    assert user.must_change_password is True
    assert user.restrict_login is False
    assert user.tfa_required is False
    assert user.is_active is True
    assert user.is_verified is True
    assert user.is_system is False
    assert user.last_login is None
    assert user.meta == {"jobTitle": "", "location": "", "pronouns": ""}
    assert user.prefs == {
        "timezone": "America/New_York",
        "dateFormat": "YYYY-MM-DD",
        "timeFormat": "12h",
        "appearance": "site",
        "cvd": "none",
    }
    assert set(Membership.objects.filter(user=user).values_list("group_id", flat=True)) == {
        USERS_GROUP_ID,
        seeded.pk,
    }


def test_create_new_user_twice_reports_the_duplicate(admin_key_client):
    GroupFactory(id=uuid.UUID(SEED_ID), name="Authors")
    assert admin_key_client(SEED_CREATE_USER).data["createUser"]["operation"]["succeeded"]
    memberships = Membership.objects.count()

    response = admin_key_client(SEED_CREATE_USER)

    assert response.body == {
        "data": {
            "createUser": {
                "operation": {"succeeded": False, "message": "ERR_DUPLICATE_ACCOUNT_EMAIL"},
                "user": None,
            }
        }
    }
    assert User.objects.filter(email="john.doe@example.com").count() == 1
    assert Membership.objects.count() == memberships


def test_create_new_user_without_the_seed_group(admin_key_client):
    users_before = User.objects.count()

    response = admin_key_client(SEED_CREATE_USER)

    assert response.body == {
        "data": {
            "createUser": {
                "operation": {"succeeded": False, "message": "ERR_INVALID_GROUP"},
                "user": None,
            }
        }
    }
    assert User.objects.count() == users_before
    assert not Group.objects.filter(pk=SEED_ID).exists()
