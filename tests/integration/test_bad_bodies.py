"""A fuzz case for request bodies: whatever bytes arrive (deep nesting, broken JSON, binary, JSON of
every shape), every route that reads a body answers a JSON 4xx or its normal answer, never a 500."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.access import Profile
from chalicelib.handlers.http import Operation
from tests.builders import ADMIN_RUT, OTEC, grant

_PARAMETER = re.compile(r"{([^}]+)}")
VALUES = {
    "course_code": "5118001",
    "number": "1-2017",
    "request_id": "00000000000000000000000000000000",
    "session_id": "S-1",
    "rut": "88086031",
    "token": "no-es-un-enlace",
}


def _routes_with_bodies() -> list[tuple[str, str]]:
    from app import app

    found = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            operation = getattr(entry.view_function, "openapi", None)
            if isinstance(operation, Operation) and operation.body is not None:
                found.append((method, _PARAMETER.sub(lambda match: VALUES[match.group(1)], path)))
    return sorted(found)


ROUTES = _routes_with_bodies()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
bodies = st.one_of(
    st.integers(1, 30_000).map(lambda depth: "[" * depth),
    st.integers(1, 30_000).map(lambda depth: '{"a":' * depth),
    st.integers(1, 500).map(lambda depth: "[" * depth + "]" * depth),
    json_values.map(json.dumps),
    st.binary(max_size=200),
    st.text(max_size=200),
)


@pytest.fixture(scope="module")
def token(seed, sign_in) -> str:
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    return sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)


def test_the_routes_with_bodies_are_all_here():
    assert ("POST", "/api/auth/login") in ROUTES
    assert ("PUT", "/api/lce/courses/5118001/sessions/S-1") in ROUTES
    assert len(ROUTES) >= 7


@pytest.mark.parametrize(("method", "path"), ROUTES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_no_body_makes_a_500(client, token, method, path, body):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "X-Api-Key": "lce-x"}
    raw = body if isinstance(body, bytes) else body.encode()

    response = getattr(client.http, method.lower())(path, headers=headers, body=raw)

    assert response.status_code < 500, (path, raw[:80], response.body[:300])
    if response.status_code >= 400:
        assert set(json.loads(response.body)["error"]) >= {"code", "message"}
