"""accounts.user_admin called directly: the operator (``caller=None``) and the protected users."""

import pytest

from accounts import user_admin
from accounts.models import User
from accounts.services import guest_user
from tests.factories import UserFactory
from wiki.errors import DomainError, ErrorKey

pytestmark = pytest.mark.django_db

OPERATIONS = {
    "update": lambda user_id: user_admin.update_user(
        None, user_id, user_admin.UserPatch(name="Op")
    ),
    "delete": lambda user_id: user_admin.delete_user(None, user_id, UserFactory().pk),
    "verify": lambda user_id: user_admin.verify_user(None, user_id),
    "activate": lambda user_id: user_admin.activate_user(None, user_id),
    "deactivate": lambda user_id: user_admin.deactivate_user(None, user_id),
    "enable tfa": lambda user_id: user_admin.enable_user_tfa(None, user_id),
    "disable tfa": lambda user_id: user_admin.disable_user_tfa(None, user_id),
    "password": lambda user_id: user_admin.change_user_password(None, user_id, "Password-9"),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_an_operator_manages_the_root_administrator(operation, admin):
    OPERATIONS[operation](admin.pk)
    if operation == "delete":
        assert not User.objects.filter(pk=admin.pk).exists()


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_not_even_an_operator_manages_the_guest_user(operation):
    guest = guest_user()
    before = User.objects.filter(pk=guest.pk).values().get()
    with pytest.raises(DomainError) as refused:
        OPERATIONS[operation](guest.pk)
    assert refused.value.key == ErrorKey.FORBIDDEN
    assert User.objects.filter(pk=guest.pk).values().get() == before


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("user_id", ["not-a-uuid", "4b0a57a5-3c09-4b5e-9a41-1f1c3c7f1d00"])
def test_an_unknown_or_malformed_id_is_an_invalid_user(operation, user_id):
    with pytest.raises(DomainError) as refused:
        OPERATIONS[operation](user_id)
    assert refused.value.key == ErrorKey.INVALID_USER


def test_a_malformed_replacement_is_an_invalid_user():
    leaving = UserFactory()
    with pytest.raises(DomainError) as refused:
        user_admin.delete_user(None, leaving.pk, "nobody")
    assert refused.value.key == ErrorKey.INVALID_USER
    assert User.objects.filter(pk=leaving.pk).exists()


def test_update_user_saves_nothing_when_a_later_check_fails():
    """The email is checked and assigned before the groups fail: the row must not keep it."""
    user = UserFactory(email="kept@example.com", name="Kept Name")
    patch = user_admin.UserPatch(
        email="changed@example.com",
        name="Changed",
        group_ids=["4b0a57a5-3c09-4b5e-9a41-1f1c3c7f1d00"],
    )
    with pytest.raises(DomainError) as refused:
        user_admin.update_user(None, user.pk, patch)
    assert refused.value.key == ErrorKey.INVALID_GROUP
    user.refresh_from_db()
    assert (user.email, user.name) == ("kept@example.com", "Kept Name")
