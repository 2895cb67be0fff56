"""The test mail of ``sendMailTest`` and the admin's "Send test mail" button (API.md §4.6).

Unlike every other mail it is not written to the outbox: it is sent within the request, so
that the administrator sees at once whether the settings work and, if not, the SMTP server's
answer (the ``DomainError`` detail: logged, and shown by the admin page; GraphQL answers the
bare key, §2.3).

Who may send it (``manage:system``) is the callers' check, as for the settings themselves.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .config import get_setting, is_mail_configured
from .error_views import error_reference
from .errors import DomainError, ErrorKey
from .mail import MailNotSent, OutgoingMail, new_message_id, render_mail, send_message

logger = logging.getLogger(__name__)

# Wiki.js 3's own lower bound (shorter than "a@b.cd" cannot be an address worth testing).
MIN_RECIPIENT_LENGTH = 6


def _recipient(value: str) -> str:
    recipient = str(value or "").strip()
    if len(recipient) < MIN_RECIPIENT_LENGTH:
        raise DomainError(ErrorKey.MAIL_INVALID_RECIPIENT, "recipient empty or too short")
    try:
        validate_email(recipient)
    except ValidationError as error:
        raise DomainError(ErrorKey.MAIL_INVALID_RECIPIENT, "recipient is not an address") from error
    return recipient


def render_test_mail(recipient: str, *, site_title: str = "") -> OutgoingMail:
    """``templates/mail/test.*``; ``DomainError(MAIL_RENDER_FAILED)`` when they fail."""
    try:
        return render_mail("test", {"site_title": site_title}, to=recipient)
    except Exception as error:
        # The admin shows the detail: the reference of the logged trace, not the exception's
        # text (which may quote a query or a setting).
        ref = error_reference()
        logger.exception("the test mail failed to render (reference %s)", ref)
        raise DomainError(
            ErrorKey.MAIL_RENDER_FAILED, f"the test mail failed to render (reference {ref})"
        ) from error


def send_test_mail(recipient_email: str, *, site_title: str = "") -> str:
    """Send the test mail to ``recipient_email`` now; returns the address it went to.

    Checks, in order (§4.6): the recipient (non-empty, 6 characters or more, an address)
    -> ``ERR_MAIL_INVALID_RECIPIENT``; mail configured -> ``ERR_MAIL_NOT_CONFIGURED``; the
    templates render -> ``ERR_MAIL_RENDER_FAILED``; the SMTP server accepts the message ->
    ``ERR_MAIL_SEND_FAILED``, whose detail is the server's answer (or why it was not reached).
    """
    recipient = _recipient(recipient_email)
    mail = get_setting("mail")
    if not is_mail_configured(mail):
        raise DomainError(ErrorKey.MAIL_NOT_CONFIGURED)
    message = render_test_mail(recipient, site_title=site_title)
    try:
        send_message(message, message_id=new_message_id(mail))
    except MailNotSent as error:
        logger.warning("the test mail to %s was not sent: %s", recipient, error)
        raise DomainError(ErrorKey.MAIL_SEND_FAILED, str(error)) from error
    logger.info("the test mail was sent to %s", recipient)
    return recipient
