"""Personal data under Ley 21.719: who saw whose data (the access log) and what GCA holds about a person.

Every answer that discloses participants' personal data appends one `Access`: who (RUT, profile,
institution), when, what (the use case, the course, the certificate or the person) and the request's
correlation id. An access to a course's list discloses everyone enrolled, so it is kept under the
course; an access to one person (their sessions, the report) under the person. Entries are only
ever added, and kept `ACCESS_LOG_DAYS` (5 years by default, GCA_ACCESS_LOG_DAYS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .access import Principal
from .attendance import ParticipantAttendance
from .certificates import Certificate, CertificateState, FrozenParticipant
from .courses import Course, Participant
from .lce import OPEN_STATES
from .rut import Rut

ACCESS_LOG_DAYS = 5 * 365 + 1
CORRECTION_NOTE = (
    "El certificado de este curso ya fue emitido: un documento emitido no se edita. Para corregir un nombre "
    "o un dato impreso, solicite la anulación y vuelva a emitirlo con el dato corregido."
)


def correction_note(state: CertificateState) -> str | None:
    """What the course view and the report say about correcting a participant's data: once the certificate
    is issued (the course no longer open), only an annulment and a re-issue can."""
    return None if state in OPEN_STATES else CORRECTION_NOTE


class Disclosure(StrEnum):
    """What was shown or handed over."""

    PARTICIPANTS = "participants"  # GET /api/courses/{code}/participants
    PARTICIPANT_SESSIONS = "participant_sessions"  # GET …/participants/{rut}/sessions
    ATTENDANCE_WORKBOOK = "attendance_workbook"  # GET …/attendance.xlsx
    PARTICIPANT_WORKBOOK = "participant_workbook"  # GET …/participants/{rut}/attendance.xlsx
    CERTIFICATE = "certificate"  # GET /api/certificates/{number}
    CERTIFICATE_PDF = "certificate_pdf"  # GET /api/certificates/{number}/pdf
    NIGHTLY_EXPORT = "nightly_export"  # GET /api/exports/{region}/{day}
    DATA_SUBJECT_REPORT = "data_subject_report"  # GET /api/data-subjects/{rut}/report(.xlsx)
    EMAIL = "email"  # an email that names the person, sent by the notifier
    PERSON_COURSES = "person_courses"  # GET /api/courses(.xlsx)?criterion=participant_rut


def person_subject(who: Rut) -> str:
    return f"PERSON#{who.compact()}"


def course_subject(course_code: str) -> str:
    return f"COURSE#{course_code}"


def export_subject(region_code: str) -> str:
    return f"EXPORT#{region_code}"


@dataclass(frozen=True)
class Access:
    """One disclosure of personal data, as the access log keeps it."""

    subject: str
    what: Disclosure
    at: datetime
    actor_rut: Rut | None
    actor_profile: str | None
    actor_institution: Rut | None
    course_code: str | None = None
    certificate: str | None = None
    subject_rut: Rut | None = None
    correlation_id: str | None = None
    detail: str | None = None

    def kept_until(self, days: int) -> datetime:
        return self.at + timedelta(days=days)


def access_by(
    principal: Principal,
    what: Disclosure,
    at: datetime,
    *,
    course_code: str | None = None,
    certificate: str | None = None,
    subject_rut: Rut | None = None,
) -> Access:
    """The entry for `principal` disclosing `what`: under the person when one is named, else the course."""
    if subject_rut is not None:
        subject = person_subject(subject_rut)
    elif course_code is not None:
        subject = course_subject(course_code)
    else:
        raise ValueError("an access names a person or a course")
    return Access(
        subject=subject,
        what=what,
        at=at,
        actor_rut=principal.rut,
        actor_profile=principal.profile.value,
        actor_institution=principal.institution_rut,
        course_code=course_code,
        certificate=certificate,
        subject_rut=subject_rut,
    )


@dataclass(frozen=True)
class Enrolment:
    course: Course
    participant: Participant
    attendance: ParticipantAttendance
    correction_note: str | None


@dataclass(frozen=True)
class HeldCertificate:
    certificate: Certificate
    entry: FrozenParticipant


@dataclass(frozen=True)
class SubjectReport:
    subject: Rut
    generated_at: datetime
    enrolments: tuple[Enrolment, ...]
    certificates: tuple[HeldCertificate, ...]
    emails: tuple[Access, ...]
    accesses: tuple[Access, ...]

    @property
    def names(self) -> list[str]:
        seen = [e.participant.name for e in self.enrolments] + [c.entry.name for c in self.certificates]
        return list(dict.fromkeys(seen))
