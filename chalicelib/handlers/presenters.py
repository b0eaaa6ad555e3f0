"""Domain objects as the response models of the API (`schemas.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from ..domain.access import Principal, Profile, ProfileGrant
from ..domain.annulments import DESK_WINDOW, DeskFigures
from ..domain.attendance import SessionAttendance
from ..domain.auth import LoginSession
from ..domain.certificates import (
    AnnulmentRequest,
    Certificate,
    CertificateEvent,
    CertificateState,
    CertificateStatus,
    FrozenParticipant,
    allowed_events,
)
from ..domain.clock import CHILE
from ..domain.course_queries import CourseDetail
from ..domain.courses import Course, Party, region_name
from ..domain.privacy import SubjectReport, correction_note
from ..domain.reachability import Reach
from ..domain.rut import Rut
from . import schemas


def party(value: Party) -> schemas.PartyView:
    return schemas.PartyView(value.rut.formatted(), value.name)


def maybe_party(value: Party | None) -> schemas.PartyView | None:
    return party(value) if value else None


def person(rut: Rut, name: str) -> schemas.PersonView:
    return schemas.PersonView(rut.formatted(), name)


def region(code: str) -> schemas.RegionView:
    return schemas.RegionView(code, region_name(code))


def chile(moment: datetime) -> datetime:
    """Times are shown in Chile, with their offset."""
    return moment.astimezone(CHILE)


def maybe_chile(moment: datetime | None) -> datetime | None:
    return moment.astimezone(CHILE) if moment else None


def grant(value: ProfileGrant) -> schemas.GrantView:
    return schemas.GrantView(
        profile=value.profile,
        profile_label=value.profile.label,
        institution=schemas.PartyView(value.institution_rut.formatted(), value.institution_name),
        regions=[region(code) for code in value.regions],
    )


def principal_view(principal: Principal, session: schemas.SessionView | None = None) -> schemas.PrincipalView:
    chosen = grant(principal.grant)
    return schemas.PrincipalView(
        user=person(principal.rut, principal.name),
        profile=chosen.profile,
        profile_label=chosen.profile_label,
        institution=chosen.institution,
        regions=chosen.regions,
        session=session if session is not None else msgspec.UNSET,
    )


def session_view(session: LoginSession, idle_minutes: int) -> schemas.SessionView:
    return schemas.SessionView(
        expires_at=chile(session.ends_at),
        idle_timeout_seconds=idle_minutes * 60,
        idle_until=chile(session.idle_until),
    )


def _summary_fields(course: Course, state: CertificateState | None = None) -> dict[str, object]:
    shown = state or course.certificate_state
    return {
        "course_code": course.course_code,
        "sence_code": course.sence_code,
        "name": course.name,
        "program": course.program,
        "program_label": course.program.label,
        "accredited_hours": course.accredited_hours,
        "start_date": course.start_date,
        "end_date": course.end_date,
        "region": region(course.region_code),
        "certificate_state": shown,
        "certificate_state_label": shown.label,
    }


def course_summary(course: Course, state: CertificateState | None = None) -> schemas.CourseSummary:
    """The course as the lists show it; `state` overrides its certificate state (a certificate's own)."""
    return schemas.CourseSummary(**_summary_fields(course, state))  # type: ignore[arg-type]


def preview_course(course: Course) -> schemas.PreviewCourse:
    return schemas.PreviewCourse(
        **_summary_fields(course),  # type: ignore[arg-type]
        activity_type_label=course.activity_type.label,
        institution=party(course.institution),
        company=party(course.company),
        otic=maybe_party(course.otic),
        minimum_percent=course.minimum_percent,
    )


def certificate_summary(certificate: Certificate) -> schemas.CertificateSummary:
    return schemas.CertificateSummary(**_certificate_fields(certificate))  # type: ignore[arg-type]


def _certificate_fields(certificate: Certificate) -> dict[str, object]:
    return {
        "number": str(certificate.number),
        "status": certificate.status,
        "issued_at": chile(certificate.issued_at),
        "accepted_by": person(certificate.accepted_by_rut, certificate.accepted_by_name),
        "invoice_number": certificate.invoice_number,
        "annulled_at": maybe_chile(certificate.annulled_at),
        "imported": certificate.imported,
        "source": certificate.source,
    }


def _annulment_fields(request: AnnulmentRequest) -> dict[str, object]:
    decided_by = person(request.decided_by_rut, request.decided_by_name or "") if request.decided_by_rut else None
    return {
        "request_id": request.request_id,
        "certificate_number": str(request.certificate_number),
        "reason": request.reason,
        "requested_at": chile(request.requested_at),
        "requested_by": person(request.requested_by_rut, request.requested_by_name),
        "status": request.status,
        "decided_at": maybe_chile(request.decided_at),
        "decided_by": decided_by,
        "decision_comment": request.decision_comment,
    }


def annulment_summary(request: AnnulmentRequest) -> schemas.AnnulmentSummary:
    return schemas.AnnulmentSummary(**_annulment_fields(request))  # type: ignore[arg-type]


def requested(request: AnnulmentRequest, state: CertificateState) -> schemas.RequestedAnswer:
    return schemas.RequestedAnswer(
        **_annulment_fields(request),  # type: ignore[arg-type]
        state=state,
        state_label=state.label,
    )


def inbox_item(request: AnnulmentRequest, course: Course | None) -> schemas.InboxItemView:
    return schemas.InboxItemView(**_inbox_fields(request, course))  # type: ignore[arg-type]


def desk_figures(figures: DeskFigures) -> schemas.DeskFiguresView:
    age, median = figures.oldest_pending_age, figures.median_time_to_decide
    return schemas.DeskFiguresView(
        pending=figures.pending,
        oldest_pending_at=maybe_chile(figures.oldest_pending_at),
        oldest_pending_seconds=int(age.total_seconds()) if age is not None else None,
        window_days=DESK_WINDOW.days,
        decided=figures.decided,
        median_decision_seconds=int(median.total_seconds()) if median is not None else None,
    )


def decided_inbox(
    items: Iterable[tuple[AnnulmentRequest, Course | None]], institutions: Iterable[Party]
) -> schemas.DecidedInbox:
    shown = [inbox_item(request, course) for request, course in items]
    return schemas.DecidedInbox(
        items=shown,
        total=len(shown),
        window_days=DESK_WINDOW.days,
        # An OTEC whose course is gone is shown by its RUT.
        institutions=[schemas.PartyView(p.rut.formatted(), p.name or p.rut.formatted()) for p in institutions],
    )


def _inbox_fields(request: AnnulmentRequest, course: Course | None) -> dict[str, object]:
    return {
        **_annulment_fields(request),
        "course_code": request.course_code,
        "course_name": course.name if course else None,
        "institution": party(course.institution) if course else None,
        "region_code": request.region_code,
    }


def frozen(participants: tuple[FrozenParticipant, ...]) -> list[schemas.FrozenView]:
    return [schemas.FrozenView(p.rut.formatted(), p.name, p.percent) for p in participants]


def request_detail(
    request: AnnulmentRequest, course: Course | None, certificate: Certificate | None
) -> schemas.RequestDetail:
    shown = None
    if certificate is not None:
        frozen_course = certificate.course
        shown = schemas.RequestCertificate(
            **_certificate_fields(certificate),  # type: ignore[arg-type]
            course=course_summary(frozen_course) if frozen_course else None,
            activity_type_label=frozen_course.activity_type.label if frozen_course else None,
            company=party(frozen_course.company) if frozen_course else None,
            otic=maybe_party(frozen_course.otic) if frozen_course else None,
            participants=frozen(certificate.participants),
        )
    return schemas.RequestDetail(**_inbox_fields(request, course), certificate=shown)  # type: ignore[arg-type]


def course_detail(detail: CourseDetail, principal: Principal) -> schemas.CourseDetailView:
    course = detail.course
    is_admin = principal.profile in (Profile.NATIONAL_ADMIN, Profile.REGIONAL_ADMIN)
    events = allowed_events(course.certificate_state)
    current = next((c for c in reversed(detail.certificates)), None)
    return schemas.CourseDetailView(
        **_summary_fields(course),  # type: ignore[arg-type]
        activity_type=course.activity_type.value,
        activity_type_label=course.activity_type.label,
        institution=party(course.institution),
        company=party(course.company),
        otic=maybe_party(course.otic),
        quotas=course.quotas,
        related_action=course.related_action,
        minimum_percent=course.minimum_percent,
        current_certificate=certificate_summary(current) if current else None,
        certificates=[certificate_summary(c) for c in detail.certificates],
        annulments=[annulment_summary(a) for a in detail.annulments],
        can_issue=is_admin and CertificateEvent.ISSUE in events,
        can_request_annulment=is_admin and CertificateEvent.REQUEST_ANNULMENT in events,
        correction_note=correction_note(course.certificate_state),
    )


def certificate_view(certificate: Certificate, state: CertificateState) -> schemas.CertificateView:
    """The certificate with the course as it froze it, in the state this certificate is in now."""
    course = certificate.course
    return schemas.CertificateView(
        **_certificate_fields(certificate),  # type: ignore[arg-type]
        state=state,
        state_label=state.label,
        verification_code=certificate.verification_code,
        course_code=certificate.course_code,
        course=course_summary(course, state) if course else None,
        institution=party(course.institution) if course else None,
        company=party(course.company) if course else None,
        otic=maybe_party(course.otic) if course else None,
        activity_type_label=course.activity_type.label if course else None,
        participants=frozen(certificate.participants),
        pdf_sha256=certificate.pdf_sha256,
    )


def session_row(row: SessionAttendance) -> schemas.SessionRow:
    session = row.session

    def hms(value: datetime | None) -> str | None:
        return value.astimezone(CHILE).strftime("%H:%M:%S") if value else None

    return schemas.SessionRow(
        session_id=session.session_id,
        date=session.start.astimezone(CHILE).date(),
        facilitator=session.facilitator,
        session_start=hms(session.start) or "",
        session_end=hms(session.end) or "",
        session_duration=session.length.hhmmss(),
        participant_start=hms(row.first_entry),
        participant_end=hms(row.last_exit),
        participant_duration=row.credited.hhmmss(),
        grace_applied=row.grace_applied,
        incidents=[schemas.IncidentView(incident.kind, chile(incident.entry)) for incident in row.incidents],
    )


# ---------------------------------------------------------------- data subjects


def subject_report(report: SubjectReport) -> schemas.SubjectReportView:
    def rut_text(value: Rut | None) -> str | None:
        return value.formatted() if value else None

    return schemas.SubjectReportView(
        subject=schemas.SubjectView(report.subject.formatted(), report.names),
        generated_at=chile(report.generated_at),
        enrolments=[
            schemas.ReportEnrolment(
                course=schemas.ReportCourse(
                    course_code=e.course.course_code,
                    name=e.course.name,
                    institution=party(e.course.institution),
                    start_date=e.course.start_date,
                    end_date=e.course.end_date,
                    certificate_state=e.course.certificate_state,
                    certificate_state_label=e.course.certificate_state.label,
                ),
                name=e.participant.name,
                attendance_percent=e.attendance.percent,
                correction_note=e.correction_note,
                sessions=[
                    schemas.ReportMark(
                        session_id=row.session.session_id,
                        date=row.session.start.astimezone(CHILE).date(),
                        entry=maybe_chile(row.first_entry),
                        exit=maybe_chile(row.last_exit),
                        credited=row.credited.hhmmss(),
                    )
                    for row in e.attendance.sessions
                ],
            )
            for e in report.enrolments
        ],
        certificates=[
            schemas.ReportCertificate(
                number=str(held.certificate.number),
                institution=party(held.certificate.course.institution)
                if held.certificate.course
                else schemas.PartyView(held.certificate.institution_rut.formatted(), ""),
                course_code=held.certificate.course_code,
                state=held.certificate.status,
                state_label="Anulado" if held.certificate.status is CertificateStatus.ANNULLED else "Vigente",
                name=held.entry.name,
                percent=held.entry.percent,
                issued_at=chile(held.certificate.issued_at),
            )
            for held in report.certificates
        ],
        emails=[
            schemas.ReportEmail(
                at=chile(access.at),
                kind=(access.detail or "").split(": ", 1)[0],
                subject=(access.detail or "").split(": ", 1)[-1],
            )
            for access in report.emails
        ],
        accesses=[
            schemas.ReportAccess(
                at=chile(access.at),
                actor=schemas.ReportActor(
                    rut_text(access.actor_rut), access.actor_profile, rut_text(access.actor_institution)
                ),
                route=access.what.value,
                course_code=access.course_code,
                certificate=access.certificate,
                subject_rut=rut_text(access.subject_rut),
                correlation_id=access.correlation_id,
            )
            for access in report.accesses
        ],
    )


def reach_fields(reach: Reach, minimum: int | None) -> dict[str, Any]:
    """A participant's reach as the participants list and the participant view show it."""
    return {
        "held_seconds": reach.held_seconds,
        "max_reachable_percent": reach.max_reachable_percent,
        "risk": reach.risk,
        "risk_label": reach.risk.label(minimum),
    }
