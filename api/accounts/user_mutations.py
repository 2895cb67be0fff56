"""Managing other users' accounts (API.md §4.3.2): every one answers ``DefaultResponse``."""

from collections.abc import Callable
from typing import ClassVar

import graphene

from accounts import user_admin

from ..core.context import get_caller
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from ..core.scalars import JSON, UUID


class UserAuthUpdateInput(graphene.InputObjectType):
    tfa_required = graphene.Boolean(description="Require TFA at the next sign-in.")
    must_change_pwd = graphene.Boolean(description="Require a new password at the next sign-in.")
    restrict_login = graphene.Boolean(description="Refuse password sign-in.")


class UserUpdateInput(graphene.InputObjectType):
    email = graphene.String(description="New sign-in email.")
    name = graphene.String(description="New display name, 2-255 characters.")
    groups = graphene.List(
        graphene.NonNull(UUID), description="The complete new set of groups (replaces it)."
    )
    auth = graphene.InputField(
        UserAuthUpdateInput, description="Local credential flags; ignored without a password."
    )
    is_active = graphene.Boolean(description="Whether the account may sign in.")
    is_verified = graphene.Boolean(description="Whether the email counts as verified.")
    meta = JSON(description="location, jobTitle, pronouns; replaces the stored object.")
    prefs = JSON(
        description="timezone, dateFormat, timeFormat, appearance, cvd; replaces the stored object."
    )


def _patch(raw) -> user_admin.UserPatch:
    auth = raw.get("auth") or {}
    return user_admin.UserPatch(
        email=raw.get("email"),
        name=raw.get("name"),
        group_ids=raw.get("groups"),
        tfa_required=auth.get("tfa_required"),
        must_change_password=auth.get("must_change_pwd"),
        restrict_login=auth.get("restrict_login"),
        is_active=raw.get("is_active"),
        is_verified=raw.get("is_verified"),
        meta=raw.get("meta"),
        prefs=raw.get("prefs"),
    )


class UpdateUser(WikiMutation):
    """Change a user's details, groups and flags; absent fields stay as they are."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="User id.")
        patch = graphene.Argument(UserUpdateInput, required=True, description="What changes.")

    success_message = "User updated successfully."

    @classmethod
    def perform(cls, root, info, id, patch) -> Outcome:
        user_admin.update_user(get_caller(info), id, _patch(patch))
        return Outcome()


class DeleteUser(WikiMutation):
    """Delete a user; what they created, authored or own passes to ``replaceId``."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="User to delete.")
        replace_id = graphene.Argument(
            UUID, required=True, description="User who takes over their pages and history."
        )

    success_message = "User deleted successfully."

    @classmethod
    def perform(cls, root, info, id, replace_id) -> Outcome:
        user_admin.delete_user(get_caller(info), id, replace_id)
        return Outcome()


class UserByIdMutation(WikiMutation):
    """A mutation taking only the user's ``id`` and calling ``service`` with it."""

    class Meta:
        abstract = True

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="User id.")

    service: ClassVar[Callable]

    @classmethod
    def perform(cls, root, info, id) -> Outcome:
        cls.service(get_caller(info), id)
        return Outcome()


class VerifyUser(UserByIdMutation):
    """Mark a user's email verified."""

    class Meta:
        output = DefaultResponse

    service = staticmethod(user_admin.verify_user)
    success_message = "User verified successfully."


class ActivateUser(UserByIdMutation):
    """Let a user sign in again."""

    class Meta:
        output = DefaultResponse

    service = staticmethod(user_admin.activate_user)
    success_message = "User activated successfully."


class DeactivateUser(UserByIdMutation):
    """Stop a user signing in; their tokens stop working on the next request."""

    class Meta:
        output = DefaultResponse

    service = staticmethod(user_admin.deactivate_user)
    success_message = "User deactivated successfully."


class EnableUserTfa(UserByIdMutation):
    """Require TFA at the user's next sign-in."""

    class Meta:
        output = DefaultResponse

    service = staticmethod(user_admin.enable_user_tfa)
    success_message = "TFA is now required for the user."


class DisableUserTfa(UserByIdMutation):
    """Turn the user's TFA off and stop requiring it."""

    class Meta:
        output = DefaultResponse

    service = staticmethod(user_admin.disable_user_tfa)
    success_message = "TFA disabled for the user."


class ChangeUserPassword(WikiMutation):
    """Set a user's local password."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="User id.")
        new_password = graphene.String(required=True, description="At least 8 characters.")
        must_change_password = graphene.Boolean(
            description="Require a new password at the next sign-in (unchanged when absent)."
        )

    success_message = "Password changed successfully."

    @classmethod
    def perform(cls, root, info, id, new_password, must_change_password=None) -> Outcome:
        user_admin.change_user_password(get_caller(info), id, new_password, must_change_password)
        return Outcome()


_NEEDS = " Needs manage:users or manage:groups; users holding manage:system need manage:system."


class UserAdminMutations(graphene.ObjectType):
    update_user = UpdateUser.Field(description="Update a user." + _NEEDS)
    delete_user = DeleteUser.Field(
        description="Delete a user, re-attributing their pages and history." + _NEEDS
    )
    verify_user = VerifyUser.Field(description="Mark a user verified." + _NEEDS)
    activate_user = ActivateUser.Field(description="Activate a user." + _NEEDS)
    deactivate_user = DeactivateUser.Field(description="Deactivate a user." + _NEEDS)
    enable_user_tfa = EnableUserTfa.Field(
        name="enableUserTFA", description="Require TFA for a user." + _NEEDS
    )
    disable_user_tfa = DisableUserTfa.Field(
        name="disableUserTFA", description="Disable TFA for a user." + _NEEDS
    )
    change_user_password = ChangeUserPassword.Field(description="Set a user's password." + _NEEDS)
