"""API keys and API access (API.md §4.5.4, §4.5.5)."""

import graphene

from accounts import apikeys
from accounts.models import ApiKey

from ..core.context import get_caller
from ..core.execution import fast_list
from ..core.operation import DefaultResponse, Outcome, WikiMutation
from ..core.scalars import UUID
from .types import AuthenticationApiKey


class CreateApiKey(WikiMutation):
    """Issue a key; the full token is returned here only."""

    class Meta:
        name = "AuthenticationCreateApiKeyResponse"

    class Arguments:
        name = graphene.String(required=True, description="Label, 1-255 characters.")
        expiration = graphene.String(required=True, description="Lifetime such as 30d, 1y, 12h.")
        groups = graphene.List(
            UUID, required=True, description="Groups whose permissions the key carries."
        )

    key = graphene.String(description="The full key (shown once).")
    success_message = "API key created successfully."

    @classmethod
    def perform(cls, root, info, name, expiration, groups) -> Outcome:
        caller = get_caller(info)
        issued = apikeys.create_api_key(
            caller,
            name=name,
            expiration=expiration,
            group_ids=groups,
            created_by=caller.user if caller.is_user else None,
        )
        return Outcome(payload={"key": issued.token})


class RevokeApiKey(WikiMutation):
    """Revoke a key; it is refused from the next request on."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        id = graphene.Argument(UUID, required=True, description="Key id.")

    success_message = "API key revoked successfully."

    @classmethod
    def perform(cls, root, info, id) -> Outcome:
        apikeys.revoke_api_key(get_caller(info), id)
        return Outcome()


class SetApiState(WikiMutation):
    """Switch API-key access on or off."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        enabled = graphene.Boolean(required=True, description="Whether API keys are accepted.")

    success_message = "API state updated successfully."

    @classmethod
    def perform(cls, root, info, enabled) -> Outcome:
        apikeys.set_api_state(get_caller(info), enabled)
        return Outcome()


class ApiKeyQueries(graphene.ObjectType):
    api_keys = graphene.List(
        AuthenticationApiKey,
        description="All keys, non-revoked first. Needs read:api or manage:api.",
    )
    api_state = graphene.Boolean(description="Whether API-key access is enabled.")

    @staticmethod
    @fast_list(ApiKey)
    def resolve_api_keys(root, info):
        return apikeys.list_api_keys(get_caller(info))

    @staticmethod
    def resolve_api_state(root, info):
        return apikeys.api_state(get_caller(info))


class ApiKeyMutations(graphene.ObjectType):
    create_api_key = CreateApiKey.Field(description="Create an API key. Needs manage:api.")
    revoke_api_key = RevokeApiKey.Field(description="Revoke an API key. Needs manage:api.")
    set_api_state = SetApiState.Field(
        description="Enable or disable API access. Needs manage:system."
    )
