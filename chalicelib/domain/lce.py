"""LCE ingestion: the Libro de Clases Electrónico creates or replaces one session with its marks."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from .attendance import Mark, Session
from .certificates import ISSUABLE_STATES
from .clock import CHILE
from .courses import Course, course_not_found
from .errors import InvalidInputError, StateConflictError
from .rut import Rut
from .text import SPACES

MAX_MARKS = 2_000
MAX_FACILITATOR = 200
FACILITATOR_REQUIRED = f"Indique el nombre del facilitador (hasta {MAX_FACILITATOR} caracteres)."
SESSION_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
_SESSION_ID = re.compile(SESSION_ID_PATTERN)
# Marks are accepted while the course can be issued: until then, and again once SENCE approves a re-issue.
OPEN_STATES = ISSUABLE_STATES


class PushOutcome(StrEnum):
    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


# ISO 8601 date and time to the second (fractions allowed), with its UTC offset or without one.
MOMENT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})?$"
_MOMENT = re.compile(MOMENT_PATTERN)
# Something other than spaces (the facilitator's name).
NOT_BLANK_PATTERN = r"[^ \t\n\r]"


def parse_moment(raw: object, *, field: str) -> datetime:
    """ISO 8601 to the second; a time without offset is Chilean local time."""
    if not isinstance(raw, str) or not raw:
        raise InvalidInputError("Falta la fecha y hora (ISO 8601, ejemplo 2016-11-15T09:48:02-03:00).", field=field)
    try:
        if not _MOMENT.fullmatch(raw):
            raise ValueError(raw)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInputError(
            "La fecha y hora no es válida (ISO 8601, ejemplo 2016-11-15T09:48:02-03:00).", field=field
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHILE)


def parse_session(session_id: str, body: Mapping[str, Any]) -> Session:
    """The session as the LCE sends it, each field in its form; every error names its field. How its
    times relate to each other and to the course is checked against the course (`validate_against_course`)."""
    if not _SESSION_ID.fullmatch(session_id or ""):
        raise InvalidInputError(
            "El identificador de sesión admite letras, números, punto, guion y guion bajo (hasta 64).",
            field="session_id",
        )
    facilitator = body.get("facilitator")
    if not isinstance(facilitator, str) or not facilitator.strip(SPACES) or len(facilitator) > MAX_FACILITATOR:
        raise InvalidInputError(FACILITATOR_REQUIRED, field="facilitator")
    start = parse_moment(body.get("start"), field="start")
    end = parse_moment(body.get("end"), field="end")
    raw_marks = body.get("marks", [])
    if not isinstance(raw_marks, list):
        raise InvalidInputError("Las marcas deben venir en una lista.", field="marks")
    if len(raw_marks) > MAX_MARKS:
        raise InvalidInputError(f"Una sesión admite hasta {MAX_MARKS} marcas.", field="marks")
    marks = []
    for index, raw in enumerate(raw_marks):
        where = f"marks[{index}]"
        if not isinstance(raw, Mapping):
            raise InvalidInputError("Cada marca es un objeto con rut, entry y exit.", field=where)
        rut = Rut.parse(raw.get("rut"), field=f"{where}.rut")
        entry = parse_moment(raw.get("entry"), field=f"{where}.entry")
        exit_ = None if raw.get("exit") in (None, "") else parse_moment(raw.get("exit"), field=f"{where}.exit")
        marks.append(Mark(rut, entry, exit_))
    return Session(session_id, facilitator.strip(SPACES), start, end, tuple(marks))


def fingerprint(session: Session) -> str:
    """Identical pushes have identical fingerprints, whatever the order of the marks."""
    canonical = {
        "facilitator": session.facilitator,
        "start": session.start.isoformat(),
        "end": session.end.isoformat(),
        "marks": sorted(
            [m.rut.compact(), m.entry.isoformat(), m.exit.isoformat() if m.exit else ""] for m in session.marks
        ),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def validate_against_course(course: Course, session: Session, enrolled: set[Rut]) -> None:
    """The session ends after it starts, within the course's dates; every mark is of someone enrolled
    and leaves after it enters."""
    if session.end <= session.start:
        raise InvalidInputError("La marca de término de la sesión debe ser posterior a la de inicio.", field="end")
    first, last = course.start_date, course.end_date
    for field, moment in (("start", session.start), ("end", session.end)):
        local_day = moment.astimezone(CHILE).date()
        if not first <= local_day <= last:
            raise InvalidInputError(
                f"La sesión está fuera de las fechas del curso ({first:%d-%m-%Y} a {last:%d-%m-%Y}).", field=field
            )
    for index, mark in enumerate(session.marks):
        if mark.exit is not None and mark.exit < mark.entry:
            raise InvalidInputError(
                "La salida del participante es anterior a su entrada.", field=f"marks[{index}].exit"
            )
        if mark.rut not in enrolled:
            raise InvalidInputError(
                f"El RUT {mark.rut.formatted()} no está inscrito en el curso {course.course_code}.",
                field=f"marks[{index}].rut",
            )


def ensure_open(course: Course | None, institution: Rut, code: str) -> Course:
    """The institution's own course, still receiving marks."""
    if course is None or course.institution.rut != institution:
        raise course_not_found(code)
    if course.certificate_state not in OPEN_STATES:
        raise StateConflictError(
            f"El curso {code} tiene su certificado {course.certificate_state.label.lower()}; no recibe más marcas."
        )
    return course


def outcome_of(previous_fingerprint: str | None, digest: str) -> PushOutcome:
    """Repeating the same push changes nothing; a new session is created, a different one replaces it."""
    if previous_fingerprint == digest:
        return PushOutcome.UNCHANGED
    return PushOutcome.CREATED if previous_fingerprint is None else PushOutcome.REPLACED
