"""Liquidation bundles: one ZIP with the certificates and attendance files of up to 500 courses.

A bundle is asked for by one person acting as one profile; it is built later by a worker fed by a queue,
and read back (its progress, then its link) only by someone acting in the same scope. Its record moves
queued → running → done | failed, each step a conditional write; a worker holds a *lease* on a running
bundle that it renews after every course, and the bundle's *attempt* number tells one worker's writes
from another's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .access import Principal, Profile, ProfileGrant
from .certificates import Certificate, CertificateStatus
from .courses import Course, course_not_found, parse_course_code
from .errors import InvalidInputError, NotFoundError, PermissionDeniedError
from .rut import Rut

MAX_COURSES = 500
# Bundles expire: the ZIP under BUNDLES_PREFIX by the bucket's lifecycle rule, the record by its TTL.
KEPT_DAYS = 7
BUNDLES_PREFIX = "bundles/"
# A worker renews its lease after every course; a lease this old means its worker is gone.
LEASE = timedelta(minutes=5)
# A bundle still queued this long after it was asked for was never picked up (its message was lost).
QUEUED_LIMIT = timedelta(minutes=15)
# Starts allowed (the first and the restarts after a worker died); then the bundle fails.
MAX_ATTEMPTS = 3
BUNDLE_ID_PATTERN = r"^[0-9a-f]{32}$"
_BUNDLE_ID = re.compile(BUNDLE_ID_PATTERN)

COURSES_REQUIRED = "Seleccione al menos un curso para el lote."
TOO_MANY_COURSES = f"Un lote admite hasta {MAX_COURSES} cursos; acote la búsqueda."
BUNDLE_NOT_FOUND = "No se encontró el lote."
GAVE_UP = "No fue posible generar el lote después de varios intentos. Solicítelo nuevamente."
NEVER_STARTED = "El lote no se comenzó a generar. Solicítelo nuevamente."


class BundleStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Bundle:
    bundle_id: str
    owner: Principal
    course_codes: tuple[str, ...]
    created_at: datetime
    status: BundleStatus = BundleStatus.QUEUED
    done_courses: int = 0
    attempt: int = 0
    lease_until: datetime | None = None
    key: str | None = None
    error: str | None = None

    @property
    def total_courses(self) -> int:
        return len(self.course_codes)

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(days=KEPT_DAYS)

    @property
    def certificates_only(self) -> bool:
        """A SENCE regional officer bundles the certificates of their region; the attendance files are
        the training body's."""
        return self.owner.profile is Profile.SENCE_OFFICER


def parse_course_codes(raw: object) -> tuple[str, ...]:
    """1..500 course codes, each of 7 digits (a list of more is refused, repeats or not); a repeated code
    counts once, the order of first mention is kept."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInputError(COURSES_REQUIRED, field="course_codes")
    if len(raw) > MAX_COURSES:
        raise InvalidInputError(TOO_MANY_COURSES, field="course_codes")
    codes: dict[str, None] = {}
    for position, item in enumerate(raw):
        codes[parse_course_code(item, field=f"course_codes[{position}]")] = None
    return tuple(codes)


def may_bundle(principal: Principal, course: Course) -> bool:
    """An OTEC profile bundles the courses it sees (its institution, its region); a SENCE regional
    officer the courses of their region(s), whatever the institution."""
    if principal.profile is Profile.SENCE_OFFICER:
        return course.region_code in principal.grant.regions
    return principal.sees_course(course)


def ensure_may_ask(principal: Principal) -> None:
    if principal.profile is Profile.DATA_PROTECTION_OFFICER:
        raise PermissionDeniedError("Su perfil no permite descargar lotes de cursos.")


def bundled_course(principal: Principal, course: Course | None, course_code: str) -> Course:
    """A course the principal may put in a bundle; any other does not exist for them."""
    if course is None or not may_bundle(principal, course):
        raise course_not_found(course_code)
    return course


def parse_bundle_id(raw: str) -> str:
    if not _BUNDLE_ID.fullmatch(raw or ""):
        raise NotFoundError(BUNDLE_NOT_FOUND)
    return raw


def same_scope(one: ProfileGrant, other: ProfileGrant) -> bool:
    return (
        one.profile is other.profile
        and one.institution_rut == other.institution_rut
        and set(one.regions) == set(other.regions)
    )


def readable_bundle(principal: Principal, bundle: Bundle | None) -> Bundle:
    """Only who asked for it, acting as the profile they asked with, reads a bundle: for anyone else it
    does not exist (404)."""
    if bundle is None or bundle.owner.rut != principal.rut or not same_scope(bundle.owner.grant, principal.grant):
        raise NotFoundError(BUNDLE_NOT_FOUND)
    return bundle


def bundle_key(bundle_id: str) -> str:
    return f"{BUNDLES_PREFIX}{bundle_id}/lote-{bundle_id[:8]}.zip"


def bundle_filename(bundle: Bundle) -> str:
    return f"lote-{bundle.created_at.strftime('%Y%m%d')}-{bundle.bundle_id[:8]}.zip"


def lease_expired(bundle: Bundle, now: datetime) -> bool:
    return bundle.lease_until is None or bundle.lease_until <= now


def stale(bundle: Bundle, now: datetime) -> bool:
    """A bundle nobody is working on although it is not finished: queued too long, or running under a
    lease its worker stopped renewing."""
    if bundle.status is BundleStatus.QUEUED:
        return bundle.created_at + QUEUED_LIMIT <= now
    return bundle.status is BundleStatus.RUNNING and lease_expired(bundle, now)


def certificate_path(course_code: str, certificate: Certificate) -> str:
    """Where a certificate sits in the ZIP; an annulled one says so in its name."""
    annulled = certificate.status is CertificateStatus.ANNULLED
    return f"{course_code}/certificado-{certificate.number}{'-ANULADO' if annulled else ''}.pdf"


def attendance_path(course_code: str) -> str:
    return f"{course_code}/asistencia-total-{course_code}.xlsx"


def participant_path(course_code: str, who: Rut) -> str:
    return f"{course_code}/participantes/asistencia-{course_code}-{who.compact()}.xlsx"


MANIFEST_PATH = "manifest.csv"
MANIFEST_HEADER = ("path", "sha256", "course_code", "certificate_number", "state")


def certificate_state(certificate: Certificate) -> str:
    return "ANULADO" if certificate.status is CertificateStatus.ANNULLED else "EMITIDO"
