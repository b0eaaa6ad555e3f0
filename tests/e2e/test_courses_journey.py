"""The manual's course screens in a real browser: "Cursos." (the search and "Listado de Cursos SENCE"),
"Listado de Participantes." with "Datos del Curso SENCE", and "Revisión de asistencia de un
participante", with the three Excel downloads opened as a user would open them.

Course 5115001 carries the manual's worked example: RIGOBERTO ORLANDO CASTILLO BARRÍA, 29 %.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import (
    course_fact,
    enter,
    requests_seen,
    save_download,
    search_by_course_code,
    workbook_rows,
)

pytestmark = pytest.mark.e2e

NATIONAL_ADMIN = "CAPACITADOR - ADMINISTRADOR NACIONAL"
FACILITATOR = "CAPACITADOR - FACILITADOR"
SOFOFA = "Fundación de Capacitación Sofofa"
AUSTRAL = "Capacitación Austral Limitada"
COURSE = "OPERACIÓN DE CARGA AÉREA"
RIGOBERTO = "RIGOBERTO ORLANDO CASTILLO BARRÍA"
SESSIONS_CAPTION = "Registro de Asistencia del libro de Clase Electrónico"
GRACE_NOTE = (
    "Se encuentra considerado el tiempo de gracia de 20 minutos, luego de que el facilitador marcó su "
    "entrada e inicie la clase."
)


# ---------------------------------------------------------------------- steps


def search(page: Page, program: str, criterion: str, **fields: str) -> None:
    page.get_by_role("combobox", name="Programa").select_option(label=program)
    page.get_by_role("combobox", name="Criterio").select_option(label=criterion)
    for label, value in fields.items():
        page.get_by_role("textbox", name=label, exact=True).fill(value)
    page.get_by_role("button", name="Buscar").click()


def courses_table(page: Page, criterion: str) -> Locator:
    return page.get_by_role("table", name=re.compile(f"^Búsqueda realizada por el criterio : {criterion}"))


def records_shown(pager: Locator) -> tuple[int, int, int]:
    """(first, last, total) of "Mostrando registros 1 a 10 de 21"."""
    status = pager.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^Mostrando registros \d+ a \d+ de \d+$"))
    first, last, total = re.findall(r"\d+", status.inner_text())
    return int(first), int(last), int(total)


def sheet_rows(page: Page, button: str, folder: Path, sheet: str) -> list[tuple[object, ...]]:
    """The rows of one sheet of the Excel file that `button` downloads."""
    return workbook_rows(save_download(page, page.get_by_role("button", name=button), folder))[sheet]


def course_requests(page: Page) -> list[str]:
    return requests_seen(page, lambda request: "/api/courses" in request.url)


# ---------------------------------------------------------------------- journeys


def test_national_administrator_reviews_the_attendance_of_course_5115001(page: Page, tmp_path: Path) -> None:
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    expect(page.locator("#contenido")).to_contain_text(
        "Seleccione Tipo de Búsqueda (Se debe seleccionar el tipo de búsqueda por los distintos criterios "
        "Pre-Definidos)"
    )
    expect(page.get_by_text("(*) Campos Obligatorios")).to_be_visible()

    # Cursos. → Listado de Cursos SENCE
    search_by_course_code(page, "5115001")
    table = courses_table(page, "Código Curso")
    expect(table).to_be_visible()
    expect(page.get_by_role("heading", name="Listado de Cursos SENCE")).to_be_visible()
    row = table.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [
            "5115001",
            "1237745001",
            COURSE,
            "Impulsa Personas",
            "8 Hrs",
            "13-11-2016",
            "25-12-2016",
            "Aprobado para Re-emisión",
        ]
    )
    expect(page.locator("#paginas-cursos").get_by_role("status")).to_have_text("Mostrando registros 1 a 1 de 1")

    # Listado de Participantes. with Datos del Curso SENCE
    row.get_by_role("link", name="Aprobado para Re-emisión").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Listado de Participantes.")
    expect(page).to_have_url(re.compile(r"#/curso/5115001$"))
    expect(course_fact(page, "Código Curso")).to_have_text("5115001")
    expect(course_fact(page, "Curso")).to_have_text(COURSE)
    expect(course_fact(page, "Región")).to_have_text("Región Metropolitana")
    expect(course_fact(page, "Horas Acreditadas")).to_have_text("8")
    expect(course_fact(page, "OTEC")).to_have_text(f"{SOFOFA} (75.998.240-1)")
    expect(course_fact(page, "Estado Certificado")).to_contain_text("Aprobado para Re-emisión")
    history = page.get_by_role("table", name="Historial de solicitudes de anulación")
    expect(history).to_contain_text("Aprobada")

    participants = page.get_by_role("table", name="Listado de Participantes")
    rigoberto = participants.locator("tbody tr").filter(has_text=RIGOBERTO)
    expect(rigoberto.locator("td").nth(0)).to_have_text("8.808.603-1")
    expect(rigoberto.locator("td").nth(2)).to_have_text("Bajo 75 % 29 %")
    expect(page.get_by_text(re.compile(r"^\d+ participantes? bajo el 75 % de asistencia$"))).to_be_visible()
    note = 'Para revisar la asistencia total hacer clic sobre el botón "Descargar Asistencia Total".'
    expect(page.get_by_text(note)).to_be_visible()

    total = sheet_rows(page, "Descargar Asistencia Total", tmp_path, "Asistencia Total")
    assert total[0][:3] == ("RUT Participante", "Nombre Participante", "Porcentaje Asistencia")
    assert any(row[:3] == ("8.808.603-1", RIGOBERTO, 29) for row in total[1:]), total

    # Revisión de asistencia de un participante
    rigoberto.get_by_role("link", name=f"Ver asistencia de {RIGOBERTO}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisión de asistencia de un participante")
    expect(page).to_have_url(re.compile(r"#/curso/5115001/participante/88086031$"))
    expect(page.locator("#datos-participante")).to_contain_text(RIGOBERTO)
    expect(page.locator("#datos-participante")).to_contain_text("8.808.603-1")
    expect(page.locator("#datos-participante")).to_contain_text("29 %")
    expect(page.locator("#contenido").get_by_text(GRACE_NOTE)).to_be_visible()
    sessions = page.get_by_role("table", name=SESSIONS_CAPTION).locator("tbody tr")
    expect(sessions.locator("td:nth-child(1)")).to_have_text(["15-11-2016", "15-11-2016", "16-11-2016"])
    expect(sessions.locator("td:nth-child(8)")).to_have_text(["00:00:41", "02:20:05", "00:00:09"])
    first_session = ["15-11-2016", "MARÍA OLIVIA PINTO DÍAZ", "09:48:02", "18:36:46", "08:48:44", "18:36:05"]
    expect(sessions.first.locator("td")).to_have_text([*first_session, "18:36:46", "00:00:41"])
    expect(page.locator("#paginas-sesiones").get_by_role("status")).to_have_text("Mostrando registros 1 a 3 de 3")

    record = sheet_rows(page, "Bajar Asistencia", tmp_path, "Registro de Asistencia")
    column = record[0].index("Duración Participante")
    assert [row[column] for row in record[1:]] == ["00:00:41", "02:20:05", "00:00:09"]

    # Volver, Volver: the search comes back as it was.
    page.get_by_role("link", name="Volver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Listado de Participantes.")
    page.get_by_role("link", name="Volver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cursos.")
    expect(courses_table(page, "Código Curso").locator("tbody tr")).to_contain_text(COURSE)
    expect(page.get_by_role("textbox", name="Código Curso")).to_have_value("5115001")

    # A search by start date spans pages; "Exportar a Excel" takes the whole result.
    search(page, "Impulsa Personas", "Fecha de inicio", Desde="01-01-2016", Hasta="31-12-2019")
    by_date = courses_table(page, "Fecha de inicio")
    expect(by_date).to_contain_text("01-01-2016 a 31-12-2019")
    pager = page.get_by_role("navigation", name="Páginas del listado de cursos")
    first, last, found = records_shown(pager)
    assert (first, last) == (1, 10)
    assert found > 10
    expect(by_date.locator("tbody tr")).to_have_count(10)
    pager.get_by_role("button", name="Página siguiente").click()
    expect(pager.get_by_role("status")).to_have_text(f"Mostrando registros 11 a {min(20, found)} de {found}")
    expect(by_date.locator("tbody tr")).to_have_count(min(20, found) - 10)
    expect(pager.get_by_label("Ir a página")).to_have_value("2")
    second_page = by_date.locator("tbody tr").all_inner_texts()

    # Previous (by its cursor), last, then "Ir a página" 2 again: the same courses as by "next".
    pager.get_by_role("button", name="Página anterior").click()
    expect(pager.get_by_role("status")).to_have_text(f"Mostrando registros 1 a 10 de {found}")
    pager.get_by_role("button", name="Última página").click()
    last_first = (found - 1) // 10 * 10 + 1
    expect(pager.get_by_role("status")).to_have_text(f"Mostrando registros {last_first} a {found} de {found}")
    expect(by_date.locator("tbody tr")).to_have_count(found - last_first + 1)
    pager.get_by_label("Ir a página").select_option("2")
    expect(pager.get_by_role("status")).to_have_text(f"Mostrando registros 11 a {min(20, found)} de {found}")
    assert by_date.locator("tbody tr").all_inner_texts() == second_page

    listed = sheet_rows(page, "Exportar a Excel", tmp_path, "Listado de Cursos SENCE")
    assert listed[0][0] == "Código Curso"
    assert len(listed) - 1 == found

    # The courses one person took, by their RUT.
    search(page, "Impulsa Personas", "RUT del participante", **{"RUT del participante": "8.808.603-1"})
    by_person = courses_table(page, "RUT del participante")
    expect(by_person.locator("tbody tr").filter(has_text=COURSE)).to_have_count(1)
    search(page, "Impulsa Personas", "RUT del participante", **{"RUT del participante": "8.808.603-2"})
    expect(page.get_by_text("El RUT no es válido: el dígito verificador no corresponde.").first).to_be_visible()


def test_facilitator_of_the_course_sees_the_same_29_percent(page: Page) -> None:
    enter(page, "131313136")
    search_by_course_code(page, "5115001")
    courses_table(page, "Código Curso").get_by_role("link", name="5115001").click()

    participants = page.get_by_role("table", name="Listado de Participantes")
    rigoberto = participants.locator("tbody tr").filter(has_text=RIGOBERTO)
    expect(rigoberto).to_contain_text("29 %")
    expect(rigoberto).to_contain_text("Bajo 75 %")
    expect(page.get_by_role("button", name="Descargar Asistencia Total")).to_be_visible()


def test_course_of_another_institution_is_not_found(page: Page) -> None:
    enter(page, "111111111", FACILITATOR, AUSTRAL)
    search_by_course_code(page, "5115001")

    expect(page.get_by_text("No se encontraron cursos para la búsqueda realizada.")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Búsqueda realizada"))).to_be_hidden()
    expect(page.get_by_role("button", name="Exportar a Excel")).to_be_hidden()

    # Nor is it reachable by its address.
    page.goto("/#/curso/5115001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Listado de Participantes.")
    expect(page.get_by_text("No se encontró el curso 5115001.")).to_be_visible()
    expect(page.get_by_role("table", name="Listado de Participantes")).to_be_hidden()


def test_search_form_checks_its_fields_before_asking(page: Page) -> None:
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    requests = course_requests(page)
    page.get_by_role("button", name="Buscar").click()

    summary = page.get_by_role("alert", name="Hay un problema")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Elija un programa.", "Elija un criterio de búsqueda."])
    expect(page.locator("#busqueda-programa-error")).to_have_text("Error: Elija un programa.")
    expect(page).to_have_title(re.compile(r"^Error: Cursos"))
    summary.get_by_role("link", name="Elija un criterio de búsqueda.").click()
    expect(page.get_by_role("combobox", name="Criterio")).to_be_focused()

    page.get_by_role("combobox", name="Programa").select_option(label="Aprendizajes")
    page.get_by_role("combobox", name="Criterio").select_option(label="Código SENCE")
    page.get_by_role("textbox", name="Código SENCE").fill("12377")
    page.get_by_role("button", name="Buscar").click()
    expect(summary.get_by_role("link")).to_have_text(["El código SENCE tiene 10 dígitos (ejemplo: 1237740585)."])
    expect(page.get_by_role("textbox", name="Código SENCE")).to_have_attribute("aria-invalid", "true")

    page.get_by_role("combobox", name="Criterio").select_option(label="Fecha de inicio")
    page.get_by_role("textbox", name="Desde", exact=True).fill("31-12-2019")
    page.get_by_role("textbox", name="Hasta", exact=True).fill("30-02-2016")
    page.get_by_role("button", name="Buscar").click()
    expect(summary.get_by_role("link")).to_have_text(
        ["Ingrese la fecha Hasta con la forma dd-mm-aaaa (por ejemplo, 25-12-2016)."]
    )
    page.get_by_role("textbox", name="Hasta", exact=True).fill("01-01-2016")
    page.get_by_role("button", name="Buscar").click()
    expect(summary.get_by_role("link")).to_have_text(["La fecha Hasta no puede ser anterior a la fecha Desde."])

    page.get_by_role("combobox", name="Criterio").select_option(label="Estado del certificado")
    page.get_by_role("button", name="Buscar").click()
    expect(summary.get_by_role("link")).to_have_text(["Elija un estado del certificado."])
    assert requests == []

    # A correct search clears the errors; "Limpiar" clears the form and the results.
    page.get_by_role("combobox", name="Estado del certificado").select_option(label="Emitido")
    page.get_by_role("button", name="Buscar").click()
    expect(summary).to_be_hidden()
    expect(courses_table(page, "Estado del certificado").locator("tbody tr").first).to_contain_text("Emitido")
    page.get_by_role("button", name="Limpiar").click()
    expect(page.get_by_role("combobox", name="Programa")).to_have_value("")
    expect(page.get_by_role("combobox", name="Criterio")).to_have_value("")
    expect(page.get_by_role("heading", name="Listado de Cursos SENCE")).to_be_hidden()
    expect(page.get_by_role("combobox", name="Programa")).to_be_focused()


def test_a_field_the_server_refuses_is_shown_on_that_field(page: Page) -> None:
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    # A search kept from before (e.g. by an older version of the page) that the API no longer accepts.
    page.evaluate(
        """sessionStorage.setItem('gca.busquedaCursos', JSON.stringify({
             owner: 'NATIONAL_ADMIN|75.998.240-1', page: 1, pageSize: 10,
             params: {program: 'impulsa_personas', criterion: 'course_code', value: '51150'}}))"""
    )
    page.reload()

    summary = page.get_by_role("alert", name="Hay un problema")
    expect(summary.get_by_role("link")).to_have_text(["El código de curso tiene 7 dígitos (ejemplo: 5115263)."])
    code = page.get_by_role("textbox", name="Código Curso")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_value("51150")


def test_course_screens_fit_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    search_by_course_code(page, "5115001")
    expect(courses_table(page, "Código Curso")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto("/#/curso/5115001")
    expect(page.get_by_role("table", name="Listado de Participantes")).to_contain_text(RIGOBERTO)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto("/#/curso/5115001/participante/88086031")
    expect(page.get_by_role("table", name=SESSIONS_CAPTION)).to_contain_text("02:20:05")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_sence_officer_has_no_course_screens(page: Page) -> None:
    enter(page, "141414143", home="Solicitudes de anulación.")
    page.goto("/#/curso/5115001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Solicitudes de anulación.")
    expect(page.get_by_role("button", name="Buscar")).to_be_hidden()
