"""The local stack the project starts: every resource there, bootstrap safe to repeat, the demo data as
docs/product.md says (the only module that runs on it)."""

from __future__ import annotations

import json
from collections import Counter

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain.attendance import evaluate_participant
from chalicelib.domain.certificates import CertificateState, CertificateStatus
from chalicelib.domain.courses import Program
from chalicelib.domain.rut import Rut
from chalicelib.storage.annulments import AnnulmentRepository
from chalicelib.storage.certificates import CertificateRepository
from chalicelib.storage.courses import CourseRepository, course_from_item
from chalicelib.storage.models import ALL_MODELS, CourseModel
from chalicelib.storage.sessions import SessionRepository
from devtools.demo_data import SOFOFA, load_demo_data
from devtools.resources import create_resources


@pytest.fixture(scope="module")
def demo(local_stack):
    """The demo data as `make run` loads it, on this module's fresh stack."""
    return load_demo_data()


def test_bootstrap_creates_everything_and_can_run_again(demo):
    assert demo["courses"] == 62  # 60 of the past, 2 of early warning dated from today
    create_resources()
    assert load_demo_data() == {"skipped": 1}

    settings = get_settings()
    tables = set(boto3.client("dynamodb").list_tables()["TableNames"])
    assert {model.Meta.table_name for model in ALL_MODELS} <= tables
    assert settings.table_name("idempotency") in tables
    boto3.client("s3").head_bucket(Bucket=settings.pdf_bucket)
    sqs = boto3.client("sqs")
    for queue in (settings.annulment_queue, settings.bundle_queue):
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        redrive = json.loads(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
        )
        assert redrive["deadLetterTargetArn"].endswith(f"{queue}-dlq")
    identities = boto3.client("ses").list_identities()["Identities"]
    assert settings.ses_sender in identities


def _all_courses():
    # Test-only inventory of the whole table; request paths never scan.
    return [course_from_item(item) for item in CourseModel.scan()]


def test_demo_has_sixty_courses_in_every_state_program_and_three_regions(demo):
    courses = _all_courses()

    assert len(courses) == 62
    assert set(Counter(c.certificate_state for c in courses)) == set(CertificateState)
    assert set(Counter(c.program for c in courses)) == set(Program)
    assert len({c.institution.rut for c in courses}) >= 3
    assert len({c.region_code for c in courses}) >= 3


def test_course_5115001_holds_the_manuals_worked_example(demo):
    course = CourseRepository().get("5115001")
    assert course is not None
    assert course.name == "OPERACIÓN DE CARGA AÉREA"
    assert course.program is Program.IMPULSA_PERSONAS
    assert course.accredited_hours == 8
    assert (course.start_date.isoformat(), course.end_date.isoformat()) == ("2016-11-13", "2016-12-25")
    assert course.institution == SOFOFA
    assert course.region_name == "Región Metropolitana"
    participants = {p.rut.formatted(): p.name for p in CourseRepository().participants("5115001")}
    assert participants["8.808.603-1"] == "RIGOBERTO ORLANDO CASTILLO BARRÍA"

    sessions = SessionRepository().list_for_course("5115001")
    result = evaluate_participant(Rut.parse("8.808.603-1"), sessions, course.accredited_hours)

    assert result.credited.seconds == 8455
    assert result.percent == 29
    assert [row.credited.hhmmss() for row in result.sessions] == ["00:00:41", "02:20:05", "00:00:09"]


def test_course_5115263_is_waiting_to_be_issued(demo):
    course = CourseRepository().get("5115263")
    assert course is not None
    assert course.name == "MANEJO DE HERRAMIENTAS EMPRESARIALES"
    assert course.sence_code == "1237740585"
    assert course.accredited_hours == 70
    assert (course.start_date.isoformat(), course.end_date.isoformat()) == ("2017-01-02", "2017-03-30")
    assert course.institution == SOFOFA
    assert course.region_code == "13"
    assert course.certificate_state is CertificateState.PENDING
    assert CertificateRepository().list_for_course("5115263") == []
    assert len(SessionRepository().list_for_course("5115263")) > 10


def test_every_issued_course_has_its_certificate_and_numbers_have_no_gaps(demo):
    repo = CertificateRepository()
    numbers: dict[tuple[str, int], list[int]] = {}
    for course in _all_courses():
        certificates = repo.list_for_course(course.course_code)
        if course.certificate_state is CertificateState.PENDING:
            assert certificates == []
            continue
        assert len(certificates) == 1, course.course_code
        certificate = certificates[0]
        annulled = course.certificate_state is CertificateState.REISSUE_APPROVED
        assert certificate.status is (CertificateStatus.ANNULLED if annulled else CertificateStatus.VALID)
        numbers.setdefault((certificate.institution_rut.compact(), certificate.number.year), []).append(
            certificate.number.sequence
        )
        assert repo.last_sequence(certificate.institution_rut, certificate.number.year) >= certificate.number.sequence
    for sequences in numbers.values():
        assert sorted(sequences) == list(range(1, len(sequences) + 1))


def test_pending_annulments_wait_in_their_regions_inbox(demo):
    pending = AnnulmentRepository().list_pending_for_region("13")
    requested = [c for c in _all_courses() if c.certificate_state is CertificateState.ANNULMENT_REQUESTED]

    assert {r.course_code for r in pending} == {c.course_code for c in requested if c.region_code == "13"}
    assert all(r.reason for r in pending)


def test_the_demo_logins_of_the_readme_sign_in(demo, client):
    from devtools.demo_data import DEMO_LOGINS, DEMO_PASSWORD
    from tests.integration.api import login

    for person in DEMO_LOGINS:
        response = login(client, person.rut, DEMO_PASSWORD)
        assert response.status_code == 200, person.rut
        assert response.json_body["user"] == {"rut": person.rut, "name": person.name}
