"""Root query fields of users and groups."""

import graphene

from accounts import directory
from accounts.models import Group as GroupModel
from accounts.models import User as UserModel

from ..core.context import get_caller, selected_fields
from ..core.cost import unpaged_size
from ..core.execution import fast_list
from ..core.scalars import UUID
from .types import (
    GROUP_COLUMNS,
    USER_MINIMAL_COLUMNS,
    Group,
    OrderByDirection,
    User,
    UserMinimal,
    UserOrderBy,
    remember_group_list,
)


def _groups(root, info, filter=None, order_by=None):
    return directory.list_groups(
        get_caller(info),
        text_filter=filter,
        order_by=order_by,
        with_user_count="userCount" in selected_fields(info),
    )


class AccountQueries(graphene.ObjectType):
    users = graphene.List(
        UserMinimal,
        query=graphene.String(description="Name or email contains this (case-insensitive)."),
        filter=graphene.String(description="Same as query; with both, both must match."),
        page=graphene.Int(
            description=(
                "1-based page. Without page and pageSize: the first GRAPHQL_MAX_LIST_ITEMS "
                "matches (1000 unless configured)."
            )
        ),
        page_size=graphene.Int(description="Page size; < 1 or > 1000 means 1000."),
        order_by=UserOrderBy(description="Sort field (default name)."),
        order_by_direction=OrderByDirection(description="Sort direction (default asc)."),
        description="Users matching the query. Needs read:users, write:users, manage:users or manage:groups.",
    )
    user_by_id = graphene.Field(
        User,
        id=graphene.Argument(UUID, required=True, description="User id."),
        description="One user: yourself, or anyone with a users permission.",
    )
    groups = graphene.List(
        Group,
        filter=graphene.String(description="Name contains this (case-insensitive)."),
        order_by=graphene.String(description="id, name, createdAt, updatedAt or userCount."),
        description="All groups. Needs manage:groups, manage:users or manage:system.",
    )

    @staticmethod
    @fast_list(UserModel, computed=USER_MINIMAL_COLUMNS)
    def resolve_users(root, info, **arguments):
        return directory.list_users(
            get_caller(info),
            query=arguments.get("query"),
            text_filter=arguments.get("filter"),
            page=arguments.get("page"),
            page_size=unpaged_size(arguments),
            order_by=arguments.get("order_by"),
            direction=arguments.get("order_by_direction"),
        )

    @staticmethod
    def resolve_user_by_id(root, info, id):
        return directory.get_user(get_caller(info), id)

    @staticmethod
    @fast_list(GroupModel, computed=GROUP_COLUMNS, source=_groups)
    def resolve_groups(root, info, **arguments):
        # The list is kept so that nested ``users`` load every group's members in one query.
        return remember_group_list(info, _groups(root, info, **arguments))
