"""What a check of a PDF's electronic signature found, and how the verification words it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SignatureFailure(StrEnum):
    """One check of a PDF's signature, named as the verification answer names the ones that failed."""

    MISSING = "signature_missing"  # the file carries no signature
    ALTERED = "signature_altered"  # the signed bytes changed since they were signed
    UNTRUSTED = "signer_untrusted"  # the signer's certificate does not lead to GCA's CA
    PARTIAL = "not_whole_file"  # something was added after the signature

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    SignatureFailure.MISSING: "El PDF no tiene firma electrónica.",
    SignatureFailure.ALTERED: (
        "La firma electrónica no corresponde al contenido: el PDF fue modificado después de firmado."
    ),
    SignatureFailure.UNTRUSTED: (
        "La firma no fue hecha con un certificado emitido por la autoridad certificadora de GCA."
    ),
    SignatureFailure.PARTIAL: "La firma no cubre el archivo completo: se agregó contenido después de firmar.",
}


@dataclass(frozen=True)
class SignatureCheck:
    """A PDF's signature as validated: intact (the signed bytes are the ones signed), trusted (the
    signer's certificate chains to GCA's CA) and covering the whole file (nothing appended after it)."""

    present: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str | None = None
    signed_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> tuple[SignatureFailure, ...]:
        if not self.present:
            return (SignatureFailure.MISSING,)
        # Trust is judged only on an intact signature: an altered one proves nothing about its signer.
        checks = (
            (self.intact, SignatureFailure.ALTERED),
            (self.trusted or not self.intact, SignatureFailure.UNTRUSTED),
            (self.whole_file, SignatureFailure.PARTIAL),
        )
        return tuple(failure for passed, failure in checks if not passed)


UNSIGNED = SignatureCheck(present=False)
