"""Limits on volume per client address: how many logins, verifications and review-link requests one
address may make in a minute before it is asked to wait."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

WINDOW = timedelta(minutes=1)


class Limited(Enum):
    """The kinds of request that share one count per client address."""

    LOGIN = "login"
    # Verification by number and code, code guesses and PDF uploads count together.
    VERIFY = "verify"
    REVIEW = "review"


def too_many_message(retry_after: int) -> str:
    unit = "segundo" if retry_after == 1 else "segundos"
    return f"Demasiadas solicitudes desde su conexión en poco tiempo. Espere {retry_after} {unit} e intente nuevamente."
