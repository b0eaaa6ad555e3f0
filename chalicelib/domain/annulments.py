"""Annulment: the OTEC asks, SENCE's regional office decides from an emailed link or its inbox."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from .access import Principal, Profile
from .certificates import (
    AnnulmentRequest,
    AnnulmentStatus,
    Certificate,
    CertificateEvent,
    CertificateState,
    CertificateStatus,
    next_state,
)
from .clock import Clock
from .courses import Course
from .errors import AuthenticationError, InvalidInputError, NotFoundError, PermissionDeniedError, StateConflictError
from .issuing import CertificateArchive, get_certificate
from .rut import Rut

MIN_REASON = 10
MAX_REASON = 2_000
MAX_COMMENT = 1_000
LINK_LIFETIME = timedelta(hours=72)
REVIEW_PURPOSE = "annulment_review"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(raw: object, *, field: str, minimum: int, maximum: int, label: str) -> str:
    text = _CONTROL.sub("", raw).strip() if isinstance(raw, str) else ""
    if len(text) < minimum:
        if minimum <= 1:
            raise InvalidInputError(f"Ingrese {label}.", field=field)
        raise InvalidInputError(f"Ingrese {label} (al menos {minimum} caracteres).", field=field)
    if len(text) > maximum:
        raise InvalidInputError(f"{label[0].upper()}{label[1:]} admite hasta {maximum} caracteres.", field=field)
    return text


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"

    @classmethod
    def parse(cls, raw: object) -> Decision:
        text = raw.strip().lower() if isinstance(raw, str) else ""
        aliases = {"aprobar": cls.APPROVE, "approve": cls.APPROVE, "rechazar": cls.REJECT, "reject": cls.REJECT}
        if text not in aliases:
            raise InvalidInputError("Elija Aprobar o Rechazar.", field="decision")
        return aliases[text]


class AnnulmentLedger(Protocol):
    def get_course(self, course_code: str) -> Course | None: ...

    def get_request(self, request_id: str) -> AnnulmentRequest | None: ...

    def commit_request(self, request: AnnulmentRequest, course: Course, at: datetime) -> None:
        """One transaction: the request with its pending notification, and the course to Pendiente de
        Validación if it is still where it was read. StateConflictError otherwise."""
        ...

    def commit_decision(self, request: AnnulmentRequest, certificate_annulled: bool) -> None:
        """One transaction, only while the request is pending: the request decided (with its pending
        outcome notification), the course's new state and, on approval, the certificate annulled.
        StateConflictError when it was decided already."""
        ...


class EventPublisher(Protocol):
    def publish(self, event: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Officer:
    rut: Rut
    name: str
    email: str | None
    region_code: str


class OfficerDirectory(Protocol):
    def officers_of(self, region_code: str) -> list[Officer]: ...


def request_annulment(
    principal: Principal,
    raw_number: str,
    raw_reason: object,
    *,
    archive: CertificateArchive,
    ledger: AnnulmentLedger,
    clock: Clock,
) -> AnnulmentRequest:
    """Solicitud de anulación: the course goes to Pendiente de Validación with its notification intent."""
    reason = clean_text(raw_reason, field="reason", minimum=MIN_REASON, maximum=MAX_REASON, label="el motivo")
    certificate = get_certificate(principal, raw_number, archive)
    principal.ensure_administrator()
    course = ledger.get_course(certificate.course_code)
    if course is None:
        raise NotFoundError(f"No se encontró el curso {certificate.course_code}.")
    principal.ensure_sees_course(course)
    if certificate.status is not CertificateStatus.VALID:
        raise StateConflictError("El certificado ya fue anulado.")
    next_state(course.certificate_state, CertificateEvent.REQUEST_ANNULMENT)
    now = clock.now()
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
    ledger.commit_request(request, course, now)
    return request


# ---------------------------------------------------------------- review links


def officer_key(secret: str, officer: Rut) -> str:
    """Names the officer in a link without their RUT: only this system can tell whom it names."""
    return hmac.new(secret.encode(), f"officer:{officer.compact()}".encode(), hashlib.sha256).hexdigest()[:20]


class LinkSigner(Protocol):
    def issue(self, claims: dict[str, Any], now: datetime, ttl: timedelta) -> str: ...

    def read(self, token: str, now: datetime) -> dict[str, Any]: ...


def review_link_token(
    request: AnnulmentRequest, officer: Officer, signer: LinkSigner, secret: str, now: datetime
) -> str:
    claims = {"purpose": REVIEW_PURPOSE, "rid": request.request_id, "ok": officer_key(secret, officer.rut)}
    return signer.issue(claims, now, LINK_LIFETIME)


@dataclass(frozen=True)
class ReviewContext:
    request: AnnulmentRequest
    officer: Officer
    certificate: Certificate | None


INVALID_LINK = "El enlace no es válido. Use el enlace completo del correo o ingrese al sistema."
EXPIRED_LINK = "El enlace expiró (vale 72 horas). Ingrese al sistema para resolver la solicitud."


def open_review_link(
    token: str,
    *,
    signer: LinkSigner,
    secrets: tuple[str, ...],
    ledger: AnnulmentLedger,
    officers: OfficerDirectory,
    archive: CertificateArchive,
    clock: Clock,
) -> ReviewContext:
    """What the link points to. Reading it changes nothing (mail scanners open links)."""
    try:
        claims = signer.read(token, clock.now())
    except AuthenticationError as error:
        raise AuthenticationError(EXPIRED_LINK if "expir" in error.message else INVALID_LINK) from None
    if claims.get("purpose") != REVIEW_PURPOSE or not isinstance(claims.get("rid"), str):
        raise AuthenticationError(INVALID_LINK)
    request = ledger.get_request(str(claims["rid"]))
    if request is None:
        raise AuthenticationError(INVALID_LINK)
    # Any key of the ring may have named the officer: links survive a key rotation.
    officer = next(
        (
            o
            for o in officers.officers_of(request.region_code)
            if any(hmac.compare_digest(officer_key(secret, o.rut), str(claims.get("ok"))) for secret in secrets)
        ),
        None,
    )
    if officer is None:
        raise PermissionDeniedError("Este enlace no corresponde a un encargado vigente de la Dirección Regional.")
    return ReviewContext(request, officer, archive.get(request.institution_rut, request.certificate_number))


def decide_annulment(
    request: AnnulmentRequest,
    decider: Officer,
    raw_decision: object,
    raw_comment: object,
    *,
    ledger: AnnulmentLedger,
    clock: Clock,
) -> AnnulmentRequest:
    """Aprobar: certificate annulled, course open for re-issue. Rechazar: the certificate stays valid.

    Only the first decision counts: the write is conditional on the request still being pending.
    """
    decision = Decision.parse(raw_decision)
    comment = clean_text(raw_comment, field="comment", minimum=0, maximum=MAX_COMMENT, label="el comentario") or None
    if decider.region_code != request.region_code:
        raise PermissionDeniedError("La solicitud corresponde a otra Dirección Regional.")
    if request.status is not AnnulmentStatus.PENDING:
        raise StateConflictError(ALREADY_DECIDED)
    approved = decision is Decision.APPROVE
    decided = replace(
        request,
        status=AnnulmentStatus.APPROVED if approved else AnnulmentStatus.REJECTED,
        decided_at=clock.now(),
        decided_by_rut=decider.rut,
        decided_by_name=decider.name,
        decision_comment=comment,
    )
    ledger.commit_decision(decided, certificate_annulled=approved)
    return decided


ALREADY_DECIDED = "La solicitud ya fue resuelta; esta acción no cambió nada."


def course_state_after(decision: AnnulmentStatus) -> CertificateState:
    approved = decision is AnnulmentStatus.APPROVED
    event = CertificateEvent.APPROVE_ANNULMENT if approved else CertificateEvent.REJECT_ANNULMENT
    return next_state(CertificateState.ANNULMENT_REQUESTED, event)


# ---------------------------------------------------------------- the regional inbox


class AnnulmentInbox(Protocol):
    def list_pending_for_region(self, region_code: str) -> list[AnnulmentRequest]: ...


def officer_of(principal: Principal) -> Officer:
    if principal.profile is not Profile.SENCE_OFFICER or not principal.grant.regions:
        raise PermissionDeniedError("Sólo la Dirección Regional de SENCE resuelve solicitudes de anulación.")
    return Officer(principal.rut, principal.name, None, principal.grant.regions[0])


def regional_inbox(principal: Principal, inbox: AnnulmentInbox) -> list[AnnulmentRequest]:
    """Pending requests of the officer's region(s), oldest first."""
    officer_of(principal)
    pending = [request for region in principal.grant.regions for request in inbox.list_pending_for_region(region)]
    return sorted(pending, key=lambda r: r.requested_at)


def request_for_officer(
    principal: Principal, request_id: str, ledger: AnnulmentLedger
) -> tuple[AnnulmentRequest, Officer]:
    officer = officer_of(principal)
    request = ledger.get_request(request_id) if re.fullmatch(r"[0-9a-f]{32}", request_id or "") else None
    if request is None or request.region_code not in principal.grant.regions:
        raise NotFoundError("No se encontró la solicitud.")
    return request, replace(officer, region_code=request.region_code)
