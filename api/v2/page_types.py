"""Page types of the v2 dialect (API-v2.md §4.2). SKELETON: only what mutations need first."""

import graphene


class Page(graphene.ObjectType):
    id = graphene.Int(required=True)
    path = graphene.String(required=True)
    title = graphene.String(required=True)
    locale = graphene.String(required=True)

    @staticmethod
    def resolve_id(page, info):
        return page.legacy_id
