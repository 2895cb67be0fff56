"""The signing key pair of an imported Wiki.js 2 installation, and reading its API keys.

``manage.py import_wikijs2`` brings Wiki.js 2's key pair along (API-v2.md §1.3), so that the
API keys its integrations hold keep working. Wiki.js 2 keeps the private half as PKCS#1 PEM
encrypted with AES-256-CBC under the ``sessionSecret`` setting; here it is decrypted once, at
import, and kept sealed under ``SECRET_KEY`` like this server's own key (``accounts.tokens``),
in a purpose of its own. The passphrase is never stored. The public half is derived from the
private one whenever the key is loaded, never taken from the row alone.

Only API keys are honoured (an integer ``api`` claim, RS256, issuer ``urn:wiki.js``, the
imported audience, unexpired): Wiki.js 2 session tokens signed by the same key are not, their
users sign in here with their passwords.

A process loads the imported key lazily, on the first token that fails this server's own
signature and looks like a Wiki.js 2 API key, and keeps it. A process that found no imported
key looks again at most every ``RECHECK_SECONDS``, so a running server honours the keys of an
import that another process did without a restart; ``accounts.tokens.forget_signing_keys``
drops what is cached.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction

from wiki import secrets

from .verified_tokens import VerifiedTokens

logger = logging.getLogger("accounts")

# The settings row holding the imported key pair.
STORE_KEY = "wikijs2SigningKey"
# What the private key is sealed for (``wiki.secrets`` derives one key per purpose).
PURPOSE = "wikijs2.signing-key"
ISSUER = "urn:wiki.js"
ALGORITHM = "RS256"
DEFAULT_AUDIENCE = "urn:wiki.js"
# How often a process that has no imported key (or whose key did not verify a token) reads
# the store again: an import done by another process is honoured within this delay.
RECHECK_SECONDS = 30.0


class LegacyKeyError(Exception):
    """Wiki.js 2's key pair cannot be imported; the message says why, for people."""


@dataclass(frozen=True)
class LegacyKey:
    public_key: Any
    public_pem: str
    audience: str


# --- Import -----------------------------------------------------------------------------------
def decrypt_private_key(private_pem: str, passphrase: str) -> rsa.RSAPrivateKey:
    """Wiki.js 2's encrypted PEM private key, opened with its ``sessionSecret``."""
    if not isinstance(private_pem, str) or "PRIVATE KEY" not in private_pem:
        raise LegacyKeyError("the certs setting holds no PEM private key")
    if not isinstance(passphrase, str) or not passphrase:
        raise LegacyKeyError("the sessionSecret setting is missing: the private key cannot open")
    try:
        key = serialization.load_pem_private_key(private_pem.encode(), password=passphrase.encode())
    except TypeError as error:  # the PEM is not encrypted
        try:
            key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        except (TypeError, ValueError):
            raise LegacyKeyError("the private key cannot be read") from error
    except ValueError as error:
        raise LegacyKeyError(
            "the private key does not open with the sessionSecret setting"
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise LegacyKeyError("the private key is not an RSA key (Wiki.js 2 signs with RS256)")
    return key


def check_public_half(private_key: rsa.RSAPrivateKey, public_pem: str | None) -> None:
    """Refuse a stored public key that is not the private key's (PKCS#1 or SPKI PEM)."""
    if not public_pem:
        return  # nothing to compare: the public half is derived anyway
    try:
        public = serialization.load_pem_public_key(str(public_pem).encode())
    except (ValueError, TypeError) as error:
        raise LegacyKeyError("the public key of the certs setting cannot be read") from error
    if (
        not isinstance(public, rsa.RSAPublicKey)
        or public.public_numbers() != private_key.public_key().public_numbers()
    ):
        raise LegacyKeyError("the public key of the certs setting is not the private key's")


def public_pem_of(private_key: rsa.RSAPrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def store_key(private_key: rsa.RSAPrivateKey, audience: str) -> bool:
    """Keep ``private_key`` (sealed) and ``audience``; whether the store changed.

    The same key and audience as stored change nothing (a re-run of the import).
    """
    from wiki.models import Setting

    public_pem = public_pem_of(private_key)
    audience = str(audience or DEFAULT_AUDIENCE)
    with transaction.atomic():
        row = Setting.objects.select_for_update().filter(key=STORE_KEY).first()
        stored = (row.value if row else None) or {}
        if stored.get("public") == public_pem and stored.get("audience") == audience:
            return False
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        value = {
            "private": secrets.seal(pem, PURPOSE),
            "public": public_pem,
            "audience": audience,
        }
        Setting.objects.update_or_create(key=STORE_KEY, defaults={"value": value})
        # This process reads the new key at its next token (also when the write is part of a
        # longer transaction, and again once it commits); others within RECHECK_SECONDS.
        forget()
        transaction.on_commit(forget)
    return True


def reseal_key() -> int:
    """Seal the imported private key again under the current ``SECRET_KEY`` (rotatesecrets)."""
    from wiki.models import Setting

    with transaction.atomic():
        row = Setting.objects.select_for_update().filter(key=STORE_KEY).first()
        sealed = ((row.value or {}) if row else {}).get("private")
        if not sealed or secrets.opens_with_current_key(sealed, PURPOSE):
            return 0
        row.value = {**row.value, "private": secrets.reseal(sealed, PURPOSE)}
        row.save(update_fields=["value", "updated_at"])
    return 1


# --- Loading, per process ---------------------------------------------------------------------
_lock = threading.Lock()
_key: LegacyKey | None = None
_checked_at: float | None = None  # time.monotonic() of the last read of the store
# Verified API keys by SHA-256: claims and expiry (as ``accounts.tokens`` keeps its own).
MAX_VERIFIED = 1024
_verified = VerifiedTokens(MAX_VERIFIED)


def forget() -> None:
    """Drop the cached key and verified tokens (``tokens.forget_signing_keys`` calls this)."""
    global _key, _checked_at
    with _lock:
        _key = None
        _checked_at = None
        _verified.clear()


def _load() -> LegacyKey | None:
    """The stored key, or None when there is none or it cannot be trusted (logged)."""
    from wiki.models import Setting

    stored = Setting.objects.filter(key=STORE_KEY).values_list("value", flat=True).first()
    if not isinstance(stored, dict) or not stored.get("private"):
        return None
    try:
        pem = secrets.unseal_bytes(stored["private"], PURPOSE)
        private_key = serialization.load_pem_private_key(pem, password=None)
    except (secrets.SecretUnreadable, ValueError, TypeError) as error:
        logger.error("the imported Wiki.js 2 signing key cannot be opened: %s", error)
        return None
    public_pem = public_pem_of(private_key)
    if str(stored.get("public") or "").strip() != public_pem.strip():
        logger.error("the imported Wiki.js 2 public key does not match its private key")
        return None
    return LegacyKey(
        public_key=private_key.public_key(),
        public_pem=public_pem,
        audience=str(stored.get("audience") or DEFAULT_AUDIENCE),
    )


def _current_key(*, recheck: bool) -> LegacyKey | None:
    """The cached key; read from the store when none is cached (or ``recheck``), at most
    once per ``RECHECK_SECONDS``."""
    global _key, _checked_at
    if _key is not None and not recheck:
        return _key
    now = time.monotonic()
    if _checked_at is not None and now - _checked_at < RECHECK_SECONDS:
        return _key
    with _lock:
        if _checked_at is None or now - _checked_at >= RECHECK_SECONDS:
            loaded = _load()
            if loaded is None or _key is None or loaded.public_pem != _key.public_pem:
                _verified.clear()
            _key = loaded
            _checked_at = now
    return _key


def _looks_like_api_key(token: str) -> bool:
    """Without verifying anything: RS256, issuer urn:wiki.js and an integer ``api`` claim.

    Tokens that are not (damaged ones, Wiki.js 2 session tokens, HS256) never cost a query.
    """
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return (
        header.get("alg") == ALGORITHM
        and claims.get("iss") == ISSUER
        and is_key_id(claims.get("api"))
    )


def is_key_id(value: Any) -> bool:
    """Wiki.js 2 API keys carry their integer id (never a boolean, never below 1)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def api_key_claims(token: str) -> dict[str, Any] | None:
    """The verified claims of a Wiki.js 2 API key signed by the imported key, else None.

    Called only for a token that did not verify with this server's own key.
    """
    known = _verified.claims(token)
    if known is not None:
        return known
    if not _looks_like_api_key(token):
        return None
    key = _current_key(recheck=False)
    if key is None:
        return None
    try:
        claims = _decode(token, key)
    except jwt.InvalidSignatureError:
        # Perhaps another process imported another installation's key since: look again.
        fresh = _current_key(recheck=True)
        if fresh is None or fresh is key:
            return None
        try:
            claims = _decode(token, fresh)
        except jwt.PyJWTError:
            return None
    except jwt.PyJWTError:
        return None
    if not is_key_id(claims.get("api")):
        return None
    _verified.remember(token, claims, float(claims["exp"]))
    return claims


def _decode(token: str, key: LegacyKey) -> dict[str, Any]:
    return jwt.decode(
        token,
        key.public_key,
        algorithms=[ALGORITHM],
        audience=key.audience,
        issuer=ISSUER,
        options={"require": ["exp", "iss", "aud"]},
    )


def verify_for_import(token: str, public_key: Any, audience: str) -> dict[str, Any]:
    """The claims of a key from the source, checked against the source's own key pair.

    Expiry is not checked: an expired key is imported as expired, and stays refused.
    Raises ``jwt.PyJWTError``.
    """
    return jwt.decode(
        token,
        public_key,
        algorithms=[ALGORITHM],
        audience=audience or DEFAULT_AUDIENCE,
        issuer=ISSUER,
        options={"verify_exp": False, "require": ["iss", "aud"]},
    )
