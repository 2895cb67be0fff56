"""Passkey mutations (API.md §4.5.6): a thin layer over ``accounts.passkeys``."""

import graphene

from accounts import passkeys

from ..core.context import client_address, get_caller
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from ..core.scalars import JSON, UUID
from .auth_types import (
    AuthenticationAuthResponse,
    AuthenticationPasskeyResponse,
    AuthenticationSetupPasskeyResponse,
    auth_response_fields,
)


class SetupPasskey(WikiMutation):
    """Start registering a passkey for the signed-in user on a site."""

    class Meta:
        output = AuthenticationSetupPasskeyResponse

    class Arguments:
        site_id = UUID(required=True, description="Site whose hostname is the relying party.")

    success_message = "Passkey registration started."

    @classmethod
    def perform(cls, root, info, site_id) -> Outcome:
        options = passkeys.setup_passkey(get_caller(info), site_id=site_id)
        return Outcome(payload={"registration_options": options})


class FinalizePasskey(WikiMutation):
    """Finish registering a passkey with the authenticator's answer."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        registration_response = JSON(
            required=True,
            description="navigator.credentials.create()'s credential in WebAuthn JSON.",
        )
        name = graphene.String(required=True, description="Label, 1-255 characters.")

    success_message = "Passkey registered successfully."

    @classmethod
    def perform(cls, root, info, registration_response, name) -> Outcome:
        passkeys.finalize_passkey(
            get_caller(info), registration_response=registration_response, name=name
        )
        return Outcome()


class DeactivatePasskey(WikiMutation):
    """Remove one of the signed-in user's passkeys."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.String(required=True, description="Credential id (base64url).")

    success_message = "Passkey removed successfully."

    @classmethod
    def perform(cls, root, info, id) -> Outcome:  # noqa: A002 - the contract's argument name
        passkeys.deactivate_passkey(get_caller(info), credential_id=id)
        return Outcome()


class AuthenticatePasskeyGenerate(WikiMutation):
    """Request options for signing in with a passkey."""

    class Meta:
        output = AuthenticationPasskeyResponse

    class Arguments:
        email = graphene.String(required=True, description="The account's email.")
        site_id = UUID(required=True, description="Site whose hostname is the relying party.")

    success_message = "Passkey sign-in started."

    @classmethod
    def perform(cls, root, info, email, site_id) -> Outcome:
        options = passkeys.authentication_options(
            email=email, site_id=site_id, client_address=client_address(info)
        )
        return Outcome(payload={"auth_options": options})


class AuthenticatePasskeyVerify(WikiMutation):
    """Sign in with the authenticator's answer to authenticatePasskeyGenerate's options."""

    class Meta:
        output = AuthenticationAuthResponse

    class Arguments:
        auth_response = JSON(
            required=True,
            description="navigator.credentials.get()'s credential in WebAuthn JSON.",
        )

    success_message = "Signed in successfully."

    @classmethod
    def perform(cls, root, info, auth_response) -> Outcome:
        result = passkeys.authenticate(
            auth_response=auth_response, client_address=client_address(info)
        )
        return Outcome(payload=auth_response_fields(result))


class PasskeyMutations(graphene.ObjectType):
    setup_passkey = SetupPasskey.Field(
        description="Creation options for a new passkey. Signed-in users."
    )
    finalize_passkey = FinalizePasskey.Field(
        description="Register the passkey created with setupPasskey's options. Signed-in users."
    )
    deactivate_passkey = DeactivatePasskey.Field(
        description="Remove one of your passkeys. Signed-in users."
    )
    authenticate_passkey_generate = AuthenticatePasskeyGenerate.Field(
        description="Request options for a passkey sign-in. Public; 5 per minute."
    )
    authenticate_passkey_verify = AuthenticatePasskeyVerify.Field(
        description="Sign in with a passkey. Public; 5 per minute."
    )
