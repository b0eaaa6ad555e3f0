"""Annulment: the OTEC asks, SENCE's regional office decides from an emailed link or its inbox."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .access import Principal, Profile
from .certificates import (
    AnnulmentRequest,
    AnnulmentStatus,
    Certificate,
    CertificateEvent,
    CertificateNumber,
    CertificateStatus,
    CourseTransition,
    transition,
)
from .courses import Course
from .errors import AuthenticationError, InvalidInputError, NotFoundError, PermissionDeniedError, StateConflictError
from .rut import RUT_PATTERN, Rut
from .text import clean, literal, padded, text_pattern, trim

MIN_REASON = 10
MAX_REASON = 2_000
MAX_COMMENT = 1_000
LINK_LIFETIME = timedelta(hours=72)
REVIEW_PURPOSE = "annulment_review"
REQUEST_ID_PATTERN = r"^[0-9a-f]{32}$"
_REQUEST_ID = re.compile(REQUEST_ID_PATTERN)
REASON_PATTERN = text_pattern(MIN_REASON, MAX_REASON)
COMMENT_PATTERN = text_pattern(0, MAX_COMMENT)

PICK_DECISION = "Elija Aprobar o Rechazar."
REQUEST_NOT_FOUND = "No se encontró la solicitud."
REASON_REQUIRED = f"Ingrese el motivo (al menos {MIN_REASON} caracteres)."
ALREADY_DECIDED = "La solicitud ya fue resuelta; esta acción no cambió nada."
ALREADY_ANNULLED = "El certificado ya fue anulado."
OTHER_REGION = "La solicitud corresponde a otra Dirección Regional."
INVALID_LINK = "El enlace no es válido. Use el enlace completo del correo o ingrese al sistema."
EXPIRED_LINK = "El enlace expiró (vale 72 horas). Ingrese al sistema para resolver la solicitud."
NOT_AN_OFFICER_ANY_MORE = "Este enlace no corresponde a un encargado vigente de la Dirección Regional."


def clean_text(raw: object, *, field: str, minimum: int, maximum: int, label: str) -> str:
    text = clean(raw) if isinstance(raw, str) else ""
    if len(text) < minimum:
        if minimum <= 1:
            raise InvalidInputError(f"Ingrese {label}.", field=field)
        raise InvalidInputError(f"Ingrese {label} (al menos {minimum} caracteres).", field=field)
    if len(text) > maximum:
        raise InvalidInputError(f"{label[0].upper()}{label[1:]} admite hasta {maximum} caracteres.", field=field)
    return text


def parse_reason(raw: object) -> str:
    return clean_text(raw, field="reason", minimum=MIN_REASON, maximum=MAX_REASON, label="el motivo")


ONE_LINE = 160


def approved_reason(number: CertificateNumber, requests: Iterable[AnnulmentRequest]) -> str | None:
    """Why certificate `number` was annulled, in one line of at most ONE_LINE characters: the reason of
    its approved annulment request (None when there is none, as for one annulled before this system)."""
    approved = [r for r in requests if r.certificate_number == number and r.status is AnnulmentStatus.APPROVED]
    if not approved:
        return None
    reason = " ".join(max(approved, key=lambda r: r.requested_at).reason.split())
    return reason if len(reason) <= ONE_LINE else reason[: ONE_LINE - 1].rstrip() + "…"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"

    @classmethod
    def parse(cls, raw: object) -> Decision:
        word = trim(raw).lower() if isinstance(raw, str) else ""
        if word not in DECISION_WORDS:
            raise InvalidInputError(PICK_DECISION, field="decision")
        return DECISION_WORDS[word]


# The words a decision may come as: the form's button values, and the screen's words in Spanish.
DECISION_WORDS = {
    "approve": Decision.APPROVE,
    "reject": Decision.REJECT,
    "aprobar": Decision.APPROVE,
    "rechazar": Decision.REJECT,
}


# In any letter case, spaces around trimmed.
DECISION_PATTERN = padded("|".join(literal(word, any_case=True) for word in DECISION_WORDS))


@dataclass(frozen=True)
class Officer:
    rut: Rut
    name: str
    email: str | None
    region_code: str


# ---------------------------------------------------------------- the request


def new_request(
    principal: Principal, certificate: Certificate, course: Course, reason: str, now: datetime
) -> tuple[AnnulmentRequest, CourseTransition]:
    """Solicitud de anulación: who may ask, of which certificate, and the course's move to Pendiente de
    Validación (conditional on the course being as it was read)."""
    principal.ensure_administrator()
    principal.ensure_sees_course(course)
    if certificate.status is not CertificateStatus.VALID:
        raise StateConflictError(ALREADY_ANNULLED)
    move = transition(course, CertificateEvent.REQUEST_ANNULMENT)
    request = AnnulmentRequest(
        request_id=uuid.uuid4().hex,
        course_code=course.course_code,
        institution_rut=course.institution.rut,
        certificate_number=certificate.number,
        region_code=course.region_code,
        reason=reason,
        requested_at=now,
        requested_by_rut=principal.rut,
        requested_by_name=principal.name,
        status=AnnulmentStatus.PENDING,
    )
    return request, move


# ---------------------------------------------------------------- the decision


def decide(
    request: AnnulmentRequest, decider: Officer, raw_decision: object, raw_comment: object, now: datetime
) -> AnnulmentRequest:
    """Aprobar: certificate annulled, course open for re-issue. Rechazar: the certificate stays valid."""
    decision = Decision.parse(raw_decision)
    comment = clean_text(raw_comment, field="comment", minimum=0, maximum=MAX_COMMENT, label="el comentario") or None
    if decider.region_code != request.region_code:
        raise PermissionDeniedError(OTHER_REGION)
    if request.decided:
        raise StateConflictError(ALREADY_DECIDED)
    approved = decision is Decision.APPROVE
    return replace(
        request,
        status=AnnulmentStatus.APPROVED if approved else AnnulmentStatus.REJECTED,
        decided_at=now,
        decided_by_rut=decider.rut,
        decided_by_name=decider.name,
        decision_comment=comment,
    )


def decision_transition(decided: AnnulmentRequest, course: Course | None) -> CourseTransition:
    """The course's move for a decision: from Pendiente de Validación only, whatever its version (an
    LCE push cannot happen meanwhile); a course already moved means the request was decided."""
    if course is None:
        raise StateConflictError(ALREADY_DECIDED)
    approved = decided.status is AnnulmentStatus.APPROVED
    event = CertificateEvent.APPROVE_ANNULMENT if approved else CertificateEvent.REJECT_ANNULMENT
    try:
        return transition(course, event, same_version=False)
    except StateConflictError:
        raise StateConflictError(ALREADY_DECIDED) from None


# ---------------------------------------------------------------- review links


def officer_key(secret: str, officer: Rut) -> str:
    """Names the officer in a link without their RUT: only this system can tell whom it names."""
    return hmac.new(secret.encode(), f"officer:{officer.compact()}".encode(), hashlib.sha256).hexdigest()[:20]


def review_claims(request: AnnulmentRequest, officer: Officer, secret: str) -> dict[str, Any]:
    return {"purpose": REVIEW_PURPOSE, "rid": request.request_id, "ok": officer_key(secret, officer.rut)}


def request_id_of(claims: Mapping[str, Any]) -> str:
    """The request a genuine link points to; a token made for anything else is not a review link."""
    request_id = claims.get("rid")
    if claims.get("purpose") != REVIEW_PURPOSE or not isinstance(request_id, str):
        raise AuthenticationError(INVALID_LINK)
    return request_id


def officer_named(claims: Mapping[str, Any], officers: Iterable[Officer], secrets: tuple[str, ...]) -> Officer:
    """The current officer the link names. Any key of the ring may have named them: links survive a key
    rotation; an officer who left the region is no longer found."""
    named = str(claims.get("ok"))
    for officer in officers:
        if any(hmac.compare_digest(officer_key(secret, officer.rut), named) for secret in secrets):
            return officer
    raise PermissionDeniedError(NOT_AN_OFFICER_ANY_MORE)


@dataclass(frozen=True)
class ReviewContext:
    request: AnnulmentRequest
    officer: Officer
    certificate: Certificate | None


# ---------------------------------------------------------------- the regional inbox


def officer_of(principal: Principal) -> Officer:
    if principal.profile is not Profile.SENCE_OFFICER or not principal.grant.regions:
        raise PermissionDeniedError("Sólo la Dirección Regional de SENCE resuelve solicitudes de anulación.")
    return Officer(principal.rut, principal.name, None, principal.grant.regions[0])


def oldest_first(requests: Iterable[AnnulmentRequest]) -> list[AnnulmentRequest]:
    return sorted(requests, key=lambda r: r.requested_at)


def parse_request_id(raw: object) -> str:
    text = raw if isinstance(raw, str) else ""
    if not _REQUEST_ID.fullmatch(text):
        raise NotFoundError(REQUEST_NOT_FOUND)
    return text


def request_for_officer(principal: Principal, request: AnnulmentRequest | None) -> tuple[AnnulmentRequest, Officer]:
    """A request of one of the officer's regions, with the officer acting for that region."""
    officer = officer_of(principal)
    if request is None or request.region_code not in principal.grant.regions:
        raise NotFoundError(REQUEST_NOT_FOUND)
    return request, replace(officer, region_code=request.region_code)


# ---------------------------------------------------------------- the officer's desk

DESK_WINDOW = timedelta(days=90)
PICK_OUTCOME = "Elija el resultado: aprobada o rechazada."

# The words an outcome filter may come as: the API's status codes and the screen's words.
OUTCOME_WORDS = {
    "approved": AnnulmentStatus.APPROVED,
    "rejected": AnnulmentStatus.REJECTED,
    "aprobada": AnnulmentStatus.APPROVED,
    "rechazada": AnnulmentStatus.REJECTED,
}
# Blank (spaces only) is no filter.
OUTCOME_PATTERN = padded("|".join([*(literal(word, any_case=True) for word in OUTCOME_WORDS), ""]))
INSTITUTION_FILTER_PATTERN = f"{padded('')}|{RUT_PATTERN}"


def parse_outcome(raw: object) -> AnnulmentStatus | None:
    """The outcome a decided list is filtered by; none (absent or blank) shows both."""
    word = trim(raw).lower() if isinstance(raw, str) else ""
    if not word:
        return None
    if word not in OUTCOME_WORDS:
        raise InvalidInputError(PICK_OUTCOME, field="outcome")
    return OUTCOME_WORDS[word]


def parse_institution(raw: object) -> Rut | None:
    """The OTEC (its RUT) a decided list is filtered by; none (absent or blank) shows every OTEC."""
    if raw is None or (isinstance(raw, str) and not trim(raw)):
        return None
    return Rut.parse(raw, field="otec")


def desk_window_start(now: datetime) -> datetime:
    """The oldest decision the desk shows: DESK_WINDOW (90 days) before `now`."""
    return now - DESK_WINDOW


def decided_by_officer(request: AnnulmentRequest) -> bool:
    """A decision an officer took (an annulment migrated from the old system names none)."""
    return request.decided and request.decided_by_rut is not None and request.decided_at is not None


def newest_decided_first(
    requests: Iterable[AnnulmentRequest],
    now: datetime,
    outcome: AnnulmentStatus | None = None,
    institution: Rut | None = None,
) -> list[AnnulmentRequest]:
    """The decisions of the last DESK_WINDOW, newest first, of one outcome and one OTEC when given."""
    since = desk_window_start(now)
    chosen = [
        request
        for request in requests
        if decided_by_officer(request)
        and request.decided_at is not None
        and request.decided_at >= since
        and (outcome is None or request.status is outcome)
        and (institution is None or request.institution_rut == institution)
    ]
    return sorted(chosen, key=lambda r: (r.decided_at, r.request_id), reverse=True)


@dataclass(frozen=True)
class DeskFigures:
    pending: int
    oldest_pending_at: datetime | None
    oldest_pending_age: timedelta | None
    decided: int
    median_time_to_decide: timedelta | None


def desk_figures(
    pending: Iterable[AnnulmentRequest], decided: Iterable[AnnulmentRequest], now: datetime
) -> DeskFigures:
    """The header of the officer's desk.

    - `pending`: how many requests wait for a decision; `oldest_pending_at` / `oldest_pending_age`:
      when the one waiting longest was made and how long ago (None when none waits; an age never
      goes below zero, whatever the clocks say).
    - `decided` / `median_time_to_decide`: the decisions of the last DESK_WINDOW (90 days, counted
      back from `now` by their decision time) and the median of their request-to-decision times: the
      middle one of an odd count, the mean of the two middle ones of an even count, None without
      decisions. A request still pending does not count in the median.
    """
    waiting = [request for request in pending if not request.decided]
    oldest = min((request.requested_at for request in waiting), default=None)
    recent = newest_decided_first(decided, now)
    times = sorted(request.decided_at - request.requested_at for request in recent if request.decided_at)
    median: timedelta | None = None
    if times:
        middle = len(times) // 2
        median = times[middle] if len(times) % 2 else (times[middle - 1] + times[middle]) / 2
    return DeskFigures(
        pending=len(waiting),
        oldest_pending_at=oldest,
        oldest_pending_age=max(now - oldest, timedelta(0)) if oldest else None,
        decided=len(recent),
        median_time_to_decide=median,
    )
