"""Chile's time zone and the clock port."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

CHILE = ZoneInfo("America/Santiago")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def today_in_chile(clock: Clock) -> date:
    """The calendar day in Chile: courses start, end and become due by it."""
    return clock.now().astimezone(CHILE).date()
