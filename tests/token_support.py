"""Hand-made and checked session tokens (API.md §1.2, §1.3), shared by the token tests."""

from datetime import timedelta

import jwt
from django.utils import timezone

from accounts import tokens
from accounts.models import USERS_GROUP_ID


def claims_for(user, **changes) -> dict:
    """The claims of a valid 30-minute session token for ``user``; a change to None drops one."""
    now = timezone.now()
    claims = {
        "id": str(user.pk),
        "email": user.email,
        "groups": [str(USERS_GROUP_ID)],
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=30)).timestamp()),
        "aud": "urn:wiki.js",
        "iss": "urn:wiki.js",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def sign(claims: dict, key=None, algorithm: str = "RS256") -> str:
    """``claims`` signed with the wiki's private key unless another ``key`` is given."""
    return jwt.encode(claims, key or tokens.signing_keys().private_key, algorithm=algorithm)


def verified_claims(token: str, key=None) -> dict:
    """The claims of ``token`` after checking its RS256 signature, audience and issuer."""
    return jwt.decode(
        token,
        key or tokens.signing_keys().public_pem,
        algorithms=["RS256"],
        audience="urn:wiki.js",
        issuer="urn:wiki.js",
    )
