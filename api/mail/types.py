"""The ``MailConfig`` type (API.md §4.6).

Python attribute names are the arguments of ``wiki.mail_settings.update_mail_config``
(``SETTING_KEYS``); ``name=`` gives the contract's spelling where graphene's camel case
differs (``defaultBaseURL``, ``verifySSL``, ``useDKIM``, and ``pass``, a Python keyword).
"""

from typing import Any

import graphene

from wiki.mail_settings import SETTING_KEYS


class MailConfig(graphene.ObjectType):
    """The SMTP settings. Secrets come back as "********" when stored, else ""."""

    sender_name = graphene.String(description="Name shown in the From field of every mail.")
    sender_email = graphene.String(
        description="Address every mail is sent from; empty: mail is not configured."
    )
    default_base_url = graphene.String(
        name="defaultBaseURL",
        description="Start of the links in mails sent for the * site, without trailing /.",
    )
    host = graphene.String(
        description="SMTP server host; shorter than 3 characters: mail is not configured."
    )
    port = graphene.Int(description="SMTP server port, 1-65535.")
    name = graphene.String(
        description="Client hostname announced to the SMTP server (HELO/EHLO); empty: the "
        "machine's own."
    )
    secure = graphene.Boolean(description="Implicit TLS from the first byte (usually port 465).")
    verify_ssl = graphene.Boolean(
        name="verifySSL", description="Whether the server's TLS certificate is verified."
    )
    user = graphene.String(
        description="SMTP username; authentication is used only with 2 characters or more."
    )
    password = graphene.String(
        name="pass", description='SMTP password: "********" when one is stored, else "".'
    )
    use_dkim = graphene.Boolean(name="useDKIM", description="Whether mail is DKIM-signed.")
    dkim_domain_name = graphene.String(description="DKIM signing domain (the d= tag).")
    dkim_key_selector = graphene.String(description="DKIM key selector (the s= tag).")
    dkim_private_key = graphene.String(
        description='DKIM private key: "********" when one is stored, else "".'
    )


def mail_config_of(config: dict[str, Any]) -> MailConfig:
    """``wiki.mail_settings.mail_config()`` (keyed as the contract) as a ``MailConfig``."""
    return MailConfig(**{argument: config[key] for argument, key in SETTING_KEYS.items()})
