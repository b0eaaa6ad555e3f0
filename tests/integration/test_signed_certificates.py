"""Signed, archival certificates on the local stack: the PDF downloaded through the API is PDF/A-2b and
carries a PAdES signature made by the KMS key in moto, certified by the development CA; poppler's
`pdfsig` and pyHanko both find it valid, and both refuse it after one byte of the page content changes.
Then the whole chain: issue, annul with the officer's approval, re-issue."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import urllib.request
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import boto3
import pytest
from pypdf import PdfReader

from chalicelib.config import get_settings
from chalicelib.domain.access import Profile
from tests.builders import (
    ADMIN_RUT,
    OFFICER_RUT,
    OTEC,
    SENCE,
    at,
    course,
    full_session,
    grant,
    historic_certificate,
    participant,
)
from tests.integration.api import get, post

SIGNED, CHAINED = "5119001", "5119002"  # pending courses of Sofofa, region 13
LEGACY = "5119003"  # issued before GCA signed: its stored PDF has no signature
PDF = {"Content-Type": "application/pdf"}

pytestmark = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")


@pytest.fixture(scope="module", autouse=True)
def world(seed):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    seed.account(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, "13"))
    for code in (SIGNED, CHAINED):
        pending = course(code, sence_code=f"12377{code[2:]}", hours=4, start=date(2017, 3, 1), end=date(2017, 3, 30))
        people = [participant(pending, 10_000_000 + i, f"PARTICIPANTE {i} ÑÚÑEZ") for i in range(30)]
        seed.course(pending, people, [full_session("s1", at(date(2017, 3, 6), 9), 4, people)])
    legacy = course(LEGACY, sence_code="1237719003", start=date(2016, 3, 1), end=date(2016, 3, 30))
    people = [participant(legacy, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")]
    seed.course(legacy, people)
    unsigned = b"%PDF-1.4 emitido sin firma\n%%EOF\n"
    key = f"certificates/{OTEC.rut.compact()}/2016/1-2016.pdf"
    boto3.client("s3").put_object(Bucket=get_settings().pdf_bucket, Key=key, Body=unsigned)
    seed.certificate(
        replace(
            historic_certificate(legacy, people, 1),
            pdf_key=key,
            pdf_sha256=hashlib.sha256(unsigned).hexdigest(),
        )
    )


@pytest.fixture(scope="module")
def admin(world, sign_in):
    return sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)


@pytest.fixture(scope="module")
def officer(world, sign_in):
    return sign_in(OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)


def _issue(client: Any, admin: str, code: str) -> dict[str, str]:
    response = post(client, f"/api/courses/{code}/certificate", {"invoice_number": "OC-1", "accept": True}, admin)
    assert response.status_code == 201, response.json_body
    return {"number": response.json_body["number"], "code": response.json_body["verification_code"]}


def _download(client: Any, admin: str, number: str) -> bytes:
    link = get(client, f"/api/certificates/{number}/pdf", admin, Accept="application/json")
    assert link.status_code == 200, link.json_body
    with urllib.request.urlopen(link.json_body["url"]) as remote:  # noqa: S310 (the local stack)
        return bytes(remote.read())


@pytest.fixture(scope="module")
def issued(client_module: Any, admin: str) -> dict[str, Any]:
    certificate = _issue(client_module, admin, SIGNED)
    return {**certificate, "pdf": _download(client_module, admin, certificate["number"])}


@pytest.fixture(scope="module")
def client_module(world: Any) -> Any:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def ca_pem(client_module: Any) -> bytes:
    """The CA certificate as a reader downloads it from the verification page."""
    response = client_module.http.get("/verificar/ca.pem")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-pem-file"
    return bytes(response.body)


def _pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


def _pyhanko(body: bytes, ca_pem: bytes) -> Any:
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [x509.Certificate.load(der) for _, _, der in pem.unarmor(ca_pem, multiple=True)]
    [signature] = PdfFileReader(BytesIO(body), strict=False).embedded_signatures
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    return signature, validate_pdf_signature(signature, context)


def _flip_in_page_content(body: bytes) -> bytes:
    """One byte of the first page's content stream, changed."""
    page = PdfReader(BytesIO(body)).pages[0]
    reference = page.raw_get("/Contents")
    start = body.index(f"\n{reference.idnum} 0 obj".encode())
    stream = body.index(b"stream", start) + len(b"stream\n")
    flipped = bytearray(body)
    flipped[stream + 40] ^= 0x01
    return bytes(flipped)


# ---------------------------------------------------------------- the file


def test_pdfsig_finds_a_valid_pades_signature_over_the_whole_file(issued, tmp_path):
    path = tmp_path / "certificado.pdf"
    path.write_bytes(issued["pdf"])

    report = _pdfsig(path)

    assert "Signature is Valid." in report, report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Total document signed" in report
    assert "GCA - SENCE, certificados de asistencia (desarrollo)" in report


def test_pyhanko_finds_it_intact_trusted_to_the_development_ca_and_covering_the_whole_file(issued, ca_pem):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    signature, status = _pyhanko(issued["pdf"], ca_pem)

    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    attributes = {attribute["type"].native for attribute in signature.signer_info["signed_attrs"]}
    assert "signing_certificate_v2" in attributes  # PAdES baseline: the signing-certificate attribute
    assert status.signing_cert.issuer.native["common_name"] == "GCA Autoridad Certificadora de Desarrollo"


def test_one_flipped_byte_in_the_page_content_makes_both_fail(issued, ca_pem, tmp_path, client_module):
    flipped = _flip_in_page_content(issued["pdf"])
    path = tmp_path / "alterado.pdf"
    path.write_bytes(flipped)

    report = _pdfsig(path)
    _signature, status = _pyhanko(flipped, ca_pem)

    assert "Signature is Valid." not in report and "Digest Mismatch" in report, report
    assert not status.intact
    answer = client_module.http.post(
        f"/api/verify/{issued['number']}/pdf?code={issued['code']}", headers=PDF, body=flipped
    ).json_body
    assert answer["identical"] is False
    assert answer["failed"] == ["not_identical", "signature_altered"]
    assert answer["signature"]["intact"] is False


def test_pdfinfo_shows_the_pdf_a_identification_in_the_xmp_metadata(issued, tmp_path):
    path = tmp_path / "certificado.pdf"
    path.write_bytes(issued["pdf"])

    metadata = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout

    # pyHanko writes the packet again when it signs, with the simple properties as attributes.
    assert re.search(r'pdfaid:part(="|>)2', metadata) and re.search(r'pdfaid:conformance(="|>)B', metadata), metadata
    assert re.search(rf'dc:identifier(="|>){issued["number"]}', metadata)
    assert "<rdf:li>es-CL</rdf:li>" in metadata
    assert "Certificado de asistencia N° " + issued["number"] in metadata


# ---------------------------------------------------------------- the verification of an uploaded file


def test_the_genuine_file_passes_every_check(issued, client_module):
    answer = client_module.http.post(
        f"/api/verify/{issued['number']}/pdf?code={issued['code']}", headers=PDF, body=issued["pdf"]
    ).json_body

    assert (answer["identical"], answer["failed"]) == (True, [])
    assert answer["signature"]["valid"] and answer["signature"]["trusted"] and answer["signature"]["whole_file"]
    assert answer["signature"]["signer"] == "GCA - SENCE, certificados de asistencia (desarrollo)"


def test_an_update_appended_after_the_signature_is_not_covered(issued, client_module):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(issued["pdf"]), strict=False)
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")  # any change, in a new revision
    writer.update_root()
    out = BytesIO()
    writer.write(out)

    answer = client_module.http.post(
        f"/api/verify/{issued['number']}/pdf?code={issued['code']}", headers=PDF, body=out.getvalue()
    ).json_body

    assert answer["failed"] == ["not_identical", "not_whole_file"]


def test_a_file_signed_by_a_certificate_of_another_ca_is_untrusted(issued, client_module):
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from devtools.signing import development_ca

    key, certificate = development_ca(datetime.now(UTC))  # a CA of the forger's own, signing as itself
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    forger = signers.SimpleSigner(
        signing_cert=x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore(),
    )
    from chalicelib.bootstrap import bootstrap
    from chalicelib.renderers.pdf import CertificatePdfs

    certificate = bootstrap().certificates.find_by_verification_code(issued["code"])
    look_alike = CertificatePdfs(get_settings().public_base_url).render(certificate, annulled=False)
    writer = IncrementalPdfFileWriter(BytesIO(look_alike), strict=False)
    forged = signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(field_name="Otra", subfilter=fields.SigSeedSubFilter.PADES),
        signer=forger,
    ).getvalue()

    answer = client_module.http.post(
        f"/api/verify/{issued['number']}/pdf?code={issued['code']}", headers=PDF, body=forged
    ).json_body

    assert answer["failed"] == ["not_identical", "signer_untrusted"]
    assert answer["signature"]["intact"] is True and answer["signature"]["trusted"] is False


def test_the_verification_shows_the_signature_and_offers_the_ca(issued, client_module, ca_pem):
    from chalicelib.security.signing import parse_chain

    answer = client_module.http.get(f"/api/verify/{issued['number']}?code={issued['code']}").json_body
    page = client_module.http.get(f"/verificar/{issued['number']}?code={issued['code']}").body.decode()

    assert answer["signature"]["valid"] is True
    assert answer["signature"]["signer"] == "GCA - SENCE, certificados de asistencia (desarrollo)"
    assert datetime.fromisoformat(answer["signature"]["signed_at"]) > datetime.now(UTC) - timedelta(minutes=10)
    assert (answer["replaces"], answer["replaced_by"], answer["annulment_reason"]) == (None, None, None)
    assert "Firma electrónica válida." in page and 'href="/verificar/ca.pem"' in page
    chain = boto3.client("ssm").get_parameter(Name=get_settings().signing_chain_parameter)["Parameter"]["Value"]
    authorities = parse_chain(chain).authorities
    assert ca_pem.count(b"BEGIN CERTIFICATE") == len(authorities) == 1


# ---------------------------------------------------------------- stored once, checked on download


def test_a_stored_pdf_changed_behind_the_applications_back_is_not_served(client_module, admin, issued):
    s3 = boto3.client("s3")
    bucket = get_settings().pdf_bucket
    key = next(
        item["Key"]
        for item in s3.list_objects_v2(Bucket=bucket, Prefix="certificates/")["Contents"]
        if item["Key"].endswith(f"/{issued['number']}.pdf")
    )
    genuine = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with pytest.raises(s3.exceptions.ClientError, match="PreconditionFailed"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.7 otro", IfNoneMatch="*")  # written once
    s3.put_object(Bucket=bucket, Key=key, Body=_flip_in_page_content(genuine))  # what no role may do
    try:
        refused = get(client_module, f"/api/certificates/{issued['number']}/pdf", admin, Accept="application/json")
        answer = client_module.http.get(f"/api/verify/{issued['number']}?code={issued['code']}").json_body
    finally:
        s3.put_object(Bucket=bucket, Key=key, Body=genuine)

    assert refused.status_code == 500
    assert refused.json_body["error"]["code"] == "document_integrity"
    assert "no coincide con la huella registrada" in refused.json_body["error"]["message"]
    assert answer["signature"]["valid"] is False


# ---------------------------------------------------------------- issue, annul with approval, re-issue


def test_a_pdf_stored_before_gca_signed_is_never_re_signed_and_says_it_has_no_signature(client_module):
    code = historic_certificate(course(LEGACY), (), 1).verification_code

    answer = client_module.http.get(f"/api/verify/1-2016?code={code}").json_body
    page = client_module.http.get(f"/verificar/1-2016?code={code}").body.decode()

    assert answer["signature"] == {"valid": False, "signer": None, "signed_at": None}
    assert "Sin firma electrónica." in page
    stored = boto3.client("s3").get_object(
        Bucket=get_settings().pdf_bucket, Key=f"certificates/{OTEC.rut.compact()}/2016/1-2016.pdf"
    )
    assert stored["Body"].read() == b"%PDF-1.4 emitido sin firma\n%%EOF\n"


def test_issue_annul_with_approval_reissue_and_each_verification_names_the_other(client_module, admin, officer, ca_pem):
    first = _issue(client_module, admin, CHAINED)
    original = _download(client_module, admin, first["number"])
    requested = post(
        client_module,
        f"/api/certificates/{first['number']}/annulment",
        {"reason": "Se informó por error\nla asistencia de un participante."},
        admin,
    )
    assert requested.status_code == 201, requested.json_body
    decided = post(
        client_module, f"/api/annulments/{requested.json_body['request_id']}/decision", {"decision": "approve"}, officer
    )
    assert decided.status_code == 200, decided.json_body
    stamped = _download(client_module, admin, first["number"])
    second = _issue(client_module, admin, CHAINED)

    annulled = client_module.http.get(f"/api/verify/{first['number']}?code={first['code']}").json_body
    reissued = client_module.http.get(f"/api/verify/{second['number']}?code={second['code']}").json_body
    annulled_page = client_module.http.get(f"/verificar/{first['number']}?code={first['code']}").body.decode()
    reissued_page = client_module.http.get(f"/verificar/{second['number']}?code={second['code']}").body.decode()

    assert annulled["status"] == "annulled" and annulled["annulled_at"]
    assert annulled["annulment_reason"] == "Se informó por error la asistencia de un participante."
    assert annulled["replaced_by"]["number"] == second["number"]
    assert annulled["replaced_by"]["url"] == f"/verificar/{second['number']}?code={second['code']}"
    assert annulled["signature"]["valid"] is True  # the original file stays authentic
    assert reissued["status"] == "valid"
    assert reissued["replaces"]["number"] == first["number"]
    assert reissued["replaced_by"] is None
    assert re.search(rf'Reemplazado por <a href="[^"]+">N° {second["number"]}</a>', annulled_page)
    assert re.search(rf'Reemplaza al certificado anulado <a href="[^"]+">N° {first["number"]}</a>', reissued_page)
    assert "Motivo: Se informó por error la asistencia de un participante." in annulled_page
    # The ANULADO copy is a new signed document; the original keeps verifying as issued.
    assert stamped != original
    assert _pyhanko(stamped, ca_pem)[1].trusted and _pyhanko(original, ca_pem)[1].trusted
    assert "CERTIFICADO ANULADO" in PdfReader(BytesIO(stamped)).pages[0].extract_text()
    assert "CERTIFICADO ANULADO" not in PdfReader(BytesIO(original)).pages[0].extract_text()
    compared = client_module.http.post(
        f"/api/verify/{first['number']}/pdf?code={first['code']}", headers=PDF, body=original
    ).json_body
    assert (compared["identical"], compared["failed"], compared["status"]) == (True, [], "annulled")


def _upload_form(client: Any, issued: dict[str, Any], body: bytes) -> str:
    boundary = "gca-limite-0001"
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="pdf"; filename="c.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.http.post(
        f"/verificar/{issued['number']}?code={issued['code']}",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        body=form,
    )
    assert response.status_code == 200
    return response.body.decode()


def test_the_page_says_which_check_an_uploaded_file_failed(issued, client_module):
    genuine = _upload_form(client_module, issued, issued["pdf"])
    altered = _upload_form(client_module, issued, _flip_in_page_content(issued["pdf"]))

    assert "El PDF es idéntico al emitido</strong> y su firma electrónica es válida" in genuine
    assert "El PDF no pasó la verificación." in altered
    assert "<li>El PDF no coincide byte a byte con el emitido.</li>" in altered
    assert "<li>La firma electrónica no corresponde al contenido: el PDF fue modificado después de firmado.</li>" in (
        altered
    )
