"""The regional officer's desk and the manual's remaining details, in a real browser: the inbox's header
(pending, the oldest's age, the median time to decide over 90 days) and the requests decided in the last
90 days with their filters; "Ver" showing a certificate's PDF in a new tab (the download stays); "▼ Datos
del Curso SENCE" folding; "Cerrar" under the course list; the print stylesheet; the paged participants
of "Solicitud de Anulación Certificado.".

The stack is shared by the whole run: this journey rejects the newest pending request of the Región
Metropolitana (never 5115260's, which the certificate journey rejects) and reads, without changing it,
an issued course of Sofofa with more than 10 participants (never 5115263, which the certificate journey
annuls and issues again); both are found through the API, whatever the demo data holds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.api import call, session_token
from tests.e2e.conftest import course_fact, enter, save_download, search_by_course_code, shot

pytestmark = pytest.mark.e2e

NATIONAL_ADMIN = "CAPACITADOR - ADMINISTRADOR NACIONAL"
SOFOFA = "Fundación de Capacitación Sofofa"
INBOX_HOME = "Solicitudes de anulación."
OTHER_JOURNEYS = {"5115260", "5115263"}  # test_certificate_journey's courses


@pytest.fixture(scope="module")
def pending_request(base_url: str) -> str:
    """The course of the newest pending request of the Región Metropolitana that no other journey owns."""
    officer = session_token(base_url, "141414143", "SENCE_OFFICER", "61.531.000-K")
    inbox = call(base_url, "GET", "/api/annulments", token=officer)
    assert inbox.status == 200, inbox.body
    codes = [item["course_code"] for item in inbox.body["items"] if item["course_code"] not in OTHER_JOURNEYS]
    assert codes, "the demo data has a pending request in the Región Metropolitana"
    return str(codes[-1])


@pytest.fixture(scope="module")
def issued_course(base_url: str) -> tuple[str, int]:
    """(code, participants) of Sofofa's first issued course with more than one page of participants."""
    admin = session_token(base_url, "111111111", "NATIONAL_ADMIN", "75.998.240-1")
    found = call(
        base_url, "GET", "/api/courses?program=impulsa_personas&criterion=state&value=ISSUED&page_size=100", token=admin
    )
    assert found.status == 200, found.body
    for code in sorted(item["course_code"] for item in found.body["items"]):
        if code in OTHER_JOURNEYS:
            continue
        total = call(base_url, "GET", f"/api/courses/{code}/participants?page_size=10", token=admin).body["total"]
        if 10 < total <= 25:
            return code, int(total)
    pytest.fail("the demo data has an issued course of Sofofa with 11 to 25 participants")


def figure(page: Page, term: str):
    return (
        page.locator("#bandeja-cifras dt")
        .filter(has_text=re.compile(f"^{re.escape(term)}"))
        .locator("xpath=following-sibling::dd[1]")
    )


def printed_rows(page: Page) -> int | None:
    """The rows the participants table had when the page called window.print() (stubbed), once it did."""
    for _ in range(100):  # the page's CSP forbids wait_for_function's eval
        rows = page.evaluate("() => window.printedRows")
        if rows is not None:
            return int(rows)
        page.wait_for_timeout(100)
    return None


def test_the_officer_decides_and_sees_the_decision_on_the_desk(page: Page, pending_request: str) -> None:
    decided_here = pending_request
    enter(page, "141414143", home=INBOX_HOME)
    pending = figure(page, "Pendientes")
    expect(pending).to_have_text(re.compile(r"^\d+$"))
    before = int(pending.inner_text())
    assert before >= 1
    expect(figure(page, "La más antigua espera")).to_contain_text("desde el")
    shot(page, "desk-bandeja")

    inbox = page.get_by_role("table", name=re.compile("^Solicitudes pendientes"))
    request = inbox.locator("tbody tr").filter(has_text=decided_here)
    number = request.locator("td").first.inner_text()
    request.get_by_role("link", name=re.compile("^Revisar")).click()
    page.get_by_role("button", name="Rechazar").click()
    page.get_by_role("group", name="¿Rechazar la solicitud de anulación?").get_by_role(
        "button", name="Sí, rechazar"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(INBOX_HOME)
    expect(pending).to_have_text(str(before - 1))
    expect(figure(page, "Mediana para resolver")).to_contain_text("solicitud")
    expect(figure(page, "Mediana para resolver")).not_to_contain_text("Sin resoluciones")
    decided = page.get_by_role("table", name=re.compile("^Solicitudes resueltas — Región Metropolitana"))
    row = decided.locator("tbody tr").filter(has_text=decided_here)
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Rechazada")
    expect(row).to_contain_text("ALEJANDRA SOLEDAD ROJAS MUÑOZ")
    shot(page, "desk-resueltas")

    # Filters: by outcome, by OTEC; words, not colour alone.
    page.get_by_label("Resultado").select_option(label="Aprobadas")
    expect(decided.locator("tbody tr").filter(has_text=decided_here)).to_have_count(0)
    page.get_by_label("Resultado").select_option(label="Rechazadas")
    expect(decided.locator("tbody tr").filter(has_text=decided_here)).to_have_count(1)
    expect(decided).not_to_contain_text("Aprobada")
    page.get_by_label("OTEC", exact=True).select_option("75.998.240-1")  # Sofofa
    expect(decided.locator("tbody tr").filter(has_text=decided_here)).to_have_count(1)
    expect(page.get_by_role("table", name=re.compile("^Solicitudes resueltas"))).to_contain_text(SOFOFA)

    # The decided request opens as resolved.
    row.get_by_role("link", name=re.compile("^Ver")).click()
    expect(page.get_by_text(re.compile("Esta solicitud ya fue resuelta: rechazada"))).to_be_visible()


def test_ver_shows_the_pdf_in_a_new_tab_and_descargar_saves_it(
    page: Page, tmp_path: Path, issued_course: tuple[str, int]
) -> None:
    issued, _ = issued_course
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    page.goto(f"/#/curso/{issued}")
    state = course_fact(page, "Estado Certificado")
    expect(state).to_contain_text("Certificado N°")
    number = re.search(r"Certificado N° (\d+-\d{4})", state.inner_text()).group(1)

    with page.context.expect_page() as opened:
        state.get_by_role("button", name=f"Ver certificado N° {number} en PDF (se abre en una pestaña nueva)").click()
    tab = opened.value
    tab.wait_for_url(re.compile(r"^https?://"), wait_until="commit")
    shown = page.request.get(tab.url)
    assert shown.status == 200
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline")
    assert shown.body().startswith(b"%PDF")
    expect(page.get_by_text(f"Se abrió «certificado-{number}.pdf» en una pestaña nueva.")).to_be_visible()
    tab.close()

    saved = save_download(page, state.get_by_role("button", name=f"Descargar certificado N° {number} en PDF"), tmp_path)
    assert saved.name == f"certificado-{number}.pdf"
    assert saved.read_bytes().startswith(b"%PDF")


def test_the_course_data_folds_and_the_print_has_no_buttons(page: Page, issued_course: tuple[str, int]) -> None:
    issued, participants_total = issued_course
    page.add_init_script(
        "window.print = () => { window.printedRows = "
        "document.querySelectorAll('#tabla-participantes tbody tr').length; };"
    )
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    page.goto(f"/#/curso/{issued}")
    expect(course_fact(page, "Código Curso")).to_have_text(issued)

    fold = page.get_by_role("button", name="Datos del Curso SENCE")
    expect(fold).to_have_attribute("aria-expanded", "true")
    fold.click()
    expect(fold).to_have_attribute("aria-expanded", "false")
    expect(course_fact(page, "Código Curso")).to_be_hidden()
    shot(page, "desk-curso-plegado")
    fold.click()
    expect(course_fact(page, "Código Curso")).to_be_visible()

    participants = page.get_by_role("table", name="Listado de Participantes")
    expect(participants.locator("tbody tr")).to_have_count(10)
    page.emulate_media(media="print")
    for button in ("Descargar Asistencia Total", "Imprimir", "Página siguiente"):
        expect(page.get_by_role("button", name=button)).to_be_hidden()
    expect(page.get_by_role("link", name="Volver")).to_be_hidden()
    expect(page.get_by_role("button", name="Cerrar Sesión")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Listado de Participantes.")
    expect(course_fact(page, "Código Curso")).to_have_text(issued)
    expect(participants.locator("tbody tr").first).to_be_visible()
    # Folded on screen, printed all the same.
    page.emulate_media(media="screen")
    fold.click()
    page.emulate_media(media="print")
    expect(course_fact(page, "Código Curso")).to_be_visible()
    page.emulate_media(media="screen")
    fold.click()

    # "Imprimir" prints every participant, not only the page on screen, then shows the page again.
    page.get_by_role("button", name="Imprimir").click()
    assert printed_rows(page) == participants_total
    expect(participants.locator("tbody tr")).to_have_count(10)


def test_cerrar_closes_the_course_list(page: Page, issued_course: tuple[str, int]) -> None:
    issued, _ = issued_course
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    search_by_course_code(page, issued)
    results = page.get_by_role("table", name=re.compile("^Búsqueda realizada por el criterio"))
    expect(results.locator("tbody tr")).to_have_count(1)

    page.get_by_role("button", name="Cerrar", exact=True).click()

    expect(page.get_by_role("heading", name="Listado de Cursos SENCE")).to_be_hidden()
    expect(page.get_by_role("textbox", name="Código Curso")).to_have_value(issued)  # the form keeps its values
    page.reload()
    expect(page.get_by_role("button", name="Buscar")).to_be_visible()
    expect(page.get_by_role("heading", name="Listado de Cursos SENCE")).to_be_hidden()


def test_the_annulment_screen_pages_its_participants(page: Page, issued_course: tuple[str, int]) -> None:
    issued, total = issued_course
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    page.goto(f"/#/curso/{issued}/anular")
    table = page.get_by_role("table", name="Listado de Participantes")
    pager = page.get_by_role("navigation", name="Páginas del listado de participantes del certificado")
    expect(table.locator("tbody tr")).to_have_count(10)
    expect(pager).to_contain_text(f"Mostrando registros 1 a 10 de {total}")

    pager.get_by_role("button", name="Página siguiente").click()

    expect(table.locator("tbody tr")).to_have_count(min(total, 20) - 10)
    expect(pager).to_contain_text(f"Mostrando registros 11 a {min(total, 20)} de {total}")
    pager.get_by_label("Registros por página").select_option("25")
    expect(table.locator("tbody tr")).to_have_count(total)
    shot(page, "desk-anular-paginas")
