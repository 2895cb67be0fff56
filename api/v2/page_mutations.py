"""PLACEHOLDER namespace types, to be replaced by the real ones."""

import graphene


class PageMutation(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")
