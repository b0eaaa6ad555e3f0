"""The manual's certificate screens in a real browser: "Emisión del certificado de asistencia" (N° factura,
"Aceptar el certificado de asistencia", the PDF), "Solicitud de Anulación Certificado.", the emailed review
link of the Dirección Regional, the public verification page, and the regional officer's inbox.

The stack is shared by the whole run, so each journey owns its course: 5115263 (issued, annulled and issued
again in one test, because each step needs the one before) and 5115260 (its pending request is rejected).
Set GCA_UI_SHOTS=<folder> to keep desktop and phone screenshots of every screen the journeys pass through.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import (
    course_fact,
    enter,
    requests_seen,
    save_download,
    search_by_course_code,
    shot,
    value_of,
)

pytestmark = pytest.mark.e2e

NATIONAL_ADMIN = "CAPACITADOR - ADMINISTRADOR NACIONAL"
SOFOFA = "Fundación de Capacitación Sofofa"
COURSE = "MANEJO DE HERRAMIENTAS EMPRESARIALES"
OFFICER_EMAIL = "dr.metropolitana@sence.example"
YEAR = datetime.now(ZoneInfo("America/Santiago")).year
ACCEPT_WARNING = (
    "Una vez que emita el certificado no podrá volver a emitirlo, por lo tanto se solicita verificar la "
    "información contenida en el certificado de asistencia antes de aceptarlo. Al presionar el botón "
    '"Acepto emitir el certificado", el curso se cerrará por lo cual no podrá realizar cambios posteriores.'
)
REASON = "Se informó un N° de factura equivocado (123); la factura correcta es la 124."


# ---------------------------------------------------------------------- steps


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def open_course(page: Page, code: str) -> None:
    page.goto(f"/#/curso/{code}")
    expect(heading(page)).to_have_text("Listado de Participantes.")
    expect(course_fact(page, "Código Curso")).to_have_text(code)


def preview_for(page: Page, invoice: str) -> None:
    """Generar Certificado → N° factura → Emitir Certificado: lands on "Aceptar el certificado de asistencia"."""
    page.get_by_role("button", name="Generar Certificado").click()
    expect(heading(page)).to_have_text("Emisión del certificado de asistencia – Ingreso N° factura/orden de compra")
    page.get_by_label("N° de factura / Orden de Compra").fill(invoice)
    page.get_by_role("button", name="Emitir Certificado").click()
    expect(heading(page)).to_have_text("Aceptar el certificado de asistencia")


def certificate_posts(page: Page) -> list[str]:
    """The acceptances the page sends (POST …/certificate, not the preview)."""
    return requests_seen(page, lambda request: request.method == "POST" and request.url.endswith("/certificate"))


def pdf_text(page: Page, button: str, folder: Path) -> tuple[str, str]:
    saved = save_download(page, page.get_by_role("button", name=button), folder)
    text = "\n".join(page_.extract_text() or "" for page_ in PdfReader(saved).pages)
    return saved.name, text


def review_link(outbox: Path, number: str, course: str, timeout: float = 15.0) -> str:
    """The link of the email the notifier sent to the Dirección Regional about certificate `number`."""
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(outbox.glob("*.json")) if outbox.exists() else []:
            mail = json.loads(path.read_text(encoding="utf-8"))
            subject = mail["subject"]
            if mail["to"] == OFFICER_EMAIL and f"N° {number} " in subject and f"curso {course}" in subject:
                found = re.search(r"https?://\S+/revision/\S+", mail["text"])
                assert found, mail["text"]
                return found.group(0)
        if time.monotonic() > deadline:
            sent = [path.name for path in outbox.glob("*.json")] if outbox.exists() else []
            pytest.fail(f"no email to {OFFICER_EMAIL} about {number} within {timeout}s; outbox: {sent}")
        time.sleep(0.25)


# ---------------------------------------------------------------------- journeys


def test_certificate_of_course_5115263_is_issued_annulled_and_issued_again(
    page: Page, second_page: Page, outbox: Path, tmp_path: Path
) -> None:
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    search_by_course_code(page, "5115263")
    page.get_by_role("link", name="Pendiente de Emitir").click()
    expect(course_fact(page, "Estado Certificado")).to_have_text("Pendiente de Emitir")
    expect(page.get_by_role("button", name="Solicitud Anulación Certificado")).to_be_hidden()

    # Emisión del certificado de asistencia – Ingreso N° factura/orden de compra
    page.get_by_role("button", name="Generar Certificado").click()
    expect(heading(page)).to_have_text("Emisión del certificado de asistencia – Ingreso N° factura/orden de compra")
    page.get_by_role("button", name="Emitir Certificado").click()
    summary = page.get_by_role("alert", name="Hay un problema")
    expect(summary.get_by_role("link")).to_have_text(["Ingrese el N° de factura / Orden de compra."])
    shot(page, "cert-factura-error")
    page.get_by_label("N° de factura / Orden de Compra").fill("123")
    page.get_by_role("button", name="Emitir Certificado").click()

    # Aceptar el certificado de asistencia: the preview, its warnings, who accepts
    expect(heading(page)).to_have_text("Aceptar el certificado de asistencia")
    data = page.get_by_role("region", name="Datos del Certificado de Asistencia Por Emitir")
    expect(data).to_contain_text(COURSE)
    expect(data).to_contain_text("1237740585")
    expect(data).to_contain_text("Actividad dentro del año calendario")
    expect(data).to_contain_text("02/01/2017")
    expect(data).to_contain_text("30/03/2017")
    expect(data.get_by_role("region", name="Dato OTEC, CFT o entidad niveladora")).to_contain_text("75.998.240-1")
    expect(data.get_by_role("region", name="Dato EMPRESA")).to_contain_text("Razón social")
    warnings = page.get_by_role("region", name="Revise antes de emitir")
    expect(warnings).to_contain_text("entrada sin salida")
    participants = page.get_by_role("table", name="Listado de Participantes")
    expect(participants.locator("tbody tr").filter(has_text="RIGOBERTO ORLANDO CASTILLO BARRÍA")).to_contain_text(
        "8.808.603-1"
    )
    expect(page.get_by_text(ACCEPT_WARNING)).to_be_visible()
    validate = page.get_by_role("region", name="DATOS IMPORTANTE DE VALIDAR")
    expect(value_of(validate, "Nº de factura / Orden de Compra")).to_have_text("123")
    expect(value_of(validate, "Nombre del Emisor del Certificado")).to_have_text("KARIN LAURINA SUÁREZ OSORIO")
    expect(value_of(validate, "Rut del Emisor del Certificado")).to_have_text("11.111.111-1")
    expect(page.get_by_text(re.compile("^NOTA: Antes de emitir el certificado"))).to_be_visible()
    shot(page, "cert-aceptar")

    # A colleague reaches the same step at the same time (to see who wins).
    enter(second_page, "222222222")
    open_course(second_page, "5115263")
    preview_for(second_page, "OC-2017/55")

    # A double click still sends one acceptance.
    posts = certificate_posts(page)
    page.get_by_role("button", name="Acepto emitir el certificado").dblclick()
    number = f"1-{YEAR}"
    # The first certificate of a server process also loads the signing libraries (pyHanko) and the chain.
    expect(heading(page)).to_have_text("Certificado emitido", timeout=20_000)
    expect(page.get_by_role("heading", name=f"Certificado N° {number} emitido")).to_be_visible()
    code_text = page.get_by_text(re.compile(r"^Código de verificación: [A-Z0-9]{12}$"))
    verification_code = code_text.inner_text().rsplit(" ", 1)[-1]
    assert len(posts) == 1, posts
    shot(page, "cert-emitido")

    # "Ver" shows it in a new tab, inline; the download beside it saves the same document.
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Ver certificado (PDF, se abre en una pestaña nueva)").click()
    tab = opened.value
    tab.wait_for_url(re.compile(r"^https?://"), wait_until="commit")
    shown = page.request.get(tab.url)
    assert (shown.status, shown.headers["content-type"]) == (200, "application/pdf")
    assert shown.headers["content-disposition"].startswith("inline")
    tab.close()
    filename, text = pdf_text(page, "Descargar certificado (PDF)", tmp_path)
    assert filename == f"certificado-{number}.pdf"
    assert f"Certificado N° {number}" in text
    assert COURSE in text
    assert "8.808.603-1" in text

    # The colleague's acceptance comes second: a clear message, no second certificate.
    second_page.get_by_role("button", name="Acepto emitir el certificado").click()
    problem = second_page.get_by_role("alert", name="Hay un problema")
    expect(problem).to_contain_text("ya tiene un certificado vigente")
    expect(problem).to_contain_text("No se emitió un nuevo certificado.")
    expect(second_page.get_by_role("button", name="Acepto emitir el certificado")).to_be_disabled()

    page.get_by_role("link", name="Volver al curso").click()
    expect(course_fact(page, "Estado Certificado")).to_contain_text("Emitido")
    expect(course_fact(page, "Estado Certificado")).to_contain_text(f"Certificado N° {number}")
    # Issued: a correction of printed data takes an annulment and a re-issue (the document is never edited).
    expect(course_fact(page, "Estado Certificado")).to_contain_text("solicite la anulación y vuelva a emitirlo")
    expect(page.get_by_role("button", name="Generar Certificado")).to_be_hidden()
    shot(page, "cert-curso-emitido")
    page.reload()
    expect(course_fact(page, "Estado Certificado")).to_contain_text(f"Certificado N° {number}")
    expect(page.get_by_role("button", name="Solicitud Anulación Certificado")).to_be_visible()
    expect(page.get_by_role("button", name="Generar Certificado")).to_be_hidden()
    page.goto("/#/curso/5115263/emitir")
    expect(page.get_by_text(re.compile("Este curso no tiene un certificado por emitir"))).to_be_visible()
    expect(page.get_by_role("button", name="Emitir Certificado")).to_be_hidden()

    # Solicitud de Anulación Certificado.
    open_course(page, "5115263")
    page.get_by_role("button", name="Solicitud Anulación Certificado").click()
    expect(heading(page)).to_have_text("Solicitud de Anulación Certificado.")
    issued = page.get_by_role("region", name="Datos del Certificado Emitido")
    expect(value_of(issued, "Nro Certificado")).to_have_text(number)
    expect(value_of(issued, "N° de factura")).to_have_text("123")
    expect(value_of(issued, "Nombre de la actividad")).to_have_text(COURSE)
    expect(page.get_by_role("table", name="Listado de Participantes")).to_contain_text("8.808.603-1")
    shot(page, "cert-anular")
    page.get_by_role("button", name="Envía Solicitud").click()
    expect(summary.get_by_role("link")).to_have_text(["Ingrese el motivo de la anulación."])
    page.get_by_label("Motivo de la Anulación").fill("Error")
    expect(page.get_by_text("Le quedan 1995 caracteres")).to_be_visible()
    page.get_by_role("button", name="Envía Solicitud").click()
    expect(summary.get_by_role("link")).to_have_text(["El motivo de la anulación debe tener al menos 10 caracteres."])
    shot(page, "cert-anular-error")
    page.get_by_label("Motivo de la Anulación").fill(REASON)
    filename, text = pdf_text(page, "Descargar Certificado", tmp_path)
    assert f"Certificado N° {number}" in text
    page.get_by_role("button", name="Envía Solicitud").click()
    expect(heading(page)).to_have_text("Listado de Participantes.")
    expect(page.get_by_text("Solicitud enviada: el certificado quedó Pendiente de Validación")).to_be_visible()
    expect(course_fact(page, "Estado Certificado")).to_contain_text("Pendiente de Validación")
    expect(page.get_by_role("button", name="Solicitud Anulación Certificado")).to_be_hidden()
    history = page.get_by_role("table", name="Historial de solicitudes de anulación")
    expect(history.locator("tbody tr").filter(has_text=REASON)).to_contain_text("Pendiente")
    shot(page, "cert-curso-pendiente-validacion")

    # The Dirección Regional's email: its link only shows the request; the buttons decide.
    link = review_link(outbox, number, "5115263")
    second_page.goto(link)
    expect(second_page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(second_page.get_by_text(REASON)).to_be_visible()
    expect(second_page.get_by_role("button", name="Aprobar")).to_be_visible()
    expect(second_page.get_by_role("button", name="Rechazar")).to_be_visible()
    shot(second_page, "cert-revision")
    page.reload()
    expect(course_fact(page, "Estado Certificado")).to_contain_text("Pendiente de Validación")
    second_page.get_by_role("button", name="Aprobar").click()
    expect(second_page.get_by_role("status")).to_contain_text("aprobada")
    shot(second_page, "cert-revision-resuelta")

    page.reload()
    expect(course_fact(page, "Estado Certificado")).to_contain_text("Aprobado para Re-emisión")
    expect(course_fact(page, "Estado Certificado")).to_contain_text(f"Certificado N° {number} (anulado")
    expect(course_fact(page, "Estado Certificado")).not_to_contain_text("vuelva a emitirlo")  # open again
    expect(history.locator("tbody tr").filter(has_text=REASON)).to_contain_text("Aprobada")
    _, text = pdf_text(page, f"Descargar certificado N° {number} en PDF", tmp_path)
    assert "CERTIFICADO ANULADO" in text

    # Anyone holding the certificate sees it annulled.
    second_page.goto(f"/verificar/{number}?code={verification_code}")
    expect(second_page.get_by_role("heading", level=1)).to_have_text(f"Certificado N° {number}")
    expect(second_page.get_by_role("heading", name="Certificado ANULADO")).to_be_visible()
    expect(second_page.get_by_text(f"Motivo: {REASON}")).to_be_visible()
    expect(second_page.get_by_text("Aún no se emite un certificado que lo reemplace.")).to_be_visible()
    # The issued file stays authentic: annulment does not make it a forgery.
    expect(second_page.get_by_text("Firma electrónica válida.")).to_be_visible()
    expect(second_page.get_by_role("link", name="autoridad certificadora de GCA")).to_have_attribute(
        "href", "/verificar/ca.pem"
    )
    shot(second_page, "cert-verificar-anulado")

    # Aprobado para Re-emisión: a new certificate, with the next number.
    preview_for(page, "124")
    page.get_by_role("button", name="Acepto emitir el certificado").click()
    expect(page.get_by_role("heading", name=f"Certificado N° 2-{YEAR} emitido")).to_be_visible()
    page.get_by_role("link", name="Volver al curso").click()
    expect(course_fact(page, "Estado Certificado")).to_contain_text("Emitido")
    expect(course_fact(page, "Estado Certificado")).to_contain_text(f"Certificado N° 2-{YEAR}")

    # The chain: the annulled certificate names its replacement, which names the one it replaces.
    second_page.goto(f"/verificar/{number}?code={verification_code}")
    annulled = second_page.get_by_role("status").filter(has_text="Certificado ANULADO")
    expect(annulled).to_contain_text(f"Reemplazado por N° 2-{YEAR}")
    annulled.get_by_role("link", name=f"N° 2-{YEAR}").click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text(f"Certificado N° 2-{YEAR}")
    expect(second_page.get_by_role("heading", name="Certificado válido")).to_be_visible()
    expect(second_page.get_by_text(f"Reemplaza al certificado anulado N° {number}.")).to_be_visible()
    shot(second_page, "cert-verificar-reemplazo")

    # The emailed link works once.
    second_page.goto(link)
    expect(second_page.get_by_text(re.compile("ya fue resuelta"))).to_be_visible()
    expect(second_page.get_by_role("button", name="Aprobar")).to_be_hidden()


def test_facilitator_sees_the_certificate_but_cannot_issue_or_annul(page: Page) -> None:
    enter(page, "131313136")
    open_course(page, "5115263")
    expect(course_fact(page, "Estado Certificado")).to_be_visible()
    expect(page.get_by_role("button", name="Descargar Asistencia Total")).to_be_visible()
    expect(page.get_by_role("button", name="Generar Certificado")).to_be_hidden()
    expect(page.get_by_role("button", name="Solicitud Anulación Certificado")).to_be_hidden()

    # Nor by the screens' addresses.
    page.goto("/#/curso/5115263/emitir")
    expect(page.get_by_text(re.compile("Su perfil sólo permite visualizar"))).to_be_visible()
    expect(page.get_by_role("button", name="Emitir Certificado")).to_be_hidden()
    page.goto("/#/curso/5115263/anular")
    expect(page.get_by_text(re.compile("Su perfil sólo permite visualizar"))).to_be_visible()
    expect(page.get_by_role("button", name="Envía Solicitud")).to_be_hidden()


def test_regional_officer_rejects_the_request_of_course_5115260(page: Page) -> None:
    enter(page, "141414143", home="Solicitudes de anulación.")
    expect(page.locator("#saludo").get_by_text("SENCE - DIRECCIÓN REGIONAL", exact=True)).to_be_visible()
    inbox = page.get_by_role("table", name=re.compile("^Solicitudes pendientes — Región Metropolitana"))
    request = inbox.locator("tbody tr").filter(has_text="5115260")
    expect(request).to_have_count(1)
    expect(request).to_contain_text("PROTOCOLOS EN SERVICIO DE ALIMENTACION")
    expect(request).to_contain_text(SOFOFA)
    expect(request).to_contain_text("KARIN LAURINA SUÁREZ OSORIO")
    number = request.locator("td").first.inner_text()
    shot(page, "cert-bandeja")

    request.get_by_role("link", name=re.compile("^Revisar")).click()
    expect(heading(page)).to_have_text("Revisión de la solicitud de anulación.")
    expect(page.get_by_role("region", name="Datos de la solicitud")).to_contain_text(number)
    expect(page.get_by_role("region", name="Datos del Certificado Emitido")).to_contain_text("N° de factura")
    expect(page.get_by_role("table", name="Listado de Participantes").locator("tbody tr").first).to_be_visible()
    page.get_by_label("Comentario").fill("El N° de factura del certificado es correcto.")
    shot(page, "cert-solicitud")

    # The choice is confirmed on the page; "Cancelar" goes back.
    page.get_by_role("button", name="Rechazar").click()
    confirm = page.get_by_role("group", name="¿Rechazar la solicitud de anulación?")
    expect(confirm).to_contain_text(f"El certificado N° {number} seguirá vigente")
    confirm.get_by_role("button", name="Cancelar").click()
    expect(confirm).to_be_hidden()
    page.get_by_role("button", name="Rechazar").click()
    shot(page, "cert-solicitud-confirmar")
    confirm.get_by_role("button", name="Sí, rechazar").click()

    expect(heading(page)).to_have_text("Solicitudes de anulación.")
    expect(page.get_by_text(f"Solicitud rechazada: el certificado N° {number} sigue vigente.")).to_be_visible()
    expect(inbox.locator("tbody tr").filter(has_text="5115260")).to_have_count(0)
    decided = page.get_by_role("table", name=re.compile("^Solicitudes resueltas — Región Metropolitana"))
    expect(decided.locator("tbody tr").filter(has_text="5115260")).to_contain_text("Rechazada")

    # The training body sees the outcome.
    page.get_by_role("button", name="Cerrar Sesión").click()
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)
    open_course(page, "5115260")
    expect(course_fact(page, "Estado Certificado")).to_contain_text("Rechazado para Re-emisión")
    history = page.get_by_role("table", name="Historial de solicitudes de anulación")
    expect(history).to_contain_text("Rechazada")
    expect(history).to_contain_text("El N° de factura del certificado es correcto.")
