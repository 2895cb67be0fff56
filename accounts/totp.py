"""TOTP second factor through django-otp (API.md §4.5.3, §4.5.5).

A user has at most one ``TotpDevice`` per strategy. An unconfirmed device holds a secret
being enrolled (``setupTfa``); a confirmed one is the contract's ``tfaIsActive``. The secret
is 20 random bytes sealed under a key derived from SECRET_KEY, so a copy of the database
yields no code.

Each code is accepted once: verification runs on the device row locked with
``select_for_update`` and accepts only a time step after the last accepted one (``last_t``),
so two requests carrying one code cannot both pass, even at the same instant. Failures start
django-otp's exponential throttle on the device (1 s, 2 s, 4 s, ...): while it runs, every
code is refused, which bounds guessing per account on top of the rate limits.
"""

from __future__ import annotations

import base64
import os
import re
import uuid
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.db import IntegrityError, transaction
from django_otp.oath import TOTP

from wiki import secrets
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site
from wiki.sites import existing_site

from . import continuation, strategies
from .models import AuthStrategy, TotpDevice, User
from .permissions import Caller
from .signin_result import NextAction, SignInResult

SEAL_PURPOSE = "accounts.totp"
SECRET_BYTES = 20  # 160 bits (§4.5.3)
STEP_SECONDS = 30
DIGITS = 6
# Codes of the previous and next step are accepted too (clock drift; the contract permits it).
TOLERANCE_STEPS = 1
DEVICE_NAME = "TOTP"
# Removed from the site title to form the QR code's label (§4.5.3).
_LABEL_DROPPED = re.compile(r"[\s\-.,=!@#$%?&*()+\[\]{}/\\;<>]")
FALLBACK_LABEL = "Wiki"


# --- Reading and checking ---------------------------------------------------------------------
def is_active(user: User, strategy_id: uuid.UUID | str) -> bool:
    """Whether ``user`` has a confirmed TOTP device for the strategy (``tfaIsActive``)."""
    return TotpDevice.objects.filter(user=user, strategy_id=strategy_id, confirmed=True).exists()


def secret_of(device: TotpDevice) -> bytes:
    return secrets.unseal_bytes(device.sealed_key, SEAL_PURPOSE)


def verify_code(user: User, strategy_id: uuid.UUID | str, code: str, *, setup: bool) -> bool:
    """Whether ``code`` is a fresh valid code of the user's device; ``setup`` confirms it.

    Without ``setup`` only a confirmed device counts; with it, the device being enrolled.
    The outcome is saved (accepted step or throttle) before returning, in the caller's
    transaction or a new one; callers raise after that transaction commits.
    """
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, strategy_id=strategy_id)
            .first()
        )
        if device is None or not (setup or device.confirmed):
            return False
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            return False
        totp = TOTP(secret_of(device), step=STEP_SECONDS, digits=DIGITS)
        if totp.verify(int(code), tolerance=TOLERANCE_STEPS, min_t=device.last_t + 1):
            device.last_t = totp.t()
            device.confirmed = True
            device.throttle_reset(commit=False)
            device.set_last_used_timestamp(commit=False)
            device.save()
            return True
        device.throttle_increment(commit=True)
        return False


# --- Post-login step 1 ------------------------------------------------------------------------
def second_factor_step(
    user: User, *, strategy: AuthStrategy, site: Site | None
) -> SignInResult | None:
    """Post-login step 1: a ``provideTfa`` or ``setupTfa`` result, or None to go on.

    Runs inside the sign-in's transaction; the device row is locked so that a device
    confirmed meanwhile is asked for rather than replaced.
    """
    device = (
        TotpDevice.objects.select_for_update().filter(user=user, strategy_id=strategy.pk).first()
    )
    if device is not None and device.confirmed:
        token = continuation.issue(user, continuation.Kind.TFA, strategy_id=strategy.pk)
        return SignInResult(next_action=NextAction.PROVIDE_TFA, continuation_token=token)
    if user.tfa_required or strategies.enforces_tfa(strategy):
        secret = _store_new_secret(user, strategy.pk)
        token = continuation.issue(user, continuation.Kind.TFA_SETUP, strategy_id=strategy.pk)
        return SignInResult(
            next_action=NextAction.SETUP_TFA,
            continuation_token=token,
            tfa_qr_image=qr_svg(user.email, secret, site),
        )
    return None


# --- setupTFA, deactivateTFA ------------------------------------------------------------------
def setup_tfa(caller: Caller, *, strategy_id, site_id) -> tuple[str, str]:
    """``setupTFA``: a new inactive secret; returns the ``tfaSetup`` token and its QR code."""
    caller.require_signed_in_user()
    with transaction.atomic():
        user = _own_account(caller)
        site = existing_site(site_id)
        strategy = _strategy_with_credentials(user, strategy_id)
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, strategy_id=strategy.pk)
            .first()
        )
        if device is not None and device.confirmed:
            raise DomainError(ErrorKey.TFA_ALREADY_ACTIVE)
        secret = _store_new_secret(user, strategy.pk)
        token = continuation.issue(user, continuation.Kind.TFA_SETUP, strategy_id=strategy.pk)
    return token, qr_svg(user.email, secret, site)


def deactivate_tfa(caller: Caller, *, strategy_id) -> None:
    """``deactivateTFA``: the confirmed device is deleted, secret and all (one per strategy)."""
    caller.require_signed_in_user()
    with transaction.atomic():
        user = _own_account(caller)
        strategy = _strategy_with_credentials(user, strategy_id)
        deleted, _ = TotpDevice.objects.filter(
            user=user, strategy_id=strategy.pk, confirmed=True
        ).delete()
        if not deleted:
            raise DomainError(ErrorKey.TFA_NOT_ACTIVE)


def reseal_all() -> int:
    """Seal again under the current SECRET_KEY every secret that is not (key rotation).

    For ``manage.py rotatesecrets``: the old key must still be in SECRET_KEY_FALLBACKS.
    Returns how many secrets were sealed again.
    """
    count = 0
    for pk in TotpDevice.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Under the row lock: a sign-in verifying a code at the same time keeps its own
            # write of last_t, and this one touches only the sealed secret.
            device = TotpDevice.objects.select_for_update().filter(pk=pk).first()
            if device is None or secrets.opens_with_current_key(device.sealed_key, SEAL_PURPOSE):
                continue
            resealed = secrets.reseal(device.sealed_key, SEAL_PURPOSE)
            TotpDevice.objects.filter(pk=pk).update(sealed_key=resealed)
            count += 1
    return count


def remove_devices(user: User) -> None:
    """Every TOTP device of ``user`` (an administrator's ``disableUserTFA``)."""
    TotpDevice.objects.filter(user=user).delete()


def _own_account(caller: Caller) -> User:
    user = User.objects.select_for_update().filter(pk=caller.user.pk).first()
    if user is None:
        raise DomainError(ErrorKey.INVALID_USER, "the account was deleted")
    return user


def _strategy_with_credentials(user: User, strategy_id) -> AuthStrategy:
    """The enabled strategy, provided the user has credentials for it (a local password)."""
    strategy = strategies.enabled_strategy(strategy_id)
    if not strategies.has_credentials(user, strategy):
        raise DomainError(ErrorKey.INVALID_STRATEGY, f"user {user.pk} has no {strategy.module}")
    return strategy


# --- Secrets and QR codes ---------------------------------------------------------------------
def _store_new_secret(user: User, strategy_id) -> bytes:
    """A fresh secret on an unconfirmed device, replacing any enrolment in progress."""
    secret = os.urandom(SECRET_BYTES)
    fields = {
        "name": DEVICE_NAME,
        "sealed_key": secrets.seal(secret, SEAL_PURPOSE),
        "confirmed": False,
        "last_t": -1,
        "throttling_failure_timestamp": None,
        "throttling_failure_count": 0,
    }
    updated = TotpDevice.objects.filter(user=user, strategy_id=strategy_id).update(**fields)
    if not updated:
        try:
            with transaction.atomic():
                TotpDevice.objects.create(user=user, strategy_id=strategy_id, **fields)
        except IntegrityError:
            # Another sign-in created it a moment ago: this secret replaces that one.
            TotpDevice.objects.filter(user=user, strategy_id=strategy_id).update(**fields)
    return secret


def qr_label(site: Site | None) -> str:
    title = site.title if site is not None else ""
    return _LABEL_DROPPED.sub("", title) or FALLBACK_LABEL


def otpauth_uri(email: str, secret: bytes, site: Site | None) -> str:
    label = quote(qr_label(site), safe="")
    encoded = base64.b32encode(secret).decode().rstrip("=")
    return f"otpauth://totp/{label}:{quote(email, safe='@+')}?secret={encoded}&issuer={label}"


def qr_svg(email: str, secret: bytes, site: Site | None) -> str:
    """The QR code of the ``otpauth://`` URI as SVG markup (no image library needed)."""
    image = qrcode.make(
        otpauth_uri(email, secret, site), image_factory=qrcode.image.svg.SvgPathImage
    )
    return image.to_string(encoding="unicode")
