"""PLACEHOLDER namespace types, to be replaced by the real ones."""

import graphene


class AuthenticationQuery(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")


class AuthenticationMutation(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")
