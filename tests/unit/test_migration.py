"""The rows of a migration: each one checked, each problem named by file, line, column and reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.certificates import (
    AnnulmentStatus,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    FrozenParticipant,
)
from chalicelib.domain.clock import CHILE
from chalicelib.domain.courses import ActivityType, Program
from chalicelib.domain.migration import (
    CERTIFICATES_FILE,
    PARTICIPANTS_FILE,
    CertificateRow,
    ImportedCertificate,
    ParticipantRow,
    Problem,
    assemble,
    course_to_create,
    differences,
    historic_annulment,
    imported_certificate,
    migration_source,
    missing_columns,
    parse_certificate_row,
    parse_participant_row,
    shown_course_state,
)
from chalicelib.domain.rut import Rut
from tests.builders import COMPANY, OTEC, OTIC

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SOURCE = "Sistema anterior, migración del 02-12-2026"


class Pdfs:
    """The import directory's files, by relative path."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.files = files or {}

    def head(self, relative: str) -> bytes | None:
        body = self.files.get(relative)
        return body[:4] if body is not None else None


def certificate_row(**changes: str) -> dict[str, str]:
    row = {
        "number": "12-2017",
        "institution_rut": "75.998.240-1",
        "institution_name": OTEC.name,
        "course_code": "4900001",
        "sence_code": "1237740585",
        "course_name": "OPERACIÓN DE GRÚA HORQUILLA",
        "program": "impulsa_personas",
        "activity_type": "within_year",
        "region_code": "13",
        "start_date": "02-01-2017",
        "end_date": "30-03-2017",
        "accredited_hours": "24",
        "company_rut": COMPANY.rut.formatted(),
        "company_name": COMPANY.name,
        "otic_rut": OTIC.rut.formatted(),
        "otic_name": OTIC.name,
        "invoice_number": "F-4521",
        "issued_at": "06-04-2017 10:49",
        "signer_rut": "11.111.111-1",
        "signer_name": "KARIN LAURINA SUÁREZ OSORIO",
        "state": "EMITIDO",
        "annulled_at": "",
        "annulment_reason": "",
        "pdf_file": "",
        "verification_code": "",
    }
    row.update(changes)
    return row


def parsed(pdfs: Pdfs | None = None, line: int = 2, **changes: str) -> CertificateRow:
    row, problems = parse_certificate_row(line, certificate_row(**changes), pdfs or Pdfs(), NOW)
    assert problems == [] and row is not None
    return row


def problems_of(pdfs: Pdfs | None = None, line: int = 7, **changes: str) -> list[tuple[str, str]]:
    row, problems = parse_certificate_row(line, certificate_row(**changes), pdfs or Pdfs(), NOW)
    assert row is None
    assert {(p.file, p.line) for p in problems} == {(CERTIFICATES_FILE, line)}
    return [(p.field, p.reason) for p in problems]


def person(line: int, body: str, name: str = "RIGOBERTO ORLANDO CASTILLO BARRÍA", percent: int = 100) -> ParticipantRow:
    return ParticipantRow(line, CertificateNumber(2017, 12), None, FrozenParticipant(Rut.parse(body), name, percent))


def test_a_good_row_is_the_certificate_the_old_system_issued():
    row = parsed(verification_code=" hrvnb294np8q ")

    assert row.number == CertificateNumber(2017, 12)
    assert row.institution == OTEC
    assert (row.course.course_code, row.course.sence_code, row.course.name) == (
        "4900001",
        "1237740585",
        "OPERACIÓN DE GRÚA HORQUILLA",
    )
    assert (row.course.program, row.course.activity_type, row.course.region_code) == (
        Program.IMPULSA_PERSONAS,
        ActivityType.WITHIN_YEAR,
        "13",
    )
    assert (row.course.start_date, row.course.end_date, row.course.accredited_hours) == (
        date(2017, 1, 2),
        date(2017, 3, 30),
        24,
    )
    assert (row.course.company, row.course.otic) == (COMPANY, OTIC)
    # Chile time: in April 2017 summer time still held (UTC-3; it ended on 14 May).
    assert row.issued_at == datetime(2017, 4, 6, 10, 49, tzinfo=CHILE)
    assert row.issued_at.utcoffset().total_seconds() == -3 * 3600
    assert (row.signer.rut, row.signer.name) == (Rut.parse("11.111.111-1"), "KARIN LAURINA SUÁREZ OSORIO")
    assert row.status is CertificateStatus.VALID and row.annulled_at is None
    assert row.verification_code == "HRVNB294NP8Q"
    assert row.pdf_file is None


def test_a_course_without_otic_leaves_both_columns_empty():
    assert parsed(otic_rut="", otic_name="").course.otic is None
    assert problems_of(otic_rut="", otic_name="OTIC SIN RUT") == [("otic_rut", "El RUT es obligatorio.")]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"institution_rut": "75.998.240-2"},
            [("institution_rut", "El RUT no es válido: el dígito verificador no corresponde.")],
        ),
        (
            {"signer_rut": "11.111.111-2"},
            [("signer_rut", "El RUT no es válido: el dígito verificador no corresponde.")],
        ),
        (
            {"start_date": "31-02-2017"},
            [("start_date", "La fecha debe ser dd-mm-aaaa y existir en el calendario.")],
        ),
        (
            {"end_date": "2017-03-30"},
            [("end_date", "La fecha debe ser dd-mm-aaaa y existir en el calendario.")],
        ),
        (
            {"start_date": "31-03-2017", "end_date": "30-03-2017"},
            [("end_date", "La fecha de término no puede ser anterior a la de inicio.")],
        ),
        (
            {"accredited_hours": "0"},
            [("accredited_hours", "Las horas acreditadas debe ser un número entero entre 1 y 10000.")],
        ),
        (
            {"accredited_hours": "7.5"},
            [("accredited_hours", "Las horas acreditadas debe ser un número entero entre 1 y 10000.")],
        ),
        ({"region_code": "99"}, [("region_code", "La región no existe (código de región, por ejemplo 13).")]),
        ({"program": "capacitacion"}, [("program", "El programa es impulsa_personas o aprendizajes.")]),
        (
            {"activity_type": "anual"},
            [
                (
                    "activity_type",
                    "El tipo de actividad es within_year (dentro del año calendario) o partial (parcial).",
                )
            ],
        ),
        ({"course_code": "51152"}, [("course_code", "El código de curso tiene 7 dígitos (ejemplo: 5115263).")]),
        ({"number": "12/2017"}, [("number", "El número de certificado tiene la forma N-AAAA (ejemplo: 12-2017).")]),
        ({"number": "12-2016"}, [("number", "El año del número (2016) no es el año de emisión (2017).")]),
        (
            {"issued_at": "06-04-2017"},
            [("issued_at", "La fecha y hora debe ser dd-mm-aaaa hh:mm y existir en el calendario.")],
        ),
        (
            {"issued_at": "06-04-2027 10:00", "number": "1-2027"},
            [("issued_at", "La fecha de emisión es posterior a hoy.")],
        ),
        ({"state": "VIGENTE"}, [("state", "El estado es EMITIDO o ANULADO.")]),
        ({"course_name": "  "}, [("course_name", "Falta el nombre del curso.")]),
        (
            {"verification_code": "ABC-123"},
            [("verification_code", "El código de verificación tiene 12 letras o dígitos (se verifica con ellos).")],
        ),
    ],
)
def test_each_wrong_value_is_reported_with_its_column_and_reason(changes, expected):
    assert problems_of(**changes) == expected


def test_every_problem_of_a_row_is_reported_not_only_the_first():
    found = problems_of(institution_rut="1-2", region_code="99", accredited_hours="-3")
    assert [field for field, _ in found] == ["institution_rut", "region_code", "accredited_hours"]


def test_a_time_the_clocks_skip_in_chile_does_not_exist():
    # 14 August 2016: Chilean clocks went from 00:00 straight to 01:00.
    assert problems_of(number="1-2016", issued_at="14-08-2016 00:30") == [
        ("issued_at", "Esa hora no existe en Chile (el reloj se adelantó por el horario de verano).")
    ]
    assert parsed(number="1-2016", issued_at="14-08-2016 01:30").issued_at.utcoffset().total_seconds() == -3 * 3600


def test_an_annulled_certificate_carries_its_date_and_reason_and_an_issued_one_neither():
    annulled = parsed(state="ANULADO", annulled_at="20-04-2017 15:30", annulment_reason="Factura equivocada.")
    assert annulled.status is CertificateStatus.ANNULLED
    assert annulled.annulled_at == datetime(2017, 4, 20, 15, 30, tzinfo=CHILE)
    assert annulled.annulment_reason == "Factura equivocada."

    assert problems_of(state="ANULADO") == [
        ("annulled_at", "Un certificado ANULADO lleva su fecha de anulación (dd-mm-aaaa hh:mm)."),
        ("annulment_reason", "Falta el motivo de la anulación."),
    ]
    assert problems_of(state="ANULADO", annulled_at="01-04-2017 09:00", annulment_reason="Error") == [
        ("annulled_at", "La anulación no puede ser anterior a la emisión.")
    ]
    assert problems_of(annulled_at="20-04-2017 15:30") == [
        ("annulled_at", "Un certificado EMITIDO no lleva fecha ni motivo de anulación.")
    ]


def test_an_original_pdf_is_a_pdf_inside_the_import_directory():
    pdfs = Pdfs({"pdf/12-2017.pdf": b"%PDF-1.4 original", "notas.txt": b"hola"})
    assert parsed(pdfs, pdf_file="pdf/12-2017.pdf").pdf_file == "pdf/12-2017.pdf"

    escape = "La ruta del PDF es relativa al directorio de importación y no sale de él."
    assert problems_of(pdfs, pdf_file="../otros/12-2017.pdf") == [("pdf_file", escape)]
    assert problems_of(pdfs, pdf_file="/etc/passwd") == [("pdf_file", escape)]
    assert problems_of(pdfs, pdf_file="pdf\\12-2017.pdf") == [("pdf_file", escape)]
    assert problems_of(pdfs, pdf_file="pdf/13-2017.pdf") == [
        ("pdf_file", "No existe el archivo pdf/13-2017.pdf dentro del directorio de importación.")
    ]
    assert problems_of(pdfs, pdf_file="notas.txt") == [
        ("pdf_file", "El archivo notas.txt no es un PDF (no empieza con %PDF).")
    ]


def test_a_participant_row_is_checked_like_a_certificate_row():
    good, problems = parse_participant_row(
        3, {"number": "12-2017", "rut": "8.808.603-1", "name": "ÑUSTA D'ÁVILA", "percent": "29"}
    )
    assert problems == [] and good is not None
    assert good.participant == FrozenParticipant(Rut.parse("8.808.603-1"), "ÑUSTA D'ÁVILA", 29)
    assert good.institution_rut is None

    bad, problems = parse_participant_row(9, {"number": "12-2017", "rut": "8.808.603-2", "name": "", "percent": "101"})
    assert bad is None
    assert problems == [
        Problem(PARTICIPANTS_FILE, 9, "rut", "El RUT no es válido: el dígito verificador no corresponde."),
        Problem(PARTICIPANTS_FILE, 9, "name", "Falta el nombre del participante."),
        Problem(
            PARTICIPANTS_FILE, 9, "percent", "El porcentaje de asistencia debe ser un número entero entre 0 y 100."
        ),
    ]


def test_a_certificate_needs_a_participant_and_never_the_same_one_twice():
    row = parsed(line=4)
    record, problems = assemble(row, [], row.course, SOURCE)
    assert record is None
    assert problems == [Problem(CERTIFICATES_FILE, 4, "number", "El certificado 12-2017 no tiene participantes.")]

    people = [
        person(10, "8.808.603-1"),
        person(11, "15.303.444-3", "CINTHYA BAIN RAMIREZ", 80),
        person(12, "8808603-1"),
    ]
    record, problems = assemble(row, people, row.course, SOURCE)
    assert record is None
    assert problems == [
        Problem(PARTICIPANTS_FILE, 12, "rut", "El RUT 8.808.603-1 ya está en la línea 10 del certificado 12-2017.")
    ]

    record, problems = assemble(row, people[:2], row.course, SOURCE)
    assert problems == [] and record is not None
    assert [p.name for p in record.participants] == ["RIGOBERTO ORLANDO CASTILLO BARRÍA", "CINTHYA BAIN RAMIREZ"]


def test_missing_columns_are_named_and_a_byte_order_mark_is_not_one():
    assert missing_columns(["\ufeffnumber", "rut", " name "], ("number", "rut", "name", "percent")) == ["percent"]


def test_a_course_is_created_in_the_state_its_latest_certificate_leaves_it():
    assert shown_course_state(CertificateStatus.VALID) is CertificateState.ISSUED
    assert shown_course_state(CertificateStatus.ANNULLED) is CertificateState.REISSUE_APPROVED
    latest = parsed(state="ANULADO", annulled_at="20-04-2017 15:30", annulment_reason="Factura equivocada.")
    created = course_to_create(latest)
    assert created.certificate_state is CertificateState.REISSUE_APPROVED
    assert replace(created, certificate_state=latest.course.certificate_state) == latest.course


def record_of(row: CertificateRow, *people: ParticipantRow) -> ImportedCertificate:
    record, problems = assemble(row, people or [person(10, "8.808.603-1")], course_to_create(row), SOURCE)
    assert record is not None, problems
    return record


def test_an_annulled_certificate_brings_its_annulment_approved_in_the_old_system():
    row = parsed(state="ANULADO", annulled_at="20-04-2017 15:30", annulment_reason="Factura equivocada.")
    annulment = historic_annulment(record_of(row))
    assert annulment is not None
    assert annulment.status is AnnulmentStatus.APPROVED
    assert (annulment.reason, annulment.requested_at, annulment.decided_at) == (
        "Factura equivocada.",
        row.annulled_at,
        row.annulled_at,
    )
    assert (annulment.certificate_number, annulment.course_code, annulment.region_code) == (
        CertificateNumber(2017, 12),
        "4900001",
        "13",
    )
    assert (annulment.requested_by_rut, annulment.decided_by_rut) == (OTEC.rut, None)
    # The same certificate always names the same request: a second import cannot add another.
    assert historic_annulment(record_of(row)).request_id == annulment.request_id  # type: ignore[union-attr]
    assert historic_annulment(record_of(parsed())) is None


def test_the_certificate_kept_says_where_it_came_from():
    record = record_of(parsed())
    certificate = imported_certificate(record, "HRVNB294NP8Q")
    assert certificate.source == SOURCE and certificate.imported
    assert (certificate.accepted_by_rut, certificate.invoice_number, certificate.verification_code) == (
        Rut.parse("11.111.111-1"),
        "F-4521",
        "HRVNB294NP8Q",
    )
    assert migration_source(date(2026, 12, 2)) == SOURCE


def test_a_certificate_already_kept_differs_only_where_the_file_says_something_else():
    record = record_of(parsed())
    kept = imported_certificate(record, "HRVNB294NP8Q")
    assert differences(kept, record, None) == []
    # Another source or another generated code is the same certificate.
    assert differences(replace(kept, source="otro", verification_code="ZZZZZZZZZZZZ"), record, None) == []

    other_people = record_of(parsed(), person(10, "8.808.603-1", percent=99))
    assert differences(kept, other_people, None) == ["participants"]
    renamed = record_of(parsed(course_name="OTRO CURSO", invoice_number="F-1"))
    assert differences(kept, renamed, None) == ["course", "invoice_number"]
    coded = record_of(parsed(verification_code="AAAAAAAAAAAA"))
    assert differences(kept, coded, None) == ["verification_code"]
    assert differences(replace(kept, pdf_sha256="a" * 64), record, "b" * 64) == ["pdf_file"]
