"""Password sign-in and TOTP (API.md §4.5.3, §4.5.5): thin calls into ``accounts.signin``.

The rate limits of §1.5 are counted inside the services (per client address and account).
"""

import graphene

from accounts import signin, totp

from ..core.context import client_address, get_caller
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from ..core.scalars import UUID
from .auth_types import (
    AuthenticationAuthResponse,
    AuthenticationSetupTFAResponse,
    auth_response_fields,
)


class Login(WikiMutation):
    """Sign in with an email and a password."""

    class Meta:
        output = AuthenticationAuthResponse

    class Arguments:
        username = graphene.String(required=True, description="The account's email.")
        password = graphene.String(required=True, description="The account's password.")
        strategy_id = UUID(required=True, description="An enabled strategy (the local one).")
        site_id = UUID(required=True, description="The site signed in to (labels the QR code).")

    success_message = "Login successful."

    @classmethod
    def perform(cls, root, info, username, password, strategy_id, site_id) -> Outcome:
        result = signin.login(
            email=username,
            password=password,
            strategy_id=strategy_id,
            site_id=site_id,
            client_address=client_address(info),
        )
        return Outcome(payload=auth_response_fields(result))


class LoginTfa(WikiMutation):
    """The second sign-in step: a TOTP code, or the first code of a new TOTP setup."""

    class Meta:
        output = AuthenticationAuthResponse

    class Arguments:
        continuation_token = graphene.String(
            required=True, description="The tfa token (tfaSetup token with setup: true)."
        )
        security_code = graphene.String(required=True, description="The 6-digit TOTP code.")
        strategy_id = UUID(required=True, description="The strategy the token was issued for.")
        site_id = UUID(required=True, description="The site signed in to.")
        setup = graphene.Boolean(description="True to complete a TOTP setup (activates TFA).")

    success_message = "TFA code accepted."

    @classmethod
    def perform(
        cls, root, info, continuation_token, security_code, strategy_id, site_id, setup=None
    ) -> Outcome:
        result = signin.login_tfa(
            continuation_token=continuation_token,
            security_code=security_code,
            strategy_id=strategy_id,
            site_id=site_id,
            setup=bool(setup),
            client_address=client_address(info),
        )
        return Outcome(payload=auth_response_fields(result))


class SetupTfa(WikiMutation):
    """Start setting up TOTP for your own account."""

    class Meta:
        output = AuthenticationSetupTFAResponse

    class Arguments:
        strategy_id = UUID(required=True, description="The strategy to protect (the local one).")
        site_id = UUID(required=True, description="The site whose title labels the QR code.")

    success_message = "Scan the QR code, then confirm with loginTFA(setup: true)."

    @classmethod
    def perform(cls, root, info, strategy_id, site_id) -> Outcome:
        token, image = totp.setup_tfa(get_caller(info), strategy_id=strategy_id, site_id=site_id)
        return Outcome(payload={"continuation_token": token, "tfa_qr_image": image})


class DeactivateTfa(WikiMutation):
    """Turn TOTP off for your own account."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        strategy_id = UUID(required=True, description="The strategy (the local one).")

    success_message = "TFA deactivated."

    @classmethod
    def perform(cls, root, info, strategy_id) -> Outcome:
        totp.deactivate_tfa(get_caller(info), strategy_id=strategy_id)
        return Outcome()


class ChangePassword(WikiMutation):
    """Set a new password: with a changePwd token (then signs in), or your own current one."""

    class Meta:
        output = AuthenticationAuthResponse

    class Arguments:
        continuation_token = graphene.String(
            description="changePwd token (forced change or reset link); omit for a profile change."
        )
        current_password = graphene.String(description="Your current password (profile change).")
        new_password = graphene.String(required=True, description="At least 8 characters.")
        strategy_id = UUID(required=True, description="The strategy whose password changes.")
        site_id = UUID(required=True, description="The site signed in to.")

    success_message = "Password changed successfully."

    @classmethod
    def perform(
        cls,
        root,
        info,
        new_password,
        strategy_id,
        site_id,
        continuation_token=None,
        current_password=None,
    ) -> Outcome:
        # As Wiki.js 3 reads it: an empty token is no token.
        if continuation_token:
            result = signin.change_password_with_token(
                continuation_token=continuation_token,
                new_password=new_password,
                strategy_id=strategy_id,
                site_id=site_id,
                client_address=client_address(info),
            )
            return Outcome(payload=auth_response_fields(result))
        signin.change_own_password(
            get_caller(info),
            current_password=current_password,
            new_password=new_password,
            strategy_id=strategy_id,
            client_address=client_address(info),
        )
        return Outcome()


class SignInMutations(graphene.ObjectType):
    login = Login.Field(description="Sign in with email and password. Public; rate limited.")
    login_tfa = LoginTfa.Field(
        name="loginTFA", description="Give the TOTP code of a sign-in. Public; rate limited."
    )
    setup_tfa = SetupTfa.Field(name="setupTFA", description="Start TOTP setup. Signed-in users.")
    deactivate_tfa = DeactivateTfa.Field(
        name="deactivateTFA", description="Turn TOTP off. Signed-in users."
    )
    change_password = ChangePassword.Field(
        description="Change a password with a changePwd token (public) or your current password "
        "(signed-in users). Rate limited."
    )
