"""PAdES signatures of the certificate PDFs, made by an asymmetric AWS KMS key that never leaves KMS.

The signature is PAdES baseline (SubFilter `ETSI.CAdES.detached`, CMS with the signing-certificate-v2
attribute), added by pyHanko as an incremental update: the last step, so nothing changes the file
after it. pyHanko hands the DER signed attributes to `_KmsSigner.async_sign_raw`, which sends them to
`kms:Sign` as a RAW message (KMS hashes them with SHA-256; a DIGEST message would be hashed again by
moto). The signer's X.509 certificate, followed by the CA certificate(s) a reader trusts, is the PEM
text of the SSM parameter `GCA_SIGNING_CHAIN_PARAMETER`, read on first use. With `GCA_TSA_URL` an
RFC 3161 timestamp is added to the signature (PAdES B-T).

Validation trusts the CA certificates of that parameter, not the key: a certificate signed with a
key since rotated keeps validating while its CA is in the parameter.

pyHanko, asn1crypto and cryptography are imported here only, on the first signature or validation:
`import app` and `bootstrap()` never load them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import boto3

from ..domain.signatures import UNSIGNED, SignatureCheck

logger = logging.getLogger("gca")

SIGNATURE_FIELD = "FirmaGCA"
SIGNING_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"  # KMS key spec RSA_2048, SIGN_VERIFY
_SIGNATURE_BYTES = 256  # RSA-2048
# Room kept in the file for the CMS signature, in hexadecimal digits (two per byte): the signature with
# two certificates takes about 3.8 KB, a timestamp token with its TSA's chain up to 10 KB more. A fixed
# room spares pyHanko a dry-run signature to estimate it (a third of the signing time).
_RESERVED_BYTES = 2 * 6 * 1024
_RESERVED_WITH_TIMESTAMP_BYTES = 2 * 16 * 1024


@dataclass(frozen=True)
class SigningChain:
    """The signer's certificate and the CA certificates it chains to (asn1crypto objects)."""

    signer: Any
    authorities: tuple[Any, ...]


def parse_chain(pem: str) -> SigningChain:
    """The PEM of the parameter: the signer's certificate (the one that is not a CA), then its CA(s)."""
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509

    certificates = [x509.Certificate.load(der) for _kind, _headers, der in asn1_pem.unarmor(pem.encode(), True)]
    authorities = tuple(c for c in certificates if c.ca)
    signers = [c for c in certificates if not c.ca]
    if len(signers) != 1 or not authorities:
        raise ValueError("the signing chain must hold one signer certificate and at least one CA certificate")
    return SigningChain(signers[0], authorities)


def _kms_signer(client: Any, key_id: str, chain: SigningChain) -> Any:
    from asn1crypto import algos
    from pyhanko.sign.signers.pdf_cms import Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class _KmsSigner(Signer):  # type: ignore[misc]
        """pyHanko's signer whose private key operation is `kms:Sign`."""

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
            if dry_run:  # pyHanko's size estimate: the length of a real signature is enough
                return bytes(_SIGNATURE_BYTES)
            answer = client.sign(KeyId=key_id, Message=data, MessageType="RAW", SigningAlgorithm=SIGNING_ALGORITHM)
            return bytes(answer["Signature"])

    return _KmsSigner(
        signing_cert=chain.signer,
        cert_registry=SimpleCertificateStore.from_certs([chain.signer, *chain.authorities]),  # type: ignore[no-untyped-call]
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
    )


class KmsSignatures:
    """Signs certificate PDFs with the KMS key and validates signed PDFs against GCA's CA."""

    def __init__(self, key_id: str, chain_parameter: str, region: str, tsa_url: str | None = None) -> None:
        self._key_id = key_id
        self._chain_parameter = chain_parameter
        self._region = region
        self._tsa_url = tsa_url
        self._chain: SigningChain | None = None
        self._signer: Any = None

    def _load(self) -> SigningChain:
        if self._chain is None:
            ssm = boto3.client("ssm", region_name=self._region)
            self._chain = parse_chain(str(ssm.get_parameter(Name=self._chain_parameter)["Parameter"]["Value"]))
        return self._chain

    def sign(self, document: bytes) -> bytes:
        """`document` with a PAdES signature appended (an incremental update), signed in KMS."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields
        from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

        if self._signer is None:
            self._signer = _kms_signer(boto3.client("kms", region_name=self._region), self._key_id, self._load())
        timestamper = None
        if self._tsa_url:
            from pyhanko.sign.timestamps import HTTPTimeStamper

            timestamper = HTTPTimeStamper(self._tsa_url)
        metadata = PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Certificado de asistencia emitido por GCA (SENCE)",
            location="Chile",
        )
        signer = PdfSigner(metadata, signer=self._signer, timestamper=timestamper)
        writer = IncrementalPdfFileWriter(BytesIO(document), strict=False)
        reserved = _RESERVED_WITH_TIMESTAMP_BYTES if timestamper else _RESERVED_BYTES
        signed = signer.sign_pdf(writer, bytes_reserved=reserved)
        return bytes(signed.getvalue())

    def validate(self, document: bytes) -> SignatureCheck:
        """The first signature of `document`, validated against GCA's CA; UNSIGNED when there is none
        or the file cannot be read as a PDF."""
        try:
            return self._validate(document)
        except Exception:
            logger.info("PDF signature could not be read", exc_info=True)
            return UNSIGNED

    def _validate(self, document: bytes) -> SignatureCheck:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.errors import SignatureValidationError
        from pyhanko.sign.validation.settings import KeyUsageConstraints
        from pyhanko.sign.validation.status import SignatureCoverageLevel
        from pyhanko_certvalidator import ValidationContext

        reader = PdfFileReader(BytesIO(document), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            return UNSIGNED
        embedded = signatures[0]
        context = ValidationContext(
            trust_roots=list(self._load().authorities), allow_fetching=False, revocation_mode="soft-fail"
        )
        try:
            status = validate_pdf_signature(
                embedded, context, key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"})
            )
        except SignatureValidationError:
            return SignatureCheck(present=True)
        certificate = status.signing_cert
        signer = certificate.subject.native.get("common_name") if certificate is not None else None
        # The time a timestamp server vouches for, when it is there and intact; else the signer's own.
        stamp = status.timestamp_validity
        signed_at = stamp.timestamp if stamp is not None and stamp.intact and stamp.valid else None
        signed_at = signed_at or status.signer_reported_dt
        return SignatureCheck(
            present=True,
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted),
            whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            signer=str(signer) if signer else None,
            signed_at=signed_at.astimezone(UTC) if isinstance(signed_at, datetime) else None,
        )

    def trust_anchors(self) -> bytes:
        """The CA certificates a reader trusts, as PEM."""
        from asn1crypto import pem as asn1_pem

        return b"".join(asn1_pem.armor("CERTIFICATE", c.dump()) for c in self._load().authorities)
