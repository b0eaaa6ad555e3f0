"""The course registry feed: SENCE's registry of communicated courses sends each course and its
enrolment; GCA keeps them as sent, and refuses what would change a certificate already issued.

The rules: every field is checked and named when wrong, and nothing partial is kept; a course may
change freely while it can still be issued (`OPEN_STATES`: pending, or re-issue approved after an
annulment); once its certificate is issued, anything the certificate prints is frozen (409 naming
the field) while the rest (region, quotas, related action) may change; the enrolment may change only
while the course is open, and never loses a participant who already has LCE marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from .certificates import CertificateState
from .courses import REGIONS, ActivityType, Course, Participant, Party, Program, parse_sence_code
from .errors import InvalidInputError, StateConflictError
from .lce import OPEN_STATES
from .rut import Rut
from .text import clean, text_pattern

MAX_NAME = 200
MAX_PARTY_NAME = 200
MAX_PARTICIPANT_NAME = 120
MAX_RELATED_ACTION = 40
MAX_HOURS = 10_000
MAX_QUOTAS = 1_000
# One enrolment is written in one DynamoDB transaction (100 items: the course and 99 changes).
MAX_ENROLMENT_CHANGES = 99
MAX_PARTICIPANTS = 500
NAME_PATTERN = text_pattern(1, MAX_NAME)
PARTY_NAME_PATTERN = text_pattern(1, MAX_PARTY_NAME)
PARTICIPANT_NAME_PATTERN = text_pattern(1, MAX_PARTICIPANT_NAME)
RELATED_ACTION_PATTERN = text_pattern(0, MAX_RELATED_ACTION)
KNOWN_REGION_PATTERN = "^(" + "|".join(sorted(REGIONS)) + ")$"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# What the certificate prints (renderers/pdf.py): frozen once one is issued.
PRINTED_FIELDS = (
    "sence_code",
    "name",
    "program",
    "activity_type",
    "accredited_hours",
    "start_date",
    "end_date",
    "institution",
    "company",
    "otic",
)
_FIELDS = (*PRINTED_FIELDS, "region_code", "quotas", "related_action")


class FeedOutcome(StrEnum):
    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class CourseRecord:
    """A course as the registry sends it (every field but the code, the state and the version)."""

    sence_code: str
    name: str
    program: Program
    activity_type: ActivityType
    region_code: str
    start_date: date
    end_date: date
    accredited_hours: int
    quotas: int
    institution: Party
    company: Party
    otic: Party | None
    related_action: str


def _text(raw: object, field: str, maximum: int, *, required: bool = True) -> str:
    text = clean(raw) if isinstance(raw, str) else None
    if text is None or (required and not text):
        raise InvalidInputError(f"Falta el campo {field}.", field=field)
    if len(text) > maximum:
        raise InvalidInputError(f"El campo {field} admite hasta {maximum} caracteres.", field=field)
    return text


def _day(raw: object, field: str) -> date:
    if isinstance(raw, date):
        return raw
    text = raw.strip() if isinstance(raw, str) else ""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"El campo {field} debe ser una fecha AAAA-MM-DD que exista.", field=field) from None


def _whole(raw: object, field: str, maximum: int) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise InvalidInputError(f"El campo {field} debe ser un número entero positivo.", field=field)
    if raw > maximum:
        raise InvalidInputError(f"El campo {field} no puede superar {maximum}.", field=field)
    return raw


def _party(raw: object, field: str) -> Party:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"Falta el campo {field} (rut y nombre).", field=field)
    return Party(
        Rut.parse(raw.get("rut"), field=f"{field}.rut"), _text(raw.get("name"), f"{field}.name", MAX_PARTY_NAME)
    )


def parse_course_record(body: Mapping[str, Any]) -> CourseRecord:
    """The registry's course, every field checked; InvalidInputError naming the first that is wrong."""
    try:
        activity = ActivityType(str(body.get("activity_type")))
    except ValueError:
        raise InvalidInputError(
            "El tipo de actividad es within_year (dentro del año calendario) o partial (parcial).",
            field="activity_type",
        ) from None
    region = body.get("region_code")
    if not isinstance(region, str) or region not in REGIONS:
        raise InvalidInputError("La región no existe (código de región, por ejemplo 13).", field="region_code")
    start, end = _day(body.get("start_date"), "start_date"), _day(body.get("end_date"), "end_date")
    if end < start:
        raise InvalidInputError("La fecha de término no puede ser anterior a la de inicio.", field="end_date")
    otic = body.get("otic")
    return CourseRecord(
        sence_code=parse_sence_code(body.get("sence_code")),
        name=_text(body.get("name"), "name", MAX_NAME),
        program=Program.parse(body.get("program")),
        activity_type=activity,
        region_code=region,
        start_date=start,
        end_date=end,
        accredited_hours=_whole(body.get("accredited_hours"), "accredited_hours", MAX_HOURS),
        quotas=_whole(body.get("quotas"), "quotas", MAX_QUOTAS),
        institution=_party(body.get("institution"), "institution"),
        company=_party(body.get("company"), "company"),
        otic=None if otic is None else _party(otic, "otic"),
        related_action=_text(body.get("related_action", ""), "related_action", MAX_RELATED_ACTION, required=False),
    )


def _record_of(course: Course) -> CourseRecord:
    return CourseRecord(**{name: getattr(course, name) for name in _FIELDS})


def changed_fields(course: Course, record: CourseRecord) -> list[str]:
    """The fields whose value the registry changes, in the order of the record."""
    before = _record_of(course)
    return [name for name in _FIELDS if getattr(before, name) != getattr(record, name)]


def apply_record(code: str, existing: Course | None, record: CourseRecord) -> tuple[Course, list[str]]:
    """The course as it will be kept, and the fields that changed (all of them for a new course).

    StateConflictError naming the first printed field when its certificate is issued and the registry
    would change what it prints.
    """
    if existing is None:
        course = Course(course_code=code, certificate_state=CertificateState.PENDING, **vars(record))
        return course, list(_FIELDS)
    changed = changed_fields(existing, record)
    if existing.certificate_state not in OPEN_STATES:
        frozen = [name for name in changed if name in PRINTED_FIELDS]
        if frozen:
            raise StateConflictError(
                f"El curso {code} ya tiene certificado emitido: no se puede cambiar {frozen[0]}, que el "
                "certificado imprime. Una corrección requiere anular y volver a emitir.",
                field=frozen[0],
            )
    return replace(existing, **vars(record)), changed


# ---------------------------------------------------------------- the enrolment


@dataclass(frozen=True)
class EnrolmentChange:
    """What the registry's list changes: new or renamed participants (written) and those removed."""

    written: tuple[Participant, ...]
    removed: tuple[Rut, ...]

    @property
    def empty(self) -> bool:
        return not self.written and not self.removed


def parse_enrolment(code: str, raw: object) -> list[Participant]:
    """The list as sent: valid RUTs, each once, names kept exactly (accents, ñ, apostrophes)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise InvalidInputError("Envíe la lista de participantes.", field="participants")
    if len(raw) > MAX_PARTICIPANTS:
        raise InvalidInputError(f"Un curso admite hasta {MAX_PARTICIPANTS} participantes.", field="participants")
    seen: set[Rut] = set()
    people = []
    for index, item in enumerate(raw):
        where = f"participants[{index}]"
        if not isinstance(item, Mapping):
            raise InvalidInputError("Cada participante lleva rut y name.", field=where)
        who = Rut.parse(item.get("rut"), field=f"{where}.rut")
        if who in seen:
            raise InvalidInputError(f"El RUT {who.formatted()} viene dos veces.", field=f"{where}.rut")
        seen.add(who)
        people.append(Participant(code, who, _text(item.get("name"), f"{where}.name", MAX_PARTICIPANT_NAME)))
    return people


def enrolment_change(
    course: Course, current: Iterable[Participant], wanted: Sequence[Participant], marked: set[Rut]
) -> EnrolmentChange:
    """What makes the enrolment exactly `wanted`; StateConflictError when the course is no longer open
    (and the list differs) or a participant with LCE marks would be removed."""
    now = {p.rut: p for p in current}
    written = tuple(p for p in wanted if now.get(p.rut) != p)
    wanted_ruts = {p.rut for p in wanted}
    removed = tuple(who for who in now if who not in wanted_ruts)
    change = EnrolmentChange(written, removed)
    if change.empty:
        return change
    if course.certificate_state not in OPEN_STATES:
        raise StateConflictError(
            f"El curso {course.course_code} ya tiene certificado emitido: su lista de participantes no cambia. "
            "Una corrección requiere anular y volver a emitir.",
            field="participants",
        )
    with_marks = [who for who in removed if who in marked]
    if with_marks:
        raise StateConflictError(
            f"El participante {with_marks[0].formatted()} tiene marcas en el LCE: no se puede quitar del curso.",
            field="participants",
        )
    if len(written) + len(removed) > MAX_ENROLMENT_CHANGES:
        raise InvalidInputError(
            f"Un envío cambia hasta {MAX_ENROLMENT_CHANGES} participantes; envíe la lista en partes.",
            field="participants",
        )
    return change
