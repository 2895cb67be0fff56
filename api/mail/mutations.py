"""``updateMailConfig`` and ``sendMailTest`` (API.md §4.6)."""

import graphene

from accounts import scopes
from wiki.mail_settings import update_mail_config
from wiki.mail_test import send_test_mail
from wiki.sites import site_for_request

from ..core.context import get_caller
from ..core.operation import DefaultResponse, Outcome, WikiMutation

MASK_HELP = 'Send "********" to keep the stored one, "" to remove it.'


class UpdateMailConfig(WikiMutation):
    """Replace the mail settings."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        # Python names are the service's arguments; name= is the contract's spelling.
        sender_name = graphene.String(required=True, description="Sender name.")
        sender_email = graphene.String(
            required=True, description="Sender address; empty leaves mail unconfigured."
        )
        default_base_url = graphene.String(
            required=True,
            name="defaultBaseURL",
            description="Absolute http(s) URL starting the links of mails for the * site; a "
            "trailing / is removed.",
        )
        host = graphene.String(required=True, description="SMTP server host.")
        port = graphene.Int(required=True, description="SMTP server port, 1-65535.")
        name = graphene.String(
            required=True,
            description="Client hostname announced to the SMTP server; empty: the machine's.",
        )
        secure = graphene.Boolean(required=True, description="Implicit TLS.")
        verify_ssl = graphene.Boolean(
            required=True, name="verifySSL", description="Verify the server's TLS certificate."
        )
        user = graphene.String(
            required=True, description="SMTP username; used only with 2 characters or more."
        )
        password = graphene.String(
            required=True, name="pass", description=f"SMTP password. {MASK_HELP}"
        )
        use_dkim = graphene.Boolean(
            required=True,
            name="useDKIM",
            description="DKIM-sign mail; then domain, selector and an RSA private key are "
            "required.",
        )
        dkim_domain_name = graphene.String(required=True, description="DKIM signing domain.")
        dkim_key_selector = graphene.String(required=True, description="DKIM key selector.")
        dkim_private_key = graphene.String(
            required=True,
            description=f"DKIM private key: unencrypted RSA, PEM. {MASK_HELP}",
        )

    success_message = "Mail configuration updated successfully."

    @classmethod
    def perform(cls, root, info: graphene.ResolveInfo, **arguments) -> Outcome:
        get_caller(info).require_any(scopes.MANAGE_SYSTEM)
        update_mail_config(**arguments)
        return Outcome()


class SendMailTest(WikiMutation):
    """Send the test mail now, within the request."""

    class Meta:
        output = DefaultResponse

    class Arguments:
        recipient_email = graphene.String(
            required=True, description="Address to send the test mail to."
        )

    success_message = "Test email sent successfully."

    @classmethod
    def perform(cls, root, info: graphene.ResolveInfo, recipient_email: str) -> Outcome:
        get_caller(info).require_any(scopes.MANAGE_SYSTEM)
        site = site_for_request(info.context)
        send_test_mail(recipient_email, site_title=site.title if site else "")
        return Outcome()


class MailMutations(graphene.ObjectType):
    update_mail_config = UpdateMailConfig.Field(
        description="Replace the mail (SMTP) settings. Needs manage:system."
    )
    send_mail_test = SendMailTest.Field(
        description="Send a test mail with the stored settings now; a transport failure "
        "answers ERR_MAIL_SEND_FAILED. Needs manage:system."
    )
