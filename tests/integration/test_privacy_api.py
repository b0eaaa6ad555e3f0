"""Ley 21.719 through HTTP against the local stack: what an administrator sees is logged, and the data
protection officer's report for a person lists those accesses with who and when, with the person's
marks and certificates."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import boto3
import pytest
from openpyxl import load_workbook

from chalicelib.config import get_settings
from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
from tests.builders import ADMIN_RUT, OTEC, SENCE, at, course, full_session, grant, participant, rut
from tests.integration.api import get, post

DPO_RUT = rut(19191919)
CODE = "5131001"


@pytest.fixture(scope="module")
def world(seed, sign_in):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    seed.account(DPO_RUT, "ROBERTO ANDRÉS FUENTES LAGOS", grant(Profile.DATA_PROTECTION_OFFICER, SENCE))
    the_course = course(CODE, hours=2, start=date(2017, 3, 6), end=date(2017, 3, 31), state=CertificateState.PENDING)
    ana = participant(the_course, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA")
    luis = participant(the_course, 15303444, "CINTHYA BAIN RAMÍREZ")
    seed.course(the_course, [ana, luis], [full_session("S-1", at(date(2017, 3, 6), 9), 2, [ana])])
    return {
        "admin": sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC),
        "dpo": sign_in(DPO_RUT, Profile.DATA_PROTECTION_OFFICER, SENCE),
    }


def test_the_report_lists_who_saw_the_persons_data_with_the_marks_and_certificates(client, world):
    admin, dpo = world["admin"], world["dpo"]
    seen = get(client, f"/api/courses/{CODE}/participants/8.808.603-1/sessions", admin, **{"X-Correlation-Id": "c-1"})
    assert seen.status_code == 200
    workbook = get(client, f"/api/courses/{CODE}/attendance.xlsx", admin, Accept="application/json")
    assert workbook.status_code == 200
    issued = post(client, f"/api/courses/{CODE}/certificate", {"invoice_number": "OC-1", "accept": True}, admin)
    assert issued.status_code == 201

    report = get(client, "/api/data-subjects/88086031/report", dpo)

    assert report.status_code == 200, report.json_body
    body = report.json_body
    assert body["subject"] == {"rut": "8.808.603-1", "names": ["RIGOBERTO ORLANDO CASTILLO BARRÍA"]}
    (enrolment,) = body["enrolments"]
    assert enrolment["course"]["course_code"] == CODE
    assert enrolment["attendance_percent"] == 100
    assert [(s["session_id"], s["credited"]) for s in enrolment["sessions"]] == [("S-1", "02:00:00")]
    assert "anulación" in enrolment["correction_note"]
    assert [(c["number"], c["state"], c["percent"]) for c in body["certificates"]] == [
        (issued.json_body["number"], "VALID", 100)
    ]
    accesses = [(a["route"], a["actor"]["rut"], a["actor"]["profile"]) for a in body["accesses"]]
    assert accesses == [
        ("participant_sessions", "11.111.111-1", "NATIONAL_ADMIN"),
        ("attendance_workbook", "11.111.111-1", "NATIONAL_ADMIN"),
    ]
    assert body["accesses"][0]["correlation_id"] == "c-1"
    assert body["accesses"][0]["at"].startswith("20")

    # Producing the report is itself logged, under the person; the next report lists it.
    again = get(client, "/api/data-subjects/8.808.603-1/report", dpo).json_body
    assert [a["route"] for a in again["accesses"]][-1] == "data_subject_report"
    assert again["accesses"][-1]["actor"]["rut"] == "19.191.919-K"


def test_the_report_as_excel(client, world):
    link = get(client, "/api/data-subjects/88086031/report.xlsx", world["dpo"], Accept="application/json")

    assert link.status_code == 200
    s3 = boto3.client("s3")
    key = link.json_body["url"].split(f"/{get_settings().pdf_bucket}/", 1)[1].split("?", 1)[0]
    data = s3.get_object(Bucket=get_settings().pdf_bucket, Key=key)["Body"].read()
    sheets = load_workbook(BytesIO(data), read_only=True)
    assert sheets.sheetnames == ["Titular", "Inscripciones", "Marcas", "Certificados", "Correos", "Accesos"]
    rows = list(sheets["Inscripciones"].iter_rows(values_only=True))
    assert rows[1][0] == CODE and rows[1][5] == "RIGOBERTO ORLANDO CASTILLO BARRÍA"


def test_only_the_data_protection_officer_gets_a_report(client, world):
    refused = get(client, "/api/data-subjects/88086031/report", world["admin"])

    assert refused.status_code == 403
    assert get(client, "/api/data-subjects/88086031/report").status_code == 401
    assert get(client, f"/api/courses/{CODE}/participants", world["dpo"]).status_code == 403


def test_access_entries_expire_after_the_retention_period(client, world):
    table = boto3.resource("dynamodb").Table(get_settings().table_name("access_log"))
    items = table.scan()["Items"]
    entry = next(item for item in items if item["what"] == "participant_sessions")
    kept_days = (int(entry["expires_at"]) - int(datetime.fromisoformat(entry["at"]).timestamp())) / 86400
    assert round(kept_days) == get_settings().access_log_days == 1826
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=get_settings().table_name("access_log"))
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
