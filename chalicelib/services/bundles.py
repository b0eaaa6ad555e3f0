"""Liquidation bundles: asked for by the API, built by the worker from the queue, read back by the API."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import logging
import pickle
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO, cast

from ..domain.access import Principal
from ..domain.bundles import (
    GAVE_UP,
    LEASE,
    MANIFEST_HEADER,
    MANIFEST_PATH,
    MAX_ATTEMPTS,
    NEVER_STARTED,
    QUEUED_LIMIT,
    Bundle,
    BundleStatus,
    attendance_path,
    bundle_filename,
    bundle_key,
    bundled_course,
    certificate_path,
    ensure_may_ask,
    lease_expired,
    may_bundle,
    parse_bundle_id,
    parse_course_codes,
    participant_path,
    readable_bundle,
    stale,
)
from ..domain.certificates import Certificate, CertificateStatus
from ..domain.clock import today_in_chile
from ..domain.course_queries import ParticipantSessions, course_attendance, participant_sessions
from ..domain.courses import Course, Participant
from ..domain.errors import DomainError
from ..domain.media import ZIP
from ..domain.privacy import Disclosure
from .certificates import stored_document
from .ports import Ports, Upload
from .privacy import disclose

logger = logging.getLogger("gca")

NOT_QUEUED = "No fue posible poner el lote en cola. Intente nuevamente."
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class BundleView:
    status: BundleStatus
    done_courses: int
    total_courses: int
    url: str | None = None
    filename: str | None = None
    error: str | None = None


def request_bundle(ports: Ports, principal: Principal, raw_codes: object) -> Bundle:
    """Descargar lote: up to 500 courses the person may see, queued for the worker (202 with its id).
    A course they may not see makes the whole request a 404, naming it, as the course itself would."""
    ensure_may_ask(principal)
    codes = parse_course_codes(raw_codes)
    found = ports.courses.get_many(codes)
    for code in codes:
        bundled_course(principal, found.get(code), code)
    now = ports.clock.now()
    bundle = Bundle(uuid.uuid4().hex, principal, codes, now, lease_until=now + QUEUED_LIMIT)
    ports.bundles.create(bundle)
    try:
        ports.bundle_jobs.publish({"bundle_id": bundle.bundle_id})
    except Exception:
        logger.exception("bundle not queued", extra={"bundle_id": bundle.bundle_id})
        ports.bundles.fail(bundle, NOT_QUEUED)
    ports.metrics.count("BundlesRequested")
    return bundle


def get_bundle(ports: Ports, principal: Principal, raw_id: str) -> BundleView:
    """Its progress, and its link once done. Reading it is also what notices a bundle nobody works on:
    a worker that stopped renewing its lease gets the bundle queued again (up to 3 starts in all), one
    never started fails; either with a conditional write, so a live worker is never overtaken."""
    bundle = readable_bundle(principal, ports.bundles.get(parse_bundle_id(raw_id)))
    if stale(bundle, ports.clock.now()):
        bundle = _recover(ports, bundle)
    if bundle.status is BundleStatus.DONE and bundle.key:
        filename = bundle_filename(bundle)
        url = ports.documents.download_url(bundle.key, filename, ZIP)
        return BundleView(bundle.status, bundle.total_courses, bundle.total_courses, url, filename)
    return BundleView(bundle.status, bundle.done_courses, bundle.total_courses, error=bundle.error)


def _recover(ports: Ports, bundle: Bundle) -> Bundle:
    if bundle.status is BundleStatus.RUNNING and bundle.attempt < MAX_ATTEMPTS:
        until = ports.clock.now() + QUEUED_LIMIT
        if ports.bundles.requeue(bundle, until):
            logger.warning("bundle requeued", extra={"bundle_id": bundle.bundle_id, "attempt": bundle.attempt})
            ports.bundle_jobs.publish({"bundle_id": bundle.bundle_id})
            return replace(bundle, status=BundleStatus.QUEUED, done_courses=0, lease_until=until)
    else:
        error = GAVE_UP if bundle.status is BundleStatus.RUNNING else NEVER_STARTED
        if ports.bundles.fail(bundle, error):
            ports.metrics.count("BundlesFailed")
            return replace(bundle, status=BundleStatus.FAILED, error=error, lease_until=None)
    return ports.bundles.get(bundle.bundle_id) or bundle


# ---------------------------------------------------------------- the worker


@dataclass(frozen=True)
class BuildResult:
    bundle_id: str
    outcome: str  # built, busy, finished (nothing to do), lost (another attempt holds it), failed


def build_bundle(ports: Ports, bundle_id: str) -> BuildResult:
    """The worker: stream the ZIP of the bundle's courses into the document store, then mark it done.

    Delivered at least once, and maybe to a worker that dies halfway: a finished bundle is left as it is;
    one whose worker holds a live lease is left to it; otherwise this worker starts the next attempt
    (from the first course: a ZIP cannot be appended to) and renews its lease after every course. The ZIP
    is stored write-once (If-None-Match), and only the attempt that holds the bundle marks it done: the
    bundle completes once. A domain refusal (a PDF that fails its integrity check) fails the bundle with
    its Spanish words; anything else is raised for the queue to deliver again.
    """
    bundle = ports.bundles.get(bundle_id)
    if bundle is None or bundle.status in (BundleStatus.DONE, BundleStatus.FAILED):
        return BuildResult(bundle_id, "finished")
    now = ports.clock.now()
    if bundle.status is BundleStatus.RUNNING and not lease_expired(bundle, now):
        return BuildResult(bundle_id, "busy")
    if bundle.attempt >= MAX_ATTEMPTS:
        ports.bundles.fail(bundle, GAVE_UP)
        ports.metrics.count("BundlesFailed")
        return BuildResult(bundle_id, "failed")
    taken = ports.bundles.take(bundle, now + LEASE)
    if taken is None:
        return BuildResult(bundle_id, "busy")
    key = bundle_key(bundle_id)
    upload = ports.documents.start_upload(key, ZIP)
    try:
        if not _write_zip(ports, taken, upload):
            upload.abort()
            return BuildResult(bundle_id, "lost")
        # False: an earlier attempt stored the ZIP and died before saying so; that ZIP is the bundle.
        upload.complete()
    except DomainError as error:
        upload.abort()
        ports.bundles.fail(taken, error.message)
        ports.metrics.count("BundlesFailed")
        return BuildResult(bundle_id, "failed")
    except Exception:
        upload.abort()
        raise
    if not ports.bundles.finish(taken, key):
        return BuildResult(bundle_id, "lost")
    ports.metrics.count("BundlesBuilt")
    logger.info("bundle built", extra={"bundle_id": bundle_id, "courses": taken.total_courses})
    return BuildResult(bundle_id, "built")


def _write_zip(ports: Ports, bundle: Bundle, upload: Upload) -> bool:
    """Every course into the ZIP, then manifest.csv; False when the lease was lost on the way."""
    with tempfile.TemporaryFile(mode="w+", newline="", encoding="utf-8") as manifest:
        rows = csv.writer(manifest)
        rows.writerow(MANIFEST_HEADER)
        stamp = bundle.created_at.timetuple()[:6]
        with zipfile.ZipFile(upload, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
            _keep_entries_on_disk(archive)

            def add(
                path: str | None, write: Callable[[IO[bytes]], object] | None, course: str, number: str, state: str
            ) -> None:
                if path is None or write is None:  # listed in the manifest, not in the ZIP
                    rows.writerow(("", "", course, number, state))
                    return
                info = zipfile.ZipInfo(path, date_time=stamp)  # type: ignore[arg-type]
                info.compress_type = zipfile.ZIP_DEFLATED
                digest = hashlib.sha256()
                with archive.open(info, mode="w") as entry:
                    write(cast(IO[bytes], _Hashing(entry, digest)))
                rows.writerow((path, digest.hexdigest(), course, number, state))

            for done, code in enumerate(bundle.course_codes, start=1):
                course = ports.courses.get(code)
                if course is not None and may_bundle(bundle.owner, course):
                    _add_course(ports, bundle, course, add)
                else:
                    add(None, None, code, "", "NO DISPONIBLE")
                # What the course disclosed is written before its progress counts (and pends no longer).
                ports.access_log.flush()
                # A workbook leaves reference cycles (openpyxl's workbook and sheets) that only a full
                # collection frees, and full collections are rare: without this, what a course leaves
                # behind piles up over hundreds of courses before it is freed.
                gc.collect()
                if not ports.bundles.progress(bundle, done, ports.clock.now() + LEASE):
                    return False
            manifest.seek(0)
            add(MANIFEST_PATH, lambda out: _copy_text(manifest, out), "", "", "")
    return True


class _SpooledEntries:
    """zipfile keeps every entry's ZipInfo (about 400 bytes a file) until it writes the central directory
    at the end: 16,000 files would hold 6 MB. This list keeps them pickled in a temporary file and hands
    them back one at a time when the directory is written (`ZipFile.filelist` is all zipfile asks:
    append, len, iteration)."""

    def __init__(self) -> None:
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the archive)
        self._count = 0

    def append(self, info: zipfile.ZipInfo) -> None:
        pickle.dump(info, self._spool)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        self._spool.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._spool)  # noqa: S301 (our own objects, from our own temporary file)
        self._spool.close()


class _Unindexed(dict[str, zipfile.ZipInfo]):
    """zipfile's index by name, which only warns of a repeated name: every path of a bundle is unique."""

    def __setitem__(self, key: str, value: zipfile.ZipInfo) -> None:
        pass


def _keep_entries_on_disk(archive: zipfile.ZipFile) -> None:
    archive.filelist = _SpooledEntries()  # type: ignore[assignment]
    archive.NameToInfo = _Unindexed()


class _Hashing(io.RawIOBase):
    """Writes through to a ZIP entry, hashing what passes."""

    def __init__(self, target: IO[bytes], digest: hashlib._Hash) -> None:
        self._target, self._digest = target, digest

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._digest.update(data)
        self._target.write(data)
        return len(data)


def _add_course(ports: Ports, bundle: Bundle, course: Course, add: Callable[..., None]) -> None:
    code, owner = course.course_code, bundle.owner
    certificates = sorted(ports.certificates.list_for_course(code), key=lambda c: c.issued_at)
    for certificate in certificates:
        number, state = str(certificate.number), certificate.status.value
        body = _signed_pdf(ports, certificate)
        disclose(ports, owner, Disclosure.CERTIFICATE_PDF, course_code=code, certificate=number)
        add(certificate_path(code, certificate), _bytes(body), code, number, state)
    if bundle.certificates_only:
        return
    state = course.certificate_state.value
    participants = ports.courses.participants(code)
    sessions = ports.sessions.list_for_course(code)
    today = today_in_chile(ports.clock)
    attendance = course_attendance(course, participants, sessions, today)
    disclose(ports, owner, Disclosure.ATTENDANCE_WORKBOOK, course_code=code)
    add(
        attendance_path(code),
        _workbook(lambda out: ports.workbooks.course_attendance(attendance, out)),
        code,
        "",
        state,
    )
    for participant in _by_rut(participants):
        result = participant_sessions(course, participant, sessions, today)
        disclose(ports, owner, Disclosure.PARTICIPANT_WORKBOOK, course_code=code, subject_rut=participant.rut)
        add(participant_path(code, participant.rut), _sessions_workbook(ports, result), code, "", state)


def _copy_text(source: IO[str], out: IO[bytes]) -> None:
    """The manifest into the ZIP piece by piece: it has a row per file, and need not sit whole in memory."""
    while piece := source.read(_CHUNK):
        out.write(piece.encode("utf-8"))


def _signed_pdf(ports: Ports, certificate: Certificate) -> bytes:
    """The signed file its download gives: an annulled certificate's ANULADO copy, else the file as
    issued. One not stored yet (a certificate from before GCA, an ANULADO copy nobody downloaded, an
    upload that failed) is made as a download makes it: rendered, signed, recorded, stored once."""
    annulled = certificate.status is CertificateStatus.ANNULLED
    return stored_document(ports, certificate, annulled=annulled)[1]


def _bytes(body: bytes) -> Callable[[IO[bytes]], object]:
    return lambda out: out.write(body)


def _by_rut(participants: Sequence[Participant]) -> list[Participant]:
    return sorted(participants, key=lambda p: p.rut.compact())


def _sessions_workbook(ports: Ports, result: ParticipantSessions) -> Callable[[IO[bytes]], None]:
    return _workbook(lambda out: ports.workbooks.participant_sessions(result, out))


def _workbook(write: Callable[[IO[bytes]], None]) -> Callable[[IO[bytes]], None]:
    """openpyxl writes a workbook into a seekable file: it goes through a temporary one, then into the ZIP."""

    def copy(out: IO[bytes]) -> None:
        with tempfile.TemporaryFile() as spool:
            write(spool)
            spool.seek(0)
            shutil.copyfileobj(spool, out, _CHUNK)

    return copy
