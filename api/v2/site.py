"""PLACEHOLDER namespace types, to be replaced by the real ones."""

import graphene


class SiteQuery(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")


class SystemQuery(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")
