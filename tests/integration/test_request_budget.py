"""DynamoDB requests per read: the participants list and a participant's sessions stay within budget."""

from __future__ import annotations

import pytest

from bench.counting import count_requests, dynamodb_total
from bench.scenarios import BIG_COURSE, seed_big_course
from chalicelib.domain.access import Profile
from tests.builders import OTEC, course, grant, rut
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
