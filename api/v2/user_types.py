"""User types of the v2 dialect (API-v2.md §4.3). SKELETON: only what groups need first."""

import graphene


class UserMinimal(graphene.ObjectType):
    id = graphene.Int(required=True)
    name = graphene.String(required=True)
    email = graphene.String(required=True)

    @staticmethod
    def resolve_id(user, info):
        return user.legacy_id
