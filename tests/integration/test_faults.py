"""Faults and races: nothing lost, nothing doubled."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import date

import boto3
import pytest

from chalicelib.bootstrap import bootstrap, use
from chalicelib.config import get_settings
from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import AnnulmentStatus, CertificateState
from chalicelib.domain.errors import StateConflictError
from chalicelib.storage.annulments import AnnulmentRepository
from chalicelib.storage.certificates import CertificateRepository
from chalicelib.storage.courses import CourseRepository
from tests.builders import (
    ADMIN_RUT,
    OFFICER_RUT,
    OTEC,
    SENCE,
    annulment_request,
    course,
    grant,
    historic_certificate,
    officer,
    participant,
)
from tests.integration.api import get, post

SES_DOWN = "5115263"  # pending: issued, then its annulment request cannot be mailed
S3_DOWN = "5116010"  # pending: issued while S3 refuses the PDF
CONTESTED = "5115260"  # Pendiente de Validación: ten officers' clicks decide its request at once


class _FailingMail:
    """SES refusing every message (throttled, sandboxed, down)."""

    def __init__(self) -> None:
        self.attempts = 0

    def send(self, to: str, subject: str, text: str, html: str) -> str:
        self.attempts += 1
        raise ConnectionError("SES no responde")


class _FailingDocuments:
    """S3 refusing every write; reads and links as usual."""

    def __init__(self, real) -> None:
        self._real = real

    def put_bytes(self, key, body, content_type):
        raise ConnectionError("S3 no responde")

    def put_new(self, key, body, content_type):
        raise ConnectionError("S3 no responde")

    def __getattr__(self, name):
        return getattr(self._real, name)


@pytest.fixture(scope="module", autouse=True)
def world(seed):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    seed.account(
        OFFICER_RUT,
        "ALEJANDRA SOLEDAD ROJAS MUÑOZ",
        grant(Profile.SENCE_OFFICER, SENCE, "13"),
        email="dr.metropolitana@sence.example",
    )
    for code in (SES_DOWN, S3_DOWN):
        pending = course(code, sence_code=f"12377{code[2:]}", start=date(2017, 1, 2), end=date(2017, 3, 30))
        seed.course(pending, [participant(pending, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")])
    contested = course(
        CONTESTED,
        sence_code="1234741232",
        start=date(2016, 1, 2),
        end=date(2017, 3, 17),
        state=CertificateState.ANNULMENT_REQUESTED,
    )
    people = [participant(contested, 15303444, "CINTHYA BAIN RAMIREZ")]
    seed.course(contested, people)
    seed.annulment(annulment_request(seed.certificate(historic_certificate(contested, people))))


@pytest.fixture(autouse=True)
def _real_ports_afterwards():
    yield
    use(None)


@pytest.fixture(scope="module")
def admin(world, sign_in):
    return sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)


def test_simultaneous_decisions_on_one_annulment_decide_once(local_stack):
    from chalicelib.services.annulments import decide_request

    repo = AnnulmentRepository()
    request = repo.list_pending_for_region("13")[0]
    assert request.course_code == CONTESTED
    barrier = threading.Barrier(10)
    outcomes: list[object] = []

    def decide(choice: str) -> None:
        barrier.wait()
        try:
            outcomes.append(decide_request(bootstrap(), officer("13"), request.request_id, choice, ""))
        except StateConflictError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=decide, args=("approve" if i % 2 else "reject",)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    decided = [o for o in outcomes if not isinstance(o, StateConflictError)]
    assert len(decided) == 1
    assert len(outcomes) == 10
    stored = repo.get(request.request_id)
    assert stored.status is decided[0].status
    contested = CourseRepository().get(request.course_code)
    expected = "REISSUE_APPROVED" if stored.status is AnnulmentStatus.APPROVED else "ANNULMENT_REJECTED"
    assert contested.certificate_state.value == expected


def test_ses_failing_retries_then_dead_letters_and_the_request_stays(client, admin):
    from chalice.local import LambdaContext

    from app import app
    from devtools.sqs_poller import poll_once

    issued = post(client, f"/api/courses/{SES_DOWN}/certificate", {"invoice_number": "5", "accept": True}, admin)
    number = issued.json_body["number"]
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().annulment_queue)["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=f"{get_settings().annulment_queue}-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.purge_queue(QueueUrl=url)  # the decisions of earlier tests announced themselves too
    failing = _FailingMail()
    use(replace(bootstrap(), mail=failing))
    requested = post(client, f"/api/certificates/{number}/annulment", {"reason": "SES caído durante la prueba."}, admin)
    assert requested.status_code == 201

    def context():
        return LambdaContext("notify_annulments", 256, max_runtime_ms=60_000)

    handled = [
        poll_once(sqs, url, arn, app.handler_map["notify_annulments"], context, wait_seconds=0, visibility_timeout=0)
        for _ in range(8)
    ]

    assert sum(handled) == 0
    assert failing.attempts == 5  # the redrive limit of the queue
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in dead] and requested.json_body["request_id"] in dead[0]["Body"]
    stored = AnnulmentRepository().get(requested.json_body["request_id"])
    assert stored is not None and stored.status is AnnulmentStatus.PENDING
    assert CourseRepository().get(SES_DOWN).certificate_state.value == "ANNULMENT_REQUESTED"


def test_s3_failing_at_issue_leaves_a_certificate_whose_pdf_is_rendered_again(client, admin):
    use(replace(bootstrap(), documents=_FailingDocuments(bootstrap().documents)))

    issued = post(client, f"/api/courses/{S3_DOWN}/certificate", {"invoice_number": "9", "accept": True}, admin)

    assert issued.status_code == 201
    number = issued.json_body["number"]
    stored = CertificateRepository().list_for_course(S3_DOWN)[-1]
    # The SHA-256 was recorded before the upload, which failed: nothing is stored under the key.
    assert str(stored.number) == number and stored.pdf_key is not None and stored.pdf_sha256 is not None
    assert bootstrap().documents.read(stored.pdf_key) is None
    use(None)  # S3 is back
    link = get(client, f"/api/certificates/{number}/pdf", admin, Accept="application/json")
    assert link.status_code == 200
    repaired = CertificateRepository().list_for_course(S3_DOWN)[-1]
    body = bootstrap().documents.read(repaired.pdf_key)
    assert body is not None and hashlib.sha256(body).hexdigest() == repaired.pdf_sha256 != stored.pdf_sha256
    again = post(client, f"/api/courses/{S3_DOWN}/certificate", {"invoice_number": "9", "accept": True}, admin)
    assert again.status_code == 409
    assert len(CertificateRepository().list_for_course(S3_DOWN)) == 1
