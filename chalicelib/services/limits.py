"""Volume limits per client address, checked first by the use cases that a stranger can call."""

from __future__ import annotations

import math

from ..domain.errors import TooManyRequestsError
from ..domain.limits import WINDOW, Limited, too_many_message
from .ports import Ports

UNKNOWN_CLIENT = "desconocido"


def limit_of(ports: Ports, kind: Limited) -> int:
    settings = ports.settings
    return {
        Limited.LOGIN: settings.rate_limit_login_per_min,
        Limited.VERIFY: settings.rate_limit_verify_per_min,
        Limited.REVIEW: settings.rate_limit_review_per_min,
    }[kind]


def admit(ports: Ports, kind: Limited, client: str) -> None:
    """Count this request of `client`; TooManyRequestsError (429, with when to retry) past the limit."""
    now = ports.clock.now()
    until = ports.rate_limits.hit(kind.value, client or UNKNOWN_CLIENT, now, limit_of(ports, kind), WINDOW)
    if until is None:
        return
    ports.metrics.count("RateLimited")
    retry_after = max(1, math.ceil((until - now).total_seconds()))
    raise TooManyRequestsError(too_many_message(retry_after), retry_after=retry_after)
