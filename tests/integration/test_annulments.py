"""Annulment workflow: request, SQS event, email with a review link, decision, re-issue."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain.clock import CHILE
from tests.integration.api import get, post, session_token

SOFOFA = "75.998.240-1"
SENCE = "61.531.000-K"
YEAR = datetime.now(UTC).astimezone(CHILE).year
OFFICER_EMAIL = "dr.metropolitana@sence.example"


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


@pytest.fixture(scope="module")
def admin(local_stack):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield session_token(client, "111111111", "NATIONAL_ADMIN", SOFOFA)


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

    decided = client.http.post(
        link, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="decision=approve&comment=Procede"
    )
    assert decided.status_code == 200
    assert "aprobada" in decided.body.decode()
    course = get(client, "/api/courses/5115263", admin).json_body
    assert course["certificate_state"] == "REISSUE_APPROVED"
    assert [a["status"] for a in course["annulments"]] == ["APPROVED"]
    assert course["annulments"][0]["decided_by"]["name"] == "ALEJANDRA SOLEDAD ROJAS MUÑOZ"

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


def test_reject_keeps_the_certificate_valid_and_the_course_cannot_be_issued_again(client, admin):
    course = "5115260"  # Pendiente de Validación in the demo data, region 13
    officer = session_token(client, "141414143", "SENCE_OFFICER", SENCE)
    pending = get(client, "/api/annulments", officer).json_body["items"]
    request = next(r for r in pending if r["course_code"] == course)

    decision = post(client, f"/api/annulments/{request['request_id']}/decision", {"decision": "reject"}, officer)

    assert decision.status_code == 200, decision.json_body
    detail = get(client, f"/api/courses/{course}", admin).json_body
    assert detail["certificate_state"] == "ANNULMENT_REJECTED"
    assert detail["current_certificate"]["status"] == "VALID"
    again = post(client, f"/api/courses/{course}/certificate", {"invoice_number": "1", "accept": True}, admin)
    assert again.status_code == 409
    second = post(client, f"/api/annulments/{request['request_id']}/decision", {"decision": "approve"}, officer)
    assert second.status_code == 409


def test_an_officer_of_another_region_cannot_decide(client):
    metro = session_token(client, "141414143", "SENCE_OFFICER", SENCE)
    valparaiso = session_token(client, "151515150", "SENCE_OFFICER", SENCE)
    request = get(client, "/api/annulments", metro).json_body["items"][0]

    assert request["request_id"] not in {
        r["request_id"] for r in get(client, "/api/annulments", valparaiso).json_body["items"]
    }
    response = post(client, f"/api/annulments/{request['request_id']}/decision", {"decision": "approve"}, valparaiso)
    assert response.status_code == 404


def test_only_officers_use_the_inbox(client, admin):
    assert get(client, "/api/annulments", admin).status_code == 403


def test_a_message_delivered_twice_sends_one_email(client, admin):
    number = _issue(client, admin, course=_pending_sofofa_course(client, admin))
    _queued_bodies()
    post(client, f"/api/certificates/{number}/annulment", {"reason": "Participante duplicado en el curso."}, admin)
    bodies = _queued_bodies()
    before = len(_sent_emails())

    _deliver(client, bodies)
    _deliver(client, bodies)

    assert len(_sent_emails()) - before == 1


def test_a_poisoned_record_is_the_only_failure_of_its_batch(client, admin):
    number = _issue(client, admin, course=_pending_sofofa_course(client, admin))
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
    number = _issue(client, admin, course=_pending_sofofa_course(client, admin))
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


def test_the_request_needs_a_reason_and_an_administrator(client, admin):
    number = _issue(client, admin, course=_pending_sofofa_course(client, admin))
    facilitator = session_token(client, "131313136", "FACILITATOR", SOFOFA)

    assert post(client, f"/api/certificates/{number}/annulment", {"reason": ""}, admin).status_code == 400
    assert post(client, f"/api/certificates/{number}/annulment", {"reason": "corto"}, admin).status_code == 400
    refused = post(client, f"/api/certificates/{number}/annulment", {"reason": "Un motivo suficiente."}, facilitator)
    assert refused.status_code == 403
    assert get(client, f"/api/certificates/{number}", admin).json_body["state"] == "ISSUED"


def _pending_sofofa_course(client, admin) -> str:
    query = "program=impulsa_personas&criterion=state&value=PENDING&page_size=100"
    items = get(client, f"/api/courses?{query}", admin).json_body["items"]
    return next(c["course_code"] for c in items if c["course_code"] != "5115263")
