"""The manual's first screens in a real browser: "Autenticación de Usuarios." and
"Selección de Perfil / Institución.", then the home screen and "Cerrar Sesión".

Failed logins count towards the lockout (5 in a row lock the RUT), so this module makes exactly
one failed attempt for 11.111.111-1; the checks of bad input are caught before any request.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.api import PASSWORD
from tests.e2e.conftest import choose_profile, log_in, requests_seen

pytestmark = pytest.mark.e2e

KARIN = "KARIN LAURINA SUÁREZ OSORIO"
NATIONAL_ADMIN = "CAPACITADOR - ADMINISTRADOR NACIONAL"
FACILITATOR = "CAPACITADOR - FACILITADOR"
SOFOFA = "Fundación de Capacitación Sofofa"
AUSTRAL = "Capacitación Austral Limitada"


def open_login(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Autenticación de Usuarios.")


def expect_home(page: Page, name: str, profile: str, institution: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Cursos.")
    greeting = page.locator("#saludo")
    expect(greeting.get_by_text(f"Hola, {name}", exact=True)).to_be_visible()
    expect(greeting.get_by_text(profile, exact=True)).to_be_visible()
    expect(greeting.get_by_text(institution, exact=True)).to_be_visible()
    expect(page.locator("#contenido")).to_contain_text("Seleccione Tipo de Búsqueda")


def login_requests(page: Page) -> list[str]:
    return requests_seen(page, lambda request: "/api/auth/login" in request.url)


def test_login_page_shows_the_manuals_words(page: Page) -> None:
    open_login(page)
    for text in (
        "Gestión de Certificado de Asistencia",
        "Servicio Nacional de Capacitación y Empleo",
        "Gobierno de Chile",
        "Libro de Clases Electrónico",
        "INGRESE SUS DATOS PARA ACCEDER AL SISTEMA DE EMISIÓN DE CERTIFICADO :",
        "Ingrese su RUT sin puntos ni guión",
        "Debe ingresar su Clave CUS",
    ):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    expect(page.get_by_text("Bienvenido al Sistema de emisión de certificado")).to_be_visible()
    expect(page.get_by_label("Clave")).to_have_attribute("type", "password")
    expect(page.locator("html")).to_have_attribute("lang", "es")


def test_national_administrator_logs_in_chooses_sofofa_and_logs_out(page: Page) -> None:
    open_login(page)
    log_in(page, "111111111", PASSWORD)

    expect(page.get_by_text(f"Hola, {KARIN}", exact=True)).to_be_visible()
    expect(page.get_by_text("Si cuenta con más de un perfil o institución")).to_be_visible()
    profiles = page.get_by_label("Perfiles").locator("option")
    expect(profiles).to_have_text([NATIONAL_ADMIN, FACILITATOR])
    choose_profile(page, NATIONAL_ADMIN, SOFOFA)

    expect_home(page, KARIN, NATIONAL_ADMIN, SOFOFA)

    page.get_by_role("button", name="Cerrar Sesión").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autenticación de Usuarios.")
    expect(page.get_by_text("Ha cerrado su sesión.")).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar Sesión")).to_be_hidden()
    # Nothing left to resume: a reload stays on the login page.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autenticación de Usuarios.")


def test_facilitator_profile_lists_and_enters_its_own_institution(page: Page) -> None:
    open_login(page)
    log_in(page, "111111111", PASSWORD)
    expect(page.get_by_text(f"Hola, {KARIN}", exact=True)).to_be_visible()

    page.get_by_label("Perfiles").select_option(label=FACILITATOR)
    expect(page.get_by_label("Instituciones").locator("option")).to_have_text([AUSTRAL])
    page.get_by_role("button", name="Seleccionar").click()

    expect_home(page, KARIN, FACILITATOR, AUSTRAL)


def test_change_of_profile_from_home(page: Page) -> None:
    open_login(page)
    log_in(page, "111111111", PASSWORD)
    choose_profile(page, NATIONAL_ADMIN, SOFOFA)
    expect_home(page, KARIN, NATIONAL_ADMIN, SOFOFA)

    page.get_by_role("link", name="Cambiar perfil").click()
    expect(page.get_by_label("Perfiles")).to_have_value("NATIONAL_ADMIN")  # the current choice
    choose_profile(page, FACILITATOR, AUSTRAL)

    expect_home(page, KARIN, FACILITATOR, AUSTRAL)
    expect(page.locator("#saludo")).not_to_contain_text(SOFOFA)


def test_wrong_password_is_reported_in_the_error_summary(page: Page) -> None:
    open_login(page)
    log_in(page, "111111111", "not-the-password")

    summary = page.get_by_role("alert", name="Hay un problema")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("RUT o clave incorrectos.")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Clave")).to_have_value("")
    expect(page).to_have_title(re.compile(r"^Error: Autenticación de Usuarios"))

    # A success right after resets the count of failures for this RUT.
    log_in(page, "111111111", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Selección de Perfil / Institución.")


def test_wrong_check_digit_is_caught_before_any_request(page: Page) -> None:
    open_login(page)
    requests = login_requests(page)
    log_in(page, "111111112", PASSWORD)

    summary = page.get_by_role("alert", name="Hay un problema")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("El RUT no es válido: el dígito verificador no corresponde.")
    rut = page.get_by_label("RUT", exact=True)
    expect(rut).to_have_attribute("aria-invalid", "true")
    expect(rut).to_have_accessible_description(
        "Ingrese su RUT sin puntos ni guión Error: El RUT no es válido: el dígito verificador no corresponde."
    )
    # The summary links to the field it is about.
    summary.get_by_role("link").click()
    expect(rut).to_be_focused()
    assert requests == []


def test_empty_fields_show_an_error_for_each(page: Page) -> None:
    open_login(page)
    requests = login_requests(page)
    page.get_by_role("button", name="Ingresar").click()

    summary = page.get_by_role("alert", name="Hay un problema")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Ingrese su RUT.", "Ingrese su Clave CUS."])
    expect(page.locator("#rut-error")).to_have_text("Error: Ingrese su RUT.")
    expect(page.locator("#clave-error")).to_have_text("Error: Ingrese su Clave CUS.")
    summary.get_by_role("link", name="Ingrese su Clave CUS.").click()
    expect(page.get_by_label("Clave")).to_be_focused()

    # Correcting one field clears its error on the next try.
    page.get_by_label("RUT", exact=True).fill("11111111K")
    page.get_by_role("button", name="Ingresar").click()
    expect(summary.get_by_role("link")).to_have_text(
        ["El RUT no es válido: el dígito verificador no corresponde.", "Ingrese su Clave CUS."]
    )
    assert requests == []


def test_single_profile_user_reaches_home_with_the_keyboard(page: Page) -> None:
    open_login(page)
    page.get_by_label("RUT", exact=True).focus()
    page.keyboard.type("131313136")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Clave")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_text("Hola, MARÍA OLIVIA PINTO DÍAZ", exact=True)).to_be_visible()
    expect(page.get_by_label("Perfiles").locator("option")).to_have_text([FACILITATOR])
    expect(page.get_by_label("Instituciones").locator("option:checked")).to_have_text(SOFOFA)
    page.get_by_role("button", name="Seleccionar").click()

    expect_home(page, "MARÍA OLIVIA PINTO DÍAZ", FACILITATOR, SOFOFA)


def test_reload_of_home_keeps_the_session(page: Page) -> None:
    open_login(page)
    log_in(page, "111111111", PASSWORD)
    choose_profile(page, NATIONAL_ADMIN, SOFOFA)
    expect_home(page, KARIN, NATIONAL_ADMIN, SOFOFA)

    with page.expect_response(lambda response: response.url.endswith("/api/auth/me")) as me:
        page.reload()
    assert me.value.status == 200
    expect_home(page, KARIN, NATIONAL_ADMIN, SOFOFA)


def test_invalid_session_returns_to_login_with_a_message(page: Page) -> None:
    open_login(page)
    page.evaluate("sessionStorage.setItem('gca.tokenSesion', 'v1.local.no-longer-valid')")
    page.goto("/#/inicio")

    expect(page.get_by_role("heading", level=1)).to_have_text("Autenticación de Usuarios.")
    expect(page.get_by_text("Su sesión expiró; ingrese nuevamente.")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('gca.tokenSesion')") is None


def test_sence_officer_sees_the_annulment_requests_of_the_region(page: Page) -> None:
    open_login(page)
    log_in(page, "141414143", PASSWORD)
    page.get_by_role("button", name="Seleccionar").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Solicitudes de anulación.")
    greeting = page.locator("#saludo")
    expect(greeting.get_by_text("Hola, ALEJANDRA SOLEDAD ROJAS MUÑOZ", exact=True)).to_be_visible()
    expect(greeting.get_by_text("SENCE - DIRECCIÓN REGIONAL", exact=True)).to_be_visible()
    expect(page.locator("#contenido")).to_contain_text("Región Metropolitana")


def test_help_describes_the_current_screen(page: Page) -> None:
    open_login(page)
    page.get_by_role("button", name="Ayuda").click()
    dialog = page.get_by_role("dialog", name="Sistema de emisión de certificados de Asistencia")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Ingrese CUS")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Ayuda")).to_be_focused()


def test_login_fits_a_phone_screen(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_login(page)
    expect(page.get_by_role("button", name="Ingresar")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    log_in(page, "131313136", PASSWORD)
    expect(page.get_by_role("button", name="Seleccionar")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
