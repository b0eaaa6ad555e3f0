"""A restart of the local stack between two steps loses and doubles nothing.

The API server and the SQS poller are stopped and started again (`restart_services`); moto, which
plays AWS, keeps its data as AWS would. What a user would notice is checked on each side of the
restart: the certificate and its number, the PDF, the 409 on a second acceptance, the next number
without a gap, one email per annulment request, and a review link that still decides.

The courses are Capacitación Austral Limitada's pending ones in Región del Biobío, which no other
journey uses; each test takes its own end of that list, so they run in either order.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.api import austral_token, call, fetch, issue, pending_courses

pytestmark = pytest.mark.e2e

BIOBIO = "08"
BIOBIO_OFFICER_EMAIL = "dr.biobio@sence.example"
REQUESTER_EMAIL = "cristian.munoz@austral.example"
REASON = "El N° de orden de compra del certificado no corresponde al del curso."


def certificate_number(text: str) -> tuple[int, int]:
    """ "7-2026" → (7, 2026)."""
    found = re.fullmatch(r"(\d+)-(\d{4})", text)
    assert found, text
    return int(found.group(1)), int(found.group(2))


def emails(outbox: Path, to: str, *subject_parts: str) -> list[dict[str, Any]]:
    """The emails the stack sent to `to` whose subject holds every part."""
    found = []
    for path in sorted(outbox.glob("*.json")) if outbox.exists() else []:
        try:
            mail = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:  # being written right now: the next look reads it whole
            continue
        if mail["to"] == to and all(part in mail["subject"] for part in subject_parts):
            found.append(mail)
    return found


def exactly_one_email(outbox: Path, to: str, *subject_parts: str, timeout: float = 15.0) -> dict[str, Any]:
    """Waits for the email, then a while longer, to be sure that no second one follows."""
    deadline = time.monotonic() + timeout
    while not emails(outbox, to, *subject_parts):
        if time.monotonic() > deadline:
            pytest.fail(f"no email to {to} about {subject_parts} within {timeout}s")
        time.sleep(0.25)
    time.sleep(3)
    found = emails(outbox, to, *subject_parts)
    assert len(found) == 1, [mail["subject"] for mail in found]
    return found[0]


def test_an_issued_certificate_survives_a_restart_and_numbering_goes_on(
    base_url: str, restart_services: Callable[[], None]
) -> None:
    token = austral_token(base_url)
    courses = pending_courses(base_url, token, BIOBIO)
    assert len(courses) >= 2, f"Austral needs two pending courses in Región del Biobío, has {courses}"
    first_course, second_course = courses[0], courses[1]
    issued = issue(base_url, token, first_course, "OC-REINICIO-1")
    number = issued["number"]
    before = call(base_url, "GET", f"/api/certificates/{number}", token=token)
    assert before.status == 200, before.body

    restart_services()

    # The session of before the restart still holds, and the certificate is the same one.
    after = call(base_url, "GET", f"/api/certificates/{number}", token=token)
    assert after.status == 200, after.body
    for field in ("number", "verification_code", "issued_at", "state", "invoice_number", "participants"):
        assert after.body[field] == before.body[field], field
    assert after.body["state"] == "ISSUED"
    course = call(base_url, "GET", f"/api/courses/{first_course}", token=token)
    assert course.body["certificate_state"] == "ISSUED", course.body

    link = call(base_url, "GET", f"/api/certificates/{number}/pdf", token=token)
    assert link.status == 200, link.body
    pdf = fetch(link.body["url"])
    assert pdf.startswith(b"%PDF")
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Certificado N° {number}" in text
    assert after.body["verification_code"] in text

    again = call(
        base_url,
        "POST",
        f"/api/courses/{first_course}/certificate",
        {"invoice_number": "OC-REINICIO-1", "accept": True},
        token,
    )
    assert again.status == 409, again.body

    # The institution's next certificate takes the next number: none lost, none repeated.
    following = issue(base_url, token, second_course, "OC-REINICIO-2")["number"]
    sequence, year = certificate_number(number)
    assert certificate_number(following) == (sequence + 1, year), (number, following)


def test_an_annulment_requested_before_a_restart_is_notified_once_and_its_link_decides(
    page: Page,
    base_url: str,
    outbox: Path,
    local_services: Any,
    restart_services: Callable[[], None],
) -> None:
    token = austral_token(base_url)
    courses = pending_courses(base_url, token, BIOBIO)
    assert courses, "Austral has no pending course left in Región del Biobío"
    course_code = courses[-1]
    issued = issue(base_url, token, course_code, "OC-REINICIO-3")
    number, code = issued["number"], issued["verification_code"]
    about_request = (f"N° {number} ", f"(curso {course_code})")

    # The request reaches the queue while nobody reads it; then the whole app restarts.
    local_services.stop_poller()
    requested = call(base_url, "POST", f"/api/certificates/{number}/annulment", {"reason": REASON}, token)
    assert requested.status in (200, 201), requested.body
    time.sleep(1)
    assert emails(outbox, BIOBIO_OFFICER_EMAIL, *about_request) == []
    restart_services()

    mail = exactly_one_email(outbox, BIOBIO_OFFICER_EMAIL, *about_request)
    state = call(base_url, "GET", f"/api/certificates/{number}", token=token)
    assert state.body["state"] == "ANNULMENT_REQUESTED", state.body

    # The emailed link, opened after the restart, shows the request and its buttons decide.
    found = re.search(r"https?://\S+/revision/\S+", mail["text"])
    assert found, mail["text"]
    page.goto(found.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Solicitud de anulación del certificado N° {number}")
    expect(page.get_by_text(REASON)).to_be_visible()
    page.get_by_role("button", name="Aprobar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Solicitud resuelta")
    expect(page.get_by_role("status")).to_contain_text("Solicitud aprobada")

    verified = call(base_url, "GET", f"/api/verify/{number}?code={code}")
    assert verified.status == 200, verified.body
    assert verified.body["status"] == "annulled", verified.body
    exactly_one_email(outbox, REQUESTER_EMAIL, "aprobada", f"certificado N° {number}")
