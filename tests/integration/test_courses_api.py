"""Cursos: search, detail, attendance and downloads through the handlers, on the local stack."""

from __future__ import annotations

import io
import urllib.request

import pytest
from openpyxl import load_workbook

from tests.integration.api import get, session_token

SOFOFA = "75.998.240-1"
AUSTRAL = "76.123.456-0"


@pytest.fixture(scope="module")
def karin(local_stack):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield session_token(client, "111111111", "NATIONAL_ADMIN", SOFOFA)


@pytest.fixture(scope="module")
def facilitator(local_stack):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield session_token(client, "131313136", "FACILITATOR", SOFOFA)


def _search(client, token, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return get(client, f"/api/courses?{query}", token)


def test_search_by_course_code_finds_the_course(client, karin):
    response = _search(client, karin, program="impulsa_personas", criterion="course_code", value="5115001")

    assert response.status_code == 200
    body = response.json_body
    assert body["total"] == 1
    course = body["items"][0]
    assert course["name"] == "OPERACIÓN DE CARGA AÉREA"
    assert course["accredited_hours"] == 8
    assert (course["start_date"], course["end_date"]) == ("2016-11-13", "2016-12-25")
    assert course["certificate_state_label"] == "Aprobado para Re-emisión"


def test_search_in_the_other_program_finds_nothing(client, karin):
    response = _search(client, karin, program="aprendizajes", criterion="action_id", value="5115001")

    assert response.json_body["total"] == 0


def test_search_by_sence_code_and_by_state(client, karin):
    by_code = _search(client, karin, program="impulsa_personas", criterion="sence_code", value="1237740585")
    pending = _search(client, karin, program="impulsa_personas", criterion="state", value="PENDING", page_size="100")

    assert [c["course_code"] for c in by_code.json_body["items"]] == ["5115263"]
    codes = [c["course_code"] for c in pending.json_body["items"]]
    assert "5115263" in codes
    assert {c["certificate_state"] for c in pending.json_body["items"]} == {"PENDING"}


def test_search_by_start_date_pages_through_every_result(client, karin):
    params = {"program": "impulsa_personas", "criterion": "start_date", "from": "01-01-2016", "to": "31-12-2019"}
    first = _search(client, karin, **params, page_size="10").json_body
    everything = _search(client, karin, **params, page_size="100").json_body

    assert first["total"] == everything["total"] > 10
    assert len(first["items"]) == 10
    assert (first["first"], first["last"]) == (1, 10)
    assert [c["course_code"] for c in first["items"]] == [c["course_code"] for c in everything["items"][:10]]
    starts = [c["start_date"] for c in everything["items"]]
    assert starts == sorted(starts)
    assert all("2016-01-01" <= s <= "2019-12-31" for s in starts)


def test_regional_admin_sees_only_their_region(client):
    token = session_token(client, "222222222", "REGIONAL_ADMIN", SOFOFA)
    params = {"program": "impulsa_personas", "criterion": "start_date", "from": "01-01-2015", "to": "31-12-2020"}

    found = _search(client, token, **params, page_size="100").json_body["items"]

    assert found
    assert {c["region"]["name"] for c in found} == {"Región Metropolitana"}
    valparaiso = [
        c["course_code"]
        for c in _search(
            client, session_token(client, "111111111", "NATIONAL_ADMIN", SOFOFA), **params, page_size="100"
        ).json_body["items"]
        if c["region"]["code"] == "05"
    ]
    assert valparaiso
    assert get(client, f"/api/courses/{valparaiso[0]}", token).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"criterion": "course_code", "value": "5115001"}, "program"),
        ({"program": "impulsa_personas"}, "criterion"),
        ({"program": "otro", "criterion": "course_code", "value": "5115001"}, "program"),
        ({"program": "impulsa_personas", "criterion": "course_code", "value": "51150"}, "value"),
        ({"program": "impulsa_personas", "criterion": "state", "value": "EMITIDO"}, "value"),
        ({"program": "impulsa_personas", "criterion": "start_date", "from": "31-02-2016", "to": "01-03-2016"}, "from"),
        ({"program": "impulsa_personas", "criterion": "start_date", "from": "02-03-2016", "to": "01-03-2016"}, "to"),
        ({"program": "impulsa_personas", "criterion": "course_code", "value": "5115001", "page": "0"}, "page"),
        (
            {"program": "impulsa_personas", "criterion": "course_code", "value": "5115001", "page_size": "7"},
            "page_size",
        ),
    ],
)
def test_bad_searches_name_the_field(client, karin, params, field):
    response = _search(client, karin, **params)

    assert response.status_code == 400
    assert response.json_body["error"]["field"] == field


def test_course_detail_has_the_datos_del_curso(client, karin):
    body = get(client, "/api/courses/5115260", karin).json_body

    assert body["name"] == "PROTOCOLOS EN SERVICIO DE ALIMENTACION"
    assert body["activity_type_label"] == "Actividad Parcial"
    assert body["region"]["name"] == "Región Metropolitana"
    assert body["institution"] == {"rut": SOFOFA, "name": "Fundación de Capacitación Sofofa"}
    assert body["company"]["name"]
    assert body["quotas"] == 30
    assert body["related_action"] == "Consolidado"
    assert body["certificate_state_label"] == "Pendiente de Validación"
    assert body["current_certificate"]["status"] == "VALID"
    assert [a["status"] for a in body["annulments"]] == ["PENDING"]


def test_participants_show_the_manuals_percentages(client, karin):
    body = get(client, "/api/courses/5115001/participants", karin).json_body

    by_rut = {p["rut"]: p for p in body["items"]}
    assert by_rut["8.808.603-1"]["name"] == "RIGOBERTO ORLANDO CASTILLO BARRÍA"
    assert by_rut["8.808.603-1"]["attendance_percent"] == 29
    assert sorted(p["attendance_percent"] for p in body["items"]) == [29, 42, 60, 64]
    assert by_rut["8.808.603-1"]["below_minimum"] is True
    assert body["minimum_percent"] == 75
    assert body["below_minimum_total"] == 4


def test_participant_sessions_are_the_manuals_three_rows(client, karin):
    for rut in ("8.808.603-1", "88086031", "8808603-1"):
        body = get(client, f"/api/courses/5115001/participants/{rut}/sessions", karin).json_body
        rows = [
            (
                r["date"],
                r["session_start"],
                r["session_end"],
                r["session_duration"],
                r["participant_start"],
                r["participant_end"],
                r["participant_duration"],
            )
            for r in body["items"]
        ]
        assert rows == [
            ("2016-11-15", "09:48:02", "18:36:46", "08:48:44", "18:36:05", "18:36:46", "00:00:41"),
            ("2016-11-15", "09:58:27", "12:18:32", "02:20:05", "09:58:27", "12:18:32", "02:20:05"),
            ("2016-11-16", "09:38:17", "11:05:40", "01:27:23", "11:05:31", "11:05:40", "00:00:09"),
        ]
        assert body["attendance_percent"] == 29


def test_the_facilitator_sees_the_same_data(client, facilitator):
    body = get(client, "/api/courses/5115001/participants", facilitator).json_body

    assert {p["rut"]: p["attendance_percent"] for p in body["items"]}["8.808.603-1"] == 29


def test_another_institutions_course_does_not_exist(client):
    token = session_token(client, "111111111", "FACILITATOR", AUSTRAL)

    for path in (
        "/api/courses/5115001",
        "/api/courses/5115001/participants",
        "/api/courses/5115001/participants/88086031/sessions",
        "/api/courses/5115001/attendance.xlsx",
    ):
        response = get(client, path, token)
        assert response.status_code == 404, path
        assert response.json_body["error"]["code"] == "not_found"


def test_a_sence_officer_cannot_browse_courses(client):
    token = session_token(client, "141414143", "SENCE_OFFICER", "61.531.000-K")

    assert get(client, "/api/courses/5115001", token).status_code == 403


def test_unknown_course_and_participant(client, karin):
    assert get(client, "/api/courses/9999999", karin).status_code == 404
    assert get(client, "/api/courses/5115001/participants/11.111.111-1/sessions", karin).status_code == 404
    assert get(client, "/api/courses/51150/participants", karin).status_code == 400
    assert get(client, "/api/courses/5115001/participants/8808603-2/sessions", karin).status_code == 400


def _download(client, token, path):
    response = get(client, path, token, Accept="application/json")
    assert response.status_code == 200, response.json_body
    with urllib.request.urlopen(response.json_body["url"]) as remote:  # noqa: S310 (local stack)
        data = remote.read()
        disposition = remote.headers["Content-Disposition"]
    assert response.json_body["filename"] in disposition
    return load_workbook(io.BytesIO(data))


def test_total_attendance_download(client, karin):
    workbook = _download(client, karin, "/api/courses/5115001/attendance.xlsx")

    summary = list(workbook["Asistencia Total"].iter_rows(values_only=True))
    assert summary[0][:3] == ("RUT Participante", "Nombre Participante", "Porcentaje Asistencia")
    assert ("8.808.603-1", "RIGOBERTO ORLANDO CASTILLO BARRÍA", 29, "02:20:55", "Sí") in summary
    sessions = list(workbook["Sesiones"].iter_rows(values_only=True))
    rigoberto = [row for row in sessions if row[0] == "8.808.603-1"]
    assert [row[2] for row in rigoberto] == ["15-11-2016", "15-11-2016", "16-11-2016"]
    assert [row[9] for row in rigoberto] == ["00:00:41", "02:20:05", "00:00:09"]


def test_participant_download_has_the_manuals_columns(client, facilitator):
    workbook = _download(client, facilitator, "/api/courses/5115001/participants/8.808.603-1/attendance.xlsx")

    rows = list(workbook["Registro de Asistencia"].iter_rows(values_only=True))
    assert rows[0][:8] == (
        "Fecha",
        "Facilitador",
        "Inicio Sesión",
        "Fin Sesión",
        "Duración Sesión",
        "Hora Inicio",
        "Hora Fin",
        "Duración Participante",
    )
    assert [row[7] for row in rows[1:]] == ["00:00:41", "02:20:05", "00:00:09"]
    assert rows[1][0] == "15-11-2016"


def test_course_list_download_has_the_whole_result_not_one_page(client, karin):
    query = "program=impulsa_personas&criterion=start_date&from=01-01-2015&to=31-12-2020"
    total = get(client, f"/api/courses?{query}", karin).json_body["total"]

    workbook = _download(client, karin, f"/api/courses.xlsx?{query}")

    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Código Curso"
    assert len(rows) - 1 == total > 10


def test_download_without_json_accept_redirects_to_the_file(client, karin):
    response = get(client, "/api/courses/5115001/attendance.xlsx", karin)

    assert response.status_code == 303
    assert "asistencia-total-5115001.xlsx" in response.headers["Location"]
