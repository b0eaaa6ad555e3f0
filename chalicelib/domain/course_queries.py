"""Reading courses: the search form and its pages, what a person may see, and the attendance views."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from .access import Principal
from .attendance import ParticipantAttendance, Session, evaluate_participant
from .certificates import AnnulmentRequest, Certificate, CertificateState
from .courses import Course, Participant, Program, course_not_found, parse_course_code, parse_sence_code
from .errors import InvalidInputError
from .reachability import Reach, held_seconds, reach
from .text import padded, trim

PAGE_SIZES = (10, 25, 50, 100)
PICK_PROGRAM = "Elija un programa."
PICK_CRITERION = "Elija un criterio de búsqueda."
MAX_PAGE = 100_000


class Criterion(StrEnum):
    COURSE_CODE = "course_code"
    ACTION_ID = "action_id"
    SENCE_CODE = "sence_code"
    STATE = "state"
    START_DATE = "start_date"

    @property
    def label(self) -> str:
        return _CRITERION_LABELS[self]


_CRITERION_LABELS = {
    Criterion.COURSE_CODE: "Código Curso",
    Criterion.ACTION_ID: "ID Acción",
    Criterion.SENCE_CODE: "Código SENCE",
    Criterion.STATE: "Estado del certificado",
    Criterion.START_DATE: "Fecha de inicio",
}

SEARCH_DAY_PATTERN = padded("[0-9]{2}[-/][0-9]{2}[-/][0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DMY = re.compile(r"([0-9]{2})[-/]([0-9]{2})[-/]([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DIGITS = re.compile(r"[0-9]{1,6}")


def parse_day(raw: object, *, field: str) -> date:
    """`dd-mm-aaaa` as the screens show it, or ISO `aaaa-mm-dd`."""
    text = trim(raw) if isinstance(raw, str) else ""
    match = _DMY.fullmatch(text)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        match = _ISO.fullmatch(text)
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        pass
    raise InvalidInputError("Ingrese una fecha válida con la forma dd-mm-aaaa.", field=field)


@dataclass(frozen=True)
class CourseSearch:
    program: Program
    criterion: Criterion
    value: str = ""
    date_from: date | None = None
    date_to: date | None = None


def parse_search(params: Mapping[str, str]) -> CourseSearch:
    """The search form: program and criterion are mandatory, then the criterion's own fields.

    A date sent is read whatever the criterion (a malformed one is an error, an empty one is no date).
    """
    if not params.get("program"):
        raise InvalidInputError(PICK_PROGRAM, field="program")
    program = Program.parse(params.get("program"))
    raw_criterion = params.get("criterion", "")
    try:
        criterion = Criterion(raw_criterion)
    except ValueError:
        raise InvalidInputError(PICK_CRITERION, field="criterion") from None
    value = trim(params.get("value") or "")
    raw_from, raw_to = params.get("from") or "", params.get("to") or ""
    given_from = parse_day(raw_from, field="from") if raw_from else None
    given_to = parse_day(raw_to, field="to") if raw_to else None
    if criterion in (Criterion.COURSE_CODE, Criterion.ACTION_ID):
        return CourseSearch(program, criterion, parse_course_code(value, field="value"))
    if criterion is Criterion.SENCE_CODE:
        return CourseSearch(program, criterion, parse_sence_code(value, field="value"))
    if criterion is Criterion.STATE:
        return CourseSearch(program, criterion, CertificateState.parse(value, field="value").value)
    date_from = given_from or parse_day(raw_from, field="from")
    date_to = given_to or parse_day(raw_to, field="to")
    if date_to < date_from:
        raise InvalidInputError("La fecha final no puede ser anterior a la inicial.", field="to")
    return CourseSearch(program, criterion, date_from=date_from, date_to=date_to)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    page: int
    page_size: int

    @property
    def first(self) -> int:
        return 0 if not self.items else (self.page - 1) * self.page_size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def parse_paging(params: Mapping[str, str]) -> tuple[int, int]:
    raw_page = params.get("page") or "1"
    raw_size = params.get("page_size") or str(PAGE_SIZES[0])
    if not _DIGITS.fullmatch(raw_page) or not 1 <= int(raw_page) <= MAX_PAGE:
        raise InvalidInputError("La página debe ser un número desde 1.", field="page")
    if not _DIGITS.fullmatch(raw_size) or int(raw_size) not in PAGE_SIZES:
        sizes = ", ".join(str(size) for size in PAGE_SIZES)
        raise InvalidInputError(f"Registros por página: {sizes}.", field="page_size")
    return int(raw_page), int(raw_size)


def paginate(items: Sequence[T], page: int, page_size: int) -> Page[T]:
    start = (page - 1) * page_size
    return Page(tuple(items[start : start + page_size]), len(items), page, page_size)


def visible_courses(principal: Principal, search: CourseSearch, found: Iterable[Course]) -> list[Course]:
    """What the search shows this person: their institution (and region) and the program asked for,
    by start date then code."""
    principal.ensure_otec()
    visible = [c for c in found if c.program is search.program and principal.sees_course(c)]
    return sorted(visible, key=lambda c: (c.start_date, c.course_code))


def visible_course(principal: Principal, course: Course | None, course_code: str) -> Course:
    if course is None:
        raise course_not_found(course_code)
    principal.ensure_sees_course(course)
    return course


@dataclass(frozen=True)
class CourseDetail:
    course: Course
    certificates: tuple[Certificate, ...]
    annulments: tuple[AnnulmentRequest, ...]


def course_detail(
    course: Course, certificates: Iterable[Certificate], annulments: Iterable[AnnulmentRequest]
) -> CourseDetail:
    """Datos del Curso SENCE, with every certificate the course had and its annulment history, oldest first."""
    return CourseDetail(
        course,
        tuple(sorted(certificates, key=lambda c: c.issued_at)),
        tuple(sorted(annulments, key=lambda a: a.requested_at)),
    )


@dataclass(frozen=True)
class ParticipantRow:
    participant: Participant
    attendance: ParticipantAttendance
    below_minimum: bool
    reach: Reach


@dataclass(frozen=True)
class CourseAttendance:
    course: Course
    rows: tuple[ParticipantRow, ...]
    sessions: tuple[Session, ...]


def course_attendance(
    course: Course, participants: Iterable[Participant], sessions: Iterable[Session], today: date
) -> CourseAttendance:
    """Every participant's percentage and reach (Listado de Participantes), by name; `today` in Chile."""
    ordered = sorted(participants, key=lambda p: (p.name, p.rut))
    held = tuple(sessions)
    seconds = held_seconds(held, course.accredited_hours)
    rows = []
    for participant in ordered:
        attendance = evaluate_participant(participant.rut, held, course.accredited_hours)
        below = course.is_below_minimum(attendance.percent)
        rows.append(ParticipantRow(participant, attendance, below, reach(course, attendance, seconds, today)))
    return CourseAttendance(course, tuple(rows), held)


@dataclass(frozen=True)
class ParticipantSessions:
    course: Course
    participant: Participant
    attendance: ParticipantAttendance
    reach: Reach


def participant_sessions(
    course: Course, participant: Participant, sessions: Iterable[Session], today: date
) -> ParticipantSessions:
    """Revisión de asistencia de un participante, with their reach; `today` in Chile."""
    held = tuple(sessions)
    attendance = evaluate_participant(participant.rut, held, course.accredited_hours)
    seconds = held_seconds(held, course.accredited_hours)
    return ParticipantSessions(course, participant, attendance, reach(course, attendance, seconds, today))
