"""Public verification of a certificate (no login): its data, its electronic signature and the chain of
certificates of its course, and whether a PDF is the one issued and carries a valid signature."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.annulments import approved_reason
from ..domain.certificates import Certificate, CertificateStatus
from ..domain.errors import InvalidInputError
from ..domain.issuing import DocumentIntegrityError, chain_of, is_identical_pdf, parse_verification, verified
from ..domain.limits import Limited
from ..domain.signatures import SignatureCheck
from .certificates import stored_document
from .limits import admit
from .ports import Ports

MAX_PDF_BYTES = 5 * 1024 * 1024
ATTACH_PDF = "Adjunte el PDF del certificado (hasta 5 MB)."


@dataclass(frozen=True)
class Verification:
    """What the public verification shows: the certificate, the signature of its stored PDF, and the chain."""

    certificate: Certificate
    signature: SignatureCheck
    replaces: Certificate | None = None
    replaced_by: Certificate | None = None
    annulment_reason: str | None = None


@dataclass(frozen=True)
class Comparison:
    """An uploaded PDF against the certificate: the same bytes as issued, and its own signature."""

    certificate: Certificate
    identical: bool
    signature: SignatureCheck


def _find(ports: Ports, raw_number: object, raw_code: object, client: str) -> Certificate:
    admit(ports, Limited.VERIFY, client)
    number, code = parse_verification(raw_number, raw_code)
    return verified(ports.certificates.find_by_verification_code(code), number)


def verify_certificate(ports: Ports, raw_number: object, raw_code: object, client: str = "") -> Verification:
    """The certificate with the signature of its issued PDF (valid even once annulled: annulment does not
    make the file a forgery), the certificate it replaces, the one that replaced it and, annulled, why.

    The same answer for an unknown number and a wrong code; each client address may verify, guess codes
    and upload PDFs `GCA_RATE_LIMIT_VERIFY_PER_MIN` times a minute, all together.
    """
    return _described(ports, _find(ports, raw_number, raw_code, client))


def _described(ports: Ports, certificate: Certificate) -> Verification:
    try:
        certificate, body = stored_document(ports, certificate)
        signature = ports.signatures.validate(body)
    except DocumentIntegrityError:
        signature = SignatureCheck(present=True)  # the stored file is not the one recorded: not intact
    chain = chain_of(certificate, ports.certificates.list_for_course(certificate.course_code))
    reason = None
    if certificate.status is CertificateStatus.ANNULLED:
        reason = approved_reason(certificate.number, ports.annulments.list_for_course(certificate.course_code))
    return Verification(certificate, signature, chain.replaces, chain.replaced_by, reason)


def compare_pdf(ports: Ports, raw_number: object, raw_code: object, upload: bytes, client: str = "") -> Comparison:
    """Whether `upload` is byte for byte the PDF issued (or its ANULADO copy), and its signature: intact,
    trusted to GCA's CA and covering the whole file."""
    certificate = _find(ports, raw_number, raw_code, client)
    if not upload or len(upload) > MAX_PDF_BYTES:
        raise InvalidInputError(ATTACH_PDF, field="pdf")
    certificate, _body = stored_document(ports, certificate)
    return Comparison(certificate, is_identical_pdf(certificate, upload), ports.signatures.validate(upload))


def verify_with_upload(
    ports: Ports, raw_number: object, raw_code: object, upload: bytes, client: str = ""
) -> tuple[Verification, Comparison]:
    """The verification page after an upload: the certificate as `verify_certificate` shows it, and the
    comparison of the file (one request of the client's allowance, not two)."""
    comparison = compare_pdf(ports, raw_number, raw_code, upload, client)
    return _described(ports, comparison.certificate), comparison


def trust_anchors(ports: Ports) -> bytes:
    """The CA certificate(s) that certify GCA's signatures, for a reader to trust in their PDF reader."""
    return ports.signatures.trust_anchors()
