"""Nightly exports: one workbook per region and day in S3, read back with openpyxl; officers list them."""

from __future__ import annotations

import io
import json
import urllib.request
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from openpyxl import load_workbook

from chalicelib.config import get_settings
from chalicelib.domain.access import Profile
from chalicelib.domain.clock import CHILE
from tests.builders import ADMIN_RUT, OFFICER_RUT, OTEC, SENCE, course, grant, participant, rut
from tests.integration.api import get, post, scheduled_event

VALPARAISO_OFFICER_RUT = rut(15151515)


@pytest.fixture(scope="module", autouse=True)
def world(seed):
    seed.account(ADMIN_RUT, "KARIN LAURINA SUÁREZ OSORIO", grant(Profile.NATIONAL_ADMIN, OTEC))
    seed.account(OFFICER_RUT, "ALEJANDRA SOLEDAD ROJAS MUÑOZ", grant(Profile.SENCE_OFFICER, SENCE, "13"))
    seed.account(VALPARAISO_OFFICER_RUT, "JORGE ANDRÉS VALDIVIA PEÑA", grant(Profile.SENCE_OFFICER, SENCE, "05"))
    pending = course("5115263", hours=70, start=date(2017, 1, 2), end=date(2017, 3, 30))
    seed.course(
        pending,
        [
            participant(pending, 8808603, "RIGOBERTO ORLANDO CASTILLO BARRÍA"),
            participant(pending, 15303444, "CINTHYA BAIN RAMIREZ"),
        ],
    )


def _workbook(key: str):
    body = boto3.client("s3").get_object(Bucket=get_settings().pdf_bucket, Key=key)["Body"].read()
    return load_workbook(io.BytesIO(body))


def _run(client, day: str):
    event = scheduled_event({"day": day})
    return client.lambda_.invoke("nightly_exports", event).payload


def test_a_day_with_certificates_and_a_day_without(client, sign_in):
    admin = sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)
    issued = post(client, "/api/courses/5115263/certificate", {"invoice_number": "77", "accept": True}, admin)
    assert issued.status_code == 201
    number = issued.json_body["number"]
    today = datetime.now(UTC).astimezone(CHILE).date()

    busy = _run(client, today.isoformat())
    quiet = _run(client, (today - timedelta(days=400)).isoformat())

    assert busy["files"] == quiet["files"] == 16
    assert busy["rows"] >= 1 and quiet["rows"] == 0
    metro = _workbook(f"exports/nightly/13/{today.isoformat()}.xlsx")
    rows = list(metro["Movimientos"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Movimiento", "N° Certificado", "Código Curso")
    row = next(r for r in rows[1:] if r[1] == number)
    assert row[0] == "Emitido"
    assert row[2] == "5115263"
    assert row[3] == "MANEJO DE HERRAMIENTAS EMPRESARIALES"
    assert row[11] == "KARIN LAURINA SUÁREZ OSORIO"
    assert row[9] >= 2
    empty = _workbook(f"exports/nightly/13/{(today - timedelta(days=400)).isoformat()}.xlsx")
    summary = list(empty["Resumen"].iter_rows(values_only=True))
    assert summary[1][2:5] == (0, 0, "Sin movimientos este día.")
    assert list(empty["Movimientos"].iter_rows(values_only=True))[1:] == []


def test_running_a_day_again_replaces_its_file(client):
    day = "2017-05-02"
    _run(client, day)
    _run(client, day)

    listed = boto3.client("s3").list_object_versions(
        Bucket=get_settings().pdf_bucket, Prefix=f"exports/nightly/13/{day}.xlsx"
    )
    keys = {v["Key"] for v in listed.get("Versions", [])}
    assert keys == {f"exports/nightly/13/{day}.xlsx"}


def test_officers_list_and_download_only_their_region(client, sign_in):
    _run(client, "2017-05-03")
    metro = sign_in(OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)
    valparaiso = sign_in(VALPARAISO_OFFICER_RUT, Profile.SENCE_OFFICER, SENCE)

    items = get(client, "/api/exports", metro).json_body["items"]
    assert {i["region"]["code"] for i in items} == {"13"}
    assert "2017-05-03" in {i["day"] for i in items}
    link = get(client, "/api/exports/13/2017-05-03", metro, Accept="application/json").json_body["url"]
    with urllib.request.urlopen(link) as remote:  # noqa: S310 (local stack)
        assert load_workbook(io.BytesIO(remote.read()))["Resumen"]["A2"].value == "Región Metropolitana"
    assert get(client, "/api/exports/13/2017-05-03", valparaiso).status_code == 404
    admin = sign_in(ADMIN_RUT, Profile.NATIONAL_ADMIN, OTEC)
    assert get(client, "/api/exports", admin).status_code == 403
    assert json.loads(json.dumps(get(client, "/api/exports/13/hoy", metro).json_body))["error"]["field"] == "day"
