"""Response types of the sign-in mutations (API.md §4.5.7), shared by their modules."""

import graphene

from ..core.operation import Operation
from ..core.scalars import JSON


class AuthenticationNextAction(graphene.Enum):
    """What the client does next after a sign-in step."""

    changePassword = "changePassword"  # noqa: N815 - contract enum values keep their case
    setupTfa = "setupTfa"  # noqa: N815
    provideTfa = "provideTfa"  # noqa: N815
    redirect = "redirect"


class AuthenticationAuthResponse(graphene.ObjectType):
    operation = graphene.Field(Operation, description="The outcome.")
    jwt = graphene.String(description="Session token, when nextAction is redirect.")
    next_action = graphene.Field(AuthenticationNextAction, description="What to do next.")
    continuation_token = graphene.String(
        description="Single-use token for the next step (24 hours)."
    )
    redirect = graphene.String(description="Where to go after signing in.")
    tfa_qr_image = graphene.String(
        name="tfaQRImage", description="SVG QR code of the new TOTP secret (setupTfa)."
    )


class AuthenticationTokenResponse(graphene.ObjectType):
    operation = graphene.Field(Operation, description="The outcome.")
    jwt = graphene.String(description="A new session token.")


class AuthenticationSetupTFAResponse(graphene.ObjectType):
    operation = graphene.Field(Operation, description="The outcome.")
    continuation_token = graphene.String(description="tfaSetup token for loginTFA(setup: true).")
    tfa_qr_image = graphene.String(
        name="tfaQRImage", description="SVG QR code of the new TOTP secret."
    )


class AuthenticationSetupPasskeyResponse(graphene.ObjectType):
    operation = graphene.Field(Operation, description="The outcome.")
    registration_options = JSON(description="WebAuthn creation options (JSON serialization).")


class AuthenticationPasskeyResponse(graphene.ObjectType):
    operation = graphene.Field(Operation, description="The outcome.")
    auth_options = JSON(description="WebAuthn request options (JSON serialization).")


def auth_response_fields(result) -> dict:
    """The payload of an ``AuthenticationAuthResponse`` from an ``accounts.signin.SignInResult``."""
    return {
        "jwt": result.jwt,
        "next_action": result.next_action.value if result.next_action else None,
        "continuation_token": result.continuation_token,
        "redirect": result.redirect,
        "tfa_qr_image": result.tfa_qr_image,
    }
