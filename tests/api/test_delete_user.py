"""deleteUser with replaceId (API.md §4.3.2), and tokens of deactivated or deleted users (§1.3).

Everything the user created, authored or owns names the replacement afterwards, in one
transaction; nothing else changes. A user's token stops counting on the very next request.
"""

import pytest

from accounts import tokens, user_admin
from accounts.models import ApiKey, Membership, User
from accounts.services import guest_user
from pages.history import record_version
from pages.models import Page, PageHistory
from tests.conftest import GraphQLClient
from tests.factories import GroupFactory, PageFactory, UserFactory

from .user_admin_support import UNKNOWN_ID, assert_ok, call, full_snapshot, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client_with):
    return client_with("manage:users")


def attribution() -> dict:
    return {
        "pages": {
            page.path: (page.author.email, page.creator.email, page.owner.email)
            for page in Page.objects.select_related("author", "creator", "owner")
        },
        "history": sorted(
            (version.path, version.title, version.author.email)
            for version in PageHistory.objects.select_related("author")
        ),
    }


def test_delete_user_hands_every_page_and_version_to_the_replacement(manager):
    leaving = UserFactory(email="leaving@example.com")
    heir = UserFactory(email="heir@example.com")
    other = UserFactory(email="other@example.com")
    group = GroupFactory(permissions=["read:pages"])
    leaving.groups.add(group)
    heir_groups = set(heir.groups.values_list("pk", flat=True))

    def page(path, author, creator, owner):
        return PageFactory(path=path, author=author, creator=creator, owner=owner)

    everything = page("all", leaving, leaving, leaving)
    original_title = everything.title
    page("authored", leaving, other, other)
    page("created", other, leaving, other)
    page("owned", other, other, leaving)
    untouched = page("untouched", other, other, other)
    # Versions archived under the leaving user's and under someone else's authorship.
    record_version(everything, "updated")
    everything.title = "Renamed"
    record_version(everything, "updated")
    record_version(untouched, "updated")
    Page.objects.filter(pk=untouched.pk).update(author=leaving)
    record_version(Page.objects.get(pk=untouched.pk), "moved")
    Page.objects.filter(pk=untouched.pk).update(author=other)
    before = full_snapshot()

    assert_ok(call(manager, "deleteUser", leaving, replace=heir))

    assert attribution() == {
        "pages": {
            "all": ("heir@example.com",) * 3,
            "authored": ("heir@example.com", "other@example.com", "other@example.com"),
            "created": ("other@example.com", "heir@example.com", "other@example.com"),
            "owned": ("other@example.com", "other@example.com", "heir@example.com"),
            "untouched": ("other@example.com",) * 3,
        },
        "history": sorted(
            [
                ("all", original_title, "heir@example.com"),
                ("all", "Renamed", "heir@example.com"),
                ("untouched", untouched.title, "other@example.com"),
                ("untouched", untouched.title, "heir@example.com"),
            ]
        ),
    }
    assert not User.objects.filter(pk=leaving.pk).exists()
    assert not Membership.objects.filter(user_id=leaving.pk).exists()
    assert set(heir.groups.values_list("pk", flat=True)) == heir_groups
    # Nothing else: the other rows are as they were.
    after = full_snapshot()
    assert after["users"] == [row for row in before["users"] if row["id"] != leaving.pk]
    assert after["memberships"] == [m for m in before["memberships"] if m[0] != str(leaving.pk)]
    assert after["shared"]["counts"] == {
        **before["shared"]["counts"],
        "User": before["shared"]["counts"]["User"] - 1,
        "Membership": before["shared"]["counts"]["Membership"] - 2,
    }


def test_the_service_moves_exactly_the_protecting_foreign_keys():
    """Found from the model graph; the answer names each one with the rows it moved."""
    leaving, heir = UserFactory(), UserFactory()
    page = PageFactory(author=leaving)
    record_version(page, "updated")
    moved = user_admin.delete_user(None, leaving.pk, heir.pk)
    assert moved == {
        "Page.author": 1,
        "Page.creator": 1,
        "Page.owner": 1,
        "PageHistory.author": 1,
    }


def test_api_keys_the_user_created_stay_without_a_creator(admin_client, admin, api_key_for):
    leaving = UserFactory()
    key = api_key_for(GroupFactory()).api_key
    ApiKey.objects.filter(pk=key.pk).update(created_by=leaving)
    assert_ok(call(admin_client, "deleteUser", leaving, replace=admin))
    key.refresh_from_db()
    assert (key.created_by_id, key.is_revoked) == (None, False)


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("guest", "ERR_NOT_AUTHENTICATED"),
        ("no permission", "ERR_FORBIDDEN"),
        ("unknown user", "ERR_INVALID_USER"),
        ("system user", "ERR_FORBIDDEN"),
        ("root administrator", "ERR_FORBIDDEN"),
        ("unknown replacement", "ERR_INVALID_USER"),
        ("replacement is the user", "ERR_INVALID_USER"),
    ],
)
def test_delete_user_checks_in_order(case, key, anonymous, user_client, manager, admin):
    leaving = UserFactory()
    PageFactory(author=leaving)
    replacement = User(pk=UNKNOWN_ID)
    client, who = manager, leaving
    if case == "guest":
        client, who = anonymous, UNKNOWN_ID
    elif case == "no permission":
        client, who = user_client, UNKNOWN_ID
    elif case == "unknown user":
        who = UNKNOWN_ID
    elif case == "system user":
        who = guest_user()
    elif case == "root administrator":
        who = admin
    elif case == "replacement is the user":
        replacement = leaving
    before = full_snapshot()
    assert call(client, "deleteUser", who, replace=replacement) == refused(key)
    assert full_snapshot() == before


# --- Tokens of deactivated and deleted users (§1.3) -------------------------------------------
USERS = "{ users { email } }"


def test_a_deactivated_users_token_is_refused_on_the_very_next_request(manager):
    staff = UserFactory(groups=[GroupFactory(permissions=["read:users"])])
    own = GraphQLClient(tokens.issue_session_token(staff))
    assert own(USERS).errors == []
    assert_ok(call(manager, "deactivateUser", staff))
    r = own(USERS)
    assert (r.data, r.error_messages) == ({"users": None}, ["ERR_NOT_AUTHENTICATED"])
    # Activated again, the same token counts again.
    assert_ok(call(manager, "activateUser", staff))
    assert own(USERS).errors == []


def test_a_deactivated_users_token_loses_its_permissions_for_mutations_too(manager):
    staff = UserFactory(groups=[GroupFactory(permissions=["manage:users"])])
    own = GraphQLClient(tokens.issue_session_token(staff))
    assert_ok(call(manager, "deactivateUser", staff))
    target = UserFactory(is_verified=False)
    assert call(own, "verifyUser", target) == refused("ERR_NOT_AUTHENTICATED")
    assert User.objects.get(pk=target.pk).is_verified is False


def test_a_deleted_users_token_is_refused_on_the_very_next_request(manager, admin):
    staff = UserFactory(groups=[GroupFactory(permissions=["read:users"])])
    own = GraphQLClient(tokens.issue_session_token(staff))
    assert own(USERS).errors == []
    assert_ok(call(manager, "deleteUser", staff, replace=admin))
    r = own(USERS)
    assert (r.data, r.error_messages) == ({"users": None}, ["ERR_NOT_AUTHENTICATED"])
