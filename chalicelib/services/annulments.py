"""Annulments: the OTEC's request, the regional inbox, the decision (inbox or emailed link), the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..domain.access import Principal
from ..domain.annulments import (
    EXPIRED_LINK,
    INVALID_LINK,
    DeskFigures,
    Officer,
    ReviewContext,
    decide,
    decision_transition,
    desk_figures,
    desk_window_start,
    new_request,
    newest_decided_first,
    officer_named,
    officer_of,
    oldest_first,
    parse_institution,
    parse_outcome,
    parse_reason,
    parse_request_id,
    request_for_officer,
    request_id_of,
)
from ..domain.audit import AuditEntry, course_subject
from ..domain.certificates import AnnulmentRequest, AnnulmentStatus, Certificate, CertificateNumber
from ..domain.courses import Course, Party, course_not_found
from ..domain.errors import AuthenticationError, ExpiredCredentialsError
from ..domain.issuing import visible_certificate
from ..domain.limits import Limited
from ..domain.notifications import DECIDED, REQUESTED, event_for
from ..domain.rut import Rut
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


@dataclass(frozen=True)
class Inbox:
    items: list[InboxItem]
    figures: DeskFigures


def _with_courses(ports: Ports, requests: list[AnnulmentRequest]) -> list[InboxItem]:
    """Each request with its course, the courses read together (one BatchGetItem per 100)."""
    courses = ports.courses.get_many(request.course_code for request in requests)
    return [InboxItem(request, courses.get(request.course_code)) for request in requests]


def _decided_in_window(ports: Ports, principal: Principal, now: datetime) -> list[AnnulmentRequest]:
    since = desk_window_start(now)
    return [
        request
        for region in principal.grant.regions
        for request in ports.annulments.list_decided_for_region(region, since)
    ]


def regional_inbox(ports: Ports, principal: Principal) -> Inbox:
    """Pending requests of the officer's region(s), oldest first, each with its course; and the desk's
    figures: how many wait, since when, and the median time to decide over the last 90 days."""
    officer_of(principal)
    now = ports.clock.now()
    pending = oldest_first(
        request for region in principal.grant.regions for request in ports.annulments.list_pending_for_region(region)
    )
    figures = desk_figures(pending, _decided_in_window(ports, principal, now), now)
    return Inbox(_with_courses(ports, pending), figures)


@dataclass(frozen=True)
class DecidedList:
    items: list[InboxItem]
    institutions: list[Party]


def decided_requests(ports: Ports, principal: Principal, raw_outcome: object, raw_institution: object) -> DecidedList:
    """The requests the officer's region(s) decided in the last 90 days, newest first, filtered by
    outcome (aprobada / rechazada) and by OTEC when asked; with every OTEC of the window, to choose from."""
    officer_of(principal)
    outcome = parse_outcome(raw_outcome)
    institution = parse_institution(raw_institution)
    now = ports.clock.now()
    window = newest_decided_first(_decided_in_window(ports, principal, now), now)
    items = _with_courses(ports, window)
    shown = {request.request_id for request in newest_decided_first(window, now, outcome, institution)}
    institutions: dict[Rut, Party] = {}
    for item in items:
        known = item.course.institution if item.course else Party(item.request.institution_rut, "")
        institutions.setdefault(item.request.institution_rut, known)
    return DecidedList(
        [item for item in items if item.request.request_id in shown],
        sorted(institutions.values(), key=lambda party: (party.name, party.rut.compact())),
    )


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
