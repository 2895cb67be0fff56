"""Group types of the v2 dialect (API-v2.md §4.4). SKELETON: only what users need first."""

import graphene


class Group(graphene.ObjectType):
    id = graphene.Int(required=True)
    name = graphene.String(required=True)

    @staticmethod
    def resolve_id(group, info):
        return group.legacy_id
