"""``refreshToken`` (API.md §4.5.5): a new session token for an expired one."""

import graphene

from accounts import sessions

from ..core.context import client_address
from ..core.operation import Outcome, WikiMutation
from .auth_types import AuthenticationTokenResponse


class RefreshToken(WikiMutation):
    """Exchange a session token (expired less than auth.tokenRenewal ago) for a new one."""

    class Meta:
        output = AuthenticationTokenResponse

    class Arguments:
        token = graphene.String(
            required=True, description="A session token, expired or not (not an API key)."
        )

    success_message = "Token refreshed successfully."

    @classmethod
    def perform(cls, root, info, token) -> Outcome:
        jwt = sessions.refresh_session(token, client_address=client_address(info))
        return Outcome(payload={"jwt": jwt})


class TokenMutations(graphene.ObjectType):
    refresh_token = RefreshToken.Field(
        description="A new session token for a current or recently expired one. Public."
    )
