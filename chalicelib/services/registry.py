"""The course registry feed: SENCE's registry creates and updates courses and their enrolment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.audit import AuditEntry, course_subject
from ..domain.courses import Course, course_not_found, parse_course_code
from ..domain.errors import AuthenticationError, StateConflictError
from ..domain.issuing import CourseChangedError
from ..domain.registry import (
    FeedOutcome,
    apply_record,
    enrolment_change,
    parse_course_record,
    parse_enrolment,
)
from ..domain.rut import Rut
from .ports import Ports

MIN_KEY, MAX_KEY = 16, 256
BAD_KEY = "Falta la clave de API del registro de cursos o no es válida (cabecera X-Api-Key)."
# Each attempt reads the course again; of the writers racing on one course (LCE pushes, an issue, other
# PUTs) one wins each round, so this many PUTs at once all get through, then a 409 asks to retry.
MAX_ATTEMPTS = 20
BUSY = "El curso {code} cambió mientras se guardaba; reintente el envío."


def authenticate_key(ports: Ports, raw_key: str) -> None:
    """Only an active key of the course registry opens the feed."""
    key = raw_key.strip()
    if not (MIN_KEY <= len(key) <= MAX_KEY and ports.api_keys.is_registry(key)):
        raise AuthenticationError(BAD_KEY)


@dataclass(frozen=True)
class CourseFed:
    outcome: FeedOutcome
    course: Course
    changed_fields: list[str]


def put_course(ports: Ports, raw_code: str, body: Mapping[str, Any]) -> CourseFed:
    """Create or update one course as the registry sent it.

    A repeat changes nothing (and leaves no audit entry); a certificate already issued freezes what
    it prints (409 naming the field); a write races no other: it is made at the version read.
    """
    code = parse_course_code(raw_code)
    record = parse_course_record(body)
    for _ in range(MAX_ATTEMPTS):
        existing = ports.courses.get(code)
        course, changed = apply_record(code, existing, record)
        if existing is not None and not changed:
            return CourseFed(FeedOutcome.UNCHANGED, existing, [])
        outcome = FeedOutcome.CREATED if existing is None else FeedOutcome.CHANGED
        audit = AuditEntry(
            course_subject(code),
            f"registry_course_{outcome.value}",
            ports.clock.now(),
            detail={"fields": ",".join(changed)},
        )
        try:
            ports.transactions.commit_registry_course(
                course, existing.version if existing else None, audit, replaced=existing
            )
        except CourseChangedError:
            continue
        return CourseFed(outcome, course, changed)
    raise StateConflictError(BUSY.format(code=code))


@dataclass(frozen=True)
class EnrolmentFed:
    outcome: FeedOutcome
    written: int
    removed: int
    total: int


def put_participants(ports: Ports, raw_code: str, raw_participants: object) -> EnrolmentFed:
    """The course's enrolment becomes exactly the list sent (names kept as sent).

    Refused with 409 once the certificate is issued, or when it would remove someone with LCE marks.
    """
    code = parse_course_code(raw_code)
    wanted = parse_enrolment(code, raw_participants)
    for _ in range(MAX_ATTEMPTS):
        course = ports.courses.get(code)
        if course is None:
            raise course_not_found(code)
        current = ports.courses.participants(code)
        leaving = {p.rut for p in current} - {p.rut for p in wanted}
        change = enrolment_change(course, current, wanted, _marked(ports, code) if leaving else set())
        if change.empty:
            return EnrolmentFed(FeedOutcome.UNCHANGED, 0, 0, len(wanted))
        audit = AuditEntry(
            course_subject(code),
            "registry_enrolment_changed",
            ports.clock.now(),
            detail={
                "written": ",".join(p.rut.compact() for p in change.written),
                "removed": ",".join(who.compact() for who in change.removed),
            },
        )
        try:
            ports.transactions.commit_enrolment(course, change.written, change.removed, audit)
        except CourseChangedError:
            continue
        return EnrolmentFed(FeedOutcome.CHANGED, len(change.written), len(change.removed), len(wanted))
    raise StateConflictError(BUSY.format(code=code))


def _marked(ports: Ports, code: str) -> set[Rut]:
    return {mark.rut for session in ports.sessions.list_for_course(code) for mark in session.marks}
