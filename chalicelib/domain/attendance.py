"""The attendance rule behind every percentage (docs/product.md, "Attendance").

A session runs from the facilitator's start mark to their end mark. A participant's credited time
in a session is the union of their [entry, exit] intervals clipped to the session, where an entry no
later than 20 minutes after the start counts from the start. An entry without exit credits nothing
and is reported. The percentage is credited time over accredited hours, capped at 100 and truncated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property

from .duration import ZERO, Duration
from .rut import Rut

GRACE = timedelta(minutes=20)
FULL_PERCENT = 100


@dataclass(frozen=True)
class Mark:
    """One entry/exit pair of a participant as the LCE recorded it."""

    rut: Rut
    entry: datetime
    exit: datetime | None


@dataclass(frozen=True)
class Session:
    """One class, opened and closed by its facilitator."""

    session_id: str
    facilitator: str
    start: datetime
    end: datetime
    marks: tuple[Mark, ...] = ()

    @property
    def length(self) -> Duration:
        return Duration(max(0, int((_utc(self.end) - _utc(self.start)).total_seconds())))

    def marks_of(self, rut: Rut) -> list[Mark]:
        return list(self._marks_by_rut.get(rut, ()))

    @cached_property
    def _marks_by_rut(self) -> dict[Rut, tuple[Mark, ...]]:
        # Built once per session: a course's list asks every session for every participant's marks.
        grouped: dict[Rut, list[Mark]] = {}
        for mark in self.marks:
            grouped.setdefault(mark.rut, []).append(mark)
        return {rut: tuple(marks) for rut, marks in grouped.items()}


class IncidentKind(StrEnum):
    ENTRY_WITHOUT_EXIT = "entry_without_exit"
    EXIT_BEFORE_ENTRY = "exit_before_entry"


@dataclass(frozen=True)
class Incident:
    kind: IncidentKind
    rut: Rut
    session_id: str
    entry: datetime


@dataclass(frozen=True)
class SessionAttendance:
    """What one participant got out of one session: the row of "Revisión de asistencia"."""

    session: Session
    credited: Duration
    first_entry: datetime | None
    last_exit: datetime | None
    grace_applied: bool
    incidents: tuple[Incident, ...] = field(default=())


def _utc(moment: datetime) -> datetime:
    # Arithmetic on two times of one ZoneInfo ignores a daylight-saving jump between them; UTC does not.
    return moment.astimezone(UTC)


def evaluate_session(session: Session, rut: Rut) -> SessionAttendance:
    """Credit one participant's marks in one session."""
    intervals: list[tuple[datetime, datetime]] = []
    incidents: list[Incident] = []
    grace_applied = False
    session_start, session_end = _utc(session.start), _utc(session.end)
    complete: list[Mark] = []
    for mark in sorted(session.marks_of(rut), key=lambda m: _utc(m.entry)):
        if mark.exit is None:
            incidents.append(Incident(IncidentKind.ENTRY_WITHOUT_EXIT, rut, session.session_id, mark.entry))
            continue
        entry, exit_ = _utc(mark.entry), _utc(mark.exit)
        if exit_ < entry:
            incidents.append(Incident(IncidentKind.EXIT_BEFORE_ENTRY, rut, session.session_id, mark.entry))
            continue
        complete.append(mark)
        if session_start < entry <= session_start + GRACE and entry < session_end:
            entry = session_start
            grace_applied = True
        start = max(entry, session_start)
        end = min(exit_, session_end)
        if end > start:
            intervals.append((start, end))
    return SessionAttendance(
        session=session,
        credited=_union_length(intervals),
        first_entry=min((m.entry for m in complete), key=_utc, default=None),
        last_exit=max((m.exit for m in complete if m.exit is not None), key=_utc, default=None),
        grace_applied=grace_applied,
        incidents=tuple(incidents),
    )


def _union_length(intervals: Iterable[tuple[datetime, datetime]]) -> Duration:
    total = 0.0
    current_start: datetime | None = None
    current_end: datetime | None = None
    for start, end in sorted(intervals):
        if current_end is None or current_start is None or start > current_end:
            if current_end is not None and current_start is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_end is not None and current_start is not None:
        total += (current_end - current_start).total_seconds()
    return Duration(int(total))


def attendance_percent(credited: Duration, accredited_hours: int) -> int:
    """Truncated, never rounded up, and capped at 100."""
    if accredited_hours <= 0:
        return 0
    return min(FULL_PERCENT, credited.seconds * 100 // (accredited_hours * 3600))


@dataclass(frozen=True)
class ParticipantAttendance:
    rut: Rut
    sessions: tuple[SessionAttendance, ...]
    credited: Duration
    percent: int

    @property
    def incidents(self) -> tuple[Incident, ...]:
        return tuple(incident for row in self.sessions for incident in row.incidents)


def evaluate_participant(rut: Rut, sessions: Sequence[Session], accredited_hours: int) -> ParticipantAttendance:
    """Every session of the course for one participant, in session order."""
    rows = tuple(evaluate_session(session, rut) for session in sorted(sessions, key=lambda s: _utc(s.start)))
    credited = sum((row.credited for row in rows), ZERO)
    return ParticipantAttendance(rut, rows, credited, attendance_percent(credited, accredited_hours))
