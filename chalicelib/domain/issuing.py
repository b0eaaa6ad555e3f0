"""Issuing a certificate: the invoice, the pre-issue checks, the frozen participants, the new certificate;
and reading one: by its number, and publicly by its number and verification code."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .access import Principal
from .attendance import Session, evaluate_participant
from .certificates import (
    Certificate,
    CertificateEvent,
    CertificateNumber,
    CertificateStatus,
    CourseTransition,
    FrozenParticipant,
    assign_number,
    transition,
)
from .clock import CHILE
from .courses import Course, Participant
from .errors import DomainError, InvalidInputError, NotFoundError
from .rut import Rut
from .text import padded, trim

# Up to 30 letters, digits, spaces, dots, dashes or slashes, starting with a letter or digit; spaces,
# tabs and line breaks around it are trimmed.
INVOICE_PATTERN = padded("[0-9A-Za-z][0-9A-Za-z ./_-]{0,29}")
_INVOICE = re.compile(r"[0-9A-Za-z][0-9A-Za-z ./_-]{0,29}")
INVOICE_REQUIRED = "Ingrese el N° de factura / Orden de compra."
ACCEPT_REQUIRED = "Debe aceptar emitir el certificado (accept: true)."
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def parse_invoice(raw: object) -> str:
    text = trim(raw) if isinstance(raw, str) else ""
    if not text:
        raise InvalidInputError(INVOICE_REQUIRED, field="invoice_number")
    if not _INVOICE.fullmatch(text):
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
    # Every pair that overlaps, not only neighbours: a long session can cover several after it.
    overlapping = [(a, b) for i, b in enumerate(ordered) for a in ordered[:i] if b.start < a.end]
    for earlier, later in overlapping:
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


def issue_transition(principal: Principal, course: Course) -> CourseTransition:
    """An administrator who sees the course, and a course whose state allows an issue: its move to Emitido."""
    principal.ensure_manages_course(course)
    return transition(course, CertificateEvent.ISSUE)


def preview(
    principal: Principal, course: Course, invoice: str, participants: Sequence[Participant], sessions: Sequence[Session]
) -> CertificatePreview:
    """Datos del Certificado de Asistencia Por Emitir, with the warnings to review before accepting."""
    frozen = freeze_participants(course, participants, sessions)
    names = {p.rut: p.name for p in participants}
    checks = pre_issue_checks(course, sessions, frozen, names)
    return CertificatePreview(course, invoice, frozen, tuple(checks), principal.rut, principal.name)


def ensure_accepted(accept: object) -> None:
    if accept is not True:
        raise InvalidInputError(ACCEPT_REQUIRED, field="accept")


class CounterConflictError(DomainError):
    """Someone else used the next number first; read the counter again and retry."""


class CourseChangedError(DomainError):
    """The course changed since it was read (new LCE marks or another issue)."""


# Attempts of each retry loop of an issue (course read again, counter read again) before giving up.
MAX_ATTEMPTS = 60
TOO_MANY_CONFLICTS = "No fue posible emitir el certificado por operaciones simultáneas; intente nuevamente."


def new_certificate(
    principal: Principal,
    course: Course,
    frozen: tuple[FrozenParticipant, ...],
    invoice: str,
    verification_code: str,
    last_sequence: int,
    issued_at: datetime,
) -> Certificate:
    """The certificate an acceptance creates: the number after `last_sequence`, the participants frozen."""
    return Certificate(
        number=assign_number(last_sequence, issued_at),
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


# ---------------------------------------------------------------- the PDF and reading certificates


def pdf_key(certificate: Certificate, *, annulled: bool = False) -> str:
    suffix = "-anulado" if annulled else ""
    return (
        f"certificates/{certificate.institution_rut.compact()}/{certificate.number.year}/"
        f"{certificate.number}{suffix}.pdf"
    )


def pdf_filename(certificate: Certificate) -> str:
    suffix = "-ANULADO" if certificate.status is CertificateStatus.ANNULLED else ""
    return f"certificado-{certificate.number}{suffix}.pdf"


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def visible_certificate(
    principal: Principal, certificate: Certificate | None, number: CertificateNumber
) -> Certificate:
    """A certificate of the chosen institution (and region); any other does not exist for this person."""
    if certificate is None or (certificate.course is not None and not principal.sees_course(certificate.course)):
        raise NotFoundError(f"No se encontró el certificado {number}.")
    return certificate


NOT_FOUND_ON_VERIFY = "Certificado no encontrado: revise el número y el código de verificación."
VERIFICATION_CODE_PATTERN = padded("[A-Za-z0-9]{12}")
_VERIFY_CODE = re.compile("[A-Z0-9]{12}")


def parse_verification(raw_number: object, raw_code: object) -> tuple[CertificateNumber, str]:
    """Public check: a malformed number or code gets the same answer as an unknown one."""
    try:
        number = CertificateNumber.parse(raw_number)
    except InvalidInputError:
        raise NotFoundError(NOT_FOUND_ON_VERIFY) from None
    code = trim(raw_code).upper() if isinstance(raw_code, str) else ""
    if not _VERIFY_CODE.fullmatch(code):
        raise NotFoundError(NOT_FOUND_ON_VERIFY)
    return number, code


def verified(certificate: Certificate | None, number: CertificateNumber) -> Certificate:
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
    """Byte for byte the issued PDF, or its signed ANULADO copy."""
    digest = fingerprint(upload)
    return digest in {certificate.pdf_sha256, certificate.annulled_pdf_sha256} - {None}


PDF_BEING_STORED = "El PDF del certificado se está guardando; intente nuevamente en unos segundos."
PDF_ALTERED = (
    "El PDF guardado de este certificado no coincide con la huella registrada al emitirlo, por lo que no se "
    "entrega. El incidente quedó registrado; contacte a SENCE."
)


class DocumentIntegrityError(DomainError):
    """A stored document's bytes differ from the SHA-256 recorded before it was stored: never served."""

    code = "document_integrity"


@dataclass(frozen=True)
class Chain:
    """The certificates of the same course around one: the annulled one it replaces, the one that replaced it."""

    replaces: Certificate | None
    replaced_by: Certificate | None


def chain_of(certificate: Certificate, course_certificates: Sequence[Certificate]) -> Chain:
    """A course has at most one valid certificate at a time, and a new one only once the last was
    annulled: a certificate replaces the annulled one issued just before it, and an annulled
    certificate is replaced by the one issued just after it (if any was yet)."""

    def order(c: Certificate) -> tuple[datetime, int, int]:
        return (c.issued_at, c.number.year, c.number.sequence)

    others = [c for c in course_certificates if c.institution_rut == certificate.institution_rut]
    earlier = sorted((c for c in others if order(c) < order(certificate)), key=order)
    later = sorted((c for c in others if order(c) > order(certificate)), key=order)
    replaces = earlier[-1] if earlier and earlier[-1].status is CertificateStatus.ANNULLED else None
    replaced_by = later[0] if later and certificate.status is CertificateStatus.ANNULLED else None
    return Chain(replaces, replaced_by)
