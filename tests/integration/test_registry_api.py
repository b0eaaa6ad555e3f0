"""The course registry feed through HTTP against the local stack: a course created by the feed is
enrolled, receives LCE marks and is issued with the feed's data; what a certificate prints is then
frozen; concurrent PUTs lose no update."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.bootstrap import bootstrap
from chalicelib.domain.access import Profile
from chalicelib.services import registry
from chalicelib.storage.audit import AuditRepository
from chalicelib.storage.courses import CourseRepository
from tests.builders import ADMIN_RUT, OTEC, grant
from tests.integration.api import get, post

CODE = "5121001"
COURSE = {
    "sence_code": "1237740999",
    "name": "MANEJO DE GRÚA HORQUILLA",
    "program": "impulsa_personas",
    "activity_type": "partial",
    "region_code": "13",
    "start_date": "2017-03-06",
    "end_date": "2017-03-31",
    "accredited_hours": 2,
    "quotas": 20,
    "institution": {"rut": "75.998.240-1", "name": "Fundación de Capacitación Sofofa"},
    "company": {"rut": "96.543.210-8", "name": "Transportes Cordillera S.A."},
    "otic": None,
    "related_action": "",
}
PEOPLE = [
    {"rut": "8.808.603-1", "name": "RIGOBERTO ORLANDO CASTILLO BARRÍA"},
    {"rut": "153034443", "name": "CINTHYA D'ÁVILA MUÑOZ"},
]


@pytest.fixture(scope="module")
def keys(seed):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    return {"registry": seed.registry_key(), "lce": seed.api_key(OTEC)}


@pytest.fixture
def put(client, keys):
    def send(path: str, body: object, key: str = "registry"):
        headers = {"Content-Type": "application/json", "X-Api-Key": keys.get(key, key)}
        return client.http.put(path, headers=headers, body=json.dumps(body))

    return send


def _trail(code: str) -> list[str]:
    return [entry["action"] for entry in AuditRepository().list_for(f"COURSE#{code}")]


def test_a_course_from_the_feed_is_enrolled_marked_and_issued_with_the_feeds_data(client, put, keys, sign_in):
    created = put(f"/api/registry/courses/{CODE}", COURSE)
    assert created.status_code == 201, created.json_body
    assert created.json_body == {
        "status": "created",
        "course_code": CODE,
        "certificate_state": "PENDING",
        "changed_fields": [
            "sence_code",
            "name",
            "program",
            "activity_type",
            "accredited_hours",
            "start_date",
            "end_date",
            "institution",
            "company",
            "otic",
            "region_code",
            "quotas",
            "related_action",
        ],
    }
    enrolled = put(f"/api/registry/courses/{CODE}/participants", {"participants": PEOPLE})
    assert enrolled.status_code == 200, enrolled.json_body
    assert enrolled.json_body == {"status": "changed", "course_code": CODE, "written": 2, "removed": 0, "total": 2}

    session = {
        "facilitator": "MARÍA OLIVIA PINTO DÍAZ",
        "start": "2017-03-06T09:00:00-03:00",
        "end": "2017-03-06T11:00:00-03:00",
        "marks": [{"rut": "8.808.603-1", "entry": "2017-03-06T09:00:00-03:00", "exit": "2017-03-06T11:00:00-03:00"}],
    }
    pushed = put(f"/api/lce/courses/{CODE}/sessions/S-1", session, key="lce")
    assert pushed.status_code == 201, pushed.json_body

    admin = sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)
    people = get(client, f"/api/courses/{CODE}/participants", admin).json_body["items"]
    assert {(p["name"], p["attendance_percent"]) for p in people} == {
        ("RIGOBERTO ORLANDO CASTILLO BARRÍA", 100),
        ("CINTHYA D'ÁVILA MUÑOZ", 0),
    }
    issued = post(client, f"/api/courses/{CODE}/certificate", {"invoice_number": "OC-9", "accept": True}, admin)
    assert issued.status_code == 201, issued.json_body
    certificate = get(client, f"/api/certificates/{issued.json_body['number']}", admin).json_body
    assert certificate["course"]["name"] == "MANEJO DE GRÚA HORQUILLA"
    assert certificate["course"]["sence_code"] == "1237740999"
    assert certificate["company"]["name"] == "Transportes Cordillera S.A."
    assert {p["name"] for p in certificate["participants"]} == {
        "RIGOBERTO ORLANDO CASTILLO BARRÍA",
        "CINTHYA D'ÁVILA MUÑOZ",
    }

    trail = _trail(CODE)
    repeated = put(f"/api/registry/courses/{CODE}", COURSE)
    assert repeated.status_code == 200
    assert repeated.json_body["status"] == "unchanged"
    assert _trail(CODE) == trail  # nothing new in the audit trail

    renamed = put(f"/api/registry/courses/{CODE}", {**COURSE, "name": "OTRO NOMBRE"})
    assert renamed.status_code == 409
    assert renamed.json_body["error"]["field"] == "name"
    assert CourseRepository().get(CODE).name == "MANEJO DE GRÚA HORQUILLA"
    more = put(f"/api/registry/courses/{CODE}/participants", {"participants": PEOPLE[:1]})
    assert more.status_code == 409
    quotas = put(f"/api/registry/courses/{CODE}", {**COURSE, "quotas": 25})
    assert quotas.status_code == 200
    assert quotas.json_body["changed_fields"] == ["quotas"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"institution": {"rut": "75.998.240-2", "name": "X"}}, "institution.rut"),
        ({"region_code": "99"}, "region_code"),
        ({"end_date": "2017-03-01"}, "end_date"),
        ({"accredited_hours": 0}, "accredited_hours"),
        ({"program": "becas"}, "program"),
        ({"start_date": "06-03-2017"}, "start_date"),
    ],
)
def test_refusals_name_the_field_and_store_nothing(put, changes, field):
    response = put("/api/registry/courses/5121002", {**COURSE, **changes})

    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["field"] == field
    assert CourseRepository().get("5121002") is None
    assert _trail("5121002") == []


def test_only_the_registry_key_opens_the_feed_and_only_lce_keys_push(put):
    assert put("/api/registry/courses/5121003", COURSE, key="lce").status_code == 401
    assert put("/api/registry/courses/5121003", COURSE, key="sin-clave-valida-000000").status_code == 401
    assert put("/api/registry/courses/5121003/participants", {"participants": []}, key="lce").status_code == 401
    assert put("/api/lce/courses/5121003/sessions/S-1", {}, key="registry").status_code == 401
    assert CourseRepository().get("5121003") is None


def test_concurrent_puts_of_one_course_lose_no_update(keys):
    ports = bootstrap()
    registry.put_course(ports, "5121004", COURSE)
    bodies = [{**COURSE, "quotas": 21 + index, "related_action": f"A-{index}"} for index in range(8)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda body: registry.put_course(ports, "5121004", body), bodies))

    course = CourseRepository().get("5121004")
    # Every PUT was applied in turn, each on the version it read: as many versions as changes, one
    # audit entry each, and the course is exactly one of the bodies (never a mix of two).
    changes = [result for result in results if result.outcome.value == "changed"]
    assert len(changes) == 8
    assert course.version == 8
    assert _trail("5121004") == ["registry_course_created"] + ["registry_course_changed"] * 8
    assert (course.quotas, course.related_action) in {(b["quotas"], b["related_action"]) for b in bodies}
