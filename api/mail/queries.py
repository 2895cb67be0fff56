"""``mailConfig`` (API.md §4.6)."""

import graphene

from accounts import scopes
from wiki.mail_settings import mail_config

from ..core.context import get_caller
from .types import MailConfig, mail_config_of


class MailQueries(graphene.ObjectType):
    mail_config = graphene.Field(
        MailConfig,
        description="The mail (SMTP) settings, secrets masked. Needs manage:system.",
    )

    @staticmethod
    def resolve_mail_config(root, info: graphene.ResolveInfo) -> MailConfig:
        get_caller(info).require_any(scopes.MANAGE_SYSTEM)
        return mail_config_of(mail_config())
