"""No demo participant in the logs of the whole e2e run (Ley 21.719, issue 16).

Runs after every other test, the fuzz included (`pytest_collection_modifyitems` in conftest.py), and reads
what the API server and the SQS poller wrote meanwhile: their JSON lines, the local server's line per
request, the libraries' lines. None may hold a demo participant's RUT in any form it is written
(8.808.603-1, 8808603-1, 88086031) nor their name; nor the RUT or name of a demo login. Before it reads, it
asks for a participant's data the ways that put a RUT in a URL, so that there is something to mask even
when this file runs alone.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest

from chalicelib.domain.rut import Rut
from devtools.demo_data import DEMO_LOGINS, build_courses
from tests.e2e.api import call, session_token
from tests.e2e.conftest import LocalServices

pytestmark = pytest.mark.e2e

KARIN = ("111111111", "NATIONAL_ADMIN", "75.998.240-1")
DATA_PROTECTION_OFFICER = ("19191919K", "DATA_PROTECTION_OFFICER", "61.531.000-K")
RIGOBERTO = Rut.parse("8.808.603-1")
MASKED = "*.***.603-1"
# Every token that could be a RUT, in any of the forms the code or a person writes one; not the first group
# of a UUID (a correlation id), which goes on with a dash and more letters or digits.
_TOKEN = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{3}){1,2}-[\dkK]|\d{6,9}-[\dkK]|\d{6,9}[kK]?)(?!\w|-\w)")
MOST_SHOWN = 40


def _written_forms(rut: Rut) -> set[str]:
    return {rut.formatted(), f"{rut.body}-{rut.check_digit}", rut.compact()}


def _people() -> tuple[dict[str, str], set[str]]:
    """{every written form of a demo person's RUT: whose}, and every demo person's name."""
    ruts: dict[str, str] = {}
    names: set[str] = set()
    for demo in build_courses():
        for participant in demo.participants:
            names.add(participant.name)
            ruts.update(dict.fromkeys(_written_forms(participant.rut), f"participant {participant.rut}"))
    for login in DEMO_LOGINS:
        names.add(login.name)
        ruts.update(dict.fromkeys(_written_forms(Rut.parse(login.rut)), f"login {login.rut}"))
    return ruts, names


def _ask_for_a_participant_through_urls(base_url: str) -> None:
    """A participant's sessions and workbook, someone else's sessions, a data subject's report and a search,
    with the RUT in the path or the query, dotted or not: the requests whose log lines would carry it."""
    admin = session_token(base_url, *KARIN)
    for written in (RIGOBERTO.compact(), RIGOBERTO.formatted()):
        sessions = call(base_url, "GET", f"/api/courses/5115001/participants/{written}/sessions", token=admin)
        assert sessions.status == 200, sessions.body
    workbook_path = f"/api/courses/5115001/participants/{RIGOBERTO.compact()}/attendance.xlsx"
    workbook = call(base_url, "GET", workbook_path, token=admin)
    assert workbook.status == 200, workbook.body
    other = call(base_url, "GET", "/api/courses/5115263/participants/12345678-5/sessions", token=admin)
    assert other.status in (200, 404)
    query = urllib.parse.urlencode({"program": "impulsa_personas", "criterion": "course_code", "value": "8808603-1"})
    assert call(base_url, "GET", f"/api/courses?{query}", token=admin).status == 400
    officer = session_token(base_url, *DATA_PROTECTION_OFFICER)
    report = call(base_url, "GET", f"/api/data-subjects/{RIGOBERTO.formatted()}/report", token=officer)
    assert report.status == 200, report.body


def _offending_lines(logs: tuple[Path, ...], ruts: dict[str, str], names: set[str]) -> list[str]:
    # Names as written, and as a JSON encoder that escapes non-ASCII letters would write them.
    spelled = {name: name for name in names} | {json.dumps(name)[1:-1]: name for name in names}
    by_name = re.compile("|".join(re.escape(text) for text in sorted(spelled, key=len, reverse=True)))
    found: list[str] = []
    for log in logs:
        if not log.exists():
            continue
        for number, line in enumerate(log.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            whose = [ruts[token.upper()] for token in _TOKEN.findall(line) if token.upper() in ruts]
            whose += [f"name of {spelled[hit]}" for hit in by_name.findall(line)]
            if whose:
                found.append(f"{log.name}:{number}: {', '.join(sorted(set(whose)))}\n    {line[:400]}")
    return found


def test_the_logs_of_the_run_name_no_demo_participant(local_services: LocalServices) -> None:
    _ask_for_a_participant_through_urls(local_services.base_url)
    ruts, names = _people()
    assert RIGOBERTO.compact() in ruts and "RIGOBERTO ORLANDO CASTILLO BARRÍA" in names

    offending = _offending_lines(local_services.log_files, ruts, names)

    assert not offending, f"{len(offending)} log lines name a demo person:\n" + "\n".join(offending[:MOST_SHOWN])
    # The lines are there, masked as on the verification page: the scan did read what the run wrote.
    server_log = local_services.log_files[0].read_text(encoding="utf-8", errors="replace")
    assert f"/api/courses/5115001/participants/{MASKED}/sessions" in server_log
    assert '"path":"/api/data-subjects/{rut}/report"' in server_log


def test_the_scan_finds_a_rut_in_any_form_and_a_name(tmp_path: Path) -> None:
    """The scan itself: it would see what it looks for, and not what is masked or only looks alike."""
    log = tmp_path / "api.log"
    log.write_text(
        "\n".join(
            [
                '"GET /api/courses/5115001/participants/88086031/sessions HTTP/1.1" 200 -',
                '{"message": "no participant 8.808.603-1"}',
                "bad RUT 8808603-1",
                '{"name": "RIGOBERTO ORLANDO CASTILLO BARR\\u00cdA"}',
                '"GET /api/courses/5115001/participants/*.***.603-1/sessions HTTP/1.1" 200 -',
                "course 5115001, SENCE code 1237745001, certificate 1-2026, 2016-11-13",
                '"correlation_id": "88086031-7427-4eaa-9471-893920b01985"',
            ]
        ),
        encoding="utf-8",
    )
    ruts, names = _people()

    found = _offending_lines((log,), ruts, names)

    assert [line.split(":")[1] for line in found] == ["1", "2", "3", "4"]
