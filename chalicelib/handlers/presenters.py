"""Domain objects as the JSON the API promises (BRIEF.md, "HTTP interface")."""

from __future__ import annotations

from typing import Any

from ..domain.access import Principal, Profile
from ..domain.attendance import SessionAttendance
from ..domain.certificates import AnnulmentRequest, Certificate, CertificateEvent, allowed_events
from ..domain.clock import CHILE
from ..domain.course_queries import CourseDetail, Page
from ..domain.courses import Course, Party


def party(value: Party | None) -> dict[str, str] | None:
    return {"rut": value.rut.formatted(), "name": value.name} if value else None


def course_summary(course: Course) -> dict[str, Any]:
    return {
        "course_code": course.course_code,
        "sence_code": course.sence_code,
        "name": course.name,
        "program": course.program.value,
        "program_label": course.program.label,
        "accredited_hours": course.accredited_hours,
        "start_date": course.start_date.isoformat(),
        "end_date": course.end_date.isoformat(),
        "region": {"code": course.region_code, "name": course.region_name},
        "certificate_state": course.certificate_state.value,
        "certificate_state_label": course.certificate_state.label,
    }


def page_view(page: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "items": items,
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "first": page.first,
        "last": page.last,
    }


def _moment(value: Any) -> str | None:
    return value.astimezone(CHILE).isoformat() if value else None


def certificate_summary(certificate: Certificate) -> dict[str, Any]:
    return {
        "number": str(certificate.number),
        "status": certificate.status.value,
        "issued_at": _moment(certificate.issued_at),
        "accepted_by": {"rut": certificate.accepted_by_rut.formatted(), "name": certificate.accepted_by_name},
        "invoice_number": certificate.invoice_number,
        "annulled_at": _moment(certificate.annulled_at),
    }


def annulment_summary(request: AnnulmentRequest) -> dict[str, Any]:
    decided_by = (
        {"rut": request.decided_by_rut.formatted(), "name": request.decided_by_name} if request.decided_by_rut else None
    )
    return {
        "request_id": request.request_id,
        "certificate_number": str(request.certificate_number),
        "reason": request.reason,
        "requested_at": _moment(request.requested_at),
        "requested_by": {"rut": request.requested_by_rut.formatted(), "name": request.requested_by_name},
        "status": request.status.value,
        "decided_at": _moment(request.decided_at),
        "decided_by": decided_by,
        "decision_comment": request.decision_comment,
    }


def course_detail(detail: CourseDetail, principal: Principal) -> dict[str, Any]:
    course = detail.course
    is_admin = principal.profile in (Profile.NATIONAL_ADMIN, Profile.REGIONAL_ADMIN)
    events = allowed_events(course.certificate_state)
    current = next((c for c in reversed(detail.certificates)), None)
    return {
        **course_summary(course),
        "activity_type": course.activity_type.value,
        "activity_type_label": course.activity_type.label,
        "institution": party(course.institution),
        "company": party(course.company),
        "otic": party(course.otic),
        "quotas": course.quotas,
        "related_action": course.related_action,
        "minimum_percent": course.minimum_percent,
        "current_certificate": certificate_summary(current) if current else None,
        "certificates": [certificate_summary(c) for c in detail.certificates],
        "annulments": [annulment_summary(a) for a in detail.annulments],
        "can_issue": is_admin and CertificateEvent.ISSUE in events,
        "can_request_annulment": is_admin and CertificateEvent.REQUEST_ANNULMENT in events,
    }


def session_row(row: SessionAttendance) -> dict[str, Any]:
    session = row.session
    start = session.start.astimezone(CHILE)

    def hms(value: Any) -> str | None:
        return value.astimezone(CHILE).strftime("%H:%M:%S") if value else None

    return {
        "session_id": session.session_id,
        "date": start.date().isoformat(),
        "facilitator": session.facilitator,
        "session_start": hms(session.start),
        "session_end": hms(session.end),
        "session_duration": session.length.hhmmss(),
        "participant_start": hms(row.first_entry),
        "participant_end": hms(row.last_exit),
        "participant_duration": row.credited.hhmmss(),
        "grace_applied": row.grace_applied,
        "incidents": [{"kind": incident.kind.value, "entry": _moment(incident.entry)} for incident in row.incidents],
    }
