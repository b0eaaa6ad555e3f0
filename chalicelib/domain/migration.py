"""Migration of historic certificates: the two CSV files of the system GCA replaces, read row by row,
checked, and turned into the certificates (with their courses and annulments) GCA keeps.

The rules (`docs/migration.md`): every value is checked and each problem is reported as (file, line,
column, reason in Spanish); a certificate with any problem, in its own row or in one of its
participants' rows, is not imported at all. RUTs carry a right check digit; dates exist (and times exist
in Chile: not inside the hour the clocks skip); the course ends on or after its start; hours are a whole
number above zero; region, program and activity type are known; a percentage is a whole number 0 to 100;
an ANULADO certificate has its annulment date and reason, an EMITIDO one neither; the number is `N-AAAA`
with AAAA the year of issue in Chile; a certificate has at least one participant, none twice; a
`pdf_file` stays inside the import directory and is a PDF.

Nothing here reads a file: the command streams the rows in, and `PdfFiles` is how it lets the rules see
the first bytes of a PDF.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Protocol, TypeVar

from .certificates import (
    AnnulmentRequest,
    AnnulmentStatus,
    Certificate,
    CertificateEvent,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    FrozenParticipant,
    numbering_year,
    state_after,
)
from .clock import CHILE
from .courses import (
    REGIONS,
    ActivityType,
    Course,
    Party,
    Program,
    parse_course_code,
    parse_sence_code,
)
from .errors import DomainError, InvalidInputError
from .issuing import parse_invoice
from .registry import MAX_HOURS, MAX_NAME, MAX_PARTICIPANT_NAME, MAX_PARTY_NAME
from .rut import Rut
from .text import clean, trim

CERTIFICATES_FILE = "certificates.csv"
PARTICIPANTS_FILE = "participants.csv"

# The columns of certificates.csv as the issue fixes them; `pdf_file` and `verification_code` may be
# left out of the header altogether.
CERTIFICATE_COLUMNS = (
    "number",
    "institution_rut",
    "institution_name",
    "course_code",
    "sence_code",
    "course_name",
    "program",
    "activity_type",
    "region_code",
    "start_date",
    "end_date",
    "accredited_hours",
    "company_rut",
    "company_name",
    "otic_rut",
    "otic_name",
    "invoice_number",
    "issued_at",
    "signer_rut",
    "signer_name",
    "state",
    "annulled_at",
    "annulment_reason",
)
OPTIONAL_CERTIFICATE_COLUMNS = ("pdf_file", "verification_code")
PARTICIPANT_COLUMNS = ("number", "rut", "name", "percent")
# Certificate numbers count per institution: when two institutions of one file share a number, the
# participants' rows say whose they are in this optional column.
OPTIONAL_PARTICIPANT_COLUMNS = ("institution_rut",)

EMITIDO = "EMITIDO"
ANULADO = "ANULADO"
_STATUS_OF = {EMITIDO: CertificateStatus.VALID, ANULADO: CertificateStatus.ANNULLED}
# One certificate is one DynamoDB item (400 KB): far more participants than any course has.
MAX_CERTIFICATE_PARTICIPANTS = 2_000
MAX_REASON = 2_000

_DAY = re.compile(r"([0-9]{2})-([0-9]{2})-([0-9]{4})")
_MOMENT = re.compile(r"([0-9]{2})-([0-9]{2})-([0-9]{4}) ([0-9]{2}):([0-9]{2})")
_WHOLE = re.compile(r"[0-9]{1,6}")
_CODE = re.compile(r"[A-Z0-9]{12}")
_PDF_MAGIC = b"%PDF"
PDF_HEAD_BYTES = len(_PDF_MAGIC)


@dataclass(frozen=True, order=True)
class Problem:
    """Why a row cannot be imported: the file, its line (the header is line 1), the column, the reason."""

    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, línea {self.line}, {self.field}: {self.reason}"


class PdfFiles(Protocol):
    """The original PDFs of an import directory, as the command lets the rules see them."""

    def head(self, relative: str) -> bytes | None:
        """The first bytes of the file at `relative` inside the directory; None when there is no such
        file inside it (a link out of the directory counts as none)."""
        ...


def missing_columns(header: Sequence[str] | None, required: Sequence[str]) -> list[str]:
    """The required columns a CSV header lacks (a byte-order mark before the first is not a column)."""
    present = {trim(name).lstrip("\ufeff") for name in header or ()}
    return [name for name in required if name not in present]


# ---------------------------------------------------------------- one row of certificates.csv


@dataclass(frozen=True)
class CertificateRow:
    """A row of certificates.csv, checked: one certificate as the old system issued it."""

    line: int
    number: CertificateNumber
    # The course as the certificate printed it.
    course: Course
    invoice_number: str
    issued_at: datetime
    signer: Party
    status: CertificateStatus
    annulled_at: datetime | None
    annulment_reason: str | None
    pdf_file: str | None
    verification_code: str | None

    @property
    def institution(self) -> Party:
        return self.course.institution


T = TypeVar("T")


class _Reader:
    """Reads the fields of one row, collecting a Problem for each one that is wrong."""

    def __init__(self, file: str, line: int, row: Mapping[str, str | None]) -> None:
        self.file, self.line, self.row = file, line, row
        self.problems: list[Problem] = []

    def raw(self, name: str) -> str:
        value = self.row.get(name)
        return trim(value) if isinstance(value, str) else ""

    def refuse(self, name: str, reason: str) -> None:
        self.problems.append(Problem(self.file, self.line, name, reason))

    def read(self, name: str, parse: Callable[[str], T]) -> T | None:
        try:
            return parse(self.raw(name))
        except InvalidInputError as error:
            self.refuse(name, error.message)
            return None

    def text(self, name: str, maximum: int, label: str) -> str | None:
        value = clean(self.row.get(name) or "")
        if not value:
            self.refuse(name, f"Falta {label}.")
            return None
        if len(value) > maximum:
            self.refuse(name, f"{label[0].upper()}{label[1:]} admite hasta {maximum} caracteres.")
            return None
        return value

    def rut(self, name: str) -> Rut | None:
        return self.read(name, lambda raw: Rut.parse(raw, field=name))

    def party(self, rut_column: str, name_column: str, label: str) -> Party | None:
        who = self.rut(rut_column)
        name = self.text(name_column, MAX_PARTY_NAME, f"la razón social {label}")
        return Party(who, name) if who is not None and name is not None else None


def _day(raw: str) -> date:
    match = _DAY.fullmatch(raw)
    try:
        if match is None:
            raise ValueError(raw)
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        raise InvalidInputError("La fecha debe ser dd-mm-aaaa y existir en el calendario.") from None


def chile_moment(raw: str) -> datetime:
    """`dd-mm-aaaa hh:mm`, Chile time. A time the clocks skip when summer time starts does not exist;
    in the hour that repeats when it ends, the first one is meant."""
    match = _MOMENT.fullmatch(raw)
    try:
        if match is None:
            raise ValueError(raw)
        day, month, year, hour, minute = (int(part) for part in match.groups())
        wall = datetime(year, month, day, hour, minute)
    except ValueError:
        raise InvalidInputError("La fecha y hora debe ser dd-mm-aaaa hh:mm y existir en el calendario.") from None
    local = wall.replace(tzinfo=CHILE)
    if local.astimezone(UTC).astimezone(CHILE).replace(tzinfo=None) != wall:
        raise InvalidInputError("Esa hora no existe en Chile (el reloj se adelantó por el horario de verano).")
    return local


def _whole(raw: str, least: int, most: int, what: str) -> int:
    if not _WHOLE.fullmatch(raw) or not least <= int(raw) <= most:
        raise InvalidInputError(f"{what} debe ser un número entero entre {least} y {most}.")
    return int(raw)


def _program(raw: str) -> Program:
    try:
        return Program(raw)
    except ValueError:
        raise InvalidInputError("El programa es impulsa_personas o aprendizajes.") from None


def _activity(raw: str) -> ActivityType:
    try:
        return ActivityType(raw)
    except ValueError:
        raise InvalidInputError(
            "El tipo de actividad es within_year (dentro del año calendario) o partial (parcial)."
        ) from None


def _region(raw: str) -> str:
    if raw not in REGIONS:
        raise InvalidInputError("La región no existe (código de región, por ejemplo 13).")
    return raw


def _state(raw: str) -> CertificateStatus:
    status = _STATUS_OF.get(raw.upper())
    if status is None:
        raise InvalidInputError("El estado es EMITIDO o ANULADO.")
    return status


def _verification_code(raw: str) -> str | None:
    if not raw:
        return None
    code = raw.upper()
    if not _CODE.fullmatch(code):
        raise InvalidInputError("El código de verificación tiene 12 letras o dígitos (se verifica con ellos).")
    return code


def _pdf_file(raw: str, pdfs: PdfFiles) -> str | None:
    if not raw:
        return None
    path = PurePosixPath(raw)
    if "\\" in raw or path.is_absolute() or ".." in path.parts or re.match(r"[A-Za-z]:", raw):
        raise InvalidInputError("La ruta del PDF es relativa al directorio de importación y no sale de él.")
    head = pdfs.head(raw)
    if head is None:
        raise InvalidInputError(f"No existe el archivo {raw} dentro del directorio de importación.")
    if not head.startswith(_PDF_MAGIC):
        raise InvalidInputError(f"El archivo {raw} no es un PDF (no empieza con %PDF).")
    return raw


def row_key(row: Mapping[str, str | None]) -> tuple[Rut, CertificateNumber] | None:
    """The institution and number a row names, when both can be read (whatever else is wrong in it)."""
    try:
        return Rut.parse(trim(row.get("institution_rut") or "")), CertificateNumber.parse(row.get("number") or "")
    except InvalidInputError:
        return None


def parse_certificate_row(
    line: int, row: Mapping[str, str | None], pdfs: PdfFiles, now: datetime
) -> tuple[CertificateRow | None, list[Problem]]:
    """One row of certificates.csv: the certificate it describes, or None and every problem in it."""
    r = _Reader(CERTIFICATES_FILE, line, row)
    number = r.read("number", CertificateNumber.parse)
    institution = r.party("institution_rut", "institution_name", "de la institución")
    code = r.read("course_code", parse_course_code)
    sence_code = r.read("sence_code", parse_sence_code)
    name = r.text("course_name", MAX_NAME, "el nombre del curso")
    program = r.read("program", _program)
    activity = r.read("activity_type", _activity)
    region = r.read("region_code", _region)
    start, end = r.read("start_date", _day), r.read("end_date", _day)
    if start and end and end < start:
        r.refuse("end_date", "La fecha de término no puede ser anterior a la de inicio.")
    hours = r.read("accredited_hours", lambda raw: _whole(raw, 1, MAX_HOURS, "Las horas acreditadas"))
    company = r.party("company_rut", "company_name", "de la empresa")
    otic: Party | None = None
    if r.raw("otic_rut") or r.raw("otic_name"):
        otic = r.party("otic_rut", "otic_name", "de la OTIC")
    invoice = r.read("invoice_number", parse_invoice)
    issued_at = r.read("issued_at", chile_moment)
    if issued_at and issued_at > now:
        r.refuse("issued_at", "La fecha de emisión es posterior a hoy.")
    if issued_at and number and number.year != numbering_year(issued_at):
        r.refuse("number", f"El año del número ({number.year}) no es el año de emisión ({issued_at.year}).")
    signer = r.party("signer_rut", "signer_name", "del firmante")
    status = r.read("state", _state)
    annulled_at, reason = None, None
    if status is CertificateStatus.ANNULLED:
        annulled_at = r.read("annulled_at", chile_moment) if r.raw("annulled_at") else None
        if not r.raw("annulled_at"):
            r.refuse("annulled_at", "Un certificado ANULADO lleva su fecha de anulación (dd-mm-aaaa hh:mm).")
        reason = r.text("annulment_reason", MAX_REASON, "el motivo de la anulación")
        if annulled_at and issued_at and annulled_at < issued_at:
            r.refuse("annulled_at", "La anulación no puede ser anterior a la emisión.")
        if annulled_at and annulled_at > now:
            r.refuse("annulled_at", "La fecha de anulación es posterior a hoy.")
    elif status is CertificateStatus.VALID:
        for column in ("annulled_at", "annulment_reason"):
            if r.raw(column):
                r.refuse(column, "Un certificado EMITIDO no lleva fecha ni motivo de anulación.")
    pdf_file = r.read("pdf_file", lambda raw: _pdf_file(raw, pdfs))
    verification_code = r.read("verification_code", _verification_code)
    if r.problems:
        return None, r.problems
    assert number and institution and code and sence_code and name and program and activity and region
    assert start and end and hours and company and invoice and issued_at and signer and status
    course = Course(
        course_code=code,
        sence_code=sence_code,
        name=name,
        program=program,
        activity_type=activity,
        accredited_hours=hours,
        start_date=start,
        end_date=end,
        region_code=region,
        institution=institution,
        company=company,
        otic=otic,
        quotas=0,
        related_action="",
        certificate_state=shown_course_state(status),
    )
    certificate = CertificateRow(
        line=line,
        number=number,
        course=course,
        invoice_number=invoice,
        issued_at=issued_at,
        signer=signer,
        status=status,
        annulled_at=annulled_at,
        annulment_reason=reason,
        pdf_file=pdf_file,
        verification_code=verification_code,
    )
    return certificate, []


# ---------------------------------------------------------------- one row of participants.csv


@dataclass(frozen=True)
class ParticipantRow:
    line: int
    number: CertificateNumber
    # Only when the file has the optional column (and the row fills it).
    institution_rut: Rut | None
    participant: FrozenParticipant


def parse_participant_row(line: int, row: Mapping[str, str | None]) -> tuple[ParticipantRow | None, list[Problem]]:
    """One row of participants.csv: a participant frozen on a certificate, or None and its problems."""
    r = _Reader(PARTICIPANTS_FILE, line, row)
    number = r.read("number", CertificateNumber.parse)
    institution = r.rut("institution_rut") if r.raw("institution_rut") else None
    who = r.rut("rut")
    name = r.text("name", MAX_PARTICIPANT_NAME, "el nombre del participante")
    percent = r.read("percent", lambda raw: _whole(raw, 0, 100, "El porcentaje de asistencia"))
    if r.problems:
        return None, r.problems
    assert number and who and name and percent is not None
    return ParticipantRow(line, number, institution, FrozenParticipant(who, name, percent)), []


# ---------------------------------------------------------------- one certificate, whole


def shown_course_state(latest: CertificateStatus) -> CertificateState:
    """The state of a course whose latest certificate is `latest`: issued, or, once that one was annulled,
    approved for re-issue (as the annulment's approval would have left it)."""
    event = CertificateEvent.APPROVE_ANNULMENT if latest is CertificateStatus.ANNULLED else CertificateEvent.ISSUE
    return state_after(event)


def course_to_create(latest: CertificateRow) -> Course:
    """The course an import creates when GCA does not know it: as the latest certificate of the course in
    the file printed it, in the state that certificate leaves it."""
    return replace(latest.course, certificate_state=shown_course_state(latest.status), version=0)


@dataclass(frozen=True)
class ImportedCertificate:
    """One certificate of the old system with everything its import writes."""

    row: CertificateRow
    participants: tuple[FrozenParticipant, ...]
    # The course to create when GCA does not know it (`course_to_create` of the file's latest one).
    course: Course
    # Where it came from, shown as "Importado" with it.
    source: str

    @property
    def number(self) -> CertificateNumber:
        return self.row.number

    @property
    def institution_rut(self) -> Rut:
        return self.row.institution.rut


def assemble(
    row: CertificateRow, participants: Iterable[ParticipantRow], course: Course, source: str
) -> tuple[ImportedCertificate | None, list[Problem]]:
    """The certificate of `row` with its participants' rows (in the order of the file): at least one,
    none twice."""
    problems: list[Problem] = []
    seen: dict[Rut, int] = {}
    frozen: list[FrozenParticipant] = []
    for person in participants:
        who = person.participant.rut
        if who in seen:
            problems.append(
                Problem(
                    PARTICIPANTS_FILE,
                    person.line,
                    "rut",
                    f"El RUT {who.formatted()} ya está en la línea {seen[who]} del certificado {row.number}.",
                )
            )
            continue
        seen[who] = person.line
        frozen.append(person.participant)
    if not frozen:
        problems.append(
            Problem(CERTIFICATES_FILE, row.line, "number", f"El certificado {row.number} no tiene participantes.")
        )
    elif len(frozen) > MAX_CERTIFICATE_PARTICIPANTS:
        problems.append(
            Problem(
                CERTIFICATES_FILE,
                row.line,
                "number",
                f"Un certificado admite hasta {MAX_CERTIFICATE_PARTICIPANTS} participantes.",
            )
        )
    if problems:
        return None, problems
    return ImportedCertificate(row, tuple(frozen), course, source), []


def migration_source(day: date) -> str:
    """The source an import names when the operator names none."""
    return f"Sistema anterior, migración del {day.strftime('%d-%m-%Y')}"


def imported_certificate(record: ImportedCertificate, verification_code: str) -> Certificate:
    """The certificate GCA keeps for `record`, with the code printed on it (the original's, or a new one)."""
    row = record.row
    return Certificate(
        number=row.number,
        institution_rut=row.institution.rut,
        course_code=row.course.course_code,
        issued_at=row.issued_at,
        status=row.status,
        invoice_number=row.invoice_number,
        accepted_by_rut=row.signer.rut,
        accepted_by_name=row.signer.name,
        participants=record.participants,
        verification_code=verification_code,
        annulled_at=row.annulled_at,
        course=row.course,
        source=record.source,
    )


def historic_annulment(record: ImportedCertificate) -> AnnulmentRequest | None:
    """For an ANULADO certificate, its annulment as approved in the old system, so the course's annulment
    history shows it. Its id follows from the certificate (a second import names the same request); the
    institution asked, the decision's officer is not known."""
    row = record.row
    if row.status is not CertificateStatus.ANNULLED:
        return None
    assert row.annulled_at is not None and row.annulment_reason is not None
    key = f"import:{row.institution.rut.compact()}:{row.number}"
    return AnnulmentRequest(
        request_id=hashlib.sha256(key.encode()).hexdigest()[:32],
        course_code=row.course.course_code,
        institution_rut=row.institution.rut,
        certificate_number=row.number,
        region_code=row.course.region_code,
        reason=row.annulment_reason,
        requested_at=row.annulled_at,
        requested_by_rut=row.institution.rut,
        requested_by_name=row.institution.name,
        status=AnnulmentStatus.APPROVED,
        decided_at=row.annulled_at,
        decision_comment=f"Anulación aprobada en el sistema anterior; importada: {record.source}.",
    )


# ---------------------------------------------------------------- a certificate GCA already has


class NumberTakenError(DomainError):
    """A certificate with that institution and number was written meanwhile; read it and compare."""


class ImportOutcome(StrEnum):
    IMPORTED = "imported"
    ALREADY_PRESENT = "already_present"
    CONFLICT = "conflict"


def _printed(course: Course | None) -> tuple[object, ...] | None:
    if course is None:
        return None
    return (
        course.course_code,
        course.sence_code,
        course.name,
        course.program,
        course.activity_type,
        course.accredited_hours,
        course.start_date,
        course.end_date,
        course.region_code,
        course.institution,
        course.company,
        course.otic,
    )


def differences(existing: Certificate, record: ImportedCertificate, original_sha256: str | None) -> list[str]:
    """The columns in which the file says something else than the certificate GCA already has under that
    institution and number (none: it is already present). The verification code counts only when the
    file gives one, the PDF only when the file brings the original; the source never counts."""
    row = record.row
    found = []
    if _printed(existing.course) != _printed(row.course):
        found.append("course")
    checks = (
        ("issued_at", existing.issued_at == row.issued_at),
        ("state", existing.status is row.status),
        ("annulled_at", existing.annulled_at == row.annulled_at),
        ("invoice_number", existing.invoice_number == row.invoice_number),
        ("signer", (existing.accepted_by_rut, existing.accepted_by_name) == (row.signer.rut, row.signer.name)),
        ("participants", existing.participants == record.participants),
        (
            "verification_code",
            row.verification_code is None or existing.verification_code == row.verification_code,
        ),
        ("pdf_file", original_sha256 is None or existing.pdf_sha256 in (None, original_sha256)),
    )
    found += [name for name, same in checks if not same]
    return found
