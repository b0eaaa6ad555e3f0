"""Annulments: the OTEC's request, the regional inbox, the decision (inbox or emailed link), the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..domain.access import Principal
from ..domain.annulments import (
    EXPIRED_LINK,
    INVALID_LINK,
    Officer,
    ReviewContext,
    decide,
    decision_transition,
    new_request,
    officer_named,
    officer_of,
    oldest_first,
    parse_reason,
    parse_request_id,
    request_for_officer,
    request_id_of,
)
from ..domain.audit import AuditEntry, course_subject
from ..domain.certificates import AnnulmentRequest, AnnulmentStatus, Certificate, CertificateNumber
from ..domain.courses import Course, course_not_found
from ..domain.errors import AuthenticationError, ExpiredCredentialsError
from ..domain.issuing import visible_certificate
from ..domain.limits import Limited
from ..domain.notifications import DECIDED, REQUESTED, event_for
from .limits import admit
from .ports import Ports

logger = logging.getLogger("gca")


def publish(ports: Ports, kind: str, request_id: str) -> None:
    """Hand the event to the queue; if that fails, the intent stays stored and the relay sends it."""
    try:
        ports.events.publish(event_for(kind, request_id))
    except Exception:
        logger.exception("event not published; the outbox relay will send it", extra={"request_id": request_id})
        return
    ports.annulments.mark_published(kind, request_id)


def request_annulment(ports: Ports, principal: Principal, raw_number: str, raw_reason: object) -> AnnulmentRequest:
    """Solicitud de anulación: the course goes to Pendiente de Validación, the regional officers are told."""
    reason = parse_reason(raw_reason)
    number = CertificateNumber.parse(raw_number)
    principal.ensure_otec()
    certificate = visible_certificate(principal, ports.certificates.get(principal.institution_rut, number), number)
    course = ports.courses.get(certificate.course_code)
    if course is None:
        raise course_not_found(certificate.course_code)
    request, move = new_request(principal, certificate, course, reason, ports.clock.now())
    audit = AuditEntry(
        course_subject(course.course_code),
        "annulment_requested",
        request.requested_at,
        principal.rut,
        principal.name,
        {"number": str(request.certificate_number), "reason": request.reason},
    )
    ports.transactions.commit_annulment_request(request, move, audit)
    publish(ports, REQUESTED, request.request_id)
    ports.metrics.count("AnnulmentsRequested")
    return request


@dataclass(frozen=True)
class InboxItem:
    request: AnnulmentRequest
    course: Course | None


def regional_inbox(ports: Ports, principal: Principal) -> list[InboxItem]:
    """Pending requests of the officer's region(s), oldest first, each with its course."""
    officer_of(principal)
    pending = oldest_first(
        request for region in principal.grant.regions for request in ports.annulments.list_pending_for_region(region)
    )
    return [InboxItem(request, ports.courses.get(request.course_code)) for request in pending]


@dataclass(frozen=True)
class RequestView:
    item: InboxItem
    certificate: Certificate | None


def _for_officer(ports: Ports, principal: Principal, raw_id: str) -> tuple[AnnulmentRequest, Officer]:
    officer_of(principal)
    return request_for_officer(principal, ports.annulments.get(parse_request_id(raw_id)))


def get_request(ports: Ports, principal: Principal, raw_id: str) -> RequestView:
    """One request of the officer's region, with its course and the certificate it would annul."""
    request, _officer = _for_officer(ports, principal, raw_id)
    certificate = ports.certificates.get(request.institution_rut, request.certificate_number)
    return RequestView(InboxItem(request, ports.courses.get(request.course_code)), certificate)


def _decide(
    ports: Ports, request: AnnulmentRequest, officer: Officer, raw_decision: object, raw_comment: object
) -> AnnulmentRequest:
    """Only the first decision counts: the write is conditional on the request still being pending."""
    decided = decide(request, officer, raw_decision, raw_comment, ports.clock.now())
    move = decision_transition(decided, ports.courses.get(decided.course_code))
    assert decided.decided_at is not None
    audit = AuditEntry(
        course_subject(decided.course_code),
        f"annulment_{decided.status.value.lower()}",
        decided.decided_at,
        officer.rut,
        officer.name,
        {"number": str(decided.certificate_number), "comment": decided.decision_comment or ""},
    )
    approved = decided.status is AnnulmentStatus.APPROVED
    ports.transactions.commit_decision(decided, move, approved, audit)
    ports.metrics.count("AnnulmentsApproved" if approved else "AnnulmentsRejected")
    publish(ports, DECIDED, decided.request_id)
    return decided


def decide_request(
    ports: Ports, principal: Principal, raw_id: str, raw_decision: object, raw_comment: object
) -> AnnulmentRequest:
    """Aprobar: certificate annulled, course open for re-issue. Rechazar: the certificate stays valid."""
    request, officer = _for_officer(ports, principal, raw_id)
    return _decide(ports, request, officer, raw_decision, raw_comment)


def open_review_link(ports: Ports, token: str, client: str = "") -> ReviewContext:
    """What an emailed link points to. Reading it changes nothing (mail scanners open links).

    ExpiredCredentialsError for a genuine link past its 72 hours, AuthenticationError for anything
    else that is not a link of ours, PermissionDeniedError when the officer it names left the region,
    TooManyRequestsError past `GCA_RATE_LIMIT_REVIEW_PER_MIN` requests a minute from one address.
    """
    admit(ports, Limited.REVIEW, client)
    try:
        claims = ports.tokens.read(token, ports.clock.now())
    except ExpiredCredentialsError:
        raise ExpiredCredentialsError(EXPIRED_LINK) from None
    except AuthenticationError:
        raise AuthenticationError(INVALID_LINK) from None
    request = ports.annulments.get(request_id_of(claims))
    if request is None:
        raise AuthenticationError(INVALID_LINK)
    officer = officer_named(claims, ports.users.officers_of(request.region_code), ports.link_secrets)
    return ReviewContext(request, officer, ports.certificates.get(request.institution_rut, request.certificate_number))


def decide_by_link(
    ports: Ports, token: str, raw_decision: object, raw_comment: object, client: str = ""
) -> AnnulmentRequest:
    context = open_review_link(ports, token, client)
    return _decide(ports, context.request, context.officer, raw_decision, raw_comment)


def relay_outbox(ports: Ports) -> int:
    """Events whose publication failed after their transaction committed are sent again."""
    pending = ports.annulments.unpublished()
    for kind, request_id in pending:
        publish(ports, kind, request_id)
    if pending:
        logger.info("outbox relayed", extra={"events": len(pending)})
    return len(pending)
