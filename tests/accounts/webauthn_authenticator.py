"""A software WebAuthn authenticator and client for the tests (the browser's half of passkeys).

It builds what a browser hands a relying party, byte for byte as the specification lays it
out, with its own CBOR encoder and ``cryptography``'s P-256 keys, so the server's ``webauthn``
library verifies real attestations and assertions rather than anything it produced itself:

* registration: ``clientDataJSON`` (type ``webauthn.create``, the challenge, the origin) and an
  ``attestationObject`` of format ``none`` whose authenticator data holds the SHA-256 of the
  relying-party id, the flags (UP, UV, AT), the sign counter and the attested credential (AAGUID,
  credential id, COSE EC2 public key);
* sign-in: ``clientDataJSON`` (type ``webauthn.get``), authenticator data without the attested
  credential, and an ECDSA-SHA256 signature over ``authenticatorData || SHA-256(clientDataJSON)``.

Every field a test may want to falsify (origin, relying party, challenge, flags, counter, user
handle, credential id) is a keyword argument.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40
AAGUID = bytes.fromhex("0123456789abcdef0123456789abcdef")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- CBOR (RFC 8949): the few types WebAuthn uses ---------------------------------------------
def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for extra, size, fmt in ((24, 1, ">B"), (25, 2, ">H"), (26, 4, ">I"), (27, 8, ">Q")):
        if value < 1 << (8 * size):
            return bytes([major << 5 | extra]) + struct.pack(fmt, value)
    raise ValueError(value)


def cbor(value) -> bytes:
    if isinstance(value, bool) or value is None:
        raise TypeError("not needed here")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode()
        return _head(3, len(data)) + data
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


# --- the authenticator ------------------------------------------------------------------------
@dataclass
class Credential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
    ).encode()


class SoftwareAuthenticator:
    """A platform authenticator with discoverable credentials, used from ``origin``."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.credentials: dict[str, Credential] = {}

    def create(
        self,
        options: dict,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        challenge: str | None = None,
        user_verified: bool = True,
        user_present: bool = True,
        sign_count: int = 0,
        credential_id: bytes | None = None,
        claimed_id: str | None = None,
        client_data_type: str = "webauthn.create",
    ) -> dict:
        """``navigator.credentials.create()``'s answer to creation ``options``, as JSON."""
        credential = Credential(
            credential_id=credential_id or os.urandom(32),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=rp_id or options["rp"]["id"],
            user_handle=unb64url(options["user"]["id"]),
            sign_count=sign_count,
        )
        flags = FLAG_AT | (FLAG_UP if user_present else 0) | (FLAG_UV if user_verified else 0)
        auth_data = (
            hashlib.sha256(credential.rp_id.encode()).digest()
            + bytes([flags])
            + struct.pack(">I", sign_count)
            + AAGUID
            + struct.pack(">H", len(credential.credential_id))
            + credential.credential_id
            + credential.cose_public_key()
        )
        attestation = cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = _client_data(
            client_data_type, challenge or options["challenge"], origin or self.origin
        )
        self.credentials[credential.id] = credential
        wire_id = claimed_id or credential.id
        return {
            "id": wire_id,
            "rawId": wire_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(
        self,
        options: dict,
        *,
        credential: Credential | str | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        challenge: str | None = None,
        user_verified: bool = True,
        user_present: bool = True,
        sign_count: int | None = None,
        user_handle: str | None = None,
        client_data_type: str = "webauthn.get",
    ) -> dict:
        """``navigator.credentials.get()``'s answer to request ``options``, as JSON.

        The credential is the given one, else the first allowed one this authenticator holds.
        The counter goes up by one unless ``sign_count`` says what to report.
        """
        if credential is None:
            allowed = [item["id"] for item in options.get("allowCredentials", [])]
            credential = next(self.credentials[i] for i in allowed if i in self.credentials)
        elif isinstance(credential, str):
            credential = self.credentials[credential]
        credential.sign_count = credential.sign_count + 1 if sign_count is None else sign_count
        flags = (FLAG_UP if user_present else 0) | (FLAG_UV if user_verified else 0)
        auth_data = (
            hashlib.sha256((rp_id or credential.rp_id).encode()).digest()
            + bytes([flags])
            + struct.pack(">I", credential.sign_count)
        )
        client_data = _client_data(
            client_data_type, challenge or options["challenge"], origin or self.origin
        )
        signature = credential.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": credential.id,
            "rawId": credential.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(credential.user_handle)
                if user_handle is None
                else user_handle,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
