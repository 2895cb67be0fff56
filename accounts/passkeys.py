"""Passkeys (WebAuthn) through Duo's ``webauthn`` library (API.md §4.5.6).

The relying party is the site's hostname; the origins a response may come from are
``settings.WEBAUTHN_ORIGINS`` entries for that hostname, else ``https://<hostname>``.

A ceremony's challenge is a ``PasskeyChallenge`` row: one registration and one sign-in per user,
replaced by each new request for options, valid for five minutes. It is read under
``select_for_update`` and deleted in the transaction that uses it, so a replayed response, or
two verifications of one response at once, cannot both pass. A failed check rolls back and
leaves the challenge in place (§2.6: a failed mutation leaves no trace), with two exceptions:
a cancelled registration discards it (the contract says so), and a sign-in whose assertion
verified spends it and records the new sign counter even when the account then turns out to
be inactive or unverified (the assertion was real; it must not be replayable later).

An expired challenge counts as no challenge: ``finalizePasskey`` answers
``ERR_PASSKEY_NOT_SETUP`` ("no pending registration", as after a successful use) and
``authenticatePasskeyVerify`` ``ERR_LOGIN_FAILED``.

User handles: registration options carry the user's UUID as its 16 bytes (``uuid.bytes``, what
authenticators hand back base64url-encoded). A sign-in response's ``userHandle`` may be that,
the UUID as text, or the base64url encoding of the UUID text (the contract's two forms).
"""

from __future__ import annotations

import binascii
import json
import logging
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, generate_challenge
from webauthn.helpers.options_to_json_dict import options_to_json_dict
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from wiki import rate_limits
from wiki.errors import DomainError, ErrorKey
from wiki.models import Site
from wiki.sites import existing_site
from wiki.text import is_storable

from . import tokens
from .models import Passkey, PasskeyChallenge, User
from .permissions import Caller
from .sessions import start_session
from .signin import NextAction, SignInResult

logger = logging.getLogger(__name__)

CHALLENGE_LIFETIME = timedelta(minutes=5)
# The browser's hint, as long as the challenge lives.
TIMEOUT_MS = int(CHALLENGE_LIFETIME.total_seconds() * 1000)
MAX_NAME_LENGTH = 255
# Decoys for unknown emails look like a platform passkey's descriptor.
DECOY_ID_BYTES = 32
DECOY_TRANSPORTS = [AuthenticatorTransport.HYBRID, AuthenticatorTransport.INTERNAL]
_KNOWN_TRANSPORTS = {transport.value for transport in AuthenticatorTransport}


# --- relying party ----------------------------------------------------------------------------
def relying_party_id(site: Site) -> str:
    """The site's hostname; the wildcard site cannot hold passkeys."""
    if site.is_wildcard or not site.hostname:
        raise DomainError(ErrorKey.PK_HOSTNAME_MISSING)
    return site.hostname.lower()


def expected_origins(rp_id: str) -> list[str]:
    """``WEBAUTHN_ORIGINS`` entries whose host is ``rp_id`` or below it, else ``https://rp_id``.

    A browser only lets an origin use a relying-party id that is its host or a suffix of it,
    so an origin configured for another site could never answer for this one.
    """
    matching = []
    for origin in getattr(settings, "WEBAUTHN_ORIGINS", ()) or ():
        host = (urlsplit(origin).hostname or "").lower()
        if host == rp_id or host.endswith("." + rp_id):
            matching.append(origin)
    return matching or [f"https://{rp_id}"]


# --- helpers ----------------------------------------------------------------------------------
def _signed_in_user(caller: Caller) -> User:
    caller.require_signed_in_user()
    user = User.objects.filter(pk=caller.user.pk).first()
    if user is None:
        raise DomainError(ErrorKey.INVALID_USER, "the account was deleted")
    return user


def _as_object(value: Any) -> dict:
    """A WebAuthn JSON payload as a dict (a JSON text is read); anything else as ``{}``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _transports(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    # Known names only, each once: the list is sent back to browsers in later options.
    known = (value for value in values if isinstance(value, str) and value in _KNOWN_TRANSPORTS)
    return list(dict.fromkeys(known))


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id),
        transports=[AuthenticatorTransport(value) for value in _transports(passkey.transports)]
        or None,
    )


def _pending(user: User, purpose: str) -> PasskeyChallenge | None:
    """The user's live challenge for ``purpose``, locked until the transaction ends."""
    return (
        PasskeyChallenge.objects.select_for_update()
        .filter(
            user=user,
            purpose=purpose,
            created_at__gt=timezone.now() - CHALLENGE_LIFETIME,
        )
        .first()
    )


def _store_challenge(
    user_id: uuid.UUID, purpose: str, challenge: bytes, site: Site, rp_id: str
) -> None:
    """Replace the user's pending ``purpose`` challenge (one per user and purpose)."""
    with transaction.atomic():
        PasskeyChallenge.objects.update_or_create(
            user_id=user_id,
            purpose=purpose,
            defaults={
                "challenge": bytes_to_base64url(challenge),
                "rp_id": rp_id,
                "site_id": site.pk,
                "created_at": timezone.now(),
            },
        )


def clean_passkey_name(raw: Any) -> str:
    name = raw.strip() if isinstance(raw, str) else ""
    if not 1 <= len(name) <= MAX_NAME_LENGTH or not is_storable(name) or "\x00" in name:
        raise DomainError(ErrorKey.PK_NAME_MISSING_OR_INVALID)
    return name


# --- registration -----------------------------------------------------------------------------
def setup_passkey(caller: Caller, *, site_id: Any) -> dict:
    """``setupPasskey``: creation options; their challenge becomes the pending registration."""
    user = _signed_in_user(caller)
    site = existing_site(site_id)
    rp_id = relying_party_id(site)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=site.title or rp_id,
        user_id=user.pk.bytes,
        user_name=user.email,
        user_display_name=user.name or user.email,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(p) for p in user.passkey_set.filter(rp_id=rp_id)],
    )
    _store_challenge(user.pk, PasskeyChallenge.Purpose.REGISTRATION, options.challenge, site, rp_id)
    return options_to_json_dict(options)


def _carries_credential(response: dict) -> bool:
    return response.get("id") not in (None, "") and response.get("response") is not None


def finalize_passkey(caller: Caller, *, registration_response: dict | Any, name: str) -> Passkey:
    """``finalizePasskey``: verify the attestation against the pending registration, store it."""
    user = _signed_in_user(caller)
    response = _as_object(registration_response)
    with transaction.atomic():
        pending = _pending(user, PasskeyChallenge.Purpose.REGISTRATION)
        if pending is None:
            raise DomainError(ErrorKey.PASSKEY_NOT_SETUP)
        if not _carries_credential(response):
            # The user aborted in the browser: the ceremony is over (committed, then refused).
            pending.delete()
            passkey = None
        else:
            passkey = _register(user, pending, response, clean_passkey_name(name))
    if passkey is None:
        raise DomainError(ErrorKey.PK_USER_CANCELLED)
    return passkey


def _register(user: User, pending: PasskeyChallenge, response: dict, name: str) -> Passkey:
    claimed_id = response.get("id")
    if isinstance(claimed_id, str) and Passkey.objects.filter(credential_id=claimed_id).exists():
        raise DomainError(ErrorKey.PK_ALREADY_REGISTERED)
    try:
        verified = verify_registration_response(
            credential=response,
            expected_challenge=base64url_to_bytes(pending.challenge),
            expected_rp_id=pending.rp_id,
            expected_origin=expected_origins(pending.rp_id),
            require_user_verification=True,
        )
    except Exception as error:  # noqa: BLE001 - whatever fails to verify is not verified
        logger.info("passkey registration refused: %s: %s", type(error).__name__, error)
        raise DomainError(ErrorKey.PK_VERIFICATION_FAILED) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    # The library compares id with rawId, not with the credential the authenticator attested.
    if credential_id != claimed_id:
        raise DomainError(ErrorKey.PK_VERIFICATION_FAILED, "id is not the attested credential")
    if len(credential_id) > Passkey._meta.get_field("credential_id").max_length:
        # WebAuthn allows 1023 bytes; authenticators use 16 to 64. Longer ones are not kept.
        raise DomainError(ErrorKey.PK_VERIFICATION_FAILED, "credential id too long to store")
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                credential_id=credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=_transports((response.get("response") or {}).get("transports")),
                name=name,
                site_id=pending.site_id,
                rp_id=pending.rp_id,
            )
    except IntegrityError:
        # Registered by someone else between the check above and now.
        raise DomainError(ErrorKey.PK_ALREADY_REGISTERED) from None
    pending.delete()
    return passkey


# --- managing ---------------------------------------------------------------------------------
def deactivate_passkey(caller: Caller, *, credential_id: str) -> None:
    """``deactivatePasskey``: remove one of the caller's own passkeys (no-op if not theirs)."""
    user = _signed_in_user(caller)
    if not user.passkey_set.exists():
        raise DomainError(ErrorKey.PASSKEY_NOT_SETUP)
    Passkey.objects.filter(user=user, credential_id=credential_id).delete()


def rename_passkey(caller: Caller, *, credential_id: str, name: str) -> None:
    """Give one of the caller's passkeys a new name (the profile page; not in the contract)."""
    user = _signed_in_user(caller)
    if not user.passkey_set.filter(credential_id=credential_id).exists():
        raise DomainError(ErrorKey.PASSKEY_NOT_SETUP)
    cleaned = clean_passkey_name(name)
    Passkey.objects.filter(user=user, credential_id=credential_id).update(name=cleaned)


# --- signing in -------------------------------------------------------------------------------
def _decoy_descriptor(email: str, rp_id: str) -> PublicKeyCredentialDescriptor:
    """The same made-up credential every time for one email, unguessable without SECRET_KEY."""
    digest = salted_hmac(
        "accounts.passkeys.decoy", f"{rp_id}\n{email}", algorithm="sha256"
    ).digest()
    return PublicKeyCredentialDescriptor(id=digest[:DECOY_ID_BYTES], transports=DECOY_TRANSPORTS)


def authentication_options(*, email: str, site_id: Any, client_address: str) -> dict:
    """``authenticatePasskeyGenerate``: request options; unknown emails get a decoy."""
    address = (email or "").strip().lower()
    rate_limits.hit(
        "authenticatePasskeyGenerate", client_address=client_address, account=address or None
    )
    site = existing_site(site_id)
    rp_id = relying_party_id(site)
    # One query either way: the account's passkeys for this relying party, or none.
    passkeys = list(
        Passkey.objects.filter(
            user__email__iexact=address, user__is_system=False, rp_id=rp_id
        ).order_by("user_id", "created_at", "id")
    )
    challenge = generate_challenge()
    if passkeys:
        owner_id = passkeys[0].user_id
        allowed = [_descriptor(p) for p in passkeys if p.user_id == owner_id]
        _store_challenge(owner_id, PasskeyChallenge.Purpose.LOGIN, challenge, site, rp_id)
    else:
        allowed = [_decoy_descriptor(address, rp_id)]
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json_dict(options)


def user_id_from_handle(handle: str) -> uuid.UUID | None:
    """The user a ``userHandle`` names: UUID text, or base64url of its 16 bytes or its text."""
    try:
        return uuid.UUID(handle)
    except ValueError:
        pass
    try:
        raw = base64url_to_bytes(handle)
    except (binascii.Error, ValueError):
        return None
    if len(raw) == 16:
        return uuid.UUID(bytes=raw)
    try:
        return uuid.UUID(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def authenticate(*, auth_response: dict | Any, client_address: str) -> SignInResult:
    """``authenticatePasskeyVerify``: checks in contract order, then a session."""
    response = _as_object(auth_response)
    inner = response.get("response")
    handle = inner.get("userHandle") if isinstance(inner, dict) else None
    user_id = user_id_from_handle(handle) if isinstance(handle, str) and handle else None
    rate_limits.hit(
        "authenticatePasskeyVerify",
        client_address=client_address,
        account=str(user_id) if user_id else None,
    )
    if not isinstance(handle, str) or not handle:
        raise DomainError(ErrorKey.INVALID_PASSKEY_RESPONSE)
    user = User.objects.filter(pk=user_id, is_system=False).first() if user_id else None
    if user is None:
        raise DomainError(ErrorKey.LOGIN_FAILED, "unknown user handle")
    with transaction.atomic():
        pending = _pending(user, PasskeyChallenge.Purpose.LOGIN)
        if pending is None:
            raise DomainError(ErrorKey.LOGIN_FAILED, "no pending sign-in")
        credential_id = response.get("id")
        passkey = (
            Passkey.objects.select_for_update()
            .filter(user=user, credential_id=credential_id, rp_id=pending.rp_id)
            .first()
            if isinstance(credential_id, str)
            else None
        )
        if passkey is None:
            raise DomainError(ErrorKey.LOGIN_FAILED, "not one of the user's credentials")
        try:
            verified = verify_authentication_response(
                credential=response,
                expected_challenge=base64url_to_bytes(pending.challenge),
                expected_rp_id=pending.rp_id,
                expected_origin=expected_origins(pending.rp_id),
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except Exception as error:  # noqa: BLE001 - whatever fails to verify is not verified
            logger.info("passkey sign-in refused: %s: %s", type(error).__name__, error)
            raise DomainError(ErrorKey.LOGIN_FAILED, "assertion not verified") from None
        pending.delete()
        passkey.sign_count = verified.new_sign_count
        passkey.last_used_at = timezone.now()
        passkey.save(update_fields=["sign_count", "last_used_at"])
    # Read again: the account may have changed while the assertion was checked.
    user = User.objects.get(pk=user.pk)
    if not user.is_active:
        raise DomainError(ErrorKey.INACTIVE_USER)
    if not user.is_verified:
        raise DomainError(ErrorKey.USER_NOT_VERIFIED)
    return SignInResult(
        user=user,
        next_action=NextAction.REDIRECT,
        # A passkey with user verification is two factors in one (possession and PIN or
        # biometrics): enough for the admin's second-factor rule.
        jwt=start_session(user, methods=(tokens.PASSKEY,)),
        redirect="/",
    )
