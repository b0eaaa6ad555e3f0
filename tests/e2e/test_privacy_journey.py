"""SENCE's data protection officer answers a data subject (Ley 21.719, issue 16), in a real browser.

Karin, national administrator of Sofofa, opens the sessions of RIGOBERTO ORLANDO CASTILLO BARRÍA
(8.808.603-1, course 5115001). Then the officer (19191919K, "SENCE - ENCARGADO DE PROTECCIÓN DE DATOS")
asks for his report: his enrolment with every session, his certificate, no emails, and Karin's access
with her RUT; and downloads the same report as an Excel file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import enter, save_download, shot, workbook_rows

pytestmark = pytest.mark.e2e

NATIONAL_ADMIN = "CAPACITADOR - ADMINISTRADOR NACIONAL"
SOFOFA = "Fundación de Capacitación Sofofa"
HOME = "Solicitudes de titulares de datos."
RIGOBERTO = "RIGOBERTO ORLANDO CASTILLO BARRÍA"


def part(page: Page, title: str) -> Locator:
    """One section of the report, by its heading."""
    return page.get_by_role("region", name=title, exact=True)


def test_the_officer_reports_what_gca_holds_about_a_person_and_who_saw_it(
    page: Page, second_page: Page, tmp_path: Path
) -> None:
    # Karin opens Rigoberto's sessions: an access to his data.
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    page.goto("/#/curso/5115001/participante/88086031")
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisión de asistencia de un participante")
    expect(page.locator("#datos-participante")).to_contain_text(RIGOBERTO)

    # The officer's home: the data subjects' requests, and nothing of the courses.
    officer = second_page
    enter(officer, "19191919K", home=HOME)
    expect(officer.get_by_text("Informe de todo lo que el sistema guarda sobre una persona")).to_be_visible()
    expect(officer.get_by_role("button", name="Buscar")).to_be_hidden()
    officer.goto("/#/curso/5115001")
    expect(officer.get_by_role("heading", level=1)).to_have_text(HOME)

    # The RUT is checked as the login checks it, errors summarised at the top and linked to the field.
    field = officer.get_by_label("RUT del titular")
    generate = officer.get_by_role("button", name="Generar informe")
    generate.click()
    summary = officer.get_by_role("alert").filter(has_text="Hay un problema")
    expect(summary).to_contain_text("Ingrese el RUT del titular.")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("88086032")
    generate.click()
    expect(summary).to_contain_text("El RUT no es válido: el dígito verificador no corresponde.")
    summary.get_by_role("link").click()
    expect(field).to_be_focused()

    field.fill("88086031")
    generate.click()
    expect(officer.get_by_role("heading", name="Informe del titular 8.808.603-1")).to_be_visible()
    expect(summary).to_be_hidden()
    expect(officer.locator("#informe-datos")).to_contain_text(RIGOBERTO)

    enrolments = part(officer, "Inscripciones")
    expect(enrolments.get_by_role("heading", name="Curso 5115001 — OPERACIÓN DE CARGA AÉREA")).to_be_visible()
    expect(enrolments).to_contain_text(f"{SOFOFA} (75.998.240-1)")
    expect(enrolments).to_contain_text("13/11/2016 al 25/12/2016")
    expect(enrolments).to_contain_text(RIGOBERTO)
    expect(enrolments).to_contain_text("29 %")
    marks = enrolments.get_by_role("table", name=re.compile(r"^Sesiones y marcas — curso 5115001"))
    credited = marks.locator("tbody td:nth-child(5)")
    for duration in ("00:00:41", "02:20:05", "00:00:09"):
        expect(credited.filter(has_text=duration)).to_have_count(1)

    certificates = part(officer, "Certificados").get_by_role("table", name=re.compile("^Certificados en que aparece"))
    expect(certificates.locator("tbody tr").filter(has_text="5115001").first).to_contain_text(RIGOBERTO)
    expect(part(officer, "Correos")).to_contain_text("Sin registros")

    accesses = part(officer, "Accesos").get_by_role("table", name=re.compile("^Accesos a sus datos"))
    # The oldest first: Karin's look a moment ago is the last of hers (other journeys may have looked before).
    karin = accesses.locator("tbody tr").filter(has_text="11.111.111-1")
    seen = karin.filter(has_text="Asistencia del participante (sesiones)").last
    expect(seen).to_contain_text(NATIONAL_ADMIN)
    expect(seen).to_contain_text("75.998.240-1")
    expect(seen).to_contain_text("Curso 5115001")
    expect(seen.locator("td").last).to_have_text(re.compile(r"^\S{8,}$"))  # the request's correlation id
    shot(officer, "privacy-report")

    # The same report as an Excel file.
    workbook = workbook_rows(save_download(officer, officer.get_by_role("button", name="Descargar Excel"), tmp_path))
    assert set(workbook) >= {"Titular", "Inscripciones", "Marcas", "Certificados", "Correos", "Accesos"}
    assert workbook["Titular"][1][:2] == ("8.808.603-1", RIGOBERTO)
    assert any(row[:2] == ("5115001", "OPERACIÓN DE CARGA AÉREA") and 29 in row for row in workbook["Inscripciones"])
    assert workbook["Correos"][1][0] == "Sin registros"
    assert any(
        row[1] == "11.111.111-1" and row[4] == "participant_sessions" and row[5] == "5115001"
        for row in workbook["Accesos"][1:]
    ), workbook["Accesos"]
    started = officer.get_by_text("Se inició la descarga de «informe-titular-88086031.xlsx».")
    expect(started).to_be_visible()


def test_a_person_gca_never_held_has_an_empty_report(second_page: Page) -> None:
    enter(second_page, "19191919K", home=HOME)
    second_page.get_by_label("RUT del titular").fill("3.333.333-1")  # typed with dots and dash: also taken
    second_page.get_by_role("button", name="Generar informe").click()

    expect(second_page.get_by_role("heading", name="Informe del titular 3.333.333-1")).to_be_visible()
    for title in ("Inscripciones", "Certificados", "Correos", "Accesos"):
        expect(part(second_page, title).get_by_text("Sin registros", exact=True)).to_be_visible()
        expect(part(second_page, title).get_by_role("table")).to_have_count(0)
