"""Imports the certificates of the system GCA replaces: `python -m devtools.import_history DIR [--dry-run]`.

DIR holds `certificates.csv` and `participants.csv` (UTF-8, a byte-order mark is fine) and the original
PDFs their `pdf_file` column names; `docs/migration.md` describes the columns and the rules.

It validates everything first and reports each bad row with its file, line, column and reason; a
certificate with any bad row (its own or one of its participants') is skipped whole, the others are
imported one by one through `services.migration.import_certificate` (one transaction each). Running it
again imports nothing new. `--dry-run` only validates: it reads no table and writes nothing.

Memory stays flat whatever the size of the files: both are streamed (csv), and what must be looked up
across them (the participants of a certificate, repeated numbers, the latest certificate of a course)
is kept in a temporary SQLite database on disk, deleted at the end.

Where it writes: with `GCA_STAGE` unset or `local`, the local stack of `make run` (moto on
`AWS_ENDPOINT_URL`, by default http://127.0.0.1:4566, as `.chalice/config.json` says); with another
stage, that stage's resources (`GCA_TABLE_PREFIX`, `GCA_PDF_BUCKET`, `GCA_PUBLIC_BASE_URL`, from the
stage in `.chalice/config.json` unless set), with the operator's AWS credentials and no endpoint.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from chalicelib.domain.certificates import CertificateNumber, FrozenParticipant
from chalicelib.domain.clock import CHILE
from chalicelib.domain.courses import Course
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.migration import (
    CERTIFICATE_COLUMNS,
    CERTIFICATES_FILE,
    OPTIONAL_CERTIFICATE_COLUMNS,
    OPTIONAL_PARTICIPANT_COLUMNS,
    PARTICIPANT_COLUMNS,
    PARTICIPANTS_FILE,
    PDF_HEAD_BYTES,
    CertificateRow,
    ImportedCertificate,
    ImportOutcome,
    ParticipantRow,
    Problem,
    assemble,
    course_to_create,
    migration_source,
    missing_columns,
    parse_certificate_row,
    parse_participant_row,
    row_key,
)
from chalicelib.domain.rut import Rut

ROOT = Path(__file__).resolve().parent.parent
PROGRESS_EVERY = 1_000
# Certificates written at once: each waits mostly on DynamoDB and S3 round trips.
DEFAULT_WORKERS = 4


class FilesError(Exception):
    """The directory or a file cannot be read at all (nothing is imported)."""


# ---------------------------------------------------------------- where it writes


def prepare_environment() -> str:
    """The stage's environment, as the application would see it; returns the stage's name."""
    from devtools.local_stack import LOCAL_ENV
    from devtools.sqs_poller import CALLER_WINS

    stage = os.environ.get("GCA_STAGE", "").strip() or "local"
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    values = {
        **config.get("environment_variables", {}),
        **config["stages"].get(stage, {}).get("environment_variables", {}),
    }
    if stage == "local":
        # The local stack's fake credentials: nothing the command does locally can reach a real account.
        os.environ.update(LOCAL_ENV)
        for name, value in values.items():
            if name not in CALLER_WINS or name not in os.environ:
                os.environ[name] = value
    else:
        for name, value in values.items():
            os.environ.setdefault(name, value)
        if not os.environ.get("GCA_TOKEN_KEYS"):
            # The settings fail closed without a key ring; the import signs no token, so a key of its own,
            # used by nothing, spares it reading the stage's secret.
            os.environ["GCA_TOKEN_KEYS"] = f"import:{secrets.token_urlsafe(32)}"
    return stage


# ---------------------------------------------------------------- reading the files


class DirectoryPdfs:
    """The PDFs inside the import directory; a path that leads out of it (`..`, a link) is not there."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, relative: str) -> Path | None:
        path = (self.root / relative).resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None

    def head(self, relative: str) -> bytes | None:
        path = self._path(relative)
        if path is None:
            return None
        with path.open("rb") as file:
            return file.read(PDF_HEAD_BYTES)

    def read(self, relative: str) -> bytes:
        path = self._path(relative)
        if path is None:
            raise FileNotFoundError(relative)
        return path.read_bytes()


def _rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a CSV file, streamed; a row with more or fewer cells than the header is given
    with the key `None` naming what is wrong."""
    try:
        file = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise FilesError(f"No se puede leer {path}: {error.strerror}.") from None
    with file:
        reader = csv.reader(file)
        try:
            header = [name.strip() for name in next(reader, [])]
            lacking = missing_columns(header, required)
            if lacking:
                raise FilesError(f"{path.name}: faltan las columnas {', '.join(lacking)} en el encabezado.")
            known = set(required) | set(optional)
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                row = {name: value for name, value in zip(header, cells, strict=False) if name in known}
                if len(cells) != len(header):
                    row["\0"] = f"La fila tiene {len(cells)} columnas y el encabezado {len(header)}."
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise FilesError(f"{path.name} no está en UTF-8.") from None
        except csv.Error as error:
            raise FilesError(f"{path.name}, línea {reader.line_num}: {error}.") from None


def _shape_problem(file: str, line: int, row: dict[str, str]) -> Problem | None:
    reason = row.pop("\0", None)
    return Problem(file, line, "(fila)", reason) if reason else None


# ---------------------------------------------------------------- the index on disk

_SCHEMA = """
CREATE TABLE participants (line INTEGER PRIMARY KEY, number TEXT, institution TEXT, rut TEXT, name TEXT,
                           percent INTEGER, ok INTEGER);
CREATE INDEX participants_of ON participants (number, institution, line);
CREATE TABLE certificates (line INTEGER PRIMARY KEY, institution TEXT, number TEXT, course_code TEXT,
                           issued_utc TEXT, code TEXT, raw TEXT, ok INTEGER);
CREATE INDEX certificates_by_number ON certificates (number, institution);
CREATE INDEX certificates_by_course ON certificates (course_code, ok, issued_utc);
CREATE INDEX certificates_by_code ON certificates (code);
CREATE TABLE problems (file TEXT, line INTEGER, field TEXT, reason TEXT);
"""


@dataclass
class Summary:
    rows: int = 0
    refused: int = 0
    outcomes: dict[ImportOutcome, int] = field(default_factory=lambda: dict.fromkeys(ImportOutcome, 0))
    errors: int = 0
    problems: int = 0

    @property
    def clean(self) -> bool:
        return not (self.refused or self.errors or self.outcomes[ImportOutcome.CONFLICT])


class Index:
    """What must be looked up across the files, on disk: memory does not grow with them."""

    def __init__(self, path: Path, directory: Path, now: datetime, source: str) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(_SCHEMA)
        self.directory = directory
        self.pdfs = DirectoryPdfs(directory)
        self.now = now
        self.source = source

    def close(self) -> None:
        self.db.close()

    def problem(self, problem: Problem) -> None:
        self.db.execute(
            "INSERT INTO problems VALUES (?, ?, ?, ?)", (problem.file, problem.line, problem.field, problem.reason)
        )

    def _refuse(self, lines: list[int], reason_of: Any) -> None:
        """Certificates (by line) refused whole, each with its problem."""
        for line in lines:
            self.db.execute("UPDATE certificates SET ok = 0 WHERE line = ?", (line,))
            self.problem(Problem(CERTIFICATES_FILE, line, "number", reason_of(line)))

    # ---- the two files

    def load_participants(self) -> None:
        for line, row in _rows(self.directory / PARTICIPANTS_FILE, PARTICIPANT_COLUMNS, OPTIONAL_PARTICIPANT_COLUMNS):
            shape = _shape_problem(PARTICIPANTS_FILE, line, row)
            parsed, problems = parse_participant_row(line, row)
            problems += [shape] if shape else []
            for problem in problems:
                self.problem(problem)
            if parsed is not None:
                self.db.execute(
                    "INSERT INTO participants VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        line,
                        str(parsed.number),
                        parsed.institution_rut.compact() if parsed.institution_rut else "",
                        parsed.participant.rut.compact(),
                        parsed.participant.name,
                        parsed.participant.percent,
                        0 if shape else 1,
                    ),
                )
            else:
                # Still names a certificate, whose import it stops (when the number can be read).
                key = _participant_key(row)
                if key is not None:
                    self.db.execute(
                        "INSERT INTO participants (line, number, institution, ok) VALUES (?, ?, ?, 0)",
                        (line, *key),
                    )

    def load_certificates(self, summary: Summary) -> None:
        for line, row in _rows(self.directory / CERTIFICATES_FILE, CERTIFICATE_COLUMNS, OPTIONAL_CERTIFICATE_COLUMNS):
            summary.rows += 1
            shape = _shape_problem(CERTIFICATES_FILE, line, row)
            parsed, problems = parse_certificate_row(line, row, self.pdfs, self.now)
            problems += [shape] if shape else []
            for problem in problems:
                self.problem(problem)
            key = row_key(row)
            if key is None:
                summary.refused += 1  # nothing names it: no other row can be checked against it
                continue
            institution, number = key
            self.db.execute(
                "INSERT INTO certificates VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    line,
                    institution.compact(),
                    str(number),
                    row.get("course_code", "").strip(),
                    parsed.issued_at.astimezone(UTC).isoformat() if parsed else "",
                    parsed.verification_code if parsed else None,
                    json.dumps(row, ensure_ascii=False),
                    1 if parsed and not problems else 0,
                ),
            )

    # ---- what only the whole files tell

    def cross_check(self) -> None:
        db = self.db
        # One number per institution in the file.
        for number, _institution, lines in db.execute(
            "SELECT number, institution, group_concat(line) FROM certificates GROUP BY number, institution "
            "HAVING count(*) > 1"
        ).fetchall():
            shown = sorted(int(x) for x in lines.split(","))
            self._refuse(
                shown,
                lambda _line, n=number, s=shown: (
                    f"El número {n} de esa institución se repite (líneas " + ", ".join(map(str, s)) + ")."
                ),
            )
        # A course belongs to one institution.
        for code, lines in db.execute(
            "SELECT course_code, group_concat(line) FROM certificates WHERE course_code != '' GROUP BY course_code "
            "HAVING count(DISTINCT institution) > 1"
        ).fetchall():
            shown = sorted(int(x) for x in lines.split(","))
            self._refuse(shown, lambda _line, c=code: f"El curso {c} aparece con más de una institución.")
        # A verification code verifies one certificate.
        for code, lines in db.execute(
            "SELECT code, group_concat(line) FROM certificates WHERE code IS NOT NULL GROUP BY code HAVING count(*) > 1"
        ).fetchall():
            shown = sorted(int(x) for x in lines.split(","))
            self._refuse(
                shown,
                lambda _line, c=code, s=shown: (
                    f"El código de verificación {c} se repite (líneas " + ", ".join(map(str, s)) + ")."
                ),
            )
        # Participants without institution_rut, of a number two institutions of the file use: one problem
        # per number, at its first row.
        for number, first, rows in db.execute(
            "SELECT number, min(line), count(*) FROM participants WHERE institution = '' AND number IN "
            "(SELECT number FROM certificates GROUP BY number HAVING count(DISTINCT institution) > 1) "
            "GROUP BY number ORDER BY min(line)"
        ).fetchall():
            self.problem(
                Problem(
                    PARTICIPANTS_FILE,
                    first,
                    "institution_rut",
                    f"Varias instituciones tienen un certificado {number}: indique institution_rut en sus {rows} "
                    "filas.",
                )
            )
            lines = [
                line for (line,) in db.execute("SELECT line FROM certificates WHERE number = ? AND ok = 1", (number,))
            ]
            self._refuse(
                lines, lambda _line, n=number: f"Sus participantes no dicen de qué institución es el certificado {n}."
            )
        # Participants of a certificate the file does not have: one problem per number, at its first row.
        for number, first, rows in db.execute(
            "SELECT p.number, min(p.line), count(*) FROM participants p WHERE NOT EXISTS (SELECT 1 FROM certificates "
            "c WHERE c.number = p.number AND (p.institution = '' OR c.institution = p.institution)) "
            "GROUP BY p.number, p.institution ORDER BY min(p.line)"
        ).fetchall():
            more = f" ({rows} filas)" if rows > 1 else ""
            self.problem(
                Problem(
                    PARTICIPANTS_FILE, first, "number", f"El certificado {number} no está en {CERTIFICATES_FILE}{more}."
                )
            )
        # A certificate with a bad participant row is not imported.
        for line, bad in db.execute(
            "SELECT c.line, group_concat(p.line) FROM certificates c JOIN participants p ON p.number = c.number "
            "AND (p.institution = '' OR p.institution = c.institution) WHERE c.ok = 1 AND p.ok = 0 GROUP BY c.line"
        ).fetchall():
            listed = ", ".join(map(str, sorted(int(x) for x in bad.split(","))))
            self._refuse(
                [line], lambda _line, s=listed: f"Tiene participantes con errores ({PARTICIPANTS_FILE}, líneas {s})."
            )
        # At least one participant, none twice (the refused are marked after the loop that reads them).
        refused = []
        for line, row in self._good():
            _record, problems = assemble(row, self._participants(row), row.course, self.source)
            for problem in problems:
                self.problem(problem)
            if problems:
                refused.append(line)
        db.executemany("UPDATE certificates SET ok = 0 WHERE line = ?", [(line,) for line in refused])
        db.commit()

    # ---- reading back

    def _good(self) -> Iterator[tuple[int, CertificateRow]]:
        cursor = self.db.cursor()  # its own cursor: the loop's body may write through the connection
        for line, raw in cursor.execute("SELECT line, raw FROM certificates WHERE ok = 1 ORDER BY line"):
            row, problems = parse_certificate_row(line, json.loads(raw), self.pdfs, self.now)
            assert row is not None and not problems, (line, problems)
            yield line, row

    def _participants(self, row: CertificateRow) -> list[ParticipantRow]:
        number, institution = str(row.number), row.institution.rut.compact()
        return [
            ParticipantRow(
                line,
                row.number,
                Rut.from_compact(inst) if inst else None,
                FrozenParticipant(Rut.from_compact(rut), name, percent),
            )
            for line, inst, rut, name, percent in self.db.execute(
                "SELECT line, institution, rut, name, percent FROM participants WHERE number = ? AND "
                "(institution = '' OR institution = ?) AND ok = 1 ORDER BY line",
                (number, institution),
            )
        ]

    def _course(self, code: str) -> Course:
        """The course as the latest certificate of it to import printed it, in the state that one leaves."""
        line, raw = self.db.execute(
            "SELECT line, raw FROM certificates WHERE course_code = ? AND ok = 1 ORDER BY issued_utc DESC, line DESC "
            "LIMIT 1",
            (code,),
        ).fetchone()
        latest, _ = parse_certificate_row(line, json.loads(raw), self.pdfs, self.now)
        assert latest is not None
        return course_to_create(latest)

    def records(self) -> Iterator[tuple[ImportedCertificate, str | None]]:
        """Each certificate to import, in the order of the file, with its original PDF's path."""
        for _line, row in self._good():
            record, problems = assemble(row, self._participants(row), self._course(row.course.course_code), self.source)
            assert record is not None, problems
            yield record, row.pdf_file

    def counts(self) -> tuple[int, int]:
        """(certificates to import, certificates refused among those a number names)."""
        good, bad = self.db.execute("SELECT sum(ok), count(*) - sum(ok) FROM certificates").fetchone()
        return int(good or 0), int(bad or 0)

    def problems(self) -> Iterator[Problem]:
        for file, line, name, reason in self.db.execute(
            "SELECT file, line, field, reason FROM problems ORDER BY file, line, rowid"
        ):
            yield Problem(file, line, name, reason)


def _participant_key(row: dict[str, str]) -> tuple[str, str] | None:
    try:
        number = CertificateNumber.parse(row.get("number") or "")
    except InvalidInputError:
        return None
    raw_institution = (row.get("institution_rut") or "").strip()
    institution = Rut.parse(raw_institution).compact() if Rut.is_valid(raw_institution) else ""
    return str(number), institution


# ---------------------------------------------------------------- the command

_OUTCOME_WORDS = {
    ImportOutcome.IMPORTED: "importados",
    ImportOutcome.ALREADY_PRESENT: "ya presentes (sin cambios)",
    ImportOutcome.CONFLICT: "en conflicto con GCA (no importados)",
}


def run(
    directory: Path,
    *,
    dry_run: bool,
    source: str | None = None,
    workers: int = DEFAULT_WORKERS,
    out: IO[str] | None = None,
) -> Summary:
    """Validate both files, then (unless `dry_run`) import every good certificate; FilesError when the
    files cannot be read at all."""
    if not directory.is_dir():
        raise FilesError(f"{directory} no es un directorio.")
    now = datetime.now(UTC)
    chosen_source = source or migration_source(now.astimezone(CHILE).date())
    summary = Summary()

    def say(text: str) -> None:
        print(text, file=out or sys.stdout, flush=True)

    with tempfile.TemporaryDirectory(prefix="gca-import-") as scratch:
        index = Index(Path(scratch) / "index.sqlite3", directory, now, chosen_source)
        try:
            index.load_participants()
            index.load_certificates(summary)
            index.cross_check()
            for problem in index.problems():
                summary.problems += 1
                say(f"ERROR {problem}")
            good, bad = index.counts()
            summary.refused += bad
            say(
                f"Validación: {summary.rows} certificados en {CERTIFICATES_FILE}; {good} por importar, "
                f"{summary.refused} rechazados por errores ({summary.problems} problemas)."
            )
            if dry_run:
                say("--dry-run: no se escribió nada.")
                return summary
            _import(index, good, summary, say, workers)
        finally:
            index.close()
    say(f"Resumen de la importación de {directory} (origen: «{chosen_source}»):")
    for outcome, words in _OUTCOME_WORDS.items():
        say(f"  {words}: {summary.outcomes[outcome]}")
    say(f"  rechazados por errores en los archivos: {summary.refused}")
    if summary.errors:
        say(f"  con error al escribir (vuelva a ejecutar; lo ya importado no se repite): {summary.errors}")
    return summary


def _import(index: Index, total: int, summary: Summary, say: Any, workers: int) -> None:
    """Each certificate through the service, `workers` at a time. Certificates are independent: two of one
    course racing to create it, or to raise one counter, are settled by the writes' conditions. At most
    twice `workers` certificates are held in memory at once."""
    from chalicelib.bootstrap import bootstrap
    from chalicelib.services.migration import ImportResult, import_certificate

    ports = bootstrap()

    def one(record: ImportedCertificate, pdf_file: str | None) -> ImportResult:
        return import_certificate(ports, record, index.pdfs.read(pdf_file) if pdf_file else None)

    def settle(future: Future[ImportResult], record: ImportedCertificate) -> None:
        where = f"{CERTIFICATES_FILE}, línea {record.row.line}, certificado {record.number}"
        try:
            result = future.result()
        except Exception as error:  # one certificate's failure (network, throttling) stops no other
            summary.errors += 1
            say(f"ERROR {where}: no se pudo escribir ({type(error).__name__}: {error}).")
            return
        summary.outcomes[result.outcome] += 1
        if result.outcome is ImportOutcome.CONFLICT:
            say(f"CONFLICTO {where}: {result.reason}")

    done = 0
    pending: dict[Future[ImportResult], ImportedCertificate] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for record, pdf_file in index.records():
            pending[pool.submit(one, record, pdf_file)] = record
            while len(pending) >= 2 * workers:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    settle(future, pending.pop(future))
                    done += 1
                    if done % PROGRESS_EVERY == 0:
                        say(f"… {done} de {total} certificados procesados")
        for future in list(pending):
            settle(future, pending.pop(future))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.import_history",
        description="Importa los certificados del sistema anterior (certificates.csv y participants.csv).",
    )
    parser.add_argument("directory", type=Path, help="directorio con certificates.csv, participants.csv y los PDF")
    parser.add_argument("--dry-run", action="store_true", help="sólo validar: no lee ni escribe en AWS")
    parser.add_argument("--source", help="origen que se muestra como «Importado» (por omisión, la fecha de hoy)")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help=f"certificados escritos a la vez ({DEFAULT_WORKERS})"
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers debe ser al menos 1")
    stage = prepare_environment()
    if not args.dry_run:
        print(f"Etapa: {stage}", flush=True)
    try:
        summary = run(args.directory, dry_run=args.dry_run, source=args.source, workers=args.workers)
    except FilesError as error:
        print(f"ERROR {error}", file=sys.stderr, flush=True)
        return 2
    return 0 if summary.clean else 1


if __name__ == "__main__":
    sys.exit(main())
