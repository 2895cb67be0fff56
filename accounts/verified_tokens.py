"""Tokens already verified in this process, by SHA-256: their claims until they expire.

A client sends the same token on every request, and the RSA check is most of the cost of
reading it, so each verifier (``accounts.tokens`` for this server's key, ``accounts.legacy_keys``
for an imported Wiki.js 2 key) remembers what it verified. Bounded: full, it starts again.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any


class VerifiedTokens:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._known: dict[bytes, tuple[dict[str, Any], float]] = {}

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def claims(self, token: str) -> dict[str, Any] | None:
        """A fresh copy of the claims of ``token`` if verified before and not yet expired; an
        expired one is forgotten (and then verified again by the caller, and refused)."""
        digest = self._digest(token)
        known = self._known.get(digest)
        if known is None:
            return None
        claims, expires = known
        if time.time() < expires:
            return dict(claims)
        self._known.pop(digest, None)
        return None

    def remember(self, token: str, claims: dict[str, Any], expires: float) -> None:
        if len(self._known) >= self.limit:
            self._known.clear()
        self._known[self._digest(token)] = (dict(claims), float(expires))

    def clear(self) -> None:
        self._known.clear()

    def __len__(self) -> int:
        return len(self._known)
