"""The migration command against the local stack: `devtools.import_history.main([DIR])` reads the two CSV
files of a temporary directory and imports through the service; then the API shows what it imported."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateNumber
from chalicelib.domain.clock import CHILE
from chalicelib.domain.migration import CERTIFICATE_COLUMNS
from chalicelib.storage.audit import AuditRepository
from chalicelib.storage.certificates import CertificateRepository
from chalicelib.storage.documents import DocumentStore
from devtools import import_history
from tests.builders import ADMIN_RUT, OTEC, at, course, full_session, grant, historic_certificate, participant
from tests.integration.api import get, post

ORIGINAL = b"%PDF-1.4\n% the old system's own certificate 90\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
NOW = datetime.now(CHILE)
# A moment of this year already past: the imported certificate counts in this year's numbering.
ISSUED = NOW - timedelta(minutes=3) if (NOW - timedelta(minutes=3)).year == NOW.year else NOW
YEAR = ISSUED.year
PEOPLE = [
    ("8.808.603-1", "RIGOBERTO ORLANDO CASTILLO BARRÍA", "29"),
    ("15.303.444-3", "CINTHYA D'ÁVILA MUÑOZ", "100"),
    ("11.111.111-1", "ÑUSTA PEÑA", "75"),
]


def certificate(number: str, course_code: str, **changes: str) -> dict[str, str]:
    row = {
        "number": number,
        "institution_rut": "75.998.240-1",
        "institution_name": OTEC.name,
        "course_code": course_code,
        "sence_code": "1237749001",
        "course_name": "OPERACIÓN DE GRÚA HORQUILLA",
        "program": "impulsa_personas",
        "activity_type": "within_year",
        "region_code": "13",
        "start_date": "02-03-2015",
        "end_date": "27-03-2015",
        "accredited_hours": "24",
        "company_rut": "96.543.210-8",
        "company_name": "Transportes Cordillera S.A.",
        "otic_rut": "",
        "otic_name": "",
        "invoice_number": "F-4521",
        "issued_at": "06-04-2015 10:49",
        "signer_rut": "11.111.111-1",
        "signer_name": "KARIN LAURINA SUÁREZ OSORIO",
        "state": "EMITIDO",
        "annulled_at": "",
        "annulment_reason": "",
        "pdf_file": "",
        "verification_code": "",
    }
    row.update(changes)
    return row


def write(directory: Path, certificates: list[dict[str, str]], people: list[tuple[str, ...]], bom: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "certificates.csv").open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=[*CERTIFICATE_COLUMNS, "pdf_file", "verification_code"])
        writer.writeheader()
        writer.writerows(certificates)
    with (directory / "participants.csv").open("w", newline="", encoding="utf-8") as file:
        rows = csv.writer(file)
        rows.writerow(("number", "rut", "name", "percent"))
        rows.writerows(people)
    return directory


def everyone(number: str) -> list[tuple[str, ...]]:
    return [(number, rut, name, percent) for rut, name, percent in PEOPLE]


@pytest.fixture(scope="module")
def admin(seed, sign_in):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    return sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)


def _trail(code: str) -> list[str]:
    return [entry["action"] for entry in AuditRepository().list_for(f"COURSE#{code}")]


def test_an_imported_number_is_followed_by_the_next_issue_and_verifies_with_its_original_pdf(
    tmp_path, seed, admin, client, capsys
):
    # Sofofa already issued 1-YEAR and 2-YEAR in GCA; the old system had got to 90.
    issued_course = course("4901001", start=date(YEAR, 1, 2), end=date(YEAR, 1, 2))
    for sequence in (1, 2):
        done = course(f"490100{1 + sequence}", start=date(YEAR, 1, 2), end=date(YEAR, 1, 2))
        seed.course(done)
        seed.certificate(historic_certificate(done, [participant(done, 8808603)], sequence, issued_at=ISSUED))
    people = [participant(issued_course, 8808603), participant(issued_course, 15303444)]
    seed.course(issued_course, people, [full_session("S1", at(issued_course.start_date, 9), 8, people)])
    number = f"90-{YEAR}"
    directory = tmp_path / "historia"
    (directory / "pdf").mkdir(parents=True)
    (directory / "pdf" / "90.pdf").write_bytes(ORIGINAL)
    write(
        directory,
        [
            certificate(
                number,
                "4909001",
                issued_at=ISSUED.strftime("%d-%m-%Y %H:%M"),
                start_date=(ISSUED.date() - timedelta(days=1)).strftime("%d-%m-%Y"),
                end_date=ISSUED.date().strftime("%d-%m-%Y"),
                pdf_file="pdf/90.pdf",
                verification_code="SOFOFA90IMPO",
            )
        ],
        everyone(number),
    )

    assert import_history.main([str(directory)]) == 0
    assert "importados: 1" in capsys.readouterr().out

    next_issue = post(client, "/api/courses/4901001/certificate", {"invoice_number": "F-1", "accept": True}, admin)
    assert next_issue.status_code == 201, next_issue.json_body
    assert next_issue.json_body["number"] == f"91-{YEAR}"

    verified = get(client, f"/api/verify/{number}?code=SOFOFA90IMPO")
    assert verified.status_code == 200, verified.json_body
    assert verified.json_body["status"] == "valid"
    assert verified.json_body["imported"] is True
    assert verified.json_body["source"].startswith("Sistema anterior, migración del ")
    assert [p["percent"] for p in verified.json_body["participants"]] == [29, 100, 75]
    assert verified.json_body["participants"][0]["rut"] == "*.***.603-1"

    compared = client.http.post(
        f"/api/verify/{number}/pdf?code=SOFOFA90IMPO", headers={"Content-Type": "application/pdf"}, body=ORIGINAL
    )
    assert compared.status_code == 200, compared.json_body
    # Byte for byte the original; it was signed (if at all) by the old system, not by GCA's key.
    assert (compared.json_body["identical"], compared.json_body["status"]) == (True, "valid")
    assert compared.json_body["failed"] == ["signature_missing"]
    page = client.http.get(f"/verificar/{number}?code=SOFOFA90IMPO").body.decode()
    assert "Importado" in page and "Emitido por el sistema anterior a GCA" in page

    detail = get(client, "/api/courses/4909001", admin).json_body
    assert detail["certificate_state"] == "ISSUED"
    assert detail["current_certificate"]["number"] == number
    assert detail["current_certificate"]["imported"] is True
    assert detail["current_certificate"]["source"] == verified.json_body["source"]
    assert get(client, f"/api/certificates/91-{YEAR}", admin).json_body["imported"] is False


def test_one_bad_row_among_good_ones_is_reported_and_the_others_are_imported_whole(tmp_path, admin, client, capsys):
    directory = write(
        tmp_path / "con-errores",
        [
            certificate("1-2015", "4902001"),
            certificate("2-2015", "4902002"),
            certificate("3-2015", "4902003"),
            certificate("4-2015", "4902004", region_code="99"),
        ],
        [
            *everyone("1-2015"),
            ("2-2015", "8.808.603-1", "RIGOBERTO ORLANDO CASTILLO BARRÍA", "100"),
            ("2-2015", "15.303.444-2", "CINTHYA D'ÁVILA MUÑOZ", "100"),  # line 6: wrong check digit
            *everyone("3-2015"),
            *everyone("4-2015"),
        ],
    )

    assert import_history.main([str(directory)]) == 1

    out = capsys.readouterr().out
    assert "ERROR participants.csv, línea 6, rut: El RUT no es válido: el dígito verificador no corresponde." in out
    assert (
        "ERROR certificates.csv, línea 3, number: Tiene participantes con errores (participants.csv, líneas 6)." in out
    )
    assert "ERROR certificates.csv, línea 5, region_code: La región no existe" in out
    assert "importados: 2" in out and "rechazados por errores en los archivos: 2" in out
    repository = CertificateRepository()
    for kept in ("1-2015", "3-2015"):
        stored = repository.get(OTEC.rut, CertificateNumber.parse(kept))
        assert stored is not None and len(stored.participants) == 3  # whole
    for refused in ("2-2015", "4-2015"):
        assert repository.get(OTEC.rut, CertificateNumber.parse(refused)) is None
    assert get(client, "/api/courses/4902002", admin).status_code == 404  # not even its course


def test_running_twice_imports_nothing_new(tmp_path, capsys):
    directory = write(
        tmp_path / "dos-veces",
        [certificate("5-2015", "4903001"), certificate("6-2015", "4903002", verification_code="DOSVECES0006")],
        [*everyone("5-2015"), *everyone("6-2015")],
        bom=False,
    )
    assert import_history.main([str(directory)]) == 0
    first = CertificateRepository().get(OTEC.rut, CertificateNumber.parse("5-2015"))
    trail = _trail("4903001") + _trail("4903002")
    capsys.readouterr()

    assert import_history.main([str(directory)]) == 0

    out = capsys.readouterr().out
    assert "importados: 0" in out and "ya presentes (sin cambios): 2" in out
    assert _trail("4903001") + _trail("4903002") == trail
    assert CertificateRepository().get(OTEC.rut, CertificateNumber.parse("5-2015")) == first


def test_a_certificate_changed_in_the_file_is_a_conflict_and_gca_keeps_its_own(tmp_path, capsys):
    directory = write(tmp_path / "primero", [certificate("7-2015", "4904001")], everyone("7-2015"))
    assert import_history.main([str(directory)]) == 0
    changed = write(tmp_path / "cambiado", [certificate("7-2015", "4904001", invoice_number="F-9")], everyone("7-2015"))

    assert import_history.main([str(changed)]) == 1

    out = capsys.readouterr().out
    assert "CONFLICTO certificates.csv, línea 2, certificado 7-2015: GCA ya tiene el certificado 7-2015" in out
    assert CertificateRepository().get(OTEC.rut, CertificateNumber.parse("7-2015")).invoice_number == "F-4521"


def test_an_annulled_and_reissued_course_keeps_its_history_and_its_pdfs_are_reconstructions(tmp_path, admin, client):
    annulled = {"state": "ANULADO", "annulled_at": "20-04-2015 15:30", "annulment_reason": "Factura equivocada."}
    directory = write(
        tmp_path / "anulado",
        [
            # The re-issue comes first in the file: the course takes the state of the latest by date.
            certificate("9-2015", "4905001", issued_at="24-04-2015 09:00", invoice_number="F-4522"),
            certificate("8-2015", "4905001", **annulled),
            certificate("10-2015", "4905002", **annulled),
        ],
        [*everyone("9-2015"), *everyone("8-2015"), *everyone("10-2015")],
    )
    assert import_history.main([str(directory)]) == 0

    reissued = get(client, "/api/courses/4905001", admin).json_body
    assert reissued["certificate_state"] == "ISSUED"
    assert [c["number"] for c in reissued["certificates"]] == ["8-2015", "9-2015"]
    (history,) = reissued["annulments"]
    assert (history["certificate_number"], history["status"], history["reason"]) == (
        "8-2015",
        "APPROVED",
        "Factura equivocada.",
    )
    assert get(client, "/api/courses/4905002", admin).json_body["certificate_state"] == "REISSUE_APPROVED"

    kept = CertificateRepository().get(OTEC.rut, CertificateNumber.parse("9-2015"))
    assert kept is not None and kept.pdf_key is not None
    body = DocumentStore().client.get_object(Bucket=DocumentStore().bucket, Key=kept.pdf_key)["Body"].read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "RECONSTRUCCIÓN" in text and kept.verification_code in text
    first = CertificateRepository().get(OTEC.rut, CertificateNumber.parse("8-2015"))
    assert first is not None
    verified = get(client, f"/api/verify/8-2015?code={first.verification_code}")
    assert verified.json_body["status"] == "annulled" and verified.json_body["imported"] is True


def test_a_dry_run_validates_and_writes_nothing(tmp_path, capsys):
    directory = write(tmp_path / "ensayo", [certificate("11-2015", "4906001")], everyone("11-2015"))

    assert import_history.main([str(directory), "--dry-run"]) == 0

    assert "1 por importar" in capsys.readouterr().out
    assert CertificateRepository().get(OTEC.rut, CertificateNumber.parse("11-2015")) is None


def test_files_that_cannot_be_read_stop_before_anything_is_written(tmp_path, capsys):
    directory = tmp_path / "incompleto"
    directory.mkdir()
    (directory / "certificates.csv").write_text("number,institution_rut\n1-2015,75.998.240-1\n", encoding="utf-8")
    (directory / "participants.csv").write_text("number,rut,name,percent\n", encoding="utf-8")

    assert import_history.main([str(directory)]) == 2
    assert "faltan las columnas institution_name" in capsys.readouterr().err
