"""Reading courses: the search form and its pages, what a person may see, and the attendance views."""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from .access import Principal, Profile
from .attendance import ParticipantAttendance, Session, evaluate_participant
from .certificates import AnnulmentRequest, Certificate, CertificateNumber, CertificateState
from .courses import Course, Participant, Program, course_not_found, parse_course_code, parse_sence_code
from .errors import InvalidInputError
from .reachability import Reach, held_seconds, reach
from .rut import Rut
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
    END_DATE = "end_date"
    COMPANY_RUT = "company_rut"
    PARTICIPANT_RUT = "participant_rut"
    CERTIFICATE_NUMBER = "certificate_number"

    @property
    def label(self) -> str:
        return _CRITERION_LABELS[self]


_CRITERION_LABELS = {
    Criterion.COURSE_CODE: "Código Curso",
    Criterion.ACTION_ID: "ID Acción",
    Criterion.SENCE_CODE: "Código SENCE",
    Criterion.STATE: "Estado del certificado",
    Criterion.START_DATE: "Fecha de inicio",
    Criterion.END_DATE: "Fecha de término",
    Criterion.COMPANY_RUT: "RUT de la empresa",
    Criterion.PARTICIPANT_RUT: "RUT del participante",
    Criterion.CERTIFICATE_NUMBER: "N° de certificado",
}

# The criteria that find at most a handful of courses by key (one course, one certificate's course, the
# courses one person took): read whole, then cut into pages. The others page by key on an index.
LOOKUPS = frozenset(
    {Criterion.COURSE_CODE, Criterion.ACTION_ID, Criterion.PARTICIPANT_RUT, Criterion.CERTIFICATE_NUMBER}
)

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
    if criterion in (Criterion.COMPANY_RUT, Criterion.PARTICIPANT_RUT):
        return CourseSearch(program, criterion, Rut.parse(value, field="value").compact())
    if criterion is Criterion.CERTIFICATE_NUMBER:
        return CourseSearch(program, criterion, str(CertificateNumber.parse(value, field="value")))
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
    next_cursor: str | None = None
    prev_cursor: str | None = None

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


class ListKind(StrEnum):
    """The lists a search reads by key, each one index partition kept in (day, course code) order."""

    STATE = "state"
    START = "start"
    END = "end"
    SENCE = "sence"
    COMPANY = "company"


_LIST_OF = {
    Criterion.STATE: ListKind.STATE,
    Criterion.START_DATE: ListKind.START,
    Criterion.END_DATE: ListKind.END,
    Criterion.SENCE_CODE: ListKind.SENCE,
    Criterion.COMPANY_RUT: ListKind.COMPANY,
}


@dataclass(frozen=True)
class Listing:
    """One search list of one institution and program, read in key order: by the course's start date
    (its end date for `END`), then its code. `first`/`last` bound the day (both ends included);
    `regions` None is every region, otherwise only courses of those regions (a regional administrator)."""

    kind: ListKind
    institution: Rut
    program: Program
    value: str = ""
    first: date | None = None
    last: date | None = None
    regions: tuple[str, ...] | None = None


@dataclass(frozen=True, order=True)
class Position:
    """Where a course stands in a list: its sort day, then its code."""

    day: date
    course_code: str


def position_of(course: Course, kind: ListKind) -> Position:
    return Position(course.end_date if kind is ListKind.END else course.start_date, course.course_code)


def listing_for(principal: Principal, search: CourseSearch) -> Listing | None:
    """The index list a search reads (None for the lookups, which find a handful of courses by key)."""
    kind = _LIST_OF.get(search.criterion)
    if kind is None:
        return None
    regions = principal.grant.regions if principal.profile is Profile.REGIONAL_ADMIN else None
    return Listing(
        kind, principal.institution_rut, search.program, search.value, search.date_from, search.date_to, regions
    )


def cover_days(first: date, last: date) -> list[str]:
    """The fewest whole years (`yyyy`), months (`yyyy-mm`) and days (`yyyy-mm-dd`) that cover
    `first`..`last` exactly: at most about 80 spans plus the whole years, whatever the range."""
    spans: list[str] = []
    day = first
    while day <= last:
        year_end = date(day.year, 12, 31)
        month_end = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        if day.month == 1 and day.day == 1 and year_end <= last:
            spans.append(f"{day.year:04d}")
            day = year_end + timedelta(days=1)
        elif day.day == 1 and month_end <= last:
            spans.append(f"{day.year:04d}-{day.month:02d}")
            day = month_end + timedelta(days=1)
        else:
            spans.append(day.isoformat())
            day += timedelta(days=1)
    return spans


def locate(day_counts: Iterable[tuple[date, int]], offset: int) -> tuple[date, int] | None:
    """The day on which the list's item number `offset` (from 0) falls, and how many items of that day
    come before it: where a jump to a page starts reading. None when the list is shorter."""
    seen = 0
    for day, count in sorted(day_counts):
        if count > 0 and offset < seen + count:
            return day, offset - seen
        seen += max(count, 0)
    return None


# ---------------------------------------------------------------- cursors

BAD_CURSOR = "La posición de la página no es válida para esta búsqueda; vuelva a buscar."
_MAX_CURSOR = 200


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: `offset` (from 0) of its first item, and for a list read by key the course
    it follows (`after`) or, going back, the course it precedes (`before`)."""

    offset: int
    after: Position | None = None
    before: Position | None = None


def _fingerprint(search: CourseSearch, page_size: int) -> str:
    parts = [search.program.value, search.criterion.value, search.value, str(search.date_from), str(search.date_to)]
    return hashlib.sha256("|".join([*parts, str(page_size)]).encode()).hexdigest()[:12]


def write_cursor(search: CourseSearch, page_size: int, cursor: Cursor) -> str:
    """Opaque to the client (base64url of a small JSON), bound to the search and page size it came from."""
    body: dict[str, object] = {"s": _fingerprint(search, page_size), "o": cursor.offset}
    mark = cursor.after or cursor.before
    if mark is not None:
        body["d"] = "a" if cursor.after else "b"
        body["k"] = [mark.day.isoformat(), mark.course_code]
    raw = json.dumps(body, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def read_cursor(raw: str, search: CourseSearch, page_size: int) -> Cursor:
    """The cursor a page gave, only for the same search and page size; anything else is a 400.

    It carries no key of its own: the list (institution, program, region) comes from the caller and the
    search, so a changed cursor can only start elsewhere in what the caller may see."""
    try:
        if len(raw) > _MAX_CURSOR:
            raise ValueError
        body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(body, dict) or body.get("s") != _fingerprint(search, page_size):
            raise ValueError
        offset = body.get("o")
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0 or offset % page_size:
            raise ValueError
        if offset > (MAX_PAGE - 1) * page_size:
            raise ValueError
        if search.criterion in LOOKUPS:
            if "k" in body or "d" in body:
                raise ValueError
            return Cursor(offset)
        day, code = body["k"]
        mark = Position(date.fromisoformat(day), parse_course_code(code))
        if body["d"] == "a":
            return Cursor(offset, after=mark)
        if body["d"] == "b" and offset >= 0:
            return Cursor(offset, before=mark)
        raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, InvalidInputError):
        raise InvalidInputError(BAD_CURSOR, field="cursor") from None


def keyset_page(
    search: CourseSearch, kind: ListKind | None, items: Sequence[Course], offset: int, page_size: int, total: int
) -> Page[Course]:
    """One page read from `offset`, with the cursors to the pages beside it (None at either end)."""
    page = Page(tuple(items), total, offset // page_size + 1, page_size)
    following, previous = offset + page_size, offset - page_size
    next_cursor = prev_cursor = None
    if items and following < total:
        after = position_of(items[-1], kind) if kind else None
        next_cursor = write_cursor(search, page_size, Cursor(following, after=after))
    if items and previous >= 0:
        before = position_of(items[0], kind) if kind else None
        prev_cursor = write_cursor(search, page_size, Cursor(previous, before=before))
    return Page(page.items, total, page.page, page_size, next_cursor, prev_cursor)


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
