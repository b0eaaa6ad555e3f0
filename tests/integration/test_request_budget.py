"""DynamoDB requests per read: the participants list, a participant's sessions, the officer's inbox and
the work list stay within budget."""

from __future__ import annotations

from datetime import date

import pytest

from bench.counting import count_requests, dynamodb_total
from bench.scenarios import BIG_COURSE, seed_big_course
from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
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

FACILITATOR_RUT = rut(13131313)


@pytest.fixture(scope="module")
def facilitator(seed, sign_in):
    seed.account(FACILITATOR_RUT, "MARÍA OLIVIA PINTO DÍAZ", grant(Profile.FACILITATOR, OTEC))
    seed_big_course(participants=40, sessions=60, institution=OTEC)  # everyone marked in every session
    return sign_in(FACILITATOR_RUT, Profile.FACILITATOR, OTEC)


# Every signed-in request reads its session (one GetItem: a logout must count at once); the person's
# grants are read at most once a minute (GCA_GRANT_CACHE_SECONDS, 0 in the tests, hence the warm-up).
SESSION_CHECK = 1
# The access-log entry of a disclosure of personal data (Ley 21.719): a PutItem on a worker thread,
# overlapped with the reads (docs/performance.md measures what it adds to the latency).
ACCESS_LOG = 1


def _warm(client, token: str) -> None:
    assert get(client, "/api/auth/me", token).status_code == 200


def test_participants_of_a_40_by_60_course_cost_at_most_3_requests(client, facilitator, monkeypatch):
    _cache_grants(monkeypatch)
    _warm(client, facilitator)
    with count_requests() as counter:
        response = get(client, f"/api/courses/{BIG_COURSE}/participants?page_size=50", facilitator)

    assert response.status_code == 200
    assert response.json_body["total"] == 40
    assert dynamodb_total(counter) <= 3 + SESSION_CHECK + ACCESS_LOG, dict(counter)
    assert counter.get("dynamodb:PutItem", 0) == ACCESS_LOG, dict(counter)


def test_a_participants_sessions_cost_at_most_2_requests(client, facilitator, monkeypatch):
    _cache_grants(monkeypatch)
    _warm(client, facilitator)
    with count_requests() as counter:
        response = get(client, f"/api/courses/{BIG_COURSE}/participants/30.000.000-2/sessions", facilitator)

    assert response.status_code == 200, response.json_body
    assert len(response.json_body["items"]) == 60
    assert dynamodb_total(counter) <= 2 + SESSION_CHECK + ACCESS_LOG, dict(counter)
    assert counter.get("dynamodb:PutItem", 0) == ACCESS_LOG, dict(counter)


@pytest.fixture(scope="module")
def many_courses(seed):
    """35 pending courses of OTEC, three a day: more than three pages of 10."""
    from datetime import timedelta

    for index in range(35):
        day = date(2019, 1, 1) + timedelta(days=index // 3)
        seed.course(course(f"74{index:05d}", start=day, end=day + timedelta(days=30)))


def test_a_search_page_by_state_reads_one_page_in_2_requests_whatever_the_page(
    client, facilitator, many_courses, monkeypatch
):
    """The tally of the list (its total) and one Query with `Limit` = page size: page 1, a cursor's page
    and a jump to page N in the middle (which reads the day tallies first, then that day's courses)."""
    _cache_grants(monkeypatch)
    _warm(client, facilitator)
    query = "/api/courses?program=impulsa_personas&criterion=state&value=PENDING&page_size=10"
    with count_requests() as counter:
        first = get(client, query, facilitator)
    assert first.status_code == 200 and first.json_body["total"] > 20, first.json_body
    assert dynamodb_total(counter) <= 2 + SESSION_CHECK, dict(counter)

    with count_requests() as counter:
        second = get(client, f"{query}&cursor={first.json_body['next_cursor']}", facilitator)
    assert second.json_body["page"] == 2
    assert dynamodb_total(counter) <= 2 + SESSION_CHECK, dict(counter)

    with count_requests() as counter:
        middle = get(client, f"{query}&page=2", facilitator)
    assert middle.json_body["items"] == second.json_body["items"]
    assert dynamodb_total(counter) <= 3 + SESSION_CHECK, dict(counter)


INBOX_REGION = "08"
INBOX_REQUESTS = 120  # more than one BatchGetItem holds (100 keys)


@pytest.fixture(scope="module")
def officer_of_a_busy_region(seed, sign_in):
    seed.account(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, INBOX_REGION))
    for n in range(INBOX_REQUESTS):
        of = course(f"{7100000 + n}", region=INBOX_REGION, state=CertificateState.ANNULMENT_REQUESTED)
        people = [participant(of, 15303444, "CINTHYA BAIN RAMIREZ")]
        seed.course(of, people)
        seed.annulment(annulment_request(seed.certificate(historic_certificate(of, people, n + 1))))
    return sign_in(OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)


def test_the_inbox_reads_its_courses_together_whatever_its_length(client, officer_of_a_busy_region, monkeypatch):
    _cache_grants(monkeypatch)
    _warm(client, officer_of_a_busy_region)
    with count_requests() as counter:
        response = get(client, "/api/annulments", officer_of_a_busy_region)

    assert response.status_code == 200
    assert response.json_body["total"] == INBOX_REQUESTS
    assert all(item["course_name"] for item in response.json_body["items"])
    # The pending requests and the decisions of 90 days (two Queries), the courses in one BatchGetItem
    # per 100: no GetItem per request.
    assert counter.get("dynamodb:BatchGetItem", 0) == 2, dict(counter)
    assert counter.get("dynamodb:GetItem", 0) == SESSION_CHECK, dict(counter)
    assert dynamodb_total(counter) <= 2 + 2 + SESSION_CHECK, dict(counter)


@pytest.fixture(scope="module")
def admin(seed, sign_in, facilitator):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    for index in range(30):  # ended and pending: each one on the work list
        seed.course(course(str(5127000 + index), start=date(2017, 1, 2), end=date(2017, 2, 1 + index % 20)))
    return sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)


def test_the_work_list_costs_at_most_3_requests(client, admin, monkeypatch):
    _cache_grants(monkeypatch)
    _warm(client, admin)
    with count_requests() as counter:
        response = get(client, "/api/worklist", admin)

    assert response.status_code == 200
    assert len(response.json_body["items"]) >= 31  # the 30 above and the big course
    assert dynamodb_total(counter) <= 3 + SESSION_CHECK, dict(counter)


def _cache_grants(monkeypatch) -> None:
    """The grants cached for a minute, as deployed."""
    from dataclasses import replace

    from chalicelib.bootstrap import bootstrap
    from chalicelib.storage.users import UserRepository

    monkeypatch.setattr("chalicelib.bootstrap._ports", replace(bootstrap(), users=UserRepository(max_age=60)))


def test_asking_for_a_bundle_of_150_courses_reads_them_in_2_batches_and_reading_it_costs_1(
    client, facilitator, seed, monkeypatch
):
    """POST /api/bundles: BatchGetItem of 100 keys at a time, one PutItem; GET: one GetItem."""
    codes = [str(5190000 + index) for index in range(150)]
    for code in codes:
        seed.course(course(code))
    _cache_grants(monkeypatch)
    _warm(client, facilitator)
    with count_requests() as counter:
        asked = post(client, "/api/bundles", {"course_codes": codes}, facilitator)
    assert asked.status_code == 202, asked.json_body
    assert counter.get("dynamodb:BatchGetItem", 0) == 2, dict(counter)
    assert dynamodb_total(counter) <= 2 + 1 + SESSION_CHECK, dict(counter)

    with count_requests() as counter:
        progress = get(client, f"/api/bundles/{asked.json_body['bundle_id']}", facilitator)
    assert progress.status_code == 200 and progress.json_body["total_courses"] == 150
    assert dynamodb_total(counter) <= 1 + SESSION_CHECK, dict(counter)
