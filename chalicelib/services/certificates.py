"""Certificates: the preview, the acceptance (once only), reading one, its PDF."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from ..domain.access import Principal
from ..domain.audit import AuditEntry, course_subject
from ..domain.certificates import (
    Certificate,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    CourseTransition,
    numbering_year,
    shown_state,
)
from ..domain.course_queries import visible_course
from ..domain.courses import Course, parse_course_code
from ..domain.errors import StateConflictError
from ..domain.issuing import (
    MAX_ATTEMPTS,
    PDF_ALTERED,
    PDF_BEING_STORED,
    TOO_MANY_CONFLICTS,
    CertificatePreview,
    CounterConflictError,
    CourseChangedError,
    DocumentIntegrityError,
    ensure_accepted,
    fingerprint,
    freeze_participants,
    issue_transition,
    new_certificate,
    new_verification_code,
    parse_invoice,
    pdf_filename,
    pdf_key,
    preview,
    visible_certificate,
)
from ..domain.media import PDF
from ..domain.privacy import Disclosure
from . import downloads
from .ports import Ports
from .privacy import disclose

logger = logging.getLogger("gca")


def _issuable(ports: Ports, principal: Principal, raw_code: str) -> tuple[Course, CourseTransition]:
    code = parse_course_code(raw_code)
    course = visible_course(principal, ports.courses.get(code), code)
    return course, issue_transition(principal, course)


def preview_certificate(ports: Ports, principal: Principal, raw_code: str, raw_invoice: object) -> CertificatePreview:
    """Datos del Certificado de Asistencia Por Emitir, with the warnings to review before accepting."""
    invoice = parse_invoice(raw_invoice)
    course, _move = _issuable(ports, principal, raw_code)
    code = course.course_code
    return preview(principal, course, invoice, ports.courses.participants(code), ports.sessions.list_for_course(code))


def issue_certificate(
    ports: Ports, principal: Principal, raw_code: str, raw_invoice: object, accept: object
) -> Certificate:
    """Acepto emitir el certificado: number N-YYYY, frozen participants, course closed; once only.

    A double click, or twenty administrators at once, give one certificate: the transaction that
    moves the course out of Pendiente de Emitir is conditional, and every other attempt gets 409.
    New marks meanwhile make it read the course again; a number taken meanwhile, the counter. Then the
    PDF is rendered, signed and stored; if that fails the certificate stands, and its PDF (rendered only
    from the certificate's frozen data) is made on the first download.
    """
    ensure_accepted(accept)
    invoice = parse_invoice(raw_invoice)
    certificate = _commit_issue(ports, principal, raw_code, invoice, new_verification_code())
    ports.metrics.count("CertificatesIssued")
    try:
        certificate, _body = _store_document(ports, certificate)
    except Exception:
        logger.exception("certificate PDF not stored", extra={"number": str(certificate.number)})
    return certificate


def _commit_issue(ports: Ports, principal: Principal, raw_code: str, invoice: str, code: str) -> Certificate:
    for _course_attempt in range(MAX_ATTEMPTS):
        course, move = _issuable(ports, principal, raw_code)
        frozen = freeze_participants(
            course, ports.courses.participants(course.course_code), ports.sessions.list_for_course(course.course_code)
        )
        for _number_attempt in range(MAX_ATTEMPTS):
            issued_at = ports.clock.now()
            last = ports.certificates.last_sequence(course.institution.rut, numbering_year(issued_at))
            certificate = new_certificate(principal, course, frozen, invoice, code, last, issued_at)
            audit = AuditEntry(
                course_subject(course.course_code),
                "certificate_issued",
                issued_at,
                principal.rut,
                principal.name,
                {"number": str(certificate.number), "invoice_number": invoice},
            )
            try:
                ports.transactions.commit_issue(certificate, last, move, audit)
            except CounterConflictError:
                continue
            except CourseChangedError:
                break  # read the course again: new marks change the percentages, an issue closes it
            return certificate
    raise StateConflictError(TOO_MANY_CONFLICTS)


def _recorded(certificate: Certificate, annulled: bool) -> str | None:
    return certificate.annulled_pdf_sha256 if annulled else certificate.pdf_sha256


def _with_document(certificate: Certificate, key: str, digest: str, annulled: bool) -> Certificate:
    if annulled:
        return replace(certificate, annulled_pdf_sha256=digest)
    return replace(certificate, pdf_key=key, pdf_sha256=digest)


def _store_document(ports: Ports, certificate: Certificate, *, annulled: bool = False) -> tuple[Certificate, bytes]:
    """Render and sign the PDF (or its ANULADO copy), record its SHA-256, then store it once.

    Also the repair of an upload that failed after its SHA-256 was recorded: nobody can hold bytes that
    were never stored, so a new signed file takes the record's place (only while the record is still
    the one read). A file stored meanwhile is never overwritten: it is the document, and the record
    follows it.
    """
    body = ports.signatures.sign(ports.pdfs.render(certificate, annulled=annulled))
    digest = fingerprint(body)
    key = pdf_key(certificate, annulled=annulled)
    seen = _recorded(certificate, annulled)
    if not ports.certificates.record_pdf(certificate, key, digest, annulled=annulled, seen=seen):
        raise StateConflictError(PDF_BEING_STORED)
    if not ports.documents.put_new(key, body, PDF):
        stored = ports.documents.read(key)
        if stored is None or not ports.certificates.record_pdf(
            certificate, key, fingerprint(stored), annulled=annulled, seen=digest
        ):
            raise StateConflictError(PDF_BEING_STORED)
        body, digest = stored, fingerprint(stored)
    return _with_document(certificate, key, digest, annulled), body


def stored_document(ports: Ports, certificate: Certificate, *, annulled: bool = False) -> tuple[Certificate, bytes]:
    """The stored PDF (or ANULADO copy) and its bytes, checked against the SHA-256 recorded before it was
    stored; made on first need. A mismatch is never served: logged, counted, DocumentIntegrityError."""
    body = read_document(ports, certificate, annulled=annulled)
    if body is None:
        return _store_document(ports, certificate, annulled=annulled)
    return certificate, body


def read_document(ports: Ports, certificate: Certificate, *, annulled: bool = False) -> bytes | None:
    """The stored PDF (or ANULADO copy), checked against its recorded SHA-256; None when none is stored
    yet. A mismatch is never served: logged, counted, DocumentIntegrityError."""
    recorded = _recorded(certificate, annulled)
    key = pdf_key(certificate, annulled=True) if annulled else certificate.pdf_key
    body = ports.documents.read(key) if recorded is not None and key is not None else None
    if body is None:
        return None
    if fingerprint(body) != recorded:
        logger.error(
            "stored PDF does not match its recorded SHA-256",
            extra={"number": str(certificate.number), "key": key, "recorded": recorded, "found": fingerprint(body)},
        )
        ports.metrics.count("PdfIntegrityFailures")
        raise DocumentIntegrityError(PDF_ALTERED)
    return body


def _certificate(ports: Ports, principal: Principal, raw_number: str) -> Certificate:
    number = CertificateNumber.parse(raw_number)
    principal.ensure_otec()
    return visible_certificate(principal, ports.certificates.get(principal.institution_rut, number), number)


def _disclose(ports: Ports, principal: Principal, what: Disclosure, certificate: Certificate) -> None:
    disclose(ports, principal, what, course_code=certificate.course_code, certificate=str(certificate.number))


@dataclass(frozen=True)
class CertificateView:
    certificate: Certificate
    # The state of the course as far as this certificate goes: an annulled one was approved for re-issue.
    state: CertificateState


def get_certificate(ports: Ports, principal: Principal, raw_number: str) -> CertificateView:
    """A certificate of the chosen institution (and region), with the state its course is in for it."""
    certificate = _certificate(ports, principal, raw_number)
    _disclose(ports, principal, Disclosure.CERTIFICATE, certificate)
    if certificate.status is CertificateStatus.ANNULLED:
        return CertificateView(certificate, shown_state(certificate, None))
    course = ports.courses.get(certificate.course_code)
    return CertificateView(certificate, shown_state(certificate, course.certificate_state if course else None))


def certificate_pdf(ports: Ports, principal: Principal, raw_number: str, *, inline: bool) -> downloads.Download:
    """The issued PDF, or once annulled a new signed copy stamped ANULADO (made on first request), each
    checked against its recorded SHA-256 before the link is given."""
    certificate = _certificate(ports, principal, raw_number)
    _disclose(ports, principal, Disclosure.CERTIFICATE_PDF, certificate)
    annulled = certificate.status is CertificateStatus.ANNULLED
    certificate, _body = stored_document(ports, certificate, annulled=annulled)
    key = pdf_key(certificate, annulled=annulled)
    return downloads.link(ports, key, pdf_filename(certificate), PDF, inline=inline)
