"""The signing identity of certificate PDFs: a KMS key, its alias, and the certificate chain beside it.

Locally (`make run`, the tests: `devtools.resources.create_resources()`), `create_local_identity()` makes
the KMS key in moto, a development CA, the key's certificate from that CA and the SSM parameter that
holds the chain; the CA's private key lives only in memory while it signs.

Deployed, the template makes the key and its alias (only the API function may sign with it); an
operator certifies the key once with SENCE's CA, offline from the stack:

    python -m devtools.signing certify --key alias/gca-prod-certificates \\
        --ca-cert ca.pem --ca-key ca-key.pem --out chain.pem

and deploys the stack with the chain as the `SigningCertificateChain` parameter (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from chalicelib.config import get_settings

KEY_SPEC = "RSA_2048"
DEV_CA_NAME = "GCA Autoridad Certificadora de Desarrollo"
SIGNER_NAME = "GCA - SENCE, certificados de asistencia"
CERTIFICATE_YEARS = 5


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Servicio Nacional de Capacitación y Empleo"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def development_ca(now: datetime) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed CA for local runs only."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name(DEV_CA_NAME)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * CERTIFICATE_YEARS * 2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def certify(
    kms: Any, key_id: str, ca_key: Any, ca_certificate: x509.Certificate, now: datetime, common_name: str = SIGNER_NAME
) -> x509.Certificate:
    """The X.509 certificate of the KMS key's public key, issued by the CA (its key signs it here)."""
    public_key = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("the signing key must be an RSA key")
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what a document signature asks for
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_certificate.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def chain_pem(signer: x509.Certificate, *authorities: x509.Certificate) -> str:
    """The parameter's text: the signer's certificate, then the CA certificate(s) to trust."""
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in (signer, *authorities))


def _alias_target(kms: Any, alias: str) -> str | None:
    try:
        return str(kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
        return None


def create_local_identity() -> None:
    """The KMS key, its alias, a development CA and the chain parameter; kept when they exist."""
    settings = get_settings()
    kms = boto3.client("kms", region_name=settings.region)
    ssm = boto3.client("ssm", region_name=settings.region)
    key_id = _alias_target(kms, settings.signing_key)
    if key_id is not None:
        try:
            ssm.get_parameter(Name=settings.signing_chain_parameter)
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "ParameterNotFound":
                raise
    else:
        key_id = str(
            kms.create_key(
                KeySpec=KEY_SPEC, KeyUsage="SIGN_VERIFY", Description="GCA: firma de los certificados (desarrollo)"
            )["KeyMetadata"]["KeyId"]
        )
        kms.create_alias(AliasName=settings.signing_key, TargetKeyId=key_id)
    now = datetime.now(UTC)
    ca_key, ca_certificate = development_ca(now)
    signer = certify(kms, key_id, ca_key, ca_certificate, now, f"{SIGNER_NAME} (desarrollo)")
    ssm.put_parameter(
        Name=settings.signing_chain_parameter, Value=chain_pem(signer, ca_certificate), Type="String", Overwrite=True
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.signing")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("certify", help="issue the KMS key's certificate with the CA's key (offline)")
    command.add_argument("--key", required=True, help="KMS key id, ARN or alias (alias/gca-prod-certificates)")
    command.add_argument("--ca-cert", required=True, type=Path, help="the CA certificate, PEM")
    command.add_argument("--ca-key", required=True, type=Path, help="the CA private key, PEM (never uploaded)")
    command.add_argument("--keep", type=Path, action="append", default=[], help="earlier CA certificates to trust")
    command.add_argument("--out", required=True, type=Path, help="where to write the chain (PEM)")
    arguments = parser.parse_args(argv)
    ca_certificate = x509.load_pem_x509_certificate(arguments.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(arguments.ca_key.read_bytes(), password=None)
    kept = [x509.load_pem_x509_certificate(path.read_bytes()) for path in arguments.keep]
    signer = certify(boto3.client("kms"), arguments.key, ca_key, ca_certificate, datetime.now(UTC))
    arguments.out.write_text(chain_pem(signer, ca_certificate, *kept), encoding="utf-8")
    print(f"escrito {arguments.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
