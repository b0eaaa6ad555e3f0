"""Annulment workflow: request, SQS event, email with a review link, decision, re-issue."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.clock import CHILE
from tests.builders import (
    ADMIN_RUT,
    OFFICER_RUT,
    OTEC,
    SENCE,
    annulment_request,
    course,
    grant,
    historic_certificate,
    participant,
    rut,
)
from tests.integration.api import get, post

YEAR = datetime.now(UTC).astimezone(CHILE).year
OFFICER_EMAIL = "dr.metropolitana@sence.example"
FACILITATOR_RUT = rut(13131313)
VALPARAISO_OFFICER_RUT = rut(15151515)
REJECTED = "5115260"  # Pendiente de Validación, region 13: its request is rejected from the inbox
WAITING = "5116004"  # Pendiente de Validación, region 13: its request waits for the officer of region 13
# Pending courses of Sofofa in region 13, one for each test that issues and asks to annul.
TWICE, POISONED, TAMPERED, REFUSED = "5117001", "5117002", "5117003", "5117004"


@pytest.fixture(scope="module", autouse=True)
def world(seed):
    seed.account(
        ADMIN_RUT,
        "KARIN LAURINA SUÁREZ OSORIO",
        grant(Profile.NATIONAL_ADMIN, OTEC),
        email="karin.suarez@sofofa.example",
    )
    seed.account(FACILITATOR_RUT, "MARÍA OLIVIA PINTO DÍAZ", grant(Profile.FACILITATOR, OTEC))
    seed.account(
        OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, "13"), email=OFFICER_EMAIL
    )
    seed.account(
        VALPARAISO_OFFICER_RUT,
        "JORGE ANDRÉS VALDIVIA PEÑA",
        grant(Profile.SENCE_OFFICER, SENCE, "05"),
        email="dr.valparaiso@sence.example",
    )
    for code in ("5115263", TWICE, POISONED, TAMPERED, REFUSED):
        pending = course(code, sence_code=f"12377{code[2:]}", start=date(2017, 1, 2), end=date(2017, 3, 30))
        seed.course(pending, [participant(pending, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")])
    for sequence, (code, start) in enumerate(((REJECTED, date(2017, 1, 2)), (WAITING, date(2017, 4, 3))), start=1):
        requested = course(
            code,
            sence_code=f"12377{code[2:]}",
            start=start,
            end=start + timedelta(days=30),
            state=CertificateState.ANNULMENT_REQUESTED,
        )
        people = [participant(requested, 15303444, "CINTHYA BAIN RAMIREZ")]
        seed.course(requested, people)
        seed.annulment(annulment_request(seed.certificate(historic_certificate(requested, people, sequence))))


@pytest.fixture(scope="module")
def admin(world, sign_in):
    return sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)


def _sent_emails():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def _queued_bodies():
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().annulment_queue)["QueueUrl"]
    bodies = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return bodies
        for message in batch:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _deliver(client, bodies):
    event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=get_settings().annulment_queue)
    return client.lambda_.invoke("notify_annulments", event).payload


def _issue(client, admin, course="5115263"):
    response = post(client, f"/api/courses/{course}/certificate", {"invoice_number": "123", "accept": True}, admin)
    assert response.status_code == 201, response.json_body
    return response.json_body["number"]


def _link_from(email) -> str:
    text = email.body if isinstance(email.body, str) else str(email.body)
    match = re.search(r"(http://[^\s\"<]+/revision/[A-Za-z0-9._-]+)", text)
    assert match, text
    return match.group(1).split("127.0.0.1:8000", 1)[-1]


def test_request_approve_reissue_and_the_old_link_is_spent(client, admin):
    number = _issue(client, admin)
    _queued_bodies()
    sent_before = len(_sent_emails())

    response = post(client, f"/api/certificates/{number}/annulment", {"reason": "Factura informada con error."}, admin)

    assert response.status_code == 201, response.json_body
    assert get(client, f"/api/certificates/{number}", admin).json_body["state"] == "ANNULMENT_REQUESTED"
    assert get(client, "/api/courses/5115263", admin).json_body["certificate_state_label"] == "Pendiente de Validación"
    bodies = _queued_bodies()
    assert [json.loads(b)["type"] for b in bodies] == ["annulment_requested"]

    assert _deliver(client, bodies) == {"batchItemFailures": []}
    emails = _sent_emails()[sent_before:]
    assert [e.destinations["ToAddresses"] for e in emails] == [[OFFICER_EMAIL]]
    assert number in emails[0].subject
    link = _link_from(emails[0])

    page = client.http.get(link)
    assert page.status_code == 200
    html = page.body.decode()
    assert 'value="approve"' in html and "Aprobar" in html and "Rechazar" in html
    assert "Factura informada con error." in html
    assert get(client, "/api/courses/5115263", admin).json_body["certificate_state"] == "ANNULMENT_REQUESTED"

    # A form on another site cannot decide with the officer's link (the browser says where it comes from).
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for foreign in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://sitio-ajeno.example", "Host": "gca.sence.cl"},
    ):
        refused = client.http.post(link, headers={**form, **foreign}, body="decision=reject")
        assert refused.status_code == 403
        assert "formulario de esta página" in refused.body.decode()
    assert get(client, "/api/courses/5115263", admin).json_body["certificate_state"] == "ANNULMENT_REQUESTED"

    decided = client.http.post(
        link,
        headers={**form, "Sec-Fetch-Site": "same-origin", "Origin": "http://gca.example", "Host": "gca.example"},
        body="decision=approve&comment=Procede",
    )
    assert decided.status_code == 200
    assert "aprobada" in decided.body.decode()
    detail = get(client, "/api/courses/5115263", admin).json_body
    assert detail["certificate_state"] == "REISSUE_APPROVED"
    assert [a["status"] for a in detail["annulments"]] == ["APPROVED"]
    assert detail["annulments"][0]["decided_by"]["name"] == "ALEJANDRA SOLEDAD ROJAS MUÑOZ"

    code = get(client, f"/api/certificates/{number}", admin).json_body["verification_code"]
    assert get(client, f"/api/verify/{number}?code={code}").json_body["status"] == "annulled"

    outcome = _queued_bodies()
    assert [json.loads(b)["type"] for b in outcome] == ["annulment_decided"]
    before = len(_sent_emails())
    _deliver(client, outcome)
    requester_mail = _sent_emails()[before:]
    assert [e.destinations["ToAddresses"] for e in requester_mail] == [["karin.suarez@sofofa.example"]]
    assert "aprobada" in requester_mail[0].subject

    reissued = _issue(client, admin)
    assert reissued != number
    assert reissued == f"2-{YEAR}"

    again = client.http.post(
        link, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="decision=reject"
    )
    assert again.status_code == 409
    assert "ya fue resuelta" in again.body.decode()
    assert get(client, "/api/courses/5115263", admin).json_body["certificate_state"] == "ISSUED"


def test_reject_keeps_the_certificate_valid_and_the_course_cannot_be_issued_again(client, admin, sign_in):
    officer = sign_in(OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)
    pending = get(client, "/api/annulments", officer).json_body["items"]
    request = next(r for r in pending if r["course_code"] == REJECTED)

    decision = post(client, f"/api/annulments/{request['request_id']}/decision", {"decision": "reject"}, officer)

    assert decision.status_code == 200, decision.json_body
    detail = get(client, f"/api/courses/{REJECTED}", admin).json_body
    assert detail["certificate_state"] == "ANNULMENT_REJECTED"
    assert detail["current_certificate"]["status"] == "VALID"
    again = post(client, f"/api/courses/{REJECTED}/certificate", {"invoice_number": "1", "accept": True}, admin)
    assert again.status_code == 409
    second = post(client, f"/api/annulments/{request['request_id']}/decision", {"decision": "approve"}, officer)
    assert second.status_code == 409


def test_an_officer_of_another_region_cannot_decide(client, sign_in):
    metro = sign_in(OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)
    valparaiso = sign_in(VALPARAISO_OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)
    request = get(client, "/api/annulments", metro).json_body["items"][0]
    assert request["course_code"] == WAITING

    assert request["request_id"] not in {
        r["request_id"] for r in get(client, "/api/annulments", valparaiso).json_body["items"]
    }
    response = post(client, f"/api/annulments/{request['request_id']}/decision", {"decision": "approve"}, valparaiso)
    assert response.status_code == 404


def test_only_officers_use_the_inbox(client, admin):
    assert get(client, "/api/annulments", admin).status_code == 403


def test_a_message_delivered_twice_sends_one_email(client, admin):
    number = _issue(client, admin, course=TWICE)
    _queued_bodies()
    post(client, f"/api/certificates/{number}/annulment", {"reason": "Participante duplicado en el curso."}, admin)
    bodies = _queued_bodies()
    before = len(_sent_emails())

    _deliver(client, bodies)
    _deliver(client, bodies)

    assert len(_sent_emails()) - before == 1


def test_a_poisoned_record_is_the_only_failure_of_its_batch(client, admin):
    number = _issue(client, admin, course=POISONED)
    _queued_bodies()
    post(client, f"/api/certificates/{number}/annulment", {"reason": "Horas mal informadas en el curso."}, admin)
    good = _queued_bodies()
    event = client.events.generate_sqs_event(
        message_bodies=[*good, "{not json", json.dumps({"type": "x"})], queue_name=get_settings().annulment_queue
    )
    ids = [record["messageId"] for record in event["Records"]]

    payload = client.lambda_.invoke("notify_annulments", event).payload

    assert sorted(f["itemIdentifier"] for f in payload["batchItemFailures"]) == sorted(ids[1:])


def test_a_tampered_or_expired_link_changes_nothing(client, admin, clock):
    number = _issue(client, admin, course=TAMPERED)
    _queued_bodies()
    post(client, f"/api/certificates/{number}/annulment", {"reason": "Empresa equivocada en el curso."}, admin)
    before = len(_sent_emails())
    _deliver(client, _queued_bodies())
    link = _link_from(_sent_emails()[before])
    course_code = get(client, f"/api/certificates/{number}", admin).json_body["course_code"]

    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    for response in (
        client.http.get(tampered),
        client.http.post(
            tampered, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="decision=approve"
        ),
    ):
        assert response.status_code == 400
        assert "no es válido" in response.body.decode()
    clock.advance(hours=72, seconds=1)
    expired = client.http.post(
        link, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="decision=approve"
    )
    assert expired.status_code == 400
    assert "expiró" in expired.body.decode()
    from chalicelib.storage.courses import CourseRepository

    assert CourseRepository().get(course_code).certificate_state.value == "ANNULMENT_REQUESTED"


def test_the_request_needs_a_reason_and_an_administrator(client, admin, sign_in):
    number = _issue(client, admin, course=REFUSED)
    facilitator = sign_in(FACILITATOR_RUT, Profile.FACILITATOR, OTEC)

    assert post(client, f"/api/certificates/{number}/annulment", {"reason": ""}, admin).status_code == 400
    assert post(client, f"/api/certificates/{number}/annulment", {"reason": "corto"}, admin).status_code == 400
    refused = post(client, f"/api/certificates/{number}/annulment", {"reason": "Un motivo suficiente."}, facilitator)
    assert refused.status_code == 403
    assert get(client, f"/api/certificates/{number}", admin).json_body["state"] == "ISSUED"
