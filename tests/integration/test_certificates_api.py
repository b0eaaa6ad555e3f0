"""Issuing certificates: preview, acceptance once only, gapless numbers, the PDF, public verification."""

from __future__ import annotations

import io
import json
import re
import threading
import urllib.request
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.clock import CHILE
from chalicelib.domain.courses import Party
from chalicelib.domain.rut import Rut
from chalicelib.storage.certificates import CertificateRepository
from chalicelib.storage.courses import CourseRepository
from tests.builders import (
    ADMIN_RUT,
    OTEC,
    OTHER_OTEC,
    at,
    course,
    full_session,
    grant,
    historic_certificate,
    participant,
    rut,
    session,
)
from tests.integration.api import get, post

SOFOFA = "75.998.240-1"
YEAR = datetime.now(UTC).astimezone(CHILE).year
FACILITATOR_RUT = rut(13131313)
ANNULLED = "5115001"  # its certificate annulled, approved for re-issue; an entry without exit, overlapping sessions
HISTORIC = "5115260"  # issued before this system: no PDF stored


@pytest.fixture(scope="module", autouse=True)
def world(seed):
    seed.account(
        ADMIN_RUT,
        "KARIN LAURINA SUÁREZ OSORIO",
        grant(Profile.NATIONAL_ADMIN, OTEC),
        grant(Profile.FACILITATOR, OTHER_OTEC),
    )
    seed.account(FACILITATOR_RUT, "MARÍA OLIVIA PINTO DÍAZ", grant(Profile.FACILITATOR, OTEC))

    pending = course("5115263", hours=70, start=date(2017, 1, 2), end=date(2017, 3, 30))
    people = [
        participant(pending, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA"),
        participant(pending, 15303444, "CINTHYA BAIN RAMIREZ"),
    ]
    seed.course(pending, people, [full_session("LCE-1", at(date(2017, 1, 9), 9), 4, people)])

    annulled = course(
        ANNULLED,
        name="OPERACIÓN DE CARGA AÉREA",
        sence_code="1237745001",
        start=date(2016, 11, 13),
        end=date(2016, 12, 25),
        state=CertificateState.REISSUE_APPROVED,
    )
    rigoberto = participant(annulled, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")
    day = date(2016, 11, 15)
    seed.course(
        annulled,
        [rigoberto],
        [
            full_session("LCE-A-1", at(day, 9), 4, [rigoberto]),
            session("LCE-A-2", at(day, 11), 2, [(rigoberto.rut, at(day, 11, 5), None)]),  # overlaps the first
        ],
    )
    seed.certificate(historic_certificate(annulled, [rigoberto], 1, percent=50, annulled_at=at(date(2017, 1, 20), 12)))

    historic = course(
        HISTORIC,
        name="PROTOCOLOS EN SERVICIO DE ALIMENTACION",
        sence_code="1234741232",
        start=date(2016, 1, 2),
        end=date(2017, 3, 17),
        state=CertificateState.ISSUED,
    )
    enrolled = [participant(historic, 12345678, "PATRICIA ELENA MORALES FUENTES")]
    seed.course(historic, enrolled)
    seed.certificate(historic_certificate(historic, enrolled, 2, percent=90))
    return {"lce_key": seed.api_key(OTEC)}


@pytest.fixture(scope="module")
def tokens(world, sign_in):
    return {
        "admin": sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC),
        "facilitator": sign_in(FACILITATOR_RUT, Profile.FACILITATOR, OTEC),
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


def test_preview_of_a_reissue_warns_about_the_entry_without_exit_and_the_overlap(client, tokens):
    body = post(
        client, f"/api/courses/{ANNULLED}/certificate/preview", {"invoice_number": "9"}, tokens["admin"]
    ).json_body

    kinds = [check["kind"] for check in body["checks"]]
    assert "entry_without_exit" in kinds
    assert "overlapping_sessions" in kinds  # its two sessions overlap


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
    for participant_row in detail["participants"]:
        assert participant_row["rut"] in text
        assert f"{participant_row['percent']} %" in text
    metadata = PdfReader(io.BytesIO(pdf)).xmp_metadata  # PDF/A: the document's metadata is its XMP
    assert number in metadata.dc_title["x-default"]
    assert metadata.dc_creator == ["Fundación de Capacitación Sofofa"]

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
    shown = page.body.decode()
    assert "Certificado válido" in shown
    # Public: every participant's RUT masked, in the page and in the API, in any form it could take.
    assert "*.***.603-1" in shown
    for participant_row in detail["participants"]:
        full = Rut.parse(participant_row["rut"])
        for written in (full.formatted(), full.compact(), f"{full.body}-{full.check_digit}"):
            assert written not in shown
            assert written not in json.dumps(verified)


def test_the_issued_course_refuses_further_lce_marks(client, world):
    body = {"facilitator": "X", "start": "2017-03-01T09:00:00-03:00", "end": "2017-03-01T10:00:00-03:00", "marks": []}
    response = client.http.put(
        "/api/lce/courses/5115263/sessions/AFTER",
        headers={"Content-Type": "application/json", "X-Api-Key": world["lce_key"]},
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


def test_certificates_of_another_institution_do_not_exist(client, sign_in, tokens):
    austral = sign_in(ADMIN_RUT, Profile.FACILITATOR, OTHER_OTEC)
    historic = str(CertificateRepository().list_for_course(HISTORIC)[0].number)

    assert get(client, f"/api/certificates/{historic}", tokens["admin"]).status_code == 200
    for number in (f"1-{YEAR}", historic):
        assert get(client, f"/api/certificates/{number}", austral).status_code == 404
        assert get(client, f"/api/certificates/{number}/pdf", austral).status_code == 404


def test_a_historic_certificate_without_stored_pdf_is_rendered_on_download(client, tokens):
    repo = CertificateRepository()
    certificate = repo.list_for_course(HISTORIC)[0]
    assert certificate.pdf_key is None

    pdf = _download(client, tokens["admin"], f"/api/certificates/{certificate.number}/pdf")

    assert f"Certificado N° {certificate.number}" in _text(pdf)
    stored = repo.list_for_course(HISTORIC)[0]
    assert stored.pdf_key is not None
    assert stored.pdf_sha256 is not None


def test_an_annulled_certificate_downloads_marked_annulled(client, tokens):
    certificate = CertificateRepository().list_for_course(ANNULLED)[0]
    assert certificate.status.value == "ANNULLED"

    text = _text(_download(client, tokens["admin"], f"/api/certificates/{certificate.number}/pdf"))

    assert "CERTIFICADO ANULADO" in text
    verified = get(client, f"/api/verify/{certificate.number}?code={certificate.verification_code}").json_body
    assert verified["status"] == "annulled"


# ---------------------------------------------------------------- concurrency


def _issue_in_threads(calls):
    """Run the acceptance use case from many threads at once, as many Lambda containers would."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.domain.access import Principal, ProfileGrant
    from chalicelib.domain.errors import StateConflictError
    from chalicelib.services.certificates import issue_certificate

    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, institution, code):
        principal = Principal(
            ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", ProfileGrant(Profile.NATIONAL_ADMIN, institution, "OTEC")
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

    pending = _pending_courses(1, 7100000, OTHER_OTEC)[0]

    outcomes = _issue_in_threads([(OTHER_OTEC.rut, pending.course_code)] * 20)

    issued = [o for o in outcomes if isinstance(o, Certificate)]
    refused = [o for o in outcomes if isinstance(o, StateConflictError)]
    assert len(issued) == 1
    assert len(refused) == 19
    assert len(CertificateRepository().list_for_course(pending.course_code)) == 1


def test_fifty_accepts_across_fifty_courses_number_one_to_fifty(local_stack):
    from chalicelib.domain.certificates import Certificate

    institution = Party(rut(78901234), "OTEC Concurrencia Limitada")
    courses = _pending_courses(50, 7200000, institution)

    outcomes = _issue_in_threads([(institution.rut, c.course_code) for c in courses])

    assert all(isinstance(o, Certificate) for o in outcomes), [o for o in outcomes if not isinstance(o, Certificate)]
    numbers = sorted(o.number.sequence for o in outcomes)
    assert numbers == list(range(1, 51))
    assert {o.number.year for o in outcomes} == {YEAR}
    assert CertificateRepository().last_sequence(institution.rut, YEAR) == 50


def test_participants_frozen_on_the_certificate_match_the_course(local_stack):
    certificate = CertificateRepository().list_for_course("5115263")[-1]
    enrolled = {p.rut for p in CourseRepository().participants("5115263")}

    assert {p.rut for p in certificate.participants} == enrolled
    assert re.fullmatch(r"[A-Z2-9]{12}", certificate.verification_code)
