"""Pendientes in a real browser: after login the home shows the work list above the search, with the
demo's course that ended last week ready to issue (5125002) and the warnings of the course running
today (5125001); following the item opens the course, issuing its certificate takes it off the list.
"Mi perfil" turns the daily digest off and on.

The stack is shared by the whole run: this journey owns 5125002 (it issues it) and only reads 5125001.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import course_fact, enter, shot

pytestmark = pytest.mark.e2e

NATIONAL_ADMIN = "CAPACITADOR - ADMINISTRADOR NACIONAL"
SOFOFA = "Fundación de Capacitación Sofofa"
ENDED = "5125002"
RUNNING = "5125001"


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def pendientes(page: Page) -> Locator:
    return page.get_by_role("region", name="Pendientes")


def test_the_home_lists_what_is_due_and_issuing_takes_the_course_off(page: Page) -> None:
    enter(page, "111111111", NATIONAL_ADMIN, SOFOFA)

    work = pendientes(page)
    expect(work).to_be_visible()
    expect(work.get_by_role("status")).to_have_text(re.compile(r"^\d+ pendientes$"))
    ready = work.get_by_role("link", name=re.compile(f"^{ENDED} — PRIMEROS AUXILIOS EN EL TRABAJO"))
    expect(ready).to_be_visible()
    group = work.locator(".worklist__group").filter(has=page.get_by_role("heading", name=re.compile("^Certificado")))
    expect(group.get_by_role("heading")).to_have_text(re.compile(r"^Certificado listo para emitir \(\d+\)$"))
    # The course running today: who can no longer reach 75 %, and its entry without exit, in words.
    unreachable = work.locator(".worklist__item").filter(has_text=RUNNING).filter(has_text="1 participante")
    expect(unreachable).to_have_count(1)
    expect(
        work.locator(".worklist__item").filter(has_text=RUNNING).filter(has_text="1 marca sin salida")
    ).to_have_count(1)
    # First on the screen: above the search form.
    search = page.get_by_role("combobox", name="Programa")
    assert work.bounding_box()["y"] < search.bounding_box()["y"]
    shot(page, "pendientes")

    # The running course's participants say who is at risk and who cannot make it, in words.
    work.get_by_role("link", name=re.compile(f"^{RUNNING} ")).first.click()
    expect(heading(page)).to_have_text("Listado de Participantes.")
    participants = page.get_by_role("table", name="Listado de Participantes")
    expect(participants.locator("tbody tr").filter(has_text="MATÍAS IGNACIO VERGARA SOTO")).to_contain_text(
        "No alcanza el 75 % 70 %"
    )
    expect(participants.locator("tbody tr").filter(has_text="FERNANDA ISABEL CONTRERAS LAGOS")).to_contain_text(
        "En riesgo 80 %"
    )
    page.go_back()

    # Follow the item: its "Datos del Curso SENCE", then issue.
    pendientes(page).get_by_role("link", name=re.compile(f"^{ENDED} ")).click()
    expect(heading(page)).to_have_text("Listado de Participantes.")
    expect(page).to_have_url(re.compile(f"#/curso/{ENDED}$"))
    expect(course_fact(page, "Código Curso")).to_have_text(ENDED)
    expect(course_fact(page, "Estado Certificado")).to_have_text("Pendiente de Emitir")
    page.get_by_role("button", name="Generar Certificado").click()
    page.get_by_label("N° de factura / Orden de Compra").fill("OC-PENDIENTES-1")
    page.get_by_role("button", name="Emitir Certificado").click()
    expect(heading(page)).to_have_text("Aceptar el certificado de asistencia")
    page.get_by_role("button", name="Acepto emitir el certificado").click()
    expect(heading(page)).to_have_text("Certificado emitido", timeout=20_000)

    # Back home: the course is no longer pending; the running course's warnings stay.
    page.goto("/#/inicio")
    work = pendientes(page)
    expect(work.get_by_role("status")).to_have_text(re.compile(r"^\d+ pendientes?$"))
    expect(work.get_by_role("link", name=re.compile(f"^{RUNNING} ")).first).to_be_visible()
    expect(work.get_by_role("link", name=re.compile(f"^{ENDED} "))).to_have_count(0)


def test_mi_perfil_turns_the_daily_digest_off_and_on(page: Page) -> None:
    enter(page, "222222222")
    page.get_by_role("link", name="Mi perfil").click()
    expect(heading(page)).to_have_text("Mi perfil.")
    expect(page.locator("#mi-perfil-datos")).to_contain_text("gabriela.fajardo@sofofa.example")
    switch = page.get_by_role("switch", name="Recibir el resumen diario de pendientes por correo")
    expect(switch).to_be_checked()
    expect(pendientes(page)).to_be_hidden()

    switch.uncheck()
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("status").filter(has_text="Guardado")).to_have_text(
        "Guardado: no recibirá el resumen diario."
    )
    page.reload()
    stored = page.get_by_role("switch", name="Recibir el resumen diario de pendientes por correo")
    expect(stored).to_be_enabled()  # the stored choice has arrived
    expect(stored).not_to_be_checked()
    shot(page, "mi-perfil")

    page.get_by_role("switch", name="Recibir el resumen diario de pendientes por correo").check()
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("status").filter(has_text="Guardado")).to_have_text(
        "Guardado: recibirá el resumen diario de pendientes."
    )
