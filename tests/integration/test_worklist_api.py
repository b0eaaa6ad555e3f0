"""Early warning through the API on the local stack: LCE pushes make a participant unreachable, the
participants list and the work list say so, the nightly schedule's digest tells the administrator
once; a course that ended is ready to issue until it is issued; Mi perfil turns the digest off."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.clock import CHILE
from tests.builders import ADMIN_RUT, OTEC, course, grant, participant, rut
from tests.integration.api import JSON, get, post, scheduled_event

RUNNING, ENDED = "5126001", "5126002"
ADMIN_EMAIL = "karin.suarez@sofofa.example"
REGIONAL_RUT = rut(22222222)
TODAY = datetime.now(CHILE).date()
ANA, BETO = "8.808.603-1", "15.303.444-3"


@pytest.fixture(scope="module")
def world(seed):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC), email=ADMIN_EMAIL)
    seed.account(REGIONAL_RUT, "GABRIELA FAJARDO CUEVAS", grant(Profile.REGIONAL_ADMIN, OTEC, "05"))
    running = course(RUNNING, hours=10, start=TODAY - timedelta(days=10), end=TODAY + timedelta(days=10))
    seed.course(running, [participant(running, 8808603, "ANA"), participant(running, 15303444, "BETO")])
    ended = course(ENDED, hours=2, start=TODAY - timedelta(days=9), end=TODAY - timedelta(days=7), name="GRÚA")
    seed.course(ended, [participant(ended, 8808603, "ANA")])
    return seed.api_key(OTEC)


@pytest.fixture
def admin(sign_in, world):
    return sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)


def _push(client, key: str, code: str, session_id: str, day: date, *present: str):
    start = datetime.combine(day, datetime.min.time(), tzinfo=CHILE).replace(hour=9)
    end = start + timedelta(hours=2)
    body = {
        "facilitator": "MARÍA OLIVIA PINTO DÍAZ",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "marks": [{"rut": who, "entry": start.isoformat(), "exit": end.isoformat()} for who in present],
    }
    response = client.http.put(
        f"/api/lce/courses/{code}/sessions/{session_id}", headers={**JSON, "X-Api-Key": key}, body=json.dumps(body)
    )
    assert response.status_code in (200, 201), response.json_body


def _worklist(client, token):
    response = get(client, "/api/worklist", token)
    assert response.status_code == 200, response.json_body
    return [(item["kind"], item["course_code"], item.get("count")) for item in response.json_body["items"]]


def _beto(client, token):
    rows = get(client, f"/api/courses/{RUNNING}/participants", token).json_body["items"]
    return next(row for row in rows if row["name"] == "BETO")


def _digest(client):
    # A quiet day for the export; the digest reads today's news.
    event = scheduled_event({"day": "2016-01-01"})
    return client.lambda_.invoke("nightly_exports", event).payload


def _sent_to(address: str) -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    return [message for message in sent if address in message.destinations["ToAddresses"]]


def test_pushes_until_a_participant_cannot_reach_75_then_the_list_and_the_digest_say_so_once(client, world, admin):
    _push(client, world, RUNNING, "S1", TODAY - timedelta(days=5), ANA)
    beto = _beto(client, admin)
    assert (beto["held_seconds"], beto["max_reachable_percent"], beto["risk"]) == (7200, 80, "at_risk")
    assert beto["risk_label"] == "En riesgo"
    assert ("participants_unreachable", RUNNING, 1) not in _worklist(client, admin)

    _push(client, world, RUNNING, "S2", TODAY - timedelta(days=4), ANA)

    beto = _beto(client, admin)
    assert (beto["max_reachable_percent"], beto["risk"]) == (60, "unreachable")
    assert beto["risk_label"] == "No alcanza el 75 %"
    items = _worklist(client, admin)
    assert ("participants_unreachable", RUNNING, 1) in items
    assert ("ready_to_issue", ENDED, None) in items

    before = len(_sent_to(ADMIN_EMAIL))
    first, second = _digest(client), _digest(client)
    digests = _sent_to(ADMIN_EMAIL)[before:]

    assert (first["digests"], second["digests"]) == (1, 0)
    assert len(digests) == 1
    text = digests[0].body
    assert RUNNING in text and "ya no alcanzan el mínimo: 1" in text
    assert "BETO" not in text and "15.303.444-3" not in text


def test_a_regional_administrator_of_another_region_sees_nothing(client, world, sign_in):
    token = sign_in(REGIONAL_RUT, Profile.REGIONAL_ADMIN, OTEC)
    assert _worklist(client, token) == []


def test_issuing_takes_the_course_off_the_list(client, world, admin):
    _push(client, world, ENDED, "S1", TODAY - timedelta(days=8), ANA)
    assert ("ready_to_issue", ENDED, None) in _worklist(client, admin)

    issued = post(client, f"/api/courses/{ENDED}/certificate", {"invoice_number": "OC-9", "accept": True}, admin)

    assert issued.status_code == 201, issued.json_body
    assert ENDED not in [code for _kind, code, _count in _worklist(client, admin)]


def test_mi_perfil_turns_the_digest_off_and_on(client, world, admin):
    shown = get(client, "/api/profile", admin)
    assert shown.status_code == 200
    assert shown.json_body == {
        "rut": "11.111.111-1",
        "name": "KARIN LAURINA SUÁREZ OSORIO",
        "email": ADMIN_EMAIL,
        "digest_enabled": True,
    }

    off = client.http.put(
        "/api/profile", headers={**JSON, "Authorization": f"Bearer {admin}"}, body='{"digest_enabled": false}'
    )
    assert off.status_code == 200 and off.json_body["digest_enabled"] is False
    assert get(client, "/api/profile", admin).json_body["digest_enabled"] is False

    bad = client.http.put(
        "/api/profile", headers={**JSON, "Authorization": f"Bearer {admin}"}, body='{"digest_enabled": "si"}'
    )
    assert bad.status_code == 400
    assert bad.json_body["error"]["message"]

    client.http.put(
        "/api/profile", headers={**JSON, "Authorization": f"Bearer {admin}"}, body='{"digest_enabled": true}'
    )
    assert get(client, "/api/profile", admin).json_body["digest_enabled"] is True
