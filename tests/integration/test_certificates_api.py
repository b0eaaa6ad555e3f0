"""Issuing certificates: preview, acceptance once only, gapless numbers, the PDF, public verification."""

from __future__ import annotations

import io
import json
import re
import threading
import urllib.request
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from chalicelib.domain.clock import CHILE
from chalicelib.storage.certificates import CertificateRepository
from chalicelib.storage.courses import CourseRepository
from tests.integration.api import get, post, session_token

SOFOFA = "75.998.240-1"
YEAR = datetime.now(UTC).astimezone(CHILE).year


@pytest.fixture(scope="module")
def tokens(local_stack):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield {
            "admin": session_token(client, "111111111", "NATIONAL_ADMIN", SOFOFA),
            "facilitator": session_token(client, "131313136", "FACILITATOR", SOFOFA),
            "regional": session_token(client, "222222222", "REGIONAL_ADMIN", SOFOFA),
        }


def _download(client, token, path):
    response = get(client, path, token, Accept="application/json")
    assert response.status_code == 200, response.json_body
    with urllib.request.urlopen(response.json_body["url"]) as remote:  # noqa: S310 (local stack)
        return remote.read()


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_preview_shows_every_field_and_the_checks(client, tokens):
    response = post(client, "/api/courses/5115263/certificate/preview", {"invoice_number": "123"}, tokens["admin"])

    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert body["course"]["name"] == "MANEJO DE HERRAMIENTAS EMPRESARIALES"
    assert body["course"]["sence_code"] == "1237740585"
    assert body["course"]["accredited_hours"] == 70
    assert body["course"]["activity_type_label"] == "Actividad dentro del año calendario"
    assert body["course"]["institution"] == {"rut": SOFOFA, "name": "Fundación de Capacitación Sofofa"}
    assert body["course"]["company"]["rut"]
    assert body["invoice_number"] == "123"
    assert {p["rut"] for p in body["participants"]} >= {"8.808.603-1", "15.303.444-3"}
    assert any(check["kind"] == "below_minimum" for check in body["checks"])
    assert body["acceptor"] == {"rut": "11.111.111-1", "name": "KARIN LAURINA SUÁREZ OSORIO"}


def test_preview_of_the_manual_course_warns_about_the_entry_without_exit(client, tokens):
    body = post(client, "/api/courses/5115001/certificate/preview", {"invoice_number": "9"}, tokens["admin"]).json_body

    kinds = [check["kind"] for check in body["checks"]]
    assert "entry_without_exit" in kinds
    assert "overlapping_sessions" in kinds  # the manual's first two sessions overlap


@pytest.mark.parametrize("invoice", ["", "   ", "=CMD()", "x" * 31, None])
def test_preview_needs_a_proper_invoice_number(client, tokens, invoice):
    response = post(client, "/api/courses/5115263/certificate/preview", {"invoice_number": invoice}, tokens["admin"])

    assert response.status_code == 400
    assert response.json_body["error"]["field"] == "invoice_number"


def test_facilitator_cannot_preview_or_issue(client, tokens):
    preview = post(client, "/api/courses/5115263/certificate/preview", {"invoice_number": "1"}, tokens["facilitator"])
    accept = post(
        client, "/api/courses/5115263/certificate", {"invoice_number": "1", "accept": True}, tokens["facilitator"]
    )

    assert preview.status_code == 403
    assert accept.status_code == 403
    assert CourseRepository().get("5115263").certificate_state.value == "PENDING"


def test_accept_requires_the_acceptance(client, tokens):
    response = post(client, "/api/courses/5115263/certificate", {"invoice_number": "123"}, tokens["admin"])

    assert response.status_code == 400
    assert response.json_body["error"]["field"] == "accept"


def test_issue_5115263_then_a_second_accept_is_409_and_the_pdf_says_it_all(client, tokens):
    response = post(
        client, "/api/courses/5115263/certificate", {"invoice_number": "123", "accept": True}, tokens["admin"]
    )

    assert response.status_code == 201, response.json_body
    number = response.json_body["number"]
    assert number == f"1-{YEAR}"
    again = post(client, "/api/courses/5115263/certificate", {"invoice_number": "123", "accept": True}, tokens["admin"])
    assert again.status_code == 409
    assert CourseRepository().get("5115263").certificate_state.value == "ISSUED"
    from chalicelib.storage.audit import AuditRepository

    trail = [e for e in AuditRepository().list_for("COURSE#5115263") if e["action"] == "certificate_issued"]
    assert [(e["actor_name"], e["detail"]["number"]) for e in trail] == [("KARIN LAURINA SUÁREZ OSORIO", number)]

    detail = get(client, f"/api/certificates/{number}", tokens["facilitator"]).json_body
    assert detail["state"] == "ISSUED"
    assert detail["accepted_by"] == {"rut": "11.111.111-1", "name": "KARIN LAURINA SUÁREZ OSORIO"}
    code = detail["verification_code"]

    pdf = _download(client, tokens["facilitator"], f"/api/certificates/{number}/pdf")
    text = _text(pdf)
    assert f"Certificado N° {number}" in text
    assert "MANEJO DE HERRAMIENTAS EMPRESARIALES" in text
    assert "1237740585" in text
    assert "IMPUTADA EN FORMA TOTAL O PARCIAL A IMPULSA PERSONAS" in text
    assert code in text
    for participant in detail["participants"]:
        assert participant["rut"] in text
        assert f"{participant['percent']} %" in text
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert number in metadata.title
    assert metadata.author == "Fundación de Capacitación Sofofa"

    verified = get(client, f"/api/verify/{number}?code={code}").json_body
    assert verified["status"] == "valid"
    assert verified["course"]["name"] == "MANEJO DE HERRAMIENTAS EMPRESARIALES"
    rigoberto = next(p for p in verified["participants"] if p["name"] == "RIGOBERTO ORLANDO CASTILLO BARRÍA")
    assert rigoberto["rut"] == "*.***.603-1"

    identical = client.http.post(
        f"/api/verify/{number}/pdf?code={code}", headers={"Content-Type": "application/pdf"}, body=pdf
    )
    tampered = client.http.post(
        f"/api/verify/{number}/pdf?code={code}", headers={"Content-Type": "application/pdf"}, body=pdf + b"%"
    )
    assert json.loads(identical.body)["identical"] is True
    assert json.loads(tampered.body)["identical"] is False

    page = client.http.get(f"/verificar/{number}?code={code}")
    assert page.status_code == 200
    assert "Certificado válido" in page.body.decode()


def test_the_issued_course_refuses_further_lce_marks(client):
    from devtools.demo_data import DEMO_LCE_KEYS

    body = {"facilitator": "X", "start": "2017-03-01T09:00:00-03:00", "end": "2017-03-01T10:00:00-03:00", "marks": []}
    response = client.http.put(
        "/api/lce/courses/5115263/sessions/AFTER",
        headers={"Content-Type": "application/json", "X-Api-Key": DEMO_LCE_KEYS[SOFOFA]},
        body=json.dumps(body),
    )

    assert response.status_code == 409


def test_verification_says_not_found_alike_for_wrong_code_and_unknown_number(client):
    wrong_code = get(client, f"/api/verify/1-{YEAR}?code=AAAAAAAAAAAA")
    unknown = get(client, "/api/verify/999-2099?code=AAAAAAAAAAAA")
    garbage = get(client, "/api/verify/x?code=<script>")

    assert wrong_code.status_code == unknown.status_code == garbage.status_code == 404
    assert wrong_code.json_body == unknown.json_body == garbage.json_body
    page = client.http.get("/verificar/999-2099?code=%3Cscript%3E")
    assert page.status_code == 404
    assert "No encontrado" in page.body.decode()
    assert "<script>" not in page.body.decode()


def test_certificates_of_another_institution_do_not_exist(client):
    austral = session_token(client, "111111111", "FACILITATOR", "76.123.456-0")

    assert get(client, f"/api/certificates/1-{YEAR}", austral).status_code == 404
    assert get(client, f"/api/certificates/1-{YEAR}/pdf", austral).status_code == 404


def test_a_historic_certificate_without_stored_pdf_is_rendered_on_download(client, tokens):
    repo = CertificateRepository()
    certificate = repo.list_for_course("5115260")[0]
    assert certificate.pdf_key is None

    pdf = _download(client, tokens["admin"], f"/api/certificates/{certificate.number}/pdf")

    assert f"Certificado N° {certificate.number}" in _text(pdf)
    stored = repo.list_for_course("5115260")[0]
    assert stored.pdf_key is not None
    assert stored.pdf_sha256 is not None


def test_an_annulled_certificate_downloads_marked_annulled(client, tokens):
    certificate = CertificateRepository().list_for_course("5115001")[0]
    assert certificate.status.value == "ANNULLED"

    text = _text(_download(client, tokens["admin"], f"/api/certificates/{certificate.number}/pdf"))

    assert "CERTIFICADO ANULADO" in text
    verified = get(client, f"/api/verify/{certificate.number}?code={certificate.verification_code}").json_body
    assert verified["status"] == "annulled"


# ---------------------------------------------------------------- concurrency


def _issue_in_threads(calls):
    """Run the acceptance use case from many threads at once, as many Lambda containers would."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.domain.access import Principal, Profile, ProfileGrant
    from chalicelib.domain.errors import StateConflictError
    from chalicelib.domain.rut import Rut
    from chalicelib.services.certificates import issue_certificate

    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, institution, code):
        principal = Principal(
            Rut.parse("11.111.111-1"),
            "KARIN LAURINA SUÁREZ OSORIO",
            ProfileGrant(Profile.NATIONAL_ADMIN, institution, "OTEC"),
        )
        barrier.wait()
        try:
            outcomes[index] = issue_certificate(bootstrap(), principal, code, "OC-1", True)
        except StateConflictError as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _pending_courses(count, first_code, institution):
    from bench.scenarios import seed_big_course

    return [seed_big_course(3, 2, code=str(first_code + i), institution=institution) for i in range(count)]


def test_twenty_simultaneous_accepts_give_one_certificate(local_stack):
    from chalicelib.domain.certificates import Certificate
    from chalicelib.domain.errors import StateConflictError
    from devtools.demo_data import AUSTRAL

    course = _pending_courses(1, 7100000, AUSTRAL)[0]

    outcomes = _issue_in_threads([(AUSTRAL.rut, course.course_code)] * 20)

    issued = [o for o in outcomes if isinstance(o, Certificate)]
    refused = [o for o in outcomes if isinstance(o, StateConflictError)]
    assert len(issued) == 1
    assert len(refused) == 19
    assert len(CertificateRepository().list_for_course(course.course_code)) == 1


def test_fifty_accepts_across_fifty_courses_number_one_to_fifty(local_stack):
    from chalicelib.domain.certificates import Certificate
    from chalicelib.domain.courses import Party
    from chalicelib.domain.rut import Rut

    institution = Party(Rut.parse("78.901.234-" + _dv(78901234)), "OTEC Concurrencia Limitada")
    courses = _pending_courses(50, 7200000, institution)

    outcomes = _issue_in_threads([(institution.rut, c.course_code) for c in courses])

    assert all(isinstance(o, Certificate) for o in outcomes), [o for o in outcomes if not isinstance(o, Certificate)]
    numbers = sorted(o.number.sequence for o in outcomes)
    assert numbers == list(range(1, 51))
    assert {o.number.year for o in outcomes} == {YEAR}
    assert CertificateRepository().last_sequence(institution.rut, YEAR) == 50


def _dv(body: int) -> str:
    from chalicelib.domain.rut import compute_check_digit

    return compute_check_digit(body)


def test_participants_frozen_on_the_certificate_match_the_course(local_stack):
    certificate = CertificateRepository().list_for_course("5115263")[-1]
    enrolled = {p.rut for p in CourseRepository().participants("5115263")}

    assert {p.rut for p in certificate.participants} == enrolled
    assert re.fullmatch(r"[A-Z2-9]{12}", certificate.verification_code)
