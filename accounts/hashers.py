"""Password hashes brought from a Wiki.js 2 installation (issue 14, ``import_wikijs2``).

Wiki.js 2 stores bcrypt hashes (``$2a$<cost>$<salt+digest>``, made by bcryptjs from the
password as typed). An imported user's password is kept as ``wikijs2_bcrypt$<that hash>``, so
that the user signs in with the password they have; Django's ``check_password`` then finds
this hasher is not the preferred one (Argon2, ``PASSWORD_HASHERS``'s first) and stores the
password again with Argon2 at that first sign-in. Nothing here ever makes a new bcrypt hash
for a password of this server.
"""

from __future__ import annotations

import bcrypt
from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop as _

# bcrypt reads at most 72 bytes of a password; bcryptjs ignored the rest, and bcrypt 5
# refuses longer input instead, so the rest is dropped here as Wiki.js 2 dropped it.
BCRYPT_MAX_BYTES = 72


def _password_bytes(password: str) -> bytes:
    return password.encode("utf-8")[:BCRYPT_MAX_BYTES]


class WikiJs2BcryptHasher(BasePasswordHasher):
    """Checks a password against a Wiki.js 2 bcrypt hash; never the preferred hasher."""

    algorithm = "wikijs2_bcrypt"
    # Wiki.js 2's own cost; only ``encode`` (tests, the import's checks) uses it.
    rounds = 12

    def salt(self) -> str:
        return bcrypt.gensalt(self.rounds).decode("ascii")

    def encode(self, password: str, salt: str) -> str:
        hashed = bcrypt.hashpw(_password_bytes(password), salt.encode("ascii"))
        return f"{self.algorithm}${hashed.decode('ascii')}"

    def decode(self, encoded: str) -> dict:
        algorithm, _, hashed = encoded.partition("$")
        assert algorithm == self.algorithm
        # "$2a$12$" + 22 characters of salt + 31 of digest.
        return {
            "algorithm": algorithm,
            "hash": hashed,
            "salt": hashed[:29],
            "work_factor": int(hashed[4:6]) if hashed[4:6].isdigit() else 0,
        }

    def verify(self, password: str, encoded: str) -> bool:
        hashed = self.decode(encoded)["hash"].encode("ascii")
        try:
            return bcrypt.checkpw(_password_bytes(password), hashed)
        except ValueError:
            return False  # not a bcrypt hash (a damaged import): never a match

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("work factor"): decoded["work_factor"],
            _("salt"): mask_hash(decoded["salt"][7:]),
            _("hash"): mask_hash(decoded["hash"][29:]),
        }

    def must_update(self, encoded: str) -> bool:
        return True  # always stored again with the preferred hasher

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass  # bcrypt's cost is fixed by the imported hash

    def constant_time_equal(self, a: str, b: str) -> bool:
        return constant_time_compare(a, b)
