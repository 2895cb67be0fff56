"""Signed tokens: user sessions and API keys (API.md §1.2-1.4).

The one module that touches django-graphql-jwt and PyJWT, so either can be replaced here
alone. Tokens are RS256 JWTs signed by the installation's own key pair, which a migration
generates and stores in the ``auth`` setting. The private half is sealed with a key derived
from ``SECRET_KEY`` (``wiki.secrets``): the database holds nothing that opens it, so a copy of
the database cannot sign a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from graphql_jwt import exceptions as jwt_exceptions
from graphql_jwt import utils as jwt_utils
from graphql_jwt.settings import jwt_settings

from wiki import secrets
from wiki.errors import DomainError, ErrorKey

from .verified_tokens import VerifiedTokens

ISSUER = "urn:wiki.js"
# The only algorithm ever accepted (API.md §1.2), whatever GRAPHQL_JWT says.
ALGORITHM = "RS256"
DEFAULT_AUDIENCE = "urn:wiki.js"


class TokenError(Exception):
    """The token is malformed, badly signed, for another issuer/audience, or expired."""


class TokenExpired(TokenError):
    pass


# What the private key is sealed for (wiki.secrets derives one key per purpose).
SIGNING_KEY_PURPOSE = "auth.signing-key"


def generate_key_material() -> dict[str, Any]:
    """A fresh 2048-bit RSA key pair, the private half sealed under ``SECRET_KEY``.

    Pure function (no models) so the installing migration can call it.
    """
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "certs": {"private": seal_private_key(private_key), "public": public_pem_of(private_key)}
    }


def seal_private_key(private_key: Any) -> str:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return secrets.seal(pem, SIGNING_KEY_PURPOSE)


def public_pem_of(private_key: Any) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass(frozen=True)
class SigningKeys:
    private_key: Any
    public_key: Any
    public_pem: str
    audience: str


_keys_lock = threading.Lock()
_keys: SigningKeys | None = None


def signing_keys() -> SigningKeys:
    """The installation's key pair, decrypted once per process."""
    global _keys
    if _keys is None:
        with _keys_lock:
            if _keys is None:
                _keys = _load_keys()
    return _keys


def forget_signing_keys() -> None:
    """Drop the cached keys (tests, or after the auth setting was rewritten), the imported
    Wiki.js 2 key (``accounts.legacy_keys``) included."""
    from . import legacy_keys

    global _keys
    _keys = None
    _verified.clear()
    legacy_keys.forget()


def _load_keys() -> SigningKeys:
    from wiki.config import get_setting

    auth = get_setting("auth")
    sealed = (auth.get("certs") or {}).get("private")
    if not sealed:
        # Only when no key is stored at all (an installation whose migrations predate key
        # generation). A key that is stored but does not open is refused below instead:
        # replacing it would hand whoever can write to the row a way to reset the key.
        auth = _install_keys()
        sealed = auth["certs"]["private"]
    if not secrets.is_sealed(sealed):
        raise ImproperlyConfigured(
            "The token signing key is stored in an old, unsealed form: run manage.py migrate."
        )
    try:
        pem = secrets.unseal_bytes(sealed, SIGNING_KEY_PURPOSE)
    except secrets.SecretUnreadable as error:
        raise ImproperlyConfigured(
            "The token signing key cannot be unsealed with SECRET_KEY or SECRET_KEY_FALLBACKS "
            f"({error}). Restore the SECRET_KEY it was sealed with, or list it in "
            "SECRET_KEY_FALLBACKS (docs/operations.md)."
        ) from error
    private_key = serialization.load_pem_private_key(pem, password=None)
    # The public half is derived from the sealed private one, never taken from the row alone:
    # whoever can write to the database must not be able to swap in a key of their own.
    public_pem = public_pem_of(private_key)
    stored_public = str((auth.get("certs") or {}).get("public") or "")
    if stored_public.strip() != public_pem.strip():
        raise ImproperlyConfigured(
            "The stored public signing key does not match the sealed private key."
        )
    return SigningKeys(
        private_key=private_key,
        public_key=private_key.public_key(),
        public_pem=public_pem,
        audience=str(auth.get("audience") or DEFAULT_AUDIENCE),
    )


def _install_keys() -> dict[str, Any]:
    """Generate and store a key pair unless another process just did (under the row lock)."""
    from wiki.config import DEFAULTS, get_setting
    from wiki.models import Setting

    with transaction.atomic():
        row, _ = Setting.objects.select_for_update().get_or_create(
            key="auth", defaults={"value": dict(DEFAULTS["auth"])}
        )
        value = dict(row.value or {})
        if not (value.get("certs") or {}).get("private"):
            value.pop("secret", None)
            value.update(generate_key_material())
            row.value = value
            row.save(update_fields=["value", "updated_at"])
    return get_setting("auth")


def reseal_signing_key() -> bool:
    """Seal the private key again under the current ``SECRET_KEY``; whether it changed.

    Part of ``manage.py rotatesecrets``: after it the key opens without the fallback.
    """
    from wiki.models import Setting

    with transaction.atomic():
        row = Setting.objects.select_for_update().filter(key="auth").first()
        certs = dict(((row.value or {}).get("certs") or {}) if row else {})
        sealed = certs.get("private")
        if not sealed or secrets.opens_with_current_key(sealed, SIGNING_KEY_PURPOSE):
            return False
        certs["private"] = secrets.reseal(sealed, SIGNING_KEY_PURPOSE)
        row.value = {**row.value, "certs": certs}
        row.save(update_fields=["value", "updated_at"])
    return True


# --- django-graphql-jwt handlers (settings.GRAPHQL_JWT points here) ---------------------------
def encode_handler(payload: dict[str, Any], context: Any = None) -> str:
    return jwt.encode(payload, signing_keys().private_key, algorithm=ALGORITHM)


def decode_handler(token: str, context: Any = None, *, verify_exp: bool | None = None) -> dict:
    keys = signing_keys()
    return jwt.decode(
        token,
        keys.public_key,
        algorithms=[ALGORITHM],
        audience=keys.audience,
        issuer=ISSUER,
        options={
            "verify_exp": jwt_settings.JWT_VERIFY_EXPIRATION if verify_exp is None else verify_exp,
            "require": ["exp", "iat", "iss", "aud"],
        },
    )


# --- What the rest of the code calls ----------------------------------------------------------
COOKIE_NAME = jwt_settings.JWT_COOKIE_NAME


def token_from_request(request: HttpRequest) -> str | None:
    """The ``Authorization: Bearer`` token, else the ``jwt`` cookie (API.md §1.2)."""
    return jwt_utils.get_http_authorization(request) or None


def token_is_from_cookie(request: HttpRequest) -> bool:
    """Whether the credential ``token_from_request`` gives is the ``jwt`` cookie.

    A browser sends the cookie on its own, also on requests another site makes it send, so
    such a request must pass the CSRF check; a Bearer header is always the client's doing.
    """
    header = request.META.get(jwt_settings.JWT_AUTH_HEADER_NAME, "").split()
    if len(header) == 2 and header[0].lower() == jwt_settings.JWT_AUTH_HEADER_PREFIX.lower():
        return False
    return bool(request.COOKIES.get(COOKIE_NAME))


# Tokens whose signature, issuer and audience verified, with their claims until they expire.
MAX_VERIFIED = 4096
_verified = VerifiedTokens(MAX_VERIFIED)


def read_token(token: str, *, verify_exp: bool = True) -> dict[str, Any]:
    """Verify signature, algorithm, issuer, audience and (by default) expiry.

    Returns a fresh dict; a token seen before is checked against its expiry only.
    """
    if verify_exp:
        known = _verified.claims(token)  # an expired one is verified again below, and refused
        if known is not None:
            return known
    try:
        if not verify_exp:
            return decode_handler(token, verify_exp=False)
        claims = jwt_utils.get_payload(token)
    except jwt_exceptions.JSONWebTokenExpired as exc:
        raise TokenExpired(str(exc)) from exc
    except (jwt_exceptions.JSONWebTokenError, jwt.PyJWTError, ValueError) as exc:
        raise TokenError(str(exc)) from exc
    expires = claims.get("exp")
    # Only tokens whose expiry is checked here are kept (JWT_VERIFY_EXPIRATION is on).
    if jwt_settings.JWT_VERIFY_EXPIRATION and isinstance(expires, int | float):
        _verified.remember(token, claims, float(expires))
    return claims


def _claims(issued_at: datetime, expires_at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "aud": signing_keys().audience,
        "iss": ISSUER,
    }


# --- Lifetimes: API key expirations and the session token lifetime (API.md §1.3-1.4) ---------
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {
    "ms": Decimal("0.001"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
    "d": Decimal(86400),
    "w": Decimal(7 * 86400),
    "y": Decimal("365.25") * 86400,
}
# A token must outlive its own request; beyond ~100 years datetime arithmetic overflows.
MIN_LIFETIME = timedelta(seconds=1)
MAX_LIFETIME = timedelta(days=36525)


def parse_duration(text: str | None) -> timedelta:
    """``<number><unit>`` with unit ms, s, m, h, d, w or y (365.25 days)."""
    found = _DURATION.match(text or "")
    if not found:
        raise DomainError(ErrorKey.INVALID_INPUT, f"bad expiration {text!r}")
    try:
        seconds = Decimal(found.group(1)) * _UNIT_SECONDS[found.group(2).lower()]
    except InvalidOperation as exc:
        raise DomainError(ErrorKey.INVALID_INPUT, f"bad expiration {text!r}") from exc
    if not MIN_LIFETIME.total_seconds() <= seconds <= MAX_LIFETIME.total_seconds():
        raise DomainError(ErrorKey.INVALID_INPUT, "expiration out of range")
    return timedelta(seconds=float(seconds))


def session_lifetime() -> timedelta:
    """The ``auth.tokenExpiration`` setting (default 30m); the Django setting if unreadable."""
    from wiki.config import get_setting

    try:
        return parse_duration(str(get_setting("auth").get("tokenExpiration") or ""))
    except DomainError:
        return jwt_settings.JWT_EXPIRATION_DELTA


def session_renewal() -> timedelta:
    """The ``auth.tokenRenewal`` setting (default 14d): how long after its expiry a session
    token can still be exchanged for a new one (API.md §1.3)."""
    from wiki.config import DEFAULTS, get_setting

    try:
        return parse_duration(str(get_setting("auth").get("tokenRenewal") or ""))
    except DomainError:
        return parse_duration(DEFAULTS["auth"]["tokenRenewal"])


# How a session was signed in to (RFC 8176 ``amr`` values), carried in the token's ``amr``
# claim (an addition to §1.3) so that the admin can ask for a second factor (admin_login).
PASSWORD = "pwd"  # noqa: S105 - a method name
ONE_TIME_CODE = "otp"
PASSKEY = "hwk"
MAILED_LINK = "mail"
SECOND_FACTORS = frozenset({ONE_TIME_CODE, PASSKEY})


def issue_session_token(
    user, *, lifetime: timedelta | None = None, methods: tuple[str, ...] = ()
) -> str:
    """A user session token (§1.3). Groups are informational; access is read per request."""
    now = timezone.now()
    lifetime = lifetime or session_lifetime()
    group_ids = [str(pk) for pk in user.groups.values_list("pk", flat=True)]
    extra = {"amr": list(methods)} if methods else {}
    payload = _claims(
        now, now + lifetime, id=str(user.pk), email=user.email, groups=group_ids, **extra
    )
    return jwt_settings.JWT_ENCODE_HANDLER(payload)


def sign_in_methods(claims: dict[str, Any]) -> tuple[str, ...]:
    """The ``amr`` of verified session claims (empty for older tokens or malformed values)."""
    methods = claims.get("amr")
    if not isinstance(methods, list):
        return ()
    return tuple(method for method in methods if isinstance(method, str))


def issue_api_key_token(
    key_id, group_ids: list[str], issued_at: datetime, expires_at: datetime
) -> str:
    payload = _claims(issued_at, expires_at, api=str(key_id), grp=[str(g) for g in group_ids])
    return jwt_settings.JWT_ENCODE_HANDLER(payload)


def digest(token: str) -> str:
    """What the database keeps of an API key: its SHA-256, never the key."""
    return hashlib.sha256(token.encode()).hexdigest()


def digest_matches(api_key, token: str) -> bool:
    """Whether ``token`` is the key whose digest ``api_key`` stores (constant-time compare)."""
    return hmac.compare_digest(str(api_key.key_digest or ""), digest(token))


def public_jwk() -> dict[str, Any]:
    numbers = signing_keys().public_key.public_numbers()

    def b64(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {"kty": "RSA", "alg": "RS256", "use": "sig", "n": b64(numbers.n), "e": b64(numbers.e)}
