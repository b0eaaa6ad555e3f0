"""The API against its own OpenAPI description, with every check schemathesis has (`--checks all`).

Over real HTTP, as schemathesis' own command line runs it: anonymous, as an OTEC administrator, as
a SENCE officer and as the LCE. Any finding fails the test: a 5xx, an answer outside the schema or
with an undocumented status, data the description calls valid that is refused, data it calls
invalid that is accepted, a method refused without `Allow`. The rules JSON Schema cannot state
(check digits, calendar dates, a search's criterion and range) are taught by
`devtools/schemathesis_hooks.py`. Bounded (`EXAMPLES` per operation, fixed seeds) so `make test`
stays quick and repeatable; `docs/api.md` shows the same command for a longer run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.api import austral_token, session_token

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 25
LCE_KEY = "lce-demo-austral-000000000000002"
REGISTRY_KEY = "sence-registro-demo-000000000001"


def _schemathesis(base_url: str, seed: int, *headers: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base_url}/api/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--no-color",
    ]
    for header in headers:
        command += ["--header", header]
    if headers:
        # Logging out would end the caller's session for the rest of the run (the anonymous run calls it).
        command += ["--exclude-path", "/api/auth/logout"]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "devtools.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)


def _summary(run: subprocess.CompletedProcess[str]) -> str:
    lines = run.stdout.splitlines()
    # The failures, then the summary; long bodies are cut so the report stays readable.
    return "\n".join(line[:300] for line in lines[-120:])


def test_the_description_is_read_whole(base_url):
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    results = list(schema.get_all_operations())
    broken = [str(result.err()) for result in results if not hasattr(result, "ok")]
    assert broken == []
    paths = {result.ok().path for result in results}
    assert {
        "/api/auth/login",
        "/api/courses",
        "/api/courses/{course_code}/certificate",
        "/api/verify/{number}",
    } <= paths


@pytest.mark.parametrize(
    ("caller", "seed"),
    [("anonymous", 1), ("otec_administrator", 2), ("sence_officer", 3), ("lce", 4), ("registry", 5)],
)
def test_schemathesis_with_every_check_finds_nothing(base_url, caller, seed):
    headers = {
        "anonymous": (),
        "otec_administrator": (f"Authorization: Bearer {austral_token(base_url)}",),
        "sence_officer": (
            f"Authorization: Bearer {session_token(base_url, '141414143', 'SENCE_OFFICER', '61.531.000-K')}",
        ),
        "lce": (f"X-Api-Key: {LCE_KEY}",),
        "registry": (f"X-Api-Key: {REGISTRY_KEY}",),
    }[caller]

    run = _schemathesis(base_url, seed, *headers)

    assert run.returncode == 0, _summary(run)
    assert " generated, " in run.stdout and " passed" in run.stdout, _summary(run)
