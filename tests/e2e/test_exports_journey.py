"""The nightly exports in a real browser: a certificate issued today shows up, after the night's run,
in the Excel that the Dirección Regional Metropolitana downloads from "Exportaciones nocturnas";
a day without movements says so; another region's officer does not see the file.

The export runs as the schedule would run it locally (`python -m devtools.run_export <día>`), in its
own process with the stack's environment. The certificate is one of Capacitación Austral Limitada's
courses in Región Metropolitana, which no other journey touches.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.api import austral_token, call, issue, pending_courses, session_token
from tests.e2e.conftest import log_in, save_download, shot, workbook_rows

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHILE = ZoneInfo("America/Santiago")
OFFICER_PROFILE = "SENCE - DIRECCIÓN REGIONAL"
METROPOLITANA = "Región Metropolitana"
VALPARAISO = "Región de Valparaíso"
QUIET_DAY = date(2015, 1, 1)  # long before any demo course: nothing was issued or annulled


# ---------------------------------------------------------------------- steps


def run_export(env: dict[str, str], day: date) -> dict[str, Any]:
    """The nightly run for `day`, as the schedule would start it; its summary ({day, files, rows})."""
    done = subprocess.run(
        [sys.executable, "-m", "devtools.run_export", day.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"run_export failed:\n{done.stdout}\n{done.stderr}"
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["day"] == day.isoformat(), summary
    return summary


def enter_as_officer(page: Page, rut: str) -> None:
    page.goto("/")
    log_in(page, rut)
    expect(page.get_by_label("Perfiles")).to_have_value("SENCE_OFFICER")
    expect(page.get_by_label("Perfiles").locator("option:checked")).to_have_text(OFFICER_PROFILE)
    page.get_by_role("button", name="Seleccionar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Solicitudes de anulación.")


def exports_table(page: Page, region: str) -> Locator:
    section = page.get_by_role("region", name="Exportaciones nocturnas")
    expect(section).to_be_visible()
    return section.get_by_role("table", name=re.compile(f"^Exportaciones de {re.escape(region)}"))


def download_rows(page: Page, table: Locator, day: date, folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Descargar → the workbook as a user opens it: every sheet's rows by sheet name."""
    label = day.strftime("%d-%m-%Y")
    saved = save_download(page, table.get_by_role("button", name=f"Descargar la exportación del {label}"), folder)
    assert saved.name.endswith(f"{day.isoformat()}.xlsx"), saved.name
    return workbook_rows(saved)


@pytest.fixture(scope="module")
def issued_today(base_url: str, stack_env: dict[str, str]) -> Iterator[dict[str, Any]]:
    """A certificate issued now for a pending Austral course of Región Metropolitana, then the night's run
    for the day it was issued (its Chilean date: near midnight, "today" is read from the certificate)."""
    token = austral_token(base_url)
    courses = pending_courses(base_url, token, "13", programs=("impulsa_personas",))
    assert courses, "Capacitación Austral Limitada has no pending course left in Región Metropolitana"
    certificate = issue(base_url, token, courses[0], "OC-EXP-2026")
    day = datetime.fromisoformat(certificate["issued_at"]).astimezone(CHILE).date()
    today = datetime.now(CHILE).date()
    assert day in (today, today - timedelta(days=1)), certificate["issued_at"]
    summary = run_export(stack_env, day)
    assert summary["rows"] >= 1, summary
    run_export(stack_env, QUIET_DAY)
    yield {**certificate, "day": day}


# ---------------------------------------------------------------------- journeys


def test_officer_downloads_the_export_with_the_certificate_issued_today(
    page: Page, issued_today: dict[str, Any], tmp_path: Path
) -> None:
    day: date = issued_today["day"]
    number, course_code = issued_today["number"], issued_today["course_code"]

    enter_as_officer(page, "141414143")
    table = exports_table(page, METROPOLITANA)
    headers = table.locator("thead th")
    expect(headers).to_have_text(["Día", "Región", "Tamaño", "Generada", "Acción"])
    row = table.locator("tbody tr").filter(has=page.locator("td:first-child", has_text=day.strftime("%d-%m-%Y")))
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text(METROPOLITANA)
    expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^\d+(,\d)? (KB|MB|bytes)$"))
    expect(row.locator("td").nth(3)).to_have_text(re.compile(r"^\d{2}-\d{2}-\d{4} \d{2}:\d{2}$"))
    # Newest first.
    days = [text.strip() for text in table.locator("tbody tr td:first-child").all_inner_texts()]
    as_dates = [datetime.strptime(text, "%d-%m-%Y").date() for text in days]
    assert as_dates == sorted(as_dates, reverse=True), days
    shot(page, "exports-oficial-metropolitana")

    sheets = download_rows(page, table, day, tmp_path)
    expect(page.get_by_role("status").filter(has_text="Se inició la descarga")).to_contain_text(
        f"certificados-region-13-{day.isoformat()}.xlsx"
    )
    movements = sheets["Movimientos"]
    assert movements[0][:4] == ("Movimiento", "N° Certificado", "Código Curso", "Curso"), movements[0]
    assert any(row[:3] == ("Emitido", number, course_code) for row in movements[1:]), movements
    summary = sheets["Resumen"]
    assert summary[0][:5] == ("Región", "Día", "Certificados emitidos", "Certificados anulados", "Observación")
    assert summary[1][:2] == (METROPOLITANA, day.strftime("%d-%m-%Y")), summary
    assert summary[1][2] >= 1, summary


def test_a_day_without_movements_says_so(page: Page, issued_today: dict[str, Any], tmp_path: Path) -> None:
    enter_as_officer(page, "141414143")
    table = exports_table(page, METROPOLITANA)
    sheets = download_rows(page, table, QUIET_DAY, tmp_path)
    summary = sheets["Resumen"]
    assert summary[1][:4] == (METROPOLITANA, "01-01-2015", 0, 0), summary
    assert summary[1][4] == "Sin movimientos este día.", summary
    assert sheets["Movimientos"][1:] == [], sheets["Movimientos"]


def test_officer_of_another_region_does_not_see_the_metropolitana_file(
    page: Page, issued_today: dict[str, Any], base_url: str
) -> None:
    day: date = issued_today["day"]
    enter_as_officer(page, "151515150")
    table = exports_table(page, VALPARAISO)
    expect(table.locator("tbody tr").filter(has_text=day.strftime("%d-%m-%Y")).first).to_be_visible()
    expect(table).not_to_contain_text(METROPOLITANA)
    regions = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert regions and set(regions) == {VALPARAISO}, regions
    shot(page, "exports-oficial-valparaiso")

    # Nor can it be asked for by its address.
    token = session_token(base_url, "151515150", "SENCE_OFFICER", "61.531.000-K")
    assert call(base_url, "GET", f"/api/exports/13/{day.isoformat()}", token=token).status == 404
    listed = call(base_url, "GET", "/api/exports", token=token)
    assert listed.status == 200
    assert {item["region"]["code"] for item in listed.body["items"]} == {"05"}, listed.body
