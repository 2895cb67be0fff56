"""Mutations of users (API.md §4.3.2)."""

import graphene

from accounts import services
from wiki.sites import site_for_request

from ..core.context import get_caller
from ..core.operation import Outcome, WikiMutation
from ..core.scalars import UUID
from .types import User


class CreateUser(WikiMutation):
    """Create a local account; the Users group is always added."""

    class Meta:
        name = "UserResponse"

    class Arguments:
        email = graphene.String(required=True, description="Sign-in email.")
        name = graphene.String(required=True, description="Display name, 2-255 characters.")
        password_raw = graphene.String(description="Initial password (seed name).")
        password = graphene.String(description="Initial password (Wiki.js 3 name).")
        provider_key = graphene.String(description='"local" or the local strategy id.')
        groups = graphene.List(UUID, description="Extra groups; Users is always added.")
        must_change_password = graphene.Boolean(description="Force a new password at first login.")
        send_welcome_email = graphene.Boolean(description="Mail the account details to the user.")
        send_welcome_email_from_site_id = UUID(description="Site named in the welcome mail.")

    user = graphene.Field(User, description="The created user.")
    success_message = "User created successfully."

    @classmethod
    def perform(cls, root, info, **arguments) -> Outcome:
        created = services.create_user(
            get_caller(info),
            email=arguments["email"],
            name=arguments["name"],
            password_raw=arguments.get("password_raw"),
            password=arguments.get("password"),
            provider_key=arguments.get("provider_key"),
            group_ids=arguments.get("groups") or [],
            must_change_password=bool(arguments.get("must_change_password")),
            send_welcome_email=bool(arguments.get("send_welcome_email")),
            welcome_site_id=arguments.get("send_welcome_email_from_site_id"),
            request_site=site_for_request(info.context),
        )
        return Outcome(payload={"user": created.user}, failure=created.mail_error)


class AccountMutations(graphene.ObjectType):
    create_user = CreateUser.Field(
        description="Create a user. Needs write:users, manage:users or manage:groups."
    )
