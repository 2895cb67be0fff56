"""Secrets kept in the database, sealed with keys that never are.

Whatever the database holds that would be worth stealing (the token signing key, TOTP secrets,
the SMTP password, the DKIM private key) is stored sealed: AES-256-GCM under a key derived
from Django's ``SECRET_KEY`` with HKDF, one key per purpose. A copy of the database alone
opens none of them.

Rotation: set a new ``SECRET_KEY`` and list the old one in ``SECRET_KEY_FALLBACKS``. Sealed
values still open with the old key, and ``manage.py rotatesecrets`` seals everything again
under the new one; after that the fallback can go (docs/operations.md).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Marks a sealed value, so that a clear one (from before sealing existed) is recognised.
PREFIX = "sealed:v1:"
NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """A sealed value that no configured key opens (wrong SECRET_KEY, or tampered with)."""


def _derive(secret_key: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"wiki.secrets", info=purpose.encode()
    ).derive(secret_key.encode())


def _keys(purpose: str) -> Iterator[bytes]:
    """The current key first, then those of ``SECRET_KEY_FALLBACKS``."""
    yield _derive(settings.SECRET_KEY, purpose)
    for fallback in getattr(settings, "SECRET_KEY_FALLBACKS", ()) or ():
        yield _derive(fallback, purpose)


def is_sealed(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(plaintext: str | bytes, purpose: str) -> str:
    """``plaintext`` encrypted under the current key for ``purpose``, as ASCII text."""
    data = plaintext.encode() if isinstance(plaintext, str) else plaintext
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_derive(settings.SECRET_KEY, purpose)).encrypt(nonce, data, purpose.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def _parts(value: str) -> tuple[bytes, bytes]:
    """The nonce and ciphertext of a sealed ``value``; ``SecretUnreadable`` when it is none."""
    if not is_sealed(value):
        raise SecretUnreadable("the value is not sealed")
    try:
        raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode())
    except ValueError as error:
        raise SecretUnreadable("the sealed value is damaged") from error
    return raw[:NONCE_BYTES], raw[NONCE_BYTES:]


def _open(key: bytes, parts: tuple[bytes, bytes], purpose: str) -> bytes | None:
    """The plaintext when ``key`` opens ``parts``, else None."""
    nonce, sealed = parts
    try:
        return AESGCM(key).decrypt(nonce, sealed, purpose.encode())
    except (InvalidTag, ValueError):
        return None


def unseal_bytes(value: str, purpose: str) -> bytes:
    """The bytes sealed in ``value``; raises ``SecretUnreadable`` when no key opens it."""
    parts = _parts(value)
    for key in _keys(purpose):
        plaintext = _open(key, parts, purpose)
        if plaintext is not None:
            return plaintext
    raise SecretUnreadable(
        f"no key opens this {purpose} secret: was SECRET_KEY changed without listing the old "
        "one in SECRET_KEY_FALLBACKS?"
    )


def unseal(value: str, purpose: str) -> str:
    return unseal_bytes(value, purpose).decode()


def opens_with_current_key(value: str, purpose: str) -> bool:
    """Whether ``value`` is sealed under the current ``SECRET_KEY`` (rotation's test)."""
    try:
        parts = _parts(value)
    except SecretUnreadable:
        return False
    return _open(_derive(settings.SECRET_KEY, purpose), parts, purpose) is not None


def reseal(value: str, purpose: str) -> str:
    """``value`` sealed again under the current key (for rotation)."""
    return seal(unseal_bytes(value, purpose), purpose)
