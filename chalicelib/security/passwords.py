"""scrypt password hashes (memory-hard, standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_N = 2**14
_R = 8
_P = 1
_DKLEN = 32
_PREFIX = "scrypt"
# Verified when the RUT is unknown, so that both answers cost the same time.
_DUMMY = f"{_PREFIX}${_N}${_R}${_P}$" + "A" * 22 + "$" + "A" * 43


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


class ScryptHasher:
    def hash_password(self, password: str) -> str:
        salt = os.urandom(16)
        digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
        return f"{_PREFIX}${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"

    def verify_password(self, password: str, encoded: str | None) -> bool:
        known = encoded is not None
        try:
            prefix, n, r, p, salt, digest = (encoded or _DUMMY).split("$")
            if prefix != _PREFIX:
                return False
            expected = _unb64(digest)
            actual = hashlib.scrypt(
                password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
            )
        except (ValueError, TypeError):
            return False
        return hmac.compare_digest(actual, expected) and known
