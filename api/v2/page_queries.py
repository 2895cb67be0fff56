"""PLACEHOLDER namespace types, to be replaced by the real ones."""

import graphene


class PageQuery(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")
