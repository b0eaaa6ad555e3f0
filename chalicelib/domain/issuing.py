"""Issuing a certificate: the preview with its pre-issue checks, and the acceptance."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Protocol

from .access import Principal
from .attendance import Session, evaluate_participant
from .certificates import (
    Certificate,
    CertificateEvent,
    CertificateNumber,
    CertificateStatus,
    FrozenParticipant,
    assign_number,
    next_state,
    numbering_year,
)
from .clock import CHILE, Clock
from .course_queries import CourseRecords, visible_course
from .courses import Course, Participant, parse_course_code
from .errors import DomainError, InvalidInputError, NotFoundError, StateConflictError
from .rut import Rut

_INVOICE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z ./_-]{0,29}$")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
MAX_ATTEMPTS = 60


def parse_invoice(raw: object) -> str:
    text = (
        raw.strip() if isinstance(raw, str) else str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else ""
    )
    if not text:
        raise InvalidInputError("Ingrese el N° de factura / Orden de compra.", field="invoice_number")
    if not _INVOICE.match(text):
        raise InvalidInputError(
            "El N° de factura / Orden de compra admite hasta 30 letras, números, espacios, punto, guion o barra.",
            field="invoice_number",
        )
    return text


def new_verification_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


class CheckKind(StrEnum):
    ENTRY_WITHOUT_EXIT = "entry_without_exit"
    SESSION_OUTSIDE_COURSE_DATES = "session_outside_course_dates"
    OVERLAPPING_SESSIONS = "overlapping_sessions"
    BELOW_MINIMUM = "below_minimum"


@dataclass(frozen=True)
class PreIssueCheck:
    """A warning shown on the preview; it never blocks the issue."""

    kind: CheckKind
    message: str


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(CHILE).strftime("%d-%m-%Y %H:%M")


def pre_issue_checks(
    course: Course, sessions: Sequence[Session], frozen: Sequence[FrozenParticipant], names: dict[Rut, str]
) -> list[PreIssueCheck]:
    checks: list[PreIssueCheck] = []
    ordered = sorted(sessions, key=lambda s: s.start.astimezone(CHILE))
    for session in ordered:
        for mark in session.marks:
            if mark.exit is None or mark.exit < mark.entry:
                who = names.get(mark.rut, mark.rut.formatted())
                kind = "sin salida" if mark.exit is None else "con salida anterior a la entrada"
                checks.append(
                    PreIssueCheck(
                        CheckKind.ENTRY_WITHOUT_EXIT,
                        f"{who} ({mark.rut.formatted()}) tiene una entrada {kind} el {_hhmm(mark.entry)} "
                        f"(sesión {session.session_id}); no suma tiempo.",
                    )
                )
        first_day = session.start.astimezone(CHILE).date()
        last_day = session.end.astimezone(CHILE).date()
        if first_day < course.start_date or last_day > course.end_date:
            checks.append(
                PreIssueCheck(
                    CheckKind.SESSION_OUTSIDE_COURSE_DATES,
                    f"La sesión {session.session_id} del {_hhmm(session.start)} está fuera de las fechas del curso.",
                )
            )
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            checks.append(
                PreIssueCheck(
                    CheckKind.OVERLAPPING_SESSIONS,
                    f"Las sesiones {earlier.session_id} ({_hhmm(earlier.start)}) y {later.session_id} "
                    f"({_hhmm(later.start)}) se superponen.",
                )
            )
    below = [p for p in frozen if course.is_below_minimum(p.percent)]
    if below:
        checks.append(
            PreIssueCheck(
                CheckKind.BELOW_MINIMUM,
                f"{len(below)} participante{'s' if len(below) != 1 else ''} bajo el {course.minimum_percent} % "
                "de asistencia: la empresa no podrá imputar su costo a Impulsa Personas.",
            )
        )
    return checks


def freeze_participants(
    course: Course, participants: Sequence[Participant], sessions: Sequence[Session]
) -> tuple[FrozenParticipant, ...]:
    ordered = sorted(participants, key=lambda p: (p.name, p.rut))
    return tuple(
        FrozenParticipant(p.rut, p.name, evaluate_participant(p.rut, sessions, course.accredited_hours).percent)
        for p in ordered
    )


@dataclass(frozen=True)
class CertificatePreview:
    course: Course
    invoice_number: str
    participants: tuple[FrozenParticipant, ...]
    checks: tuple[PreIssueCheck, ...]
    acceptor_rut: Rut
    acceptor_name: str


def _issuable(principal: Principal, course_code: str, records: CourseRecords) -> Course:
    code = parse_course_code(course_code)
    course = visible_course(principal, records.get(code), code)
    principal.ensure_manages_course(course)
    next_state(course.certificate_state, CertificateEvent.ISSUE)
    return course


def preview_certificate(
    principal: Principal, course_code: str, raw_invoice: object, records: CourseRecords
) -> CertificatePreview:
    """Datos del Certificado de Asistencia Por Emitir, with the warnings to review before accepting."""
    invoice = parse_invoice(raw_invoice)
    course = _issuable(principal, course_code, records)
    participants = records.participants(course.course_code)
    sessions = records.sessions(course.course_code)
    frozen = freeze_participants(course, participants, sessions)
    names = {p.rut: p.name for p in participants}
    checks = pre_issue_checks(course, sessions, frozen, names)
    return CertificatePreview(course, invoice, frozen, tuple(checks), principal.rut, principal.name)


class CounterConflictError(DomainError):
    """Someone else used the next number first; read the counter again and retry."""


class CourseChangedError(DomainError):
    """The course changed since it was read (new LCE marks or another issue)."""


class CertificateLedger(Protocol):
    def last_sequence(self, institution_rut: Rut, year: int) -> int: ...

    def commit_issue(self, course: Course, certificate: Certificate, expected_sequence: int) -> None:
        """One transaction: counter from `expected_sequence` to the certificate's, the certificate,
        the course to Emitido if still at `course.version` and issuable, and the audit entry.
        Raises CounterConflictError or CourseChangedError when a condition fails."""
        ...


def issue_certificate(
    principal: Principal,
    course_code: str,
    raw_invoice: object,
    accept: object,
    *,
    records: CourseRecords,
    ledger: CertificateLedger,
    clock: Clock,
) -> Certificate:
    """Accept the certificate: number N-YYYY, frozen participants, course closed; once only.

    A double click, or twenty administrators at once, give one certificate: the transaction that
    moves the course out of Pendiente de Emitir is conditional, and every other attempt gets 409.
    """
    if accept is not True:
        raise InvalidInputError("Debe aceptar emitir el certificado (accept: true).", field="accept")
    invoice = parse_invoice(raw_invoice)
    verification_code = new_verification_code()
    for _course_attempt in range(MAX_ATTEMPTS):
        course = _issuable(principal, course_code, records)
        frozen = freeze_participants(
            course, records.participants(course.course_code), records.sessions(course.course_code)
        )
        for _number_attempt in range(MAX_ATTEMPTS):
            issued_at = clock.now()
            last = ledger.last_sequence(course.institution.rut, numbering_year(issued_at))
            certificate = Certificate(
                number=assign_number(last, issued_at),
                institution_rut=course.institution.rut,
                course_code=course.course_code,
                issued_at=issued_at,
                status=CertificateStatus.VALID,
                invoice_number=invoice,
                accepted_by_rut=principal.rut,
                accepted_by_name=principal.name,
                participants=frozen,
                verification_code=verification_code,
                course=course,
            )
            try:
                ledger.commit_issue(course, certificate, last)
            except CounterConflictError:
                continue
            except CourseChangedError:
                break  # read the course again: new marks change the percentages, an issue closes it
            return certificate
    raise StateConflictError("No fue posible emitir el certificado por operaciones simultáneas; intente nuevamente.")


# ---------------------------------------------------------------- the PDF and reading certificates


class CertificatePdfs(Protocol):
    def render(self, certificate: Certificate, *, annulled: bool) -> bytes: ...


class DocumentStore(Protocol):
    def put_bytes(self, key: str, body: bytes, content_type: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class CertificateArchive(Protocol):
    def get(self, institution_rut: Rut, number: CertificateNumber) -> Certificate | None: ...

    def find_by_verification_code(self, code: str) -> Certificate | None: ...

    def record_pdf(self, certificate: Certificate, key: str, sha256: str) -> None: ...


PDF_TYPE = "application/pdf"


def pdf_key(certificate: Certificate, *, annulled: bool = False) -> str:
    suffix = "-anulado" if annulled else ""
    return (
        f"certificates/{certificate.institution_rut.compact()}/{certificate.number.year}/"
        f"{certificate.number}{suffix}.pdf"
    )


def store_certificate_pdf(
    certificate: Certificate, pdfs: CertificatePdfs, store: DocumentStore, archive: CertificateArchive
) -> Certificate:
    """Render the issued PDF, keep it in the document store and record its SHA-256.

    Also the repair path: a certificate whose upload failed gets the same bytes again, since the
    rendering depends only on the certificate's frozen data.
    """
    body = pdfs.render(certificate, annulled=False)
    digest = hashlib.sha256(body).hexdigest()
    key = pdf_key(certificate)
    store.put_bytes(key, body, PDF_TYPE)
    archive.record_pdf(certificate, key, digest)
    return replace(certificate, pdf_key=key, pdf_sha256=digest)


def ensure_stored_pdf(
    certificate: Certificate, pdfs: CertificatePdfs, store: DocumentStore, archive: CertificateArchive
) -> Certificate:
    """The certificate with its PDF stored and fingerprinted, repairing a failed upload first."""
    if certificate.pdf_key is None or certificate.pdf_sha256 is None:
        return store_certificate_pdf(certificate, pdfs, store, archive)
    return certificate


def downloadable_pdf(
    certificate: Certificate, pdfs: CertificatePdfs, store: DocumentStore, archive: CertificateArchive
) -> str:
    """The key of the PDF to hand out: the issued one, or once annulled a copy stamped ANULADO."""
    certificate = ensure_stored_pdf(certificate, pdfs, store, archive)
    if certificate.status is not CertificateStatus.ANNULLED:
        assert certificate.pdf_key is not None
        return certificate.pdf_key
    key = pdf_key(certificate, annulled=True)
    if not store.exists(key):
        store.put_bytes(key, pdfs.render(certificate, annulled=True), PDF_TYPE)
    return key


def get_certificate(principal: Principal, raw_number: str, archive: CertificateArchive) -> Certificate:
    """A certificate of the chosen institution (and region); any other does not exist for this person."""
    number = CertificateNumber.parse(raw_number)
    principal.ensure_otec()
    certificate = archive.get(principal.institution_rut, number)
    if certificate is None or (certificate.course is not None and not principal.sees_course(certificate.course)):
        raise NotFoundError(f"No se encontró el certificado {number}.")
    return certificate


NOT_FOUND_ON_VERIFY = "Certificado no encontrado: revise el número y el código de verificación."
_VERIFY_CODE = re.compile(r"^[A-Z0-9]{12}$")


def verify_certificate(raw_number: object, raw_code: object, archive: CertificateArchive) -> Certificate:
    """Public check: the same answer for an unknown number and a wrong code."""
    try:
        number = CertificateNumber.parse(raw_number)
    except InvalidInputError:
        raise NotFoundError(NOT_FOUND_ON_VERIFY) from None
    code = raw_code.strip().upper() if isinstance(raw_code, str) else ""
    if not _VERIFY_CODE.match(code):
        raise NotFoundError(NOT_FOUND_ON_VERIFY)
    certificate = archive.find_by_verification_code(code)
    if certificate is None or certificate.number != number:
        raise NotFoundError(NOT_FOUND_ON_VERIFY)
    return certificate


def mask_rut(rut: Rut) -> str:
    """`*.***.603-1`: enough to recognise oneself, not enough to harvest RUTs."""
    formatted = rut.formatted()
    body, _, digit = formatted.rpartition("-")
    keep = body[-3:]
    hidden = "".join("*" if ch.isdigit() else ch for ch in body[:-3])
    return f"{hidden}{keep}-{digit}"


def is_identical_pdf(certificate: Certificate, upload: bytes) -> bool:
    return certificate.pdf_sha256 is not None and hashlib.sha256(upload).hexdigest() == certificate.pdf_sha256
