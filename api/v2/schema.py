"""The ``/graphql`` schema (API-v2.md §3.0): one field per namespace on each root type.

Namespace fields always resolve to an empty object, never to null or an error (§1.8); the
namespace types carry the operations. Nested mutation fields run one after another in document
order, as graphql-core's synchronous execution resolves every selection set.
"""

import graphene

from .authentication import AuthenticationMutation, AuthenticationQuery
from .groups import GroupMutation, GroupQuery
from .localization import LocalizationQuery
from .navigation import NavigationMutation, NavigationQuery
from .page_mutations import PageMutation
from .page_queries import PageQuery
from .site import SiteQuery, SystemQuery
from .users import UserMutation, UserQuery


class Namespace:
    """The (empty) object a namespace field resolves to."""


NAMESPACE = Namespace()


def _namespace(of: type) -> graphene.Field:
    return graphene.Field(of, resolver=lambda root, info: NAMESPACE)


class Query(graphene.ObjectType):
    pages = _namespace(PageQuery)
    users = _namespace(UserQuery)
    groups = _namespace(GroupQuery)
    authentication = _namespace(AuthenticationQuery)
    site = _namespace(SiteQuery)
    system = _namespace(SystemQuery)
    localization = _namespace(LocalizationQuery)
    navigation = _namespace(NavigationQuery)


class Mutation(graphene.ObjectType):
    pages = _namespace(PageMutation)
    users = _namespace(UserMutation)
    groups = _namespace(GroupMutation)
    authentication = _namespace(AuthenticationMutation)
    navigation = _namespace(NavigationMutation)


schema = graphene.Schema(query=Query, mutation=Mutation, auto_camelcase=True)
