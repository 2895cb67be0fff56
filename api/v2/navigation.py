"""PLACEHOLDER namespace types, to be replaced by the real ones."""

import graphene


class NavigationQuery(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")


class NavigationMutation(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")
