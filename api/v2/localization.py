"""PLACEHOLDER namespace types, to be replaced by the real ones."""

import graphene


class LocalizationQuery(graphene.ObjectType):
    placeholder = graphene.Boolean(name="_placeholder")
