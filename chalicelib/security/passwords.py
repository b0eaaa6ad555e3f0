"""scrypt password hashes (memory-hard, standard library), at OWASP's current recommendation.

OWASP's Password Storage Cheat Sheet: scrypt with N = 2^17 (128 MiB), r = 8, p = 1. A hash made
with a lower cost verifies and is re-hashed at the current cost on the next good login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_R = 8
_P = 1
_DKLEN = 32
_PREFIX = "scrypt"
OWASP_LOG2_N = 17


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _maxmem(n: int, r: int) -> int:
    # scrypt needs 128·r·N bytes (and a little more); OpenSSL refuses above 32 MiB unless told.
    return 128 * r * n + 2 * 1024 * 1024


class ScryptHasher:
    def __init__(self, log2_n: int = OWASP_LOG2_N) -> None:
        self._n = 2**log2_n
        # Verified when the RUT is unknown, so that both answers cost the same time.
        self._dummy = f"{_PREFIX}${self._n}${_R}${_P}$" + "A" * 22 + "$" + "A" * 43

    def hash_password(self, password: str) -> str:
        salt = os.urandom(16)
        digest = hashlib.scrypt(
            password.encode(), salt=salt, n=self._n, r=_R, p=_P, dklen=_DKLEN, maxmem=_maxmem(self._n, _R)
        )
        return f"{_PREFIX}${self._n}${_R}${_P}${_b64(salt)}${_b64(digest)}"

    def verify_password(self, password: str, encoded: str | None) -> bool:
        known = encoded is not None
        try:
            prefix, n, r, p, salt, digest = (encoded or self._dummy).split("$")
            if prefix != _PREFIX:
                return False
            expected = _unb64(digest)
            actual = hashlib.scrypt(
                password.encode(),
                salt=_unb64(salt),
                n=int(n),
                r=int(r),
                p=int(p),
                dklen=len(expected),
                maxmem=_maxmem(int(n), int(r)),
            )
        except (ValueError, TypeError):
            return False
        return hmac.compare_digest(actual, expected) and known

    def needs_rehash(self, encoded: str) -> bool:
        """True when `encoded` was made at a lower cost than the current one."""
        try:
            prefix, n, r, p, _salt, _digest = encoded.split("$")
            return prefix != _PREFIX or int(n) < self._n or int(r) < _R or int(p) < _P
        except ValueError:
            return True
