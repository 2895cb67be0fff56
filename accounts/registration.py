"""Self-service accounts: ``register`` and ``forgotPassword`` (API.md §4.5.5).

Both are public and rate-limited (§1.5) before anything else is looked at, so that a client
cannot use them to probe which addresses have accounts faster than the limits allow.
"""

from __future__ import annotations

import logging
import secrets

from django.db import transaction

from wiki import outbox
from wiki.config import is_mail_configured
from wiki.errors import DomainError, ErrorKey
from wiki.mail import OutgoingMail
from wiki.models import OutboundMail, Site
from wiki.rate_limits import hit

from . import continuation, scopes
from .mail import render_reset_mail, render_verify_mail
from .models import AuthStrategy, Group, User
from .permissions import Caller
from .rule_regex import compile_rule_regex, pattern_problem
from .services import insert_local_user
from .signin import SignInResult, finish_sign_in
from .strategies import local_strategy, validates_email
from .strategy_listing import auto_enroll_group_ids
from .validation import check_password_length, clean_email, clean_name

logger = logging.getLogger(__name__)

# The check of ``ERR_EMAIL_ADDRESS_NOT_ALLOWED`` when the allow-list refused the address (the
# key also covers a malformed address, which Wiki.js 2 clients are told differently).
NOT_IN_ALLOW_LIST = "allowedEmailRegex"


def email_regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be the allowed-email pattern, or None when it can.

    RE2 matches in linear time, so no pattern an administrator stores can hang a worker;
    the price is RE2's syntax (no backreferences or lookaround).
    """
    return pattern_problem(pattern, "not a supported regular expression", ignore_case=True)


def email_allowed(strategy: AuthStrategy, email: str) -> bool:
    """Whether ``email`` matches the strategy's ``allowedEmailRegex`` (anywhere; empty: any).

    A stored pattern that RE2 cannot compile allows nothing: failing open would let anyone in.
    """
    pattern = strategy.allowed_email_regex or ""
    if not pattern:
        return True
    compiled = compile_rule_regex(pattern, ignore_case=True)
    if compiled is None:
        logger.warning("allowedEmailRegex of strategy %s does not compile", strategy.pk)
        return False
    return compiled.search(email)


def auto_enroll_groups(strategy: AuthStrategy) -> list[Group]:
    """The strategy's ``autoEnrollGroups`` that still exist (deleted ones are skipped)."""
    return list(Group.objects.filter(pk__in=auto_enroll_group_ids(strategy)).order_by("name"))


def register(
    *, email: str, password: str, name: str, site: Site | None, client_address: str
) -> SignInResult:
    """Create an account for oneself with the local strategy (API.md §4.5.5 ``register``).

    With email validation on, the account starts unverified and a verification mail is sent:
    the result is empty (no session). Otherwise the post-login steps run.
    """
    hit("register", client_address=client_address)
    strategy = local_strategy()
    if strategy is None or not strategy.is_enabled or not strategy.registration:
        raise DomainError(ErrorKey.REGISTRATION_DISABLED)
    email = clean_email(email)
    check_password_length(password or "")
    name = clean_name(name)
    if not email_allowed(strategy, email):
        raise DomainError(
            ErrorKey.EMAIL_ADDRESS_NOT_ALLOWED, "not in the allow-list", check=NOT_IN_ALLOW_LIST
        )
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(ErrorKey.DUPLICATE_ACCOUNT_EMAIL)
    validate = validates_email(strategy)
    if validate and not is_mail_configured():
        raise DomainError(ErrorKey.MAIL_NOT_CONFIGURED)

    # One transaction for the account, its token and the outbox row: a mail that cannot be
    # rendered or (without a broker) sent leaves none of them behind (§2.6), so the address
    # can register again once the mail settings are fixed; with a broker the message is
    # queued only once the account it verifies is committed.
    with transaction.atomic():
        user = insert_local_user(
            email=email,
            name=name,
            password=password,
            groups=auto_enroll_groups(strategy),
            is_verified=not validate,
        )
        if not validate:
            return finish_sign_in(user, strategy=strategy, site=site)
        token = continuation.issue(user, continuation.Kind.VERIFY)
        _send(render_verify_mail, user, site, token, OutboundMail.Kind.VERIFY)
    return SignInResult(user=user)


def forgot_password(*, email: str, site: Site | None, client_address: str) -> None:
    """Mail a password reset link to the account of ``email``, if there is one (§4.5.5).

    The answer is the same for an unknown address: the mail is rendered either way (so a
    broken template fails for everyone alike) and only sending depends on the account.
    """
    address = (email or "").strip().lower()
    hit("forgotPassword", client_address=client_address, account=address)
    if not is_mail_configured():
        raise DomainError(ErrorKey.MAIL_NOT_CONFIGURED)
    user = (
        User.objects.filter(email__iexact=address, is_system=False, is_active=True)
        .exclude(password="")
        .first()
        if address
        else None
    )
    if user is None or not user.has_local_credentials:
        stand_in = User(email=address or "nobody@example.com", name="")
        _render(render_reset_mail, stand_in, site, _unused_token())
        return
    # The token and the outbox row together: no live token without its mail, nor the reverse.
    with transaction.atomic():
        token = continuation.issue(user, continuation.Kind.RESET_PASSWORD)
        _send(render_reset_mail, user, site, token, OutboundMail.Kind.RESET)


def send_password_reset(caller: Caller | None, user_id, *, site: Site | None) -> User:
    """An administrator mails a user the password reset link of ``forgotPassword``.

    Checks: permission → forbidden; the user exists → ``ERR_INVALID_USER``; a system user or
    one without a local password → ``ERR_INVALID_STRATEGY``; mail configured. The token and
    its mail are written together, as ``forgotPassword`` writes them.
    """
    if caller is not None:
        caller.require_any(*scopes.MANAGE_USERS_ANY)
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise DomainError(ErrorKey.INVALID_USER, str(user_id))
        if user.is_system or not user.has_local_credentials:
            raise DomainError(ErrorKey.INVALID_STRATEGY, f"user {user.pk} has no local password")
        if not is_mail_configured():
            raise DomainError(ErrorKey.MAIL_NOT_CONFIGURED)
        token = continuation.issue(user, continuation.Kind.RESET_PASSWORD)
        _send(render_reset_mail, user, site, token, OutboundMail.Kind.RESET)
    return user


def _unused_token() -> str:
    return secrets.token_urlsafe(16)[: continuation.TOKEN_LENGTH]


def _render(render, user: User, site: Site | None, token: str) -> OutgoingMail:
    """The message ``render`` makes; ``ERR_MAIL_RENDER_FAILED`` when a template is missing or
    broken (the cause goes to the log)."""
    try:
        return render(user, site, token)
    except Exception as error:
        logger.exception("mail for user %s failed to render", user.pk)
        raise DomainError(ErrorKey.MAIL_RENDER_FAILED) from error


def _send(render, user: User, site: Site | None, token: str, kind: str) -> None:
    """Render in the request, then write to the outbox inside the caller's transaction.

    Either failure raises, which undoes that transaction: a render failure
    (``ERR_MAIL_RENDER_FAILED``), or without a broker a message the SMTP server did not take
    (``ERR_MAIL_SEND_FAILED``; its outbox row, marked failed, goes with the rest).
    """
    message = _render(render, user, site, token)
    outbox.enqueue(message, kind=kind)
