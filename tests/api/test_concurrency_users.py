"""User management racing other writes on PostgreSQL (API.md §4.3.2): contract keys only, and
no row left naming a deleted user.

Real threads with their own connections (``race`` of test_concurrency_pages.py); the rows are
committed for real and the serialized rollback restores the installation's rows afterwards.
"""

from accounts import tokens
from accounts.models import User
from pages.models import Page
from tests.factories import GroupFactory, UserFactory, default_site, rule

from .concurrency_support import RACE_MARKS, outcomes, race, race_as
from .test_concurrency_pages import CREATE
from .user_admin_support import DELETE_USER, UPDATE_USER

pytestmark = RACE_MARKS

WRITERS = 8


def test_users_racing_for_one_email_leave_one_winner(admin):
    users = [UserFactory() for _ in range(WRITERS)]
    requests = [
        (UPDATE_USER, {"id": str(user.pk), "patch": {"email": "wanted@example.com"}})
        for user in users
    ]
    answers = race(tokens.issue_session_token(admin), requests)
    assert outcomes(answers, "updateUser") == {"ok": 1, "ERR_DUPLICATE_ACCOUNT_EMAIL": WRITERS - 1}
    assert User.objects.filter(email="wanted@example.com").count() == 1


def test_pages_created_while_their_author_is_deleted_all_name_the_replacement(admin):
    writers = GroupFactory(permissions=["read:pages"], rules=[rule(roles=["write:pages"])])
    leaving = UserFactory(groups=[writers])
    own_token = tokens.issue_session_token(leaving)
    site = str(default_site().pk)
    creates = [
        (CREATE, {"siteId": site, "path": f"race/{n}", "title": f"Race {n}"}) for n in range(6)
    ]
    delete = (DELETE_USER, {"id": str(leaving.pk), "replaceId": str(admin.pk)})
    # Both kinds of request in one barrier: the creations as the leaving user, the deletion
    # as the administrator.
    answers = race_as(
        [(own_token, c) for c in creates] + [(tokens.issue_session_token(admin), delete)]
    )
    assert outcomes(answers[-1:], "deleteUser") == {"ok": 1}
    created = outcomes(answers[:-1], "createPage")
    # A creation either commits before the deletion (its page is then re-attributed) or waits
    # on the author's row and is told the account is gone; none fails on the foreign key.
    assert set(created) <= {"ok", "ERR_NOT_AUTHENTICATED"}, created
    assert not User.objects.filter(pk=leaving.pk).exists()
    pages = Page.objects.filter(path__startswith="race/")
    assert pages.count() == created["ok"]
    assert set(pages.values_list("author_id", "creator_id", "owner_id")) <= {(admin.pk,) * 3}
