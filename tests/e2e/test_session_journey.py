"""Sessions that end, in a real browser: "Cerrar Sesión" ends the session on the server; the warning two
minutes before the idle end ("Seguir conectado"); the notice before the longest session ends; and what was
being typed (the N° de factura, the motivo of an annulment) comes back after logging in again, for the
same person only.

The browser's time is Playwright's clock (`page.clock`); the server's is real, so a session the page
thinks idle is still alive on the server until the page ends it. Nothing here issues or annuls: the
forms are only typed in, and the requests that would submit them are sent with a session already ended
(the one preview asked for after a restore issues nothing). The courses come from the API: a pending one
and an issued one of Sofofa in the Región Metropolitana that no other journey uses.
Set GCA_UI_SHOTS=<folder> to keep screenshots of the warning, the notices and the restored screens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.e2e.api import PROGRAMS, call, session_token
from tests.e2e.conftest import choose_profile, enter, log_in, shot

pytestmark = pytest.mark.e2e

KARIN = "111111111"  # Administrador Nacional en Sofofa; Facilitador en Capacitación Austral
GABRIELA = "222222222"  # Administrador Regional (Región Metropolitana) en Sofofa
NATIONAL_ADMIN = "CAPACITADOR - ADMINISTRADOR NACIONAL"
SOFOFA = "Fundación de Capacitación Sofofa"
SOFOFA_RUT = "75.998.240-1"
METRO = "13"
# Other journeys issue, annul or read these; this one leaves them alone.
USED_ELSEWHERE = {"5115001", "5115260", "5115263"}

LOGIN_TITLE = "Autenticación de Usuarios."
ISSUE_TITLE = "Emisión del certificado de asistencia – Ingreso N° factura/orden de compra"
ANNUL_TITLE = "Solicitud de Anulación Certificado."
EXPIRED = "Su sesión expiró; ingrese nuevamente."
DRAFT_KEPT = "Al ingresar recuperará lo que estaba escribiendo."
RESTORED = "Recuperamos lo que estaba escribiendo."
ENDED = "Su sesión terminó; ingrese nuevamente."
INVOICE_LABEL = "N° de factura / Orden de Compra"
REASON_LABEL = "Motivo de la Anulación"


@dataclass(frozen=True)
class Courses:
    pending: str  # "Pendiente de Emitir": the N° factura screen
    issued: str  # "Emitido": the annulment request screen


def _courses_in_state(base_url: str, token: str, state: str) -> list[str]:
    codes: set[str] = set()
    for program in PROGRAMS:
        query = f"program={program}&criterion=state&value={state}&page_size=100"
        found = call(base_url, "GET", f"/api/courses?{query}", token=token)
        assert found.status == 200, found.body
        codes |= {item["course_code"] for item in found.body["items"] if item["region"]["code"] == METRO}
    return sorted(codes - USED_ELSEWHERE)


@pytest.fixture(scope="module")
def courses(base_url: str) -> Courses:
    """The last pending and the last issued course of Sofofa in the Región Metropolitana (Gabriela's region too)."""
    token = session_token(base_url, KARIN, "NATIONAL_ADMIN", SOFOFA_RUT)
    pending = _courses_in_state(base_url, token, "PENDING")
    issued = _courses_in_state(base_url, token, "ISSUED")
    call(base_url, "POST", "/api/auth/logout", token=token)
    assert pending, "the demo data has no pending course of Sofofa in the Región Metropolitana to spare"
    assert issued, "the demo data has no issued certificate of Sofofa in the Región Metropolitana to spare"
    return Courses(pending=pending[-1], issued=issued[-1])


# ---------------------------------------------------------------------- steps


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def stored(page: Page, key: str) -> str | None:
    value = page.evaluate("(key) => sessionStorage.getItem(key)", key)
    return None if value is None else str(value)


def stored_token(page: Page) -> str:
    token = stored(page, "gca.tokenSesion")
    assert token, "no session token in sessionStorage"
    return token


def enter_as_karin(page: Page) -> None:
    enter(page, KARIN, NATIONAL_ADMIN, SOFOFA)


def open_issue(page: Page, code: str) -> Locator:
    """The N° factura step of a pending course; its field, ready to type in."""
    page.goto(f"/#/curso/{code}/emitir")
    expect(heading(page)).to_have_text(ISSUE_TITLE)
    invoice = page.get_by_label(INVOICE_LABEL)
    expect(invoice).to_be_visible()
    return invoice


def open_annulment(page: Page, code: str) -> Locator:
    page.goto(f"/#/curso/{code}/anular")
    expect(heading(page)).to_have_text(ANNUL_TITLE)
    reason = page.get_by_label(REASON_LABEL)
    expect(reason).to_be_visible()
    return reason


def end_session_on_server(base_url: str, token: str) -> None:
    """What another tab's "Cerrar Sesión", the 8 hours or the idle time do: the token is refused from now on."""
    assert call(base_url, "POST", "/api/auth/logout", token=token).status == 204
    assert call(base_url, "GET", "/api/auth/me", token=token).status == 401


def expect_login_after_expiry(page: Page) -> None:
    expect(heading(page)).to_have_text(LOGIN_TITLE)
    notice = page.get_by_role("status").filter(has_text=EXPIRED)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(DRAFT_KEPT)
    assert stored(page, "gca.tokenSesion") is None


def log_in_again_as_karin(page: Page) -> None:
    log_in(page, KARIN)
    choose_profile(page, NATIONAL_ADMIN, SOFOFA)


def expect_restored_notice(page: Page) -> None:
    expect(page.get_by_role("status").filter(has_text=RESTORED)).to_be_visible()
    assert stored(page, "gca.borrador") is None, "the draft outlived its restoration"


# ---------------------------------------------------------------------- journeys


def test_cerrar_sesion_ends_the_session_on_the_server(page: Page, base_url: str) -> None:
    enter_as_karin(page)
    token = stored_token(page)
    assert call(base_url, "GET", "/api/auth/me", token=token).status == 200
    page.get_by_label("Programa").select_option(label="Impulsa Personas")  # something chosen, then left
    assert "impulsa_personas" in (stored(page, "gca.borrador") or "")

    with page.expect_response(lambda response: response.url.endswith("/api/auth/logout")) as ended:
        page.get_by_role("button", name="Cerrar Sesión").click()
    assert ended.value.status == 204
    assert ended.value.request.headers["authorization"] == f"Bearer {token}"
    expect(heading(page)).to_have_text(LOGIN_TITLE)
    expect(page.get_by_text("Ha cerrado su sesión.")).to_be_visible()

    # The token the page had is refused everywhere, with the server's words.
    me = call(base_url, "GET", "/api/auth/me", token=token)
    assert me.status == 401
    assert me.body["error"]["message"] == ENDED
    assert call(base_url, "GET", "/api/courses/5115001", token=token).status == 401
    # Leaving on purpose keeps nothing to come back to.
    assert stored(page, "gca.borrador") is None
    assert stored(page, "gca.tokenSesion") is None


def test_invoice_typed_when_the_session_ends_is_back_after_logging_in_again(
    page: Page, base_url: str, courses: Courses
) -> None:
    enter_as_karin(page)
    open_issue(page, courses.pending).fill("OC-2026/77")
    end_session_on_server(base_url, stored_token(page))

    # The next request of the page is refused: the login, saying the text is kept.
    with page.expect_response(lambda response: "/certificate/preview" in response.url) as refused:
        page.get_by_role("button", name="Emitir Certificado").click()
    assert refused.value.status == 401
    expect_login_after_expiry(page)
    assert "OC-2026/77" in (stored(page, "gca.borrador") or "")

    log_in_again_as_karin(page)
    expect(heading(page)).to_have_text(ISSUE_TITLE)
    expect(page).to_have_url(re.compile(rf"#/curso/{courses.pending}/emitir$"))
    expect(page.get_by_label(INVOICE_LABEL)).to_have_value("OC-2026/77")
    expect_restored_notice(page)
    shot(page, "sesion-factura-recuperada")

    # The restored number goes on as if typed: the preview (nothing is issued before "Acepto").
    page.get_by_role("button", name="Emitir Certificado").click()
    expect(heading(page)).to_have_text("Aceptar el certificado de asistencia")
    expect(page.get_by_role("region", name="DATOS IMPORTANTE DE VALIDAR")).to_contain_text("OC-2026/77")


def test_annulment_reason_typed_when_the_session_ends_is_back_after_logging_in_again(
    page: Page, base_url: str, courses: Courses
) -> None:
    reason = "El N° de factura del certificado no corresponde a la orden de compra del cliente."
    enter_as_karin(page)
    open_annulment(page, courses.issued).fill(reason)
    end_session_on_server(base_url, stored_token(page))

    with page.expect_response(lambda response: response.url.endswith("/annulment")) as refused:
        page.get_by_role("button", name="Envía Solicitud").click()
    assert refused.value.status == 401
    expect_login_after_expiry(page)

    log_in_again_as_karin(page)
    expect(heading(page)).to_have_text(ANNUL_TITLE)
    expect(page.get_by_label(REASON_LABEL)).to_have_value(reason)
    # The screen saw it as typed: its counter counts it.
    expect(page.get_by_text(f"Le quedan {2000 - len(reason)} caracteres")).to_be_visible()
    expect_restored_notice(page)
    shot(page, "sesion-motivo-recuperado")
    # Not sent: the certificate keeps its state for whoever comes next.


def test_idle_warning_keeps_the_session_and_the_idle_end_keeps_the_draft(
    page: Page, base_url: str, courses: Courses
) -> None:
    page.clock.install()
    enter_as_karin(page)
    invoice = open_issue(page, courses.pending)
    invoice.fill("FAC-123")
    token = stored_token(page)
    warning = page.get_by_role("alertdialog", name="Su sesión está por cerrarse")

    # 30 minutes idle (the server's default) end 1 minute early on the page; the warning comes 2 before.
    page.clock.fast_forward("26:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("01:30")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Su sesión se cerrará por inactividad en 2 minutos.")
    keep = warning.get_by_role("button", name="Seguir conectado")
    expect(keep).to_be_focused()
    shot(page, "sesion-aviso-inactividad")

    with page.expect_response(lambda response: response.url.endswith("/api/auth/me")) as me:
        keep.click()
    assert me.value.status == 200
    expect(warning).to_be_hidden()
    expect(invoice).to_be_focused()  # back where the person was typing
    expect(invoice).to_have_value("FAC-123")

    # The call counted as activity: the clock starts again from it.
    page.clock.fast_forward("26:00")
    expect(warning).to_be_hidden()
    expect(heading(page)).to_have_text(ISSUE_TITLE)
    page.clock.fast_forward("01:30")
    expect(warning).to_be_visible()

    # Nobody answers: at the end the page ends the session on the server too, and keeps the draft.
    with page.expect_response(lambda response: response.url.endswith("/api/auth/logout")) as ended:
        page.clock.fast_forward("02:00")
    assert ended.value.status == 204
    expect(warning).to_be_hidden()
    expect_login_after_expiry(page)
    shot(page, "sesion-ingreso-tras-inactividad")
    assert call(base_url, "GET", "/api/auth/me", token=token).status == 401

    log_in_again_as_karin(page)
    expect(heading(page)).to_have_text(ISSUE_TITLE)
    expect(page.get_by_label(INVOICE_LABEL)).to_have_value("FAC-123")
    expect_restored_notice(page)


def test_notice_before_the_longest_session_ends(page: Page, base_url: str, courses: Courses) -> None:
    """The 8 hours are shortened to 6 minutes in the profile's answer; the server's session stays as it is."""

    def six_minutes_left(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["session"]["expires_at"] = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
        route.fulfill(response=response, json=body)

    page.clock.install()
    page.route("**/api/auth/profile", six_minutes_left)
    enter_as_karin(page)
    open_issue(page, courses.pending).fill("OC-8H")
    notice = page.get_by_role("alertdialog", name="Su sesión está por terminar")

    page.clock.fast_forward("01:30")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Su sesión terminará en 5 minutos")
    expect(notice.get_by_role("button", name="Seguir conectado")).to_have_count(0)  # it cannot be extended
    shot(page, "sesion-aviso-fin")
    notice.get_by_role("button", name="Entendido").click()
    expect(notice).to_be_hidden()
    expect(page.get_by_label(INVOICE_LABEL)).to_be_focused()

    page.clock.fast_forward("01:00")
    expect(notice).to_be_hidden()  # said once
    page.clock.fast_forward("04:00")
    expect_login_after_expiry(page)


def test_another_person_never_gets_the_draft(page: Page, base_url: str, courses: Courses) -> None:
    enter_as_karin(page)
    open_issue(page, courses.pending).fill("OC-KARIN-1")
    end_session_on_server(base_url, stored_token(page))
    page.get_by_role("button", name="Emitir Certificado").click()
    expect_login_after_expiry(page)
    assert "OC-KARIN-1" in (stored(page, "gca.borrador") or "")

    # A colleague sits down at the same browser.
    log_in(page, GABRIELA)
    expect(page.get_by_text("Hola, GABRIELA MARÍA DEL PILAR FAJARDO CUEVAS", exact=True)).to_be_visible()
    assert stored(page, "gca.borrador") is None
    choose_profile(page)
    expect(heading(page)).to_have_text("Cursos.")
    expect(page).to_have_url(re.compile(r"#/inicio$"))
    expect(page.get_by_text(RESTORED)).to_have_count(0)
    # The same screen is hers to use, empty.
    expect(open_issue(page, courses.pending)).to_have_value("")

    # Karin, back later, starts afresh too: the draft is gone for good.
    page.get_by_role("button", name="Cerrar Sesión").click()
    log_in_again_as_karin(page)
    expect(heading(page)).to_have_text("Cursos.")
    expect(page.get_by_text(RESTORED)).to_have_count(0)
