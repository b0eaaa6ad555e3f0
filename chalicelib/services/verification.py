"""Public verification of a certificate (no login): its data, and whether a PDF is the one issued."""

from __future__ import annotations

from ..domain.certificates import Certificate
from ..domain.errors import InvalidInputError
from ..domain.issuing import is_identical_pdf, parse_verification, verified
from ..domain.limits import Limited
from .certificates import with_stored_pdf
from .limits import admit
from .ports import Ports

MAX_PDF_BYTES = 5 * 1024 * 1024
ATTACH_PDF = "Adjunte el PDF del certificado (hasta 5 MB)."


def verify_certificate(ports: Ports, raw_number: object, raw_code: object, client: str = "") -> Certificate:
    """The same answer for an unknown number and a wrong code; each client address may verify, guess
    codes and upload PDFs `GCA_RATE_LIMIT_VERIFY_PER_MIN` times a minute, all together."""
    admit(ports, Limited.VERIFY, client)
    number, code = parse_verification(raw_number, raw_code)
    return verified(ports.certificates.find_by_verification_code(code), number)


def compare_pdf(
    ports: Ports, raw_number: object, raw_code: object, upload: bytes, client: str = ""
) -> tuple[Certificate, bool]:
    """The certificate, and whether `upload` is byte for byte the PDF that was issued."""
    certificate = verify_certificate(ports, raw_number, raw_code, client)
    if not upload or len(upload) > MAX_PDF_BYTES:
        raise InvalidInputError(ATTACH_PDF, field="pdf")
    return certificate, is_identical_pdf(with_stored_pdf(ports, certificate), upload)
