"""One type for amounts of time, shown as HH:MM:SS."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Duration:
    seconds: int

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.seconds + other.seconds)

    def hhmmss(self) -> str:
        """Hours may exceed 24 (a course total); never negative."""
        total = max(self.seconds, 0)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}"

    def __str__(self) -> str:
        return self.hhmmss()


ZERO = Duration(0)
