"""Signed, expiring bearer tokens (HMAC-SHA256 over a JSON payload), with rotatable keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from ..domain.auth import EXPIRED_SESSION as EXPIRED
from ..domain.auth import INVALID_SESSION as INVALID
from ..domain.errors import AuthenticationError, ExpiredCredentialsError

_VERSION = "v1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, keys: tuple[tuple[str, str], ...]) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self._keys = dict(keys)
        self._active_kid = keys[0][0]

    def _sign(self, kid: str, payload: str) -> str:
        mac = hmac.new(self._keys[kid].encode(), f"{_VERSION}.{kid}.{payload}".encode(), hashlib.sha256)
        return _b64(mac.digest())

    def issue(self, claims: dict[str, Any], now: datetime, ttl: timedelta) -> str:
        body = dict(claims, iat=int(now.timestamp()), exp=int((now + ttl).timestamp()))
        payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
        kid = self._active_kid
        return f"{_VERSION}.{kid}.{payload}.{self._sign(kid, payload)}"

    def read(self, token: str, now: datetime) -> dict[str, Any]:
        """The claims of a genuine, unexpired token.

        ExpiredCredentialsError once expired, AuthenticationError when not genuine.
        """
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != _VERSION or parts[1] not in self._keys:
            raise AuthenticationError(INVALID)
        _, kid, payload, signature = parts
        if not hmac.compare_digest(signature.encode(), self._sign(kid, payload).encode()):
            raise AuthenticationError(INVALID)
        try:
            claims = json.loads(_unb64(payload))
        except (ValueError, UnicodeDecodeError):
            raise AuthenticationError(INVALID) from None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            raise AuthenticationError(INVALID)
        if claims["exp"] <= int(now.timestamp()):
            raise ExpiredCredentialsError(EXPIRED)
        return claims
