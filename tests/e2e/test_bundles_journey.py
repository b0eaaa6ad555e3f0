"""Descargar lote in a real browser: an administrator searches, asks for the bundle of the whole result,
watches its progress while the worker (the stack's SQS poller) builds it, downloads the ZIP and opens one
workbook and one certificate PDF from it, as the company's liquidation would.

It acts as Capacitación Austral Limitada, issuing one of its pending courses of Región Metropolitana (the
exports journey takes the first one; this one takes the last).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response, expect

from tests.e2e.api import AUSTRAL_ADMIN, austral_token, issue, pending_courses
from tests.e2e.conftest import log_in, save_download, shot, workbook_rows

pytestmark = pytest.mark.e2e


def test_search_bundle_watch_the_progress_and_open_a_workbook_and_a_pdf_from_the_zip(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    token = austral_token(base_url)
    courses = pending_courses(base_url, token, "13", programs=("impulsa_personas",))
    assert courses, "Capacitación Austral Limitada has no pending course left in Región Metropolitana"
    certificate = issue(base_url, token, courses[-1], "OC-LOTE-2026")
    number = certificate["number"]

    progress: list[dict[str, object]] = []

    def on_response(response: Response) -> None:
        if re.search(r"/api/bundles/[0-9a-f]{32}$", response.url) and response.status == 200:
            progress.append(json.loads(response.body()))

    page.on("response", on_response)
    page.goto("/")
    log_in(page, AUSTRAL_ADMIN)
    page.get_by_role("button", name="Seleccionar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cursos.")
    page.get_by_role("combobox", name="Programa").select_option(label="Impulsa Personas")
    page.get_by_role("combobox", name="Criterio").select_option(label="Fecha de inicio")
    page.get_by_role("textbox", name="Desde", exact=True).fill("01-01-2010")
    page.get_by_role("textbox", name="Hasta", exact=True).fill("31-12-2030")
    page.get_by_role("button", name="Buscar").click()
    shown = page.get_by_role("navigation", name="Páginas del listado de cursos").get_by_role("status")
    expect(shown).to_have_text(re.compile(r"^Mostrando registros 1 a \d+ de \d+$"))
    total = int(re.findall(r"\d+", shown.inner_text())[-1])

    page.get_by_role("button", name="Descargar lote").click()
    panel = page.get_by_role("region", name="Descarga de lote")
    expect(panel).to_contain_text(f"Los {total} cursos del resultado de la búsqueda.")
    expect(panel.get_by_role("progressbar")).to_be_visible()
    ready = panel.get_by_role("link", name=re.compile(r"^Descargar ZIP \(lote-\d{8}-[0-9a-f]{8}\.zip\)$"))
    expect(ready).to_be_visible(timeout=120_000)
    expect(panel.get_by_role("status")).to_have_text(f"El lote está listo: {total} cursos.")
    shot(page, "lote-listo")

    # What the page was told while it waited: the count only went up, to every course of the result.
    counts = [int(answer["done_courses"]) for answer in progress]  # type: ignore[call-overload]
    assert counts == sorted(counts) and counts[-1] == total, progress
    assert {answer["total_courses"] for answer in progress} == {total}
    assert progress[-1]["status"] == "done"

    saved = save_download(page, ready, tmp_path)
    archive = zipfile.ZipFile(saved)
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
    for row in rows:
        if row["path"]:
            assert hashlib.sha256(archive.read(row["path"])).hexdigest() == row["sha256"], row["path"]
    assert len({row["course_code"] for row in rows}) == total

    code = courses[-1]
    pdf_path = f"{code}/certificado-{number}.pdf"
    assert {"path": pdf_path, "course_code": code, "certificate_number": number, "state": "VALID"}.items() <= next(
        row for row in rows if row["path"] == pdf_path
    ).items()
    pdf = tmp_path / "certificado.pdf"
    pdf.write_bytes(archive.read(pdf_path))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+\d+", info, re.MULTILINE), info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert number in text and code in text

    workbook = tmp_path / "asistencia.xlsx"
    workbook.write_bytes(archive.read(f"{code}/asistencia-total-{code}.xlsx"))
    sheets = workbook_rows(workbook)
    first_sheet = next(iter(sheets.values()))
    assert first_sheet[0][:3] == ("RUT Participante", "Nombre Participante", "Porcentaje Asistencia")
    listed = {
        str(value).replace(".", "").replace("-", "")
        for row in first_sheet[1:]
        for value in row
        if re.fullmatch(r"\d{1,2}\.\d{3}\.\d{3}-[\dK]", str(value))
    }
    # Each participant of the workbook has their own sessions workbook ("Bajar Asistencia") in the ZIP.
    own = {
        name.rsplit("-", 1)[-1].removesuffix(".xlsx")
        for name in archive.namelist()
        if name.startswith(f"{code}/participantes/asistencia-{code}-")
    }
    assert listed and listed == own
