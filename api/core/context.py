"""Per-request state reachable from resolvers."""

import graphene

from accounts.permissions import Caller


def get_caller(info: graphene.ResolveInfo) -> Caller:
    """The caller resolved by the view before execution (API.md §1.2)."""
    return info.context.caller
