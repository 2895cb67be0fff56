"""``register`` and ``forgotPassword`` (API.md §4.5.5): public, rate-limited (§1.5)."""

import graphene

from accounts import registration
from wiki.sites import site_for_request

from ..core.context import client_address
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from .auth_types import AuthenticationAuthResponse, auth_response_fields


class Register(WikiMutation):
    """Create an account for oneself with the local strategy."""

    class Meta:
        output = AuthenticationAuthResponse

    class Arguments:
        email = graphene.String(required=True, description="Sign-in email of the new account.")
        password = graphene.String(required=True, description="Password, 8 characters or more.")
        name = graphene.String(required=True, description="Display name, 2-255 characters.")

    success_message = "Registration completed successfully."

    @classmethod
    def perform(cls, root, info, **arguments) -> Outcome:
        request = info.context
        result = registration.register(
            email=arguments["email"],
            password=arguments["password"],
            name=arguments["name"],
            site=site_for_request(request),
            client_address=client_address(info),
        )
        return Outcome(payload=auth_response_fields(result))


class ForgotPassword(WikiMutation):
    """Mail a password reset link to the account of an email address."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        email = graphene.String(required=True, description="Email of the account to reset.")

    success_message = "If an account with that email exists, a password reset link was sent."

    @classmethod
    def perform(cls, root, info, **arguments) -> Outcome:
        request = info.context
        registration.forgot_password(
            email=arguments["email"],
            site=site_for_request(request),
            client_address=client_address(info),
        )
        return Outcome()


class RegistrationMutations(graphene.ObjectType):
    register = Register.Field(
        description="Create an account (local strategy registration). Public; 5 calls a "
        "minute per client address."
    )
    forgot_password = ForgotPassword.Field(
        description="Mail a password reset link. Public; 3 calls a minute per client "
        "address and per email."
    )
