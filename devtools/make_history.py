"""Writes a directory of historic certificates to import (`devtools.import_history`), deterministically:
the same arguments always give the same files.

    python -m devtools.make_history [DIR] [--certificates N] [--participants P] [--shared-pdf]

Without arguments it writes `devtools/historic_example/` (committed): 300 certificates of 2014 and 2015
of the three demo institutions, courses unknown to the demo data (codes 49xxxxx), some annulled and
issued again, some annulled only, some with the verification code of the old system, three with their
original PDF. `--participants P` gives every certificate P participants (else 3 to 25);
`--shared-pdf` gives every certificate the same small original PDF (`original.pdf`), which the import
stores without rendering anything (the benchmark, `make bench-import`, measures the import, not fpdf2);
`--without-codes` leaves every verification code to GCA.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from chalicelib.domain.clock import CHILE
from chalicelib.domain.migration import CERTIFICATE_COLUMNS, PARTICIPANT_COLUMNS
from chalicelib.domain.rut import Rut, compute_check_digit

EXAMPLE = Path(__file__).resolve().parent / "historic_example"
_SEED = 20150601
_FIRST_DAY = date(2014, 1, 6)
_DAYS = 700  # up to early December 2015
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class _Institution:
    rut: str
    name: str
    regions: tuple[str, ...]
    signers: tuple[tuple[str, str], ...]


_INSTITUTIONS = (
    _Institution(
        "75.998.240-1",
        "Fundación de Capacitación Sofofa",
        ("13", "05"),
        (("11.111.111-1", "KARIN LAURINA SUÁREZ OSORIO"), ("9.876.543-3", "JORGE ANDRÉS PIZARRO LEÓN")),
    ),
    _Institution(
        "76.123.456-0",
        "Capacitación Austral Limitada",
        ("08", "13"),
        (("12.345.678-5", "PATRICIA NÚÑEZ D'ALENCON"),),
    ),
    _Institution(
        "77.654.321-7",
        "Instituto de Formación Biobío SpA",
        ("08",),
        (("10.203.040-0", "RODRIGO IGNACIO MUÑOZ O'RYAN"),),
    ),
)
_COMPANIES = (
    ("96.543.210-8", "Transportes Cordillera S.A."),
    ("76.987.654-5", "Comercial Ñuñoa Limitada"),
    ("70.123.456-1", "Alimentos del Pacífico S.A."),
)
_OTIC = ("65.432.100-0", "Corporación OTIC Capacita Chile")
_COURSES = (
    "OPERACIÓN DE GRÚA HORQUILLA",
    "MANEJO DE HERRAMIENTAS EMPRESARIALES",
    "ATENCIÓN DE CLIENTES Y CALIDAD DE SERVICIO",
    "PREVENCIÓN DE RIESGOS EN FAENAS",
    "EXCEL INTERMEDIO PARA LA GESTIÓN",
    "SOLDADURA AL ARCO MANUAL",
    "PRIMEROS AUXILIOS EN EL TRABAJO",
    "LOGÍSTICA Y BODEGAJE",
)
_FIRST = ("MARÍA", "JOSÉ", "ANA", "JUAN", "CAROLINA", "LUIS", "FERNANDA", "PEDRO", "ÑUSTA", "IGNACIO", "SOFÍA", "RAÚL")
_SURNAMES = (
    "GONZÁLEZ",
    "MUÑOZ",
    "ROJAS",
    "DÍAZ",
    "PÉREZ",
    "SOTO",
    "CONTRERAS",
    "SILVA",
    "MARTÍNEZ",
    "SEPÚLVEDA",
    "O'HIGGINS",
    "D'ÁVILA",
    "PEÑA",
    "CASTILLO",
    "BARRÍA",
)
_REASONS = (
    "Se informó un N° de factura equivocado en el certificado.",
    "Error en el nombre de un participante.",
    "Porcentaje de asistencia mal calculado por marcas duplicadas.",
)


def _rut(body: int) -> str:
    return Rut(body, compute_check_digit(body)).formatted()


def _moment(value: datetime) -> str:
    return value.astimezone(CHILE).strftime("%d-%m-%Y %H:%M")


@dataclass
class _Certificate:
    row: dict[str, str]
    participants: list[tuple[str, str, int]]


def _certificates(total: int, participants: int | None, shared_pdf: bool, with_codes: bool) -> Iterator[_Certificate]:
    """The certificates in the order the old system issued them."""
    rng = random.Random(_SEED)
    sequences: dict[tuple[str, int], int] = {}
    course = 0
    emitted = 0
    pending_reissue: list[tuple[int, dict[str, str], list[tuple[str, str, int]], datetime]] = []
    while emitted < total:
        slot = emitted
        when = datetime.combine(
            _FIRST_DAY + timedelta(days=slot * _DAYS // max(total, 1)), time(9 + slot % 8, (slot * 7) % 60)
        ).replace(tzinfo=CHILE)
        if pending_reissue and pending_reissue[0][3] <= when:
            # The re-issue of a course whose certificate was annulled: the same course, a new number.
            _, base, people, _due = pending_reissue.pop(0)
            row = dict(base)
            row.update(
                invoice_number=f"F-{rng.randint(10_000, 99_999)}", state="EMITIDO", annulled_at="", annulment_reason=""
            )
            people = [(rut, name, min(100, percent + 5)) for rut, name, percent in people]
            yield _finish(row, people, when, sequences, rng, slot, shared_pdf, with_codes)
            emitted += 1
            continue
        course += 1
        institution = rng.choices(_INSTITUTIONS, weights=(3, 1, 1))[0]
        hours = rng.choice((8, 12, 16, 24, 40, 70))
        end = when.date() - timedelta(days=rng.randint(2, 20))
        start = end - timedelta(days=max(5, hours * 2))
        company = rng.choice(_COMPANIES)
        otic = _OTIC if course % 3 else ("", "")
        signer = rng.choice(institution.signers)
        row = {
            "institution_rut": institution.rut,
            "institution_name": institution.name,
            "course_code": str(4_900_000 + course),
            "sence_code": f"12377{50_000 + course % 40_000:05d}",
            "course_name": rng.choice(_COURSES),
            "program": "aprendizajes" if course % 4 == 3 else "impulsa_personas",
            "activity_type": "within_year" if start.year == end.year else "partial",
            "region_code": rng.choice(institution.regions),
            "start_date": start.strftime("%d-%m-%Y"),
            "end_date": end.strftime("%d-%m-%Y"),
            "accredited_hours": str(hours),
            "company_rut": company[0],
            "company_name": company[1],
            "otic_rut": otic[0],
            "otic_name": otic[1],
            "invoice_number": f"F-{rng.randint(10_000, 99_999)}",
            "signer_rut": signer[0],
            "signer_name": signer[1],
            "state": "EMITIDO",
            "annulled_at": "",
            "annulment_reason": "",
        }
        size = participants or rng.randint(3, 25)
        bodies = rng.sample(range(5_000_000, 25_000_000), size)
        people = [
            (_rut(body), f"{rng.choice(_FIRST)} {rng.choice(_SURNAMES)} {rng.choice(_SURNAMES)}", rng.randint(40, 100))
            for body in bodies
        ]
        if course % 12 == 5 or course % 25 == 7:
            annulled_at = when + timedelta(days=10, hours=2)
            row.update(
                state="ANULADO", annulled_at=_moment(annulled_at), annulment_reason=_REASONS[course % len(_REASONS)]
            )
            if course % 12 == 5:
                pending_reissue.append((course, row, people, annulled_at + timedelta(days=2)))
        yield _finish(row, people, when, sequences, rng, slot, shared_pdf, with_codes)
        emitted += 1


def _finish(
    row: dict[str, str],
    people: list[tuple[str, str, int]],
    when: datetime,
    sequences: dict[tuple[str, int], int],
    rng: random.Random,
    slot: int,
    shared_pdf: bool,
    with_codes: bool,
) -> _Certificate:
    key = (row["institution_rut"], when.year)
    sequences[key] = sequences.get(key, 0) + 1
    number = f"{sequences[key]}-{when.year}"
    code = "".join(rng.choice(_CODE_ALPHABET) for _ in range(12)) if slot % 2 == 0 and with_codes else ""
    pdf_file = ""
    if shared_pdf:
        pdf_file = "original.pdf"
    elif sequences[key] == 1 and when.year == _FIRST_DAY.year:
        # The first certificate of each institution comes with its original PDF.
        pdf_file = f"pdf/{Rut.parse(row['institution_rut']).compact()}-{number}.pdf"
    return _Certificate(
        {**row, "number": number, "issued_at": _moment(when), "pdf_file": pdf_file, "verification_code": code},
        people,
    )


def _original_pdf(title: str, lines: list[str]) -> bytes:
    """A small stand-in for a PDF the old system issued (its core font needs no embedding)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF()
    pdf.set_creation_date(datetime(2015, 12, 31, tzinfo=UTC))
    pdf.set_creator("Sistema anterior de certificados (ejemplo)")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for line in lines:
        pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def write(
    directory: Path,
    total: int,
    participants: int | None = None,
    shared_pdf: bool = False,
    with_codes: bool = True,
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    columns = (*CERTIFICATE_COLUMNS, "pdf_file", "verification_code")
    with (
        (directory / "certificates.csv").open("w", newline="", encoding="utf-8") as certificates_file,
        (directory / "participants.csv").open("w", newline="", encoding="utf-8") as participants_file,
    ):
        certificates = csv.DictWriter(certificates_file, fieldnames=columns, lineterminator="\n")
        people = csv.writer(participants_file, lineterminator="\n")
        certificates.writeheader()
        # Each institution numbers its own certificates: the optional column says whose each row is.
        people.writerow((*PARTICIPANT_COLUMNS, "institution_rut"))
        for certificate in _certificates(total, participants, shared_pdf, with_codes):
            row = certificate.row
            certificates.writerow(row)
            for rut, name, percent in certificate.participants:
                people.writerow((row["number"], rut, name, percent, row["institution_rut"]))
            if row["pdf_file"] and not shared_pdf:
                path = directory / row["pdf_file"]
                path.parent.mkdir(parents=True, exist_ok=True)
                lines = [
                    f"{row['institution_name']} ({row['institution_rut']})",
                    f"Curso {row['course_code']}: {row['course_name']}",
                    f"Emitido el {row['issued_at']}",
                    *(f"{rut}  {name}  {percent} %" for rut, name, percent in certificate.participants),
                ]
                path.write_bytes(_original_pdf(f"CERTIFICADO DE ASISTENCIA N° {row['number']}", lines))
    if shared_pdf:
        (directory / "original.pdf").write_bytes(
            _original_pdf("CERTIFICADO DE ASISTENCIA", ["Archivo compartido por el benchmark."])
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.make_history", description=__doc__)
    parser.add_argument("directory", nargs="?", type=Path, default=EXAMPLE)
    parser.add_argument("--certificates", type=int, default=300)
    parser.add_argument("--participants", type=int, default=None)
    parser.add_argument("--shared-pdf", action="store_true")
    parser.add_argument("--without-codes", action="store_true", help="no verification codes of the old system")
    args = parser.parse_args(argv)
    write(args.directory, args.certificates, args.participants, args.shared_pdf, not args.without_codes)


if __name__ == "__main__":
    main()
