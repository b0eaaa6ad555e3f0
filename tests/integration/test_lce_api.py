"""LCE ingestion: sessions pushed with a machine key; bad pushes store nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
from chalicelib.storage.courses import CourseRepository
from chalicelib.storage.sessions import SessionRepository
from tests.builders import ADMIN_RUT, OTEC, OTHER_OTEC, course, grant, participant
from tests.integration.api import get

COURSE = "5115263"  # pending, 02-01-2017 to 30-03-2017, Rigoberto and Cinthya enrolled
ISSUED = "5116002"  # issued, 06-03-2017 to 31-03-2017, one participant


@pytest.fixture(scope="module", autouse=True)
def keys(seed):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    pending = course(COURSE, hours=70, start=date(2017, 1, 2), end=date(2017, 3, 30))
    seed.course(
        pending,
        [
            participant(pending, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA"),
            participant(pending, 15303444, "CINTHYA BAIN RAMIREZ"),
        ],
    )
    issued = course(
        ISSUED, sence_code="1237716002", start=date(2017, 3, 6), end=date(2017, 3, 31), state=CertificateState.ISSUED
    )
    seed.course(issued, [participant(issued, 12345678, "PATRICIA ELENA MORALES FUENTES")])
    return {"sofofa": seed.api_key(OTEC), "austral": seed.api_key(OTHER_OTEC)}


@pytest.fixture
def push(client, keys):
    def send(course_code, session_id, body, key="sofofa"):
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["X-Api-Key"] = keys.get(key, key)
        raw = body if isinstance(body, str) else json.dumps(body)
        return client.http.put(f"/api/lce/courses/{course_code}/sessions/{session_id}", headers=headers, body=raw)

    return send


def _session(**overrides):
    body = {
        "facilitator": "MARÍA OLIVIA PINTO DÍAZ",
        "start": "2017-03-20T09:00:00-03:00",
        "end": "2017-03-20T13:00:00-03:00",
        "marks": [
            {"rut": "8.808.603-1", "entry": "2017-03-20T09:15:00-03:00", "exit": "2017-03-20T13:00:00-03:00"},
            {"rut": "153034443", "entry": "2017-03-20T10:00:00", "exit": None},
        ],
    }
    body.update(overrides)
    return body


def _stored(session_id):
    return {s.session_id: s for s in SessionRepository().list_for_course(COURSE)}.get(session_id)


def test_a_push_creates_then_repeating_it_changes_nothing_then_a_change_replaces(push):
    first = push(COURSE, "TEST-1", _session())
    again = push(COURSE, "TEST-1", _session())
    changed = push(COURSE, "TEST-1", _session(facilitator="HÉCTOR MANUEL SAAVEDRA RÍOS"))

    assert (first.status_code, first.json_body["status"]) == (201, "created")
    assert (again.status_code, again.json_body["status"]) == (200, "unchanged")
    assert (changed.status_code, changed.json_body["status"]) == (200, "replaced")
    stored = _stored("TEST-1")
    assert stored.facilitator == "HÉCTOR MANUEL SAAVEDRA RÍOS"
    assert len(stored.marks) == 2
    assert stored.marks[1].exit is None


def test_pushed_marks_count_in_the_percentages_with_grace(client, push, sign_in):
    push(
        COURSE,
        "TEST-GRACE",
        _session(
            start="2017-03-21T09:00:00-03:00",
            end="2017-03-21T13:00:00-03:00",
            marks=[{"rut": "88086031", "entry": "2017-03-21T09:20:00-03:00", "exit": "2017-03-21T13:00:00-03:00"}],
        ),
    )
    token = sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)

    rows = get(client, f"/api/courses/{COURSE}/participants/88086031/sessions", token).json_body["items"]

    row = next(r for r in rows if r["session_id"] == "TEST-GRACE")
    assert row["participant_duration"] == "04:00:00"
    assert row["grace_applied"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_session(marks=[{"rut": "8.808.603-2", "entry": "2017-03-20T09:00:00-03:00"}]), "marks[0].rut"),
        (_session(marks=[{"rut": "11.111.111-1", "entry": "2017-03-20T09:00:00-03:00"}]), "marks[0].rut"),
        (_session(start="2017-04-02T09:00:00-03:00", end="2017-04-02T12:00:00-03:00"), "start"),
        (_session(end="2017-03-20T08:00:00-03:00"), "end"),
        (_session(start="ayer"), "start"),
        (_session(facilitator=""), "facilitator"),
        (
            _session(
                marks=[{"rut": "88086031", "entry": "2017-03-20T12:00:00-03:00", "exit": "2017-03-20T11:00:00-03:00"}]
            ),
            "marks[0].exit",
        ),
        (_session(marks="todos"), "marks"),
        ("{no es json", "body"),
    ],
)
def test_bad_pushes_name_the_field_and_store_nothing(push, body, field):
    before = len(SessionRepository().list_for_course(COURSE))

    response = push(COURSE, "TEST-BAD", body)

    assert response.status_code == 400
    assert response.json_body["error"]["field"] == field
    assert _stored("TEST-BAD") is None
    assert len(SessionRepository().list_for_course(COURSE)) == before


def test_a_bad_mark_after_good_ones_stores_none_of_them(push):
    marks = [
        {"rut": "88086031", "entry": "2017-03-22T09:00:00-03:00", "exit": "2017-03-22T12:00:00-03:00"},
        {"rut": "1-9", "entry": "2017-03-22T09:00:00-03:00", "exit": "2017-03-22T12:00:00-03:00"},
    ]
    response = push(COURSE, "TEST-HALF", _session(marks=marks))

    assert response.status_code == 400
    assert response.json_body["error"]["field"] == "marks[1].rut"
    assert _stored("TEST-HALF") is None


def test_without_a_valid_key_nothing_is_accepted(push):
    assert push(COURSE, "TEST-KEY", _session(), key=None).status_code == 401
    assert push(COURSE, "TEST-KEY", _session(), key="x" * 32).status_code == 401
    assert _stored("TEST-KEY") is None


def test_another_institutions_course_does_not_exist_for_its_key(push):
    response = push(COURSE, "TEST-OTHER", _session(), key="austral")

    assert response.status_code == 404
    assert _stored("TEST-OTHER") is None


def test_an_issued_course_refuses_marks(push):
    body = {
        "facilitator": "X",
        "start": "2017-03-06T09:00:00-03:00",
        "end": "2017-03-06T10:00:00-03:00",
        "marks": [{"rut": "12.345.678-5", "entry": "2017-03-06T09:00:00-03:00", "exit": "2017-03-06T10:00:00-03:00"}],
    }

    response = push(ISSUED, "TEST-ISSUED", body)

    assert response.status_code == 409
    assert "no recibe" in response.json_body["error"]["message"]


def test_the_session_write_itself_refuses_a_course_issued_meanwhile(keys):
    from chalicelib.domain.audit import AuditEntry, course_subject
    from chalicelib.domain.errors import StateConflictError
    from chalicelib.domain.lce import OPEN_STATES, fingerprint, parse_session
    from chalicelib.storage.transactions import TransactionWriter

    writer = TransactionWriter()
    stale = CourseRepository().get(COURSE)  # as read before a certificate was issued
    session = parse_session("TEST-RACE", _session(marks=[]))
    audit = AuditEntry(course_subject(COURSE), "lce_session_created", session.start)
    writer.commit_session(stale, OPEN_STATES, session, fingerprint(session), audit)
    assert _stored("TEST-RACE") is not None

    with pytest.raises(StateConflictError):
        writer.commit_session(stale, frozenset({CertificateState.ANNULMENT_REJECTED}), session, "other", audit)
