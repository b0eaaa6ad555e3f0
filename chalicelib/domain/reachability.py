"""Who can still reach the course's minimum attendance (docs/product.md, "Early warning").

`held_seconds` is the length of the sessions held so far (every session the LCE sent), capped at
the accredited hours. A participant's `max_reachable_percent` is what they would end with if they
attended all the accredited time not yet held: (credited + accredited − held) ÷ accredited,
truncated and capped at 100, as the attendance percentage is. Their `risk`:

- while the course runs (its end date is today or later, Chile time): `unreachable` when the
  maximum reachable is below the course's minimum; `at_risk` when it is still reachable but their
  rate so far (credited ÷ held) is below the minimum; `ok` otherwise;
- once the course has ended (its end date before today): `below_minimum` when their percentage is
  below the minimum, `ok` otherwise.

A course without a minimum (Aprendizajes) has every participant `ok`. An entry without exit credits
nothing (the attendance rule), so it counts as absence here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .attendance import FULL_PERCENT, ParticipantAttendance, Session
from .courses import Course

HOUR = 3600


class Risk(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    UNREACHABLE = "unreachable"
    BELOW_MINIMUM = "below_minimum"

    def label(self, minimum: int | None) -> str:
        """The words the screens and workbooks show (never colour alone)."""
        floor = f"{minimum} %" if minimum is not None else "el mínimo"
        return {
            Risk.OK: "",
            Risk.AT_RISK: "En riesgo",
            Risk.UNREACHABLE: f"No alcanza el {floor}",
            Risk.BELOW_MINIMUM: f"Bajo {floor}",
        }[self]


@dataclass(frozen=True)
class Reach:
    held_seconds: int
    max_reachable_percent: int
    risk: Risk


def held_seconds(sessions: Iterable[Session], accredited_hours: int) -> int:
    """The length of the sessions held so far, never more than the accredited hours."""
    held = sum(session.length.seconds for session in sessions)
    return max(0, min(held, accredited_hours * HOUR))


def has_ended(course: Course, today: date) -> bool:
    """Ended once its end date is before today (Chile): the last day still counts as running."""
    return course.end_date < today


def reach(course: Course, attendance: ParticipantAttendance, held: int, today: date) -> Reach:
    """One participant's reach in `course`, given the seconds `held` so far (`held_seconds`)."""
    accredited = course.accredited_hours * HOUR
    credited = min(attendance.credited.seconds, accredited)
    if accredited <= 0:
        return Reach(held, 0, Risk.OK)
    maximum = min(FULL_PERCENT, (credited + max(0, accredited - held)) * 100 // accredited)
    minimum = course.minimum_percent
    if minimum is None:
        risk = Risk.OK
    elif has_ended(course, today):
        risk = Risk.BELOW_MINIMUM if attendance.percent < minimum else Risk.OK
    elif maximum < minimum:
        risk = Risk.UNREACHABLE
    elif held > 0 and credited * 100 < minimum * held:
        risk = Risk.AT_RISK
    else:
        risk = Risk.OK
    return Reach(held, maximum, risk)
