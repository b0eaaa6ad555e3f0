"""Property-based fuzz of the HTTP API from its own OpenAPI description (schemathesis), over real HTTP.

Any input, as anonymous caller and as an administrator: never a 5xx, and every answer fits the
documented schema. Bounded (`EXAMPLES` per operation) so `make test` stays quick.

Schemathesis' pytest plugin does not run on pytest 9, so each operation's Hypothesis strategy is
driven here directly; the checks are schemathesis' own.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.e2e.api import austral_token

pytestmark = pytest.mark.e2e

EXAMPLES = 15
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def operations(base_url: str):
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    results = list(schema.get_all_operations())
    broken = [str(result.err()) for result in results if not hasattr(result, "ok")]
    assert broken == [], "the OpenAPI description has operations schemathesis cannot read"
    return [result.ok() for result in results]


def _fuzz(operations, base_url: str, headers: dict[str, str]) -> dict[str, str]:
    failures: dict[str, str] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # collect every operation's failure, not only the first
            failures[f"{operation.method.upper()} {operation.path}"] = str(error)[:2000]
    return failures


def test_there_is_something_to_fuzz(operations):
    paths = {operation.path for operation in operations}
    assert {
        "/api/auth/login",
        "/api/courses",
        "/api/courses/{course_code}/certificate",
        "/api/verify/{number}",
    } <= paths


def test_anonymous_input_never_breaks_the_api(operations, base_url):
    assert _fuzz(operations, base_url, {}) == {}


def test_an_administrators_input_never_breaks_the_api(operations, base_url):
    # Capacitación Austral Limitada's national administrator.
    token = austral_token(base_url)
    assert _fuzz(operations, base_url, {"Authorization": f"Bearer {token}"}) == {}
