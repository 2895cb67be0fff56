"""PLACEHOLDER namespace types, to be replaced by the real ones."""

import graphene


class UserQuery(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")


class UserMutation(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")
