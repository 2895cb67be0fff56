"""PLACEHOLDER namespace types, to be replaced by the real ones."""

import graphene


class GroupQuery(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")


class GroupMutation(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")
