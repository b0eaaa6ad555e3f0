"""What only the two files together tell (`devtools.import_history`, validation only: no AWS): repeated
numbers, participants of no certificate or of an ambiguous one, a course of two institutions, a row of
the wrong width. Each is reported with its file and line, and refuses its certificates whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from devtools import import_history
from tests.unit.test_migration import certificate_row

COLUMNS = list(certificate_row())
PERSON = ("8.808.603-1", "RIGOBERTO ORLANDO CASTILLO BARRÍA", "29")


def write(directory: Path, certificates: list[dict[str, str]], people: list[tuple[str, ...]], header=None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "certificates.csv").open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(certificates)
    with (directory / "participants.csv").open("w", newline="", encoding="utf-8") as file:
        rows = csv.writer(file)
        rows.writerow(header or ("number", "rut", "name", "percent"))
        rows.writerows(people)
    return directory


def validate(directory: Path) -> tuple[import_history.Summary, list[str]]:
    out = io.StringIO()
    summary = import_history.run(directory, dry_run=True, out=out)
    return summary, [line for line in out.getvalue().splitlines() if line.startswith("ERROR")]


def test_a_number_repeated_in_one_institution_refuses_both_rows(tmp_path):
    directory = write(
        tmp_path,
        [certificate_row(), certificate_row(course_code="4900002"), certificate_row(number="13-2017")],
        [("12-2017", *PERSON), ("13-2017", *PERSON)],
    )
    summary, errors = validate(directory)

    assert errors == [
        "ERROR certificates.csv, línea 2, number: El número 12-2017 de esa institución se repite (líneas 2, 3).",
        "ERROR certificates.csv, línea 3, number: El número 12-2017 de esa institución se repite (líneas 2, 3).",
    ]
    assert (summary.rows, summary.refused) == (3, 2)


def test_participants_of_a_certificate_not_in_the_file_are_reported_once_per_number(tmp_path):
    directory = write(
        tmp_path,
        [certificate_row()],
        [("12-2017", *PERSON), ("99-2017", *PERSON), ("99-2017", "15.303.444-3", "CINTHYA BAIN", "80")],
    )
    summary, errors = validate(directory)

    assert errors == [
        "ERROR participants.csv, línea 3, number: El certificado 99-2017 no está en certificates.csv (2 filas)."
    ]
    assert summary.refused == 0


def test_a_number_two_institutions_share_needs_the_institution_of_each_participant(tmp_path):
    austral = {"institution_rut": "76.123.456-0", "institution_name": "Capacitación Austral Limitada"}
    both = [certificate_row(), certificate_row(course_code="4900002", **austral)]
    summary, errors = validate(write(tmp_path / "sin", both, [("12-2017", *PERSON)]))

    assert errors[0] == (
        "ERROR certificates.csv, línea 2, number: Sus participantes no dicen de qué institución es el "
        "certificado 12-2017."
    )
    assert errors[-1] == (
        "ERROR participants.csv, línea 2, institution_rut: Varias instituciones tienen un certificado 12-2017: "
        "indique institution_rut en sus 1 filas."
    )
    assert summary.refused == 2

    people = [("12-2017", *PERSON, "75.998.240-1"), ("12-2017", *PERSON, "76.123.456-0")]
    header = ("number", "rut", "name", "percent", "institution_rut")
    summary, errors = validate(write(tmp_path / "con", both, people, header))
    assert (errors, summary.refused) == ([], 0)


def test_a_course_of_two_institutions_and_a_code_used_twice_are_refused(tmp_path):
    austral = {"institution_rut": "76.123.456-0", "institution_name": "Capacitación Austral Limitada"}
    directory = write(
        tmp_path,
        [
            certificate_row(),
            certificate_row(number="1-2017", **austral),
            certificate_row(number="14-2017", course_code="4900003", verification_code="AAAAAAAAAAAA"),
            certificate_row(number="15-2017", course_code="4900004", verification_code="aaaaaaaaaaaa"),
        ],
        [
            ("12-2017", *PERSON, "75.998.240-1"),
            ("1-2017", *PERSON, "76.123.456-0"),
            ("14-2017", *PERSON, ""),
            ("15-2017", *PERSON, ""),
        ],
        ("number", "rut", "name", "percent", "institution_rut"),
    )
    summary, errors = validate(directory)

    assert errors == [
        "ERROR certificates.csv, línea 2, number: El curso 4900001 aparece con más de una institución.",
        "ERROR certificates.csv, línea 3, number: El curso 4900001 aparece con más de una institución.",
        "ERROR certificates.csv, línea 4, number: El código de verificación AAAAAAAAAAAA se repite (líneas 4, 5).",
        "ERROR certificates.csv, línea 5, number: El código de verificación AAAAAAAAAAAA se repite (líneas 4, 5).",
    ]
    assert summary.refused == 4


def test_a_row_of_the_wrong_width_and_a_certificate_without_participants(tmp_path):
    directory = write(tmp_path, [certificate_row(), certificate_row(number="13-2017", course_code="4900002")], [])
    with (directory / "participants.csv").open("a", encoding="utf-8") as file:
        file.write("12-2017,8.808.603-1,RIGOBERTO,29,sobra\n")
    summary, errors = validate(directory)

    assert errors == [
        "ERROR certificates.csv, línea 2, number: Tiene participantes con errores (participants.csv, líneas 2).",
        "ERROR certificates.csv, línea 3, number: El certificado 13-2017 no tiene participantes.",
        "ERROR participants.csv, línea 2, (fila): La fila tiene 5 columnas y el encabezado 4.",
    ]
    assert summary.refused == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("certificates.csv", b"number,rut\n", "certificates.csv: faltan las columnas institution_rut"),
        ("participants.csv", "número\n".encode("latin-1"), "participants.csv no está en UTF-8."),
    ],
)
def test_files_that_cannot_be_read_stop_everything(tmp_path, name, content, message):
    directory = write(tmp_path, [certificate_row()], [("12-2017", *PERSON)])
    (directory / name).write_bytes(content)

    with pytest.raises(import_history.FilesError, match=message):
        validate(directory)


def test_a_directory_that_is_not_there(tmp_path):
    with pytest.raises(import_history.FilesError, match="no es un directorio"):
        validate(tmp_path / "nada")
