"""Excel downloads, streamed: openpyxl's write-only mode keeps memory flat whatever the row count.

Text that Excel could read as a formula (=, +, -, @) is written as a quoted string, and control
characters that the format forbids are dropped, so a name typed by anyone is shown, never run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ..domain.clock import CHILE
from ..domain.course_queries import CourseAttendance, ParticipantSessions
from ..domain.courses import Course
from ..domain.duration import Duration
from ..domain.exports import ExportRow
from ..domain.privacy import SubjectReport
from ..domain.reachability import Reach

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BOLD = Font(bold=True)


def day(value: date) -> str:
    """dd-mm-aaaa, as every screen of the manual shows dates."""
    return value.strftime("%d-%m-%Y")


def clock_time(value: datetime | None) -> str:
    return value.astimezone(CHILE).strftime("%H:%M:%S") if value else ""


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = ()


def _header(sheet: WriteOnlyWorksheet, value: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = _BOLD
    return cell


def _safe(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Plain values go through as they are (fast); text that could be a formula becomes a quoted string."""
    if not isinstance(value, str):
        return value
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def write_workbook(out: IO[bytes], sheets: Iterable[Sheet]) -> int:
    """Write the sheets to `out`; returns the number of data rows written."""
    workbook = Workbook(write_only=True)
    count = 0
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        for index, width in enumerate(spec.widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.append([_header(sheet, header) for header in spec.headers])
        for row in spec.rows:
            sheet.append([_safe(sheet, value) for value in row])
            count += 1
    workbook.save(out)
    return count


COURSE_LIST_HEADERS = (
    "Código Curso",
    "Código SENCE",
    "Curso",
    "Programa",
    "Horas Acreditadas",
    "Fecha Inicio",
    "Fecha Término",
    "Región",
    "Estado Certificado",
)


def course_list_sheet(courses: Iterable[Course]) -> Sheet:
    rows = (
        (
            course.course_code,
            course.sence_code,
            course.name,
            course.program.label,
            course.accredited_hours,
            day(course.start_date),
            day(course.end_date),
            course.region_name,
            course.certificate_state.label,
        )
        for course in courses
    )
    return Sheet("Listado de Cursos SENCE", COURSE_LIST_HEADERS, rows, (14, 14, 48, 18, 10, 13, 13, 26, 26))


SESSION_HEADERS = (
    "Fecha",
    "Facilitador",
    "Inicio Sesión",
    "Fin Sesión",
    "Duración Sesión",
    "Hora Inicio",
    "Hora Fin",
    "Duración Participante",
    "Tiempo de gracia",
)


def _session_cells(row: Any) -> tuple[Any, ...]:
    session = row.session
    return (
        day(session.start.astimezone(CHILE).date()),
        session.facilitator,
        clock_time(session.start),
        clock_time(session.end),
        session.length.hhmmss(),
        clock_time(row.first_entry),
        clock_time(row.last_exit),
        row.credited.hhmmss(),
        "Sí" if row.grace_applied else "No",
    )


REACH_HEADERS = ("Horas realizadas", "Máximo alcanzable %", "Alerta")


def _reach_cells(reach: Reach, minimum: int | None) -> tuple[Any, ...]:
    """Held time, the maximum still reachable and the alert in words (never colour alone)."""
    return (Duration(reach.held_seconds).hhmmss(), reach.max_reachable_percent, reach.risk.label(minimum) or "—")


def participant_sessions_sheets(result: ParticipantSessions) -> list[Sheet]:
    participant = result.participant
    rows = [_session_cells(row) for row in result.attendance.sessions]
    summary = Sheet(
        "Participante",
        (
            "Código Curso",
            "Curso",
            "RUT Participante",
            "Nombre Participante",
            "Tiempo acreditado",
            "Porcentaje",
            *REACH_HEADERS,
        ),
        [
            (
                result.course.course_code,
                result.course.name,
                participant.rut.formatted(),
                participant.name,
                result.attendance.credited.hhmmss(),
                result.attendance.percent,
                *_reach_cells(result.reach, result.course.minimum_percent),
            )
        ],
        (14, 40, 16, 40, 18, 12, 18, 16, 20),
    )
    return [
        Sheet("Registro de Asistencia", SESSION_HEADERS, rows, (12, 36, 13, 13, 15, 12, 12, 20, 16)),
        summary,
    ]


def course_attendance_sheets(result: CourseAttendance) -> list[Sheet]:
    minimum = result.course.minimum_percent
    headers = ["RUT Participante", "Nombre Participante", "Porcentaje Asistencia", "Tiempo acreditado"]
    if minimum is not None:
        headers.append(f"Bajo {minimum} %")
    headers.extend(REACH_HEADERS)
    summary_rows = []
    for row in result.rows:
        cells: list[Any] = [
            row.participant.rut.formatted(),
            row.participant.name,
            row.attendance.percent,
            row.attendance.credited.hhmmss(),
        ]
        if minimum is not None:
            cells.append("Sí" if row.below_minimum else "No")
        cells.extend(_reach_cells(row.reach, minimum))
        summary_rows.append(cells)
    detail_rows = (
        (row.participant.rut.formatted(), row.participant.name, *_session_cells(session_row))
        for row in result.rows
        for session_row in row.attendance.sessions
    )
    return [
        Sheet("Asistencia Total", headers, summary_rows, (16, 40, 12, 16, 10, 18, 16, 20)),
        Sheet(
            "Sesiones",
            ("RUT Participante", "Nombre Participante", *SESSION_HEADERS),
            detail_rows,
            (16, 40, 12, 36, 13, 13, 15, 12, 12, 20, 16),
        ),
    ]


NIGHTLY_HEADERS = (
    "Movimiento",
    "N° Certificado",
    "Código Curso",
    "Curso",
    "Código SENCE",
    "OTEC",
    "RUT OTEC",
    "Empresa",
    "RUT Empresa",
    "Participantes",
    "Fecha de emisión",
    "Aceptado por",
    "RUT Aceptante",
    "Estado",
    "Fecha de anulación",
)


def nightly_sheets(region_name: str, day: date, rows: Sequence[Any]) -> list[Sheet]:
    """The export of one region and day; a day without movements says so in the file itself."""

    def cells(row: Any) -> tuple[Any, ...]:
        certificate = row.certificate
        course = certificate.course
        return (
            row.movement.value,
            str(certificate.number),
            certificate.course_code,
            course.name if course else "",
            course.sence_code if course else "",
            course.institution.name if course else "",
            certificate.institution_rut.formatted(),
            course.company.name if course else "",
            course.company.rut.formatted() if course else "",
            len(certificate.participants),
            day_of(certificate.issued_at),
            certificate.accepted_by_name,
            certificate.accepted_by_rut.formatted(),
            "Anulado" if certificate.status.value == "ANNULLED" else "Vigente",
            day_of(certificate.annulled_at) if certificate.annulled_at else "",
        )

    summary = Sheet(
        "Resumen",
        ("Región", "Día", "Certificados emitidos", "Certificados anulados", "Observación"),
        [
            (
                region_name,
                day.strftime("%d-%m-%Y"),
                sum(1 for r in rows if r.movement.value == "Emitido"),
                sum(1 for r in rows if r.movement.value == "Anulado"),
                "Sin movimientos este día." if not rows else "",
            )
        ],
        (32, 12, 22, 22, 30),
    )
    detail = Sheet(
        "Movimientos",
        NIGHTLY_HEADERS,
        (cells(r) for r in rows),
        (12, 14, 12, 40, 14, 36, 14, 30, 14, 12, 14, 32, 14, 10, 16),
    )
    return [summary, detail]


def subject_report_sheets(report: SubjectReport) -> list[Sheet]:
    """The data subject's report: one sheet per part, each saying so when it has nothing."""

    def none_if_empty(rows: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
        return rows or [("Sin registros", *([""] * (width - 1)))]

    def moment(value: datetime | None) -> str:
        return value.astimezone(CHILE).strftime("%d-%m-%Y %H:%M:%S") if value else ""

    summary = Sheet(
        "Titular",
        ("RUT", "Nombres registrados", "Generado", "Inscripciones", "Certificados", "Correos", "Accesos"),
        [
            (
                report.subject.formatted(),
                "; ".join(report.names),
                moment(report.generated_at),
                len(report.enrolments),
                len(report.certificates),
                len(report.emails),
                len(report.accesses),
            )
        ],
        (16, 40, 20, 14, 14, 10, 10),
    )
    enrolments = Sheet(
        "Inscripciones",
        ("Código Curso", "Curso", "OTEC", "Inicio", "Término", "Nombre inscrito", "% Asistencia", "Corrección"),
        none_if_empty(
            [
                (
                    e.course.course_code,
                    e.course.name,
                    e.course.institution.name,
                    e.course.start_date.strftime("%d-%m-%Y"),
                    e.course.end_date.strftime("%d-%m-%Y"),
                    e.participant.name,
                    e.attendance.percent,
                    e.correction_note or "",
                )
                for e in report.enrolments
            ],
            8,
        ),
        (12, 40, 36, 12, 12, 36, 12, 60),
    )
    marks = Sheet(
        "Marcas",
        ("Código Curso", *SESSION_HEADERS),
        none_if_empty(
            [(e.course.course_code, *_session_cells(row)) for e in report.enrolments for row in e.attendance.sessions],
            1 + len(SESSION_HEADERS),
        ),
        (12, 12, 36, 13, 13, 15, 12, 12, 20, 16, 16),
    )
    certificates = Sheet(
        "Certificados",
        ("N° Certificado", "RUT OTEC", "Código Curso", "Estado", "Nombre", "% Asistencia", "Emitido"),
        none_if_empty(
            [
                (
                    str(held.certificate.number),
                    held.certificate.institution_rut.formatted(),
                    held.certificate.course_code,
                    "Anulado" if held.certificate.status.value == "ANNULLED" else "Vigente",
                    held.entry.name,
                    held.entry.percent,
                    moment(held.certificate.issued_at),
                )
                for held in report.certificates
            ],
            7,
        ),
        (14, 14, 12, 10, 36, 12, 20),
    )
    emails = Sheet(
        "Correos",
        ("Enviado", "Correo"),
        none_if_empty([(moment(a.at), a.detail or "") for a in report.emails], 2),
        (20, 80),
    )
    accesses = Sheet(
        "Accesos",
        ("Cuándo", "RUT", "Perfil", "Institución", "Qué", "Curso", "Certificado", "Titular", "Correlación"),
        none_if_empty(
            [
                (
                    moment(a.at),
                    a.actor_rut.formatted() if a.actor_rut else "",
                    a.actor_profile or "",
                    a.actor_institution.formatted() if a.actor_institution else "",
                    a.what.value,
                    a.course_code or "",
                    a.certificate or "",
                    a.subject_rut.formatted() if a.subject_rut else "",
                    a.correlation_id or "",
                )
                for a in report.accesses
            ],
            9,
        ),
        (20, 14, 24, 14, 22, 12, 14, 14, 38),
    )
    return [summary, enrolments, marks, certificates, emails, accesses]


def day_of(moment: datetime | None) -> str:
    return moment.astimezone(CHILE).strftime("%d-%m-%Y") if moment else ""


class ExcelWorkbooks:
    """The workbooks port: each download's sheets, written to `out`."""

    def course_list(self, courses: Iterable[Course], out: IO[bytes]) -> None:
        write_workbook(out, [course_list_sheet(courses)])

    def course_attendance(self, result: CourseAttendance, out: IO[bytes]) -> None:
        write_workbook(out, course_attendance_sheets(result))

    def participant_sessions(self, result: ParticipantSessions, out: IO[bytes]) -> None:
        write_workbook(out, participant_sessions_sheets(result))

    def nightly(self, region_name: str, day: date, rows: Sequence[ExportRow], out: IO[bytes]) -> None:
        write_workbook(out, nightly_sheets(region_name, day, rows))

    def subject_report(self, report: SubjectReport, out: IO[bytes]) -> None:
        write_workbook(out, subject_report_sheets(report))
