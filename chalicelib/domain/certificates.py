"""The certificate lifecycle and its numbering."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from .clock import CHILE
from .errors import InvalidInputError, InvalidTransitionError
from .rut import Rut
from .text import padded, trim

if TYPE_CHECKING:
    from .courses import Course


class CertificateState(StrEnum):
    """The state of a course's certificate, as shown in the course list."""

    PENDING = "PENDING"
    ISSUED = "ISSUED"
    ANNULMENT_REQUESTED = "ANNULMENT_REQUESTED"
    REISSUE_APPROVED = "REISSUE_APPROVED"
    ANNULMENT_REJECTED = "ANNULMENT_REJECTED"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @classmethod
    def parse(cls, raw: object, *, field: str = "state") -> CertificateState:
        try:
            return cls(str(raw))
        except ValueError:
            raise InvalidInputError("El estado del certificado no es válido.", field=field) from None


_STATE_LABELS = {
    CertificateState.PENDING: "Pendiente de Emitir",
    CertificateState.ISSUED: "Emitido",
    CertificateState.ANNULMENT_REQUESTED: "Pendiente de Validación",
    CertificateState.REISSUE_APPROVED: "Aprobado para Re-emisión",
    CertificateState.ANNULMENT_REJECTED: "Rechazado para Re-emisión",
}


class CertificateEvent(StrEnum):
    ISSUE = "issue"
    REQUEST_ANNULMENT = "request_annulment"
    APPROVE_ANNULMENT = "approve_annulment"
    REJECT_ANNULMENT = "reject_annulment"


# A rejected annulment leaves the certificate valid; the OTEC may ask again with a new reason,
# but it can never issue a second certificate while one is valid.
_TRANSITIONS: dict[tuple[CertificateState, CertificateEvent], CertificateState] = {
    (CertificateState.PENDING, CertificateEvent.ISSUE): CertificateState.ISSUED,
    (CertificateState.REISSUE_APPROVED, CertificateEvent.ISSUE): CertificateState.ISSUED,
    (CertificateState.ISSUED, CertificateEvent.REQUEST_ANNULMENT): CertificateState.ANNULMENT_REQUESTED,
    (CertificateState.ANNULMENT_REJECTED, CertificateEvent.REQUEST_ANNULMENT): CertificateState.ANNULMENT_REQUESTED,
    (CertificateState.ANNULMENT_REQUESTED, CertificateEvent.APPROVE_ANNULMENT): CertificateState.REISSUE_APPROVED,
    (CertificateState.ANNULMENT_REQUESTED, CertificateEvent.REJECT_ANNULMENT): CertificateState.ANNULMENT_REJECTED,
}

_REFUSALS = {
    CertificateEvent.ISSUE: "El curso ya tiene un certificado vigente o en evaluación; no se puede emitir otro.",
    CertificateEvent.REQUEST_ANNULMENT: "Sólo se puede solicitar la anulación de un certificado emitido.",
    CertificateEvent.APPROVE_ANNULMENT: "La solicitud de anulación ya fue resuelta.",
    CertificateEvent.REJECT_ANNULMENT: "La solicitud de anulación ya fue resuelta.",
}


def next_state(state: CertificateState, event: CertificateEvent) -> CertificateState:
    """The state after `event`, or InvalidTransitionError when the event is not allowed in `state`."""
    try:
        return _TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransitionError(_REFUSALS[event]) from None


def allowed_events(state: CertificateState) -> frozenset[CertificateEvent]:
    return frozenset(event for (source, event) in _TRANSITIONS if source == state)


def states_allowing(event: CertificateEvent) -> frozenset[CertificateState]:
    """Every state in which `event` may happen (read off the table above, never restated)."""
    return frozenset(source for (source, allowed) in _TRANSITIONS if allowed is event)


def state_after(event: CertificateEvent) -> CertificateState:
    """The state `event` leads to: each event of the table leads to one state, whichever it came from."""
    (target,) = {target for (_source, allowed), target in _TRANSITIONS.items() if allowed is event}
    return target


# A course can be issued from these states, and the LCE may push marks to it while it is in one.
ISSUABLE_STATES = states_allowing(CertificateEvent.ISSUE)


@dataclass(frozen=True)
class CourseTransition:
    """A course's certificate state change as storage must apply it, conditionally: only while the
    course is still in one of `sources` and, when `same_version`, still at the version it was read at."""

    course: Course
    sources: frozenset[CertificateState]
    target: CertificateState
    same_version: bool = True


def transition(course: Course, event: CertificateEvent, *, same_version: bool = True) -> CourseTransition:
    """The change `event` makes to `course`, or InvalidTransitionError when its state refuses it."""
    target = next_state(course.certificate_state, event)
    return CourseTransition(course, states_allowing(event), target, same_version)


NUMBER = "[1-9][0-9]{0,8}-[0-9]{4}"
NUMBER_PATTERN = padded(NUMBER)
_NUMBER = re.compile("([1-9][0-9]{0,8})-([0-9]{4})")


@dataclass(frozen=True, order=True)
class CertificateNumber:
    """`N-YYYY`: N counts per institution and year from 1, gapless and never reused."""

    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.sequence}-{self.year}"

    @classmethod
    def parse(cls, raw: object, *, field: str = "number") -> CertificateNumber:
        match = _NUMBER.fullmatch(trim(raw)) if isinstance(raw, str) else None
        if match is None:
            raise InvalidInputError("El número de certificado tiene la forma N-AAAA (ejemplo: 12-2017).", field=field)
        return cls(year=int(match.group(2)), sequence=int(match.group(1)))


def numbering_year(issued_at: datetime) -> int:
    """The year a certificate counts in: the issue date in Chile, not in UTC."""
    return issued_at.astimezone(CHILE).year


def assign_number(last_sequence: int, issued_at: datetime) -> CertificateNumber:
    """The number after `last_sequence` (0 when none was issued that year)."""
    return CertificateNumber(year=numbering_year(issued_at), sequence=last_sequence + 1)


class CertificateStatus(StrEnum):
    """A certificate itself is valid or annulled; annulled ones are kept and still downloadable."""

    VALID = "VALID"
    ANNULLED = "ANNULLED"


@dataclass(frozen=True)
class FrozenParticipant:
    """A participant as the certificate froze them: later marks never change it."""

    rut: Rut
    name: str
    percent: int


@dataclass(frozen=True)
class Certificate:
    number: CertificateNumber
    institution_rut: Rut
    course_code: str
    issued_at: datetime
    status: CertificateStatus
    invoice_number: str
    accepted_by_rut: Rut
    accepted_by_name: str
    participants: tuple[FrozenParticipant, ...]
    verification_code: str
    pdf_key: str | None = None
    pdf_sha256: str | None = None
    annulled_at: datetime | None = None
    # The signed copy stamped ANULADO, made on its first download (its key: issuing.pdf_key(annulled=True)).
    annulled_pdf_sha256: str | None = None
    # The course as it was when the certificate was accepted (what the PDF prints).
    course: Course | None = None
    # Where a certificate issued before GCA came from (`domain/migration.py`); None for one GCA issued.
    source: str | None = None

    @property
    def imported(self) -> bool:
        """Issued by the system GCA replaced and migrated: any PDF GCA renders of it is a reconstruction."""
        return self.source is not None


class AnnulmentStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class AnnulmentRequest:
    request_id: str
    course_code: str
    institution_rut: Rut
    certificate_number: CertificateNumber
    region_code: str
    reason: str
    requested_at: datetime
    requested_by_rut: Rut
    requested_by_name: str
    status: AnnulmentStatus
    decided_at: datetime | None = None
    decided_by_rut: Rut | None = None
    decided_by_name: str | None = None
    decision_comment: str | None = None

    @property
    def decided(self) -> bool:
        """Only the first decision counts: a decided request is never decided again."""
        return self.status is not AnnulmentStatus.PENDING


def shown_state(certificate: Certificate, course_state: CertificateState | None) -> CertificateState:
    """The state of a certificate's course as far as this certificate goes: an annulled certificate's
    course was approved for re-issue (whatever happened after); otherwise the course's own state."""
    if certificate.status is CertificateStatus.ANNULLED:
        return state_after(CertificateEvent.APPROVE_ANNULMENT)
    return course_state or state_after(CertificateEvent.ISSUE)
