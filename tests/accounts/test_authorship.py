"""Who a change is attributed to (API.md §1.4): ``accounts.services.author_for``."""

import pytest

from accounts.authentication import api_key_caller, guest_caller, user_caller
from accounts.models import User
from accounts.services import administrators_group, author_for, make_administrator
from tests.factories import UserFactory
from wiki.config import update_setting
from wiki.errors import DomainError, ErrorKey

pytestmark = pytest.mark.django_db


def test_a_signed_in_user_writes_as_themselves(admin, user):
    assert author_for(user_caller(user)) == user
    assert author_for(user_caller(admin)) == admin


def test_a_guest_writes_as_the_guest_user():
    caller = guest_caller()

    assert author_for(caller) == caller.user


@pytest.mark.parametrize("who", ["operator", "api key"])
def test_operators_and_api_keys_write_as_the_root_administrator(
    admin, api_key_for, group_with, who
):
    key = api_key_for(group_with("write:pages")).api_key
    caller = None if who == "operator" else api_key_caller(key)

    assert author_for(caller) == admin


def test_without_a_root_administrator_the_longest_standing_administrator_writes():
    first, second = UserFactory(), UserFactory()
    make_administrator(first)
    make_administrator(second)
    update_setting("auth", rootAdminUserId=None)

    assert author_for(None) == first


def test_without_any_administrator_the_write_is_refused():
    assert not User.objects.filter(memberships__group=administrators_group()).exists()

    with pytest.raises(DomainError) as caught:
        author_for(None)

    assert caught.value.key == ErrorKey.INVALID_USER
