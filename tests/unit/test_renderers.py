"""What anyone's name does to the PDF and the Excel files: accents, ñ, very long text, control
characters, right-to-left marks, other scripts and text that looks like a formula."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from chalicelib.domain.certificates import (
    Certificate,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    FrozenParticipant,
)
from chalicelib.domain.clock import CHILE
from chalicelib.domain.courses import ActivityType, Course, Party, Program
from chalicelib.domain.rut import Rut
from chalicelib.renderers.excel import Sheet, write_workbook
from chalicelib.renderers.pdf import CertificatePdfs

NAMES = (
    "ÑANDÚ PEÑA ÁLVAREZ\u200f",  # with a right-to-left mark
    "CONTROL\x07\x00\x1bCHARS",
    "JOSÉ " + "MUY LARGO " * 40 + "FIN",
    '=HYPERLINK("http://x")',
    "Zoë Łódź Ελληνικά Кирилл",
)


def _certificate(participants: tuple[FrozenParticipant, ...]) -> Certificate:
    sofofa = Party(Rut.parse("75.998.240-1"), "Fundación de Capacitación Sofofa")
    course = Course(
        "5115263", "1237740585", "MANEJO DE HERRAMIENTAS EMPRESARIALES", Program.IMPULSA_PERSONAS,
        ActivityType.WITHIN_YEAR, 70, date(2017, 1, 2), date(2017, 3, 30), "13", sofofa,
        Party(Rut.parse("96.543.210-8"), "Comercial Ñuñoa Limitada"), None, 20, "Consolidado",
        CertificateState.ISSUED,
    )  # fmt: skip
    return Certificate(
        CertificateNumber(2026, 7), sofofa.rut, course.course_code, datetime(2026, 11, 29, 10, tzinfo=CHILE),
        CertificateStatus.VALID, "OC-1", Rut.parse("11.111.111-1"), "KARIN LAURINA SUÁREZ OSORIO", participants,
        "ABCDEFGH2345", course=course,
    )  # fmt: skip


def _pdf_text(certificate: Certificate, annulled: bool = False) -> str:
    body = CertificatePdfs("https://gca.sence.cl").render(certificate, annulled=annulled)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).replace("\n", "")


def test_every_name_is_printed_whole_and_control_characters_are_dropped():
    people = tuple(FrozenParticipant(Rut.parse("8.808.603-1"), name, 29) for name in NAMES)

    text = _pdf_text(_certificate(people))

    assert "ÑANDÚ PEÑA ÁLVAREZ" in text
    assert "CONTROLCHARS" in text
    assert text.count("MUY") == 40 and text.count("LARGO") == 40  # wrapped on several lines, none lost
    assert '=HYPERLINK("http://x")' in text
    assert "Ελληνικά" in text and "Кирилл" in text
    assert "Comercial Ñuñoa Limitada" in text
    assert "Certificado N° 7-2026" in text


def test_a_long_course_repeats_the_table_header_on_every_page():
    people = tuple(FrozenParticipant(Rut.parse("8.808.603-1"), f"PARTICIPANTE {i}", 80) for i in range(200))
    body = CertificatePdfs("https://gca.sence.cl").render(_certificate(people), annulled=False)
    pages = PdfReader(io.BytesIO(body)).pages

    assert len(pages) > 3
    assert all("Rut Alumno" in page.extract_text() for page in pages[:-1])


def test_the_same_certificate_renders_to_the_same_bytes():
    certificate = _certificate((FrozenParticipant(Rut.parse("8.808.603-1"), "RIGOBERTO", 29),))
    pdfs = CertificatePdfs("https://gca.sence.cl")

    assert pdfs.render(certificate, annulled=False) == pdfs.render(certificate, annulled=False)
    assert "CERTIFICADO ANULADO" in _pdf_text(replace(certificate, status=CertificateStatus.ANNULLED), annulled=True)


def test_a_migrated_certificate_is_marked_as_a_reconstruction_on_every_page():
    people = tuple(FrozenParticipant(Rut.parse("8.808.603-1"), f"PARTICIPANTE {i}", 80) for i in range(80))
    migrated = replace(_certificate(people), source="Sistema anterior, migración del 02-12-2026")
    body = CertificatePdfs("https://gca.sence.cl").render(migrated, annulled=False)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]

    assert len(pages) > 1
    assert "RECONSTRUCCIÓN" in pages[0].split("Razón social")[0]  # before any data
    assert "(Sistema anterior, migración del 02-12-2026)" in pages[0].replace("\n", " ")
    assert all("RECONSTRUCCIÓN, no es el original" in page for page in pages)
    assert "ABCDEFGH2345" in pages[-1]  # the verification code it is checked with
    assert "RECONSTRUCCIÓN" not in _pdf_text(_certificate(people))


def test_the_certificate_is_pdf_a_2b_with_its_fonts_embedded_and_its_number_in_the_xmp():
    body = CertificatePdfs("https://gca.sence.cl").render(
        _certificate(tuple(FrozenParticipant(Rut.parse("8.808.603-1"), name, 29) for name in NAMES)), annulled=False
    )
    reader = PdfReader(io.BytesIO(body))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()

    assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<dc:identifier>7-2026</dc:identifier>" in xmp
    assert "<rdf:li>es-CL</rdf:li>" in xmp
    assert "Certificado de asistencia N° 7-2026 - MANEJO DE HERRAMIENTAS EMPRESARIALES" in xmp
    assert "<rdf:li>Fundación de Capacitación Sofofa</rdf:li>" in xmp  # the author
    assert "Curso 5115263 · Código SENCE 1237740585" in xmp  # the subject
    assert reader.trailer["/Root"]["/Lang"] == "es-CL"
    assert reader.trailer["/Root"]["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    assert fonts and all("/FontFile2" in f["/DescendantFonts"][0]["/FontDescriptor"] for f in fonts)


def test_excel_keeps_names_as_text_and_never_a_formula():
    out = io.BytesIO()
    write_workbook(out, [Sheet("Nombres", ("Nombre",), [(name,) for name in NAMES] + [("+56 9 1234",), ("@SUMA",)])])

    cells = [row[0] for row in load_workbook(io.BytesIO(out.getvalue()))["Nombres"].iter_rows(min_row=2)]

    assert [c.value for c in cells][:5] == [
        "ÑANDÚ PEÑA ÁLVAREZ\u200f",
        "CONTROLCHARS",
        NAMES[2],
        '=HYPERLINK("http://x")',
        NAMES[4],
    ]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells if c.value[0] in "=+-@"] == [True, True, True]


def test_the_attendance_workbooks_say_who_can_no_longer_reach_the_minimum_in_words():
    from datetime import timedelta

    from chalicelib.domain.course_queries import course_attendance, participant_sessions
    from chalicelib.renderers.excel import course_attendance_sheets, participant_sessions_sheets
    from tests.builders import at, course, participant, session

    running = course(hours=10, start=date(2026, 3, 1), end=date(2026, 3, 31))
    ana, beto = participant(running, 15303444, "ANA"), participant(running, 8808603, "BETO")
    held = [
        session(f"s{i}", at(date(2026, 3, 2 + i), 9), 2, [(ana.rut, at(date(2026, 3, 2 + i), 9), None)])
        for i in range(3)
    ]
    held[0] = session(
        "s0",
        at(date(2026, 3, 2), 9),
        2,
        [(beto.rut, at(date(2026, 3, 2), 9), at(date(2026, 3, 2), 9) + timedelta(hours=2))],
    )
    today = date(2026, 3, 10)

    total = course_attendance_sheets(course_attendance(running, [ana, beto], held, today))[0]
    rows = {row[1]: row for row in total.rows}
    assert total.headers[-3:] == ["Horas realizadas", "Máximo alcanzable %", "Alerta"]
    assert rows["ANA"][-3:] == ["06:00:00", 40, "No alcanza el 75 %"]
    assert rows["BETO"][-3:] == ["06:00:00", 60, "No alcanza el 75 %"]

    one = participant_sessions_sheets(participant_sessions(running, ana, held, today))[1]
    assert next(iter(one.rows))[-3:] == ("06:00:00", 40, "No alcanza el 75 %")
