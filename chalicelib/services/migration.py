"""Migration of historic certificates: one certificate of the system GCA replaces, imported whole or not
at all (`devtools/import_history.py` reads the files and calls `import_certificate` for each)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..domain.audit import AuditEntry, course_subject
from ..domain.certificates import Certificate, CertificateNumber
from ..domain.errors import StateConflictError
from ..domain.issuing import CourseChangedError, fingerprint, new_verification_code, pdf_key
from ..domain.media import PDF
from ..domain.migration import (
    ImportedCertificate,
    ImportOutcome,
    NumberTakenError,
    differences,
    historic_annulment,
    imported_certificate,
)
from .ports import Ports

# Each round reads again what another writer created meanwhile (the certificate, or its course).
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class ImportResult:
    outcome: ImportOutcome
    number: CertificateNumber
    # For a conflict: the columns in which the file and GCA disagree, and why in words.
    fields: tuple[str, ...] = ()
    reason: str = ""


def import_certificate(ports: Ports, record: ImportedCertificate, original_pdf: bytes | None) -> ImportResult:
    """One certificate of the old system, whole or not at all.

    First the institution's counter of that year is raised to at least its number, so that from then on
    no issue in GCA can take it (an issue needs the counter at the number before its own). Then, when that
    institution has no certificate of that number, one transaction writes the certificate, its course
    when GCA does not know it, its approved annulment when it is ANULADO, and the audit entry; last its
    PDF is stored where GCA keeps each certificate's PDF, byte for byte the original when there is one
    (else rendered from the data and marked as a reconstruction), with its SHA-256 recorded in the same
    transaction, so public verification and PDF comparison work for it.

    A certificate already there with the same content is `already_present` (a second run imports
    nothing, and only stores a PDF a first run could not); with other content it is a `conflict`,
    naming the columns, and nothing is written.
    """
    number, institution = record.number, record.institution_rut
    ports.certificates.raise_sequence(institution, number.year, number.sequence)
    original_sha = fingerprint(original_pdf) if original_pdf is not None else None
    for _attempt in range(MAX_ATTEMPTS):
        existing = ports.certificates.get(institution, number)
        if existing is not None:
            return _already_there(ports, existing, record, original_pdf, original_sha)
        code = record.course.course_code
        course = ports.courses.get(code)
        if course is not None and course.institution.rut != institution:
            reason = f"El curso {code} existe en GCA con otra institución ({course.institution.rut.formatted()})."
            return ImportResult(ImportOutcome.CONFLICT, number, ("course_code",), reason)
        verification_code = record.row.verification_code or new_verification_code()
        if record.row.verification_code is not None:
            holder = ports.certificates.find_by_verification_code(verification_code)
            if holder is not None:
                reason = f"El código de verificación ya es del certificado {holder.number} en GCA."
                return ImportResult(ImportOutcome.CONFLICT, number, ("verification_code",), reason)
        certificate = imported_certificate(record, verification_code)
        body = original_pdf if original_pdf is not None else ports.pdfs.render(certificate, annulled=False)
        certificate = replace(certificate, pdf_key=pdf_key(certificate), pdf_sha256=fingerprint(body))
        audit = AuditEntry(
            course_subject(code),
            "certificate_imported",
            ports.clock.now(),
            detail={
                "number": str(number),
                "source": record.source,
                "pdf": "original" if original_pdf is not None else "reconstrucción",
            },
        )
        try:
            ports.transactions.commit_import(
                certificate, None if course else record.course, historic_annulment(record), audit
            )
        except (NumberTakenError, CourseChangedError):
            continue  # read again what was written meanwhile
        assert certificate.pdf_key is not None
        ports.documents.put_bytes(certificate.pdf_key, body, PDF)
        return ImportResult(ImportOutcome.IMPORTED, number)
    raise StateConflictError(f"El certificado {number} cambió mientras se importaba; vuelva a ejecutar.")


def _already_there(
    ports: Ports,
    existing: Certificate,
    record: ImportedCertificate,
    original_pdf: bytes | None,
    original_sha: str | None,
) -> ImportResult:
    found = differences(existing, record, original_sha)
    if found:
        reason = f"GCA ya tiene el certificado {existing.number} con otros datos: " + ", ".join(found) + "."
        return ImportResult(ImportOutcome.CONFLICT, existing.number, tuple(found), reason)
    if existing.imported:
        _store_missing_pdf(ports, existing, original_pdf)
    return ImportResult(ImportOutcome.ALREADY_PRESENT, existing.number)


def _store_missing_pdf(ports: Ports, existing: Certificate, original_pdf: bytes | None) -> None:
    """A first run that stopped between its transaction and its upload left the PDF out: store it now
    (the original, or the reconstruction rendered again: the renderer is deterministic)."""
    key = existing.pdf_key or pdf_key(existing)
    if existing.pdf_sha256 is not None and ports.documents.exists(key):
        return
    body = original_pdf if original_pdf is not None else ports.pdfs.render(existing, annulled=False)
    ports.documents.put_bytes(key, body, PDF)
    digest = fingerprint(body)
    if (existing.pdf_key, existing.pdf_sha256) != (key, digest):
        ports.certificates.record_pdf(existing, key, digest)
