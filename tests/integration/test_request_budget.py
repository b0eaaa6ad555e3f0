"""DynamoDB requests per read: the participants list and a participant's sessions stay within budget."""

from __future__ import annotations

import pytest

from bench.counting import count_requests, dynamodb_total
from bench.scenarios import BIG_COURSE, seed_big_course
from tests.integration.api import get, session_token


@pytest.fixture(scope="module")
def big_course(local_stack):
    return seed_big_course(participants=40, sessions=60)


def test_participants_of_a_40_by_60_course_cost_at_most_3_requests(client, big_course):
    token = session_token(client, "131313136", "FACILITATOR", "75.998.240-1")

    with count_requests() as counter:
        response = get(client, f"/api/courses/{BIG_COURSE}/participants?page_size=50", token)

    assert response.status_code == 200
    assert response.json_body["total"] == 40
    assert dynamodb_total(counter) <= 3, dict(counter)


def test_a_participants_sessions_cost_at_most_2_requests(client, big_course):
    token = session_token(client, "131313136", "FACILITATOR", "75.998.240-1")

    with count_requests() as counter:
        response = get(client, f"/api/courses/{BIG_COURSE}/participants/30.000.000-2/sessions", token)

    assert response.status_code == 200, response.json_body
    assert len(response.json_body["items"]) == 60
    assert dynamodb_total(counter) <= 2, dict(counter)
