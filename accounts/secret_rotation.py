"""Everything sealed under ``SECRET_KEY``, and sealing it again after a key change.

``manage.py rotatesecrets`` walks this registry: each entry seals its values again under the
current ``SECRET_KEY`` (values already sealed under it are left alone), so that the old key can
then leave ``SECRET_KEY_FALLBACKS``. Whoever adds a sealed value adds its entry here
(docs/operations.md, "Rotating SECRET_KEY").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wiki import mail_settings, outbox

from . import legacy_keys, tokens, totp


@dataclass(frozen=True)
class SealedStore:
    """One kind of sealed value: ``reseal()`` seals its values again, returning how many."""

    name: str
    reseal: Callable[[], int]


def _reseal_signing_key() -> int:
    return 1 if tokens.reseal_signing_key() else 0


STORES: list[SealedStore] = [
    SealedStore("token signing key", _reseal_signing_key),
    SealedStore("TOTP secrets", totp.reseal_all),
    SealedStore("SMTP password and DKIM key", mail_settings.reseal_secrets),
    SealedStore("outbox messages", outbox.reseal_bodies),
    SealedStore("imported Wiki.js 2 signing key", legacy_keys.reseal_key),
]


def register(store: SealedStore) -> None:
    """Add a kind of sealed value (the SMTP password, the DKIM key) to the rotation."""
    if all(known.name != store.name for known in STORES):
        STORES.append(store)


def reseal_all() -> list[tuple[str, int]]:
    """Seal every registered value again under the current key: (store name, count) each.

    Raises ``wiki.secrets.SecretUnreadable`` for a value that no configured key opens.
    """
    return [(store.name, store.reseal()) for store in STORES]
