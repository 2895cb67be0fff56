"""The ``/_graphql`` schema, composed from per-domain mixins."""

import graphene

from .accounts.api_keys import ApiKeyMutations, ApiKeyQueries
from .accounts.group_mutations import GroupMutations, GroupQueries
from .accounts.mutations import AccountMutations
from .accounts.passkey_mutations import PasskeyMutations
from .accounts.profile import ProfileMutations, ProfileQueries
from .accounts.queries import AccountQueries
from .accounts.registration_mutations import RegistrationMutations
from .accounts.signin_mutations import SignInMutations
from .accounts.strategy_queries import StrategyQueries
from .accounts.token_mutations import TokenMutations
from .accounts.user_mutations import UserAdminMutations
from .core.inputs import refuse_unstorable_arguments
from .mail.mutations import MailMutations
from .mail.queries import MailQueries
from .pages.mutations import PageMutations
from .pages.queries import PageQueries
from .pages.search import SearchQueries
from .pages.tree import (
    TreeItemAsset,
    TreeItemFolder,
    TreeItemPage,
    TreeMutations,
    TreeQueries,
)
from .sites.queries import SiteQueries


class Query(
    PageQueries,
    SearchQueries,
    TreeQueries,
    AccountQueries,
    ProfileQueries,
    GroupQueries,
    ApiKeyQueries,
    StrategyQueries,
    SiteQueries,
    MailQueries,
    graphene.ObjectType,
):
    pass


class Mutation(
    PageMutations,
    TreeMutations,
    AccountMutations,
    UserAdminMutations,
    ProfileMutations,
    GroupMutations,
    ApiKeyMutations,
    TokenMutations,
    RegistrationMutations,
    SignInMutations,
    PasskeyMutations,
    MailMutations,
    graphene.ObjectType,
):
    pass


# The tree's concrete types are reached only through the TreeItem interface: list them.
schema = graphene.Schema(
    query=Query, mutation=Mutation, types=[TreeItemFolder, TreeItemPage, TreeItemAsset]
)
refuse_unstorable_arguments(schema.graphql_schema.query_type)
