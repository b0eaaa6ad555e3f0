"""What the notifier sends: the review request to each regional officer, the outcome to the requester."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .certificates import AnnulmentRequest, AnnulmentStatus
from .clock import CHILE
from .courses import Course
from .errors import InvalidInputError

REQUESTED = "annulment_requested"
DECIDED = "annulment_decided"
SIGNATURE = "SENCE · GCA"


def event_for(kind: str, request_id: str) -> dict[str, Any]:
    return {"type": kind, "request_id": request_id, "event_id": f"{kind}:{request_id}"}


def parse_event(event: object) -> tuple[str, str]:
    """(kind, request_id) of a queue message; anything else is a poisoned message."""
    if not isinstance(event, dict) or not isinstance(event.get("event_id"), str):
        raise InvalidInputError("message is not an annulment event")
    kind, request_id = event.get("type"), event.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        raise InvalidInputError("event without request_id")
    if kind not in (REQUESTED, DECIDED):
        raise InvalidInputError(f"unknown event type {kind!r}")
    return str(kind), request_id


@dataclass(frozen=True)
class EmailMessage:
    """One email's content; renderers turn it into text and HTML."""

    to: str
    subject: str
    greeting: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    button: tuple[str, str] | None = None


def review_request_email(
    request: AnnulmentRequest, course: Course | None, name: str, to: str, link: str
) -> EmailMessage:
    """The review request names the certificate and the course, never a participant (Ley 21.719: an email
    is forwarded and kept in mailboxes beyond the system's control). Nor does it carry the reason: the OTEC
    writes it freely, and it may name the people concerned. Both are on the review page behind the link."""
    facts = (
        ("N° de certificado", str(request.certificate_number)),
        ("Curso", f"{request.course_code} — {course.name if course else ''}"),
        (
            "OTEC",
            f"{course.institution.name} ({course.institution.rut})" if course else request.institution_rut.formatted(),
        ),
        ("Solicitado por", f"{request.requested_by_name} ({request.requested_by_rut})"),
        ("Fecha de solicitud", request.requested_at.astimezone(CHILE).strftime("%d-%m-%Y %H:%M")),
    )
    return EmailMessage(
        to=to,
        subject=f"Solicitud de anulación del certificado N° {request.certificate_number} (curso {request.course_code})",
        greeting=(
            f"Estimado(a) {name}:",
            "Una OTEC de su región solicitó anular un certificado de asistencia. "
            "Revise la solicitud y apruébela o recházela desde el siguiente enlace, válido por 72 horas.",
            "El motivo de la solicitud y los participantes del certificado se muestran en esa página: "
            "para proteger sus datos personales, este correo no los incluye.",
        ),
        facts=facts,
        button=("Revisar la solicitud", link),
    )


def outcome_email(request: AnnulmentRequest, to: str) -> EmailMessage:
    approved = request.status is AnnulmentStatus.APPROVED
    outcome = "APROBADA" if approved else "RECHAZADA"
    consequence = (
        "El certificado quedó anulado y el curso quedó Aprobado para Re-emisión: puede emitir un nuevo certificado."
        if approved
        else "El certificado sigue vigente y el curso quedó Rechazado para Re-emisión."
    )
    return EmailMessage(
        to=to,
        subject=f"Solicitud de anulación {outcome.lower()}: certificado N° {request.certificate_number}",
        greeting=(
            f"Estimado(a) {request.requested_by_name}:",
            f"Su solicitud de anulación fue {outcome}.",
            consequence,
        ),
        facts=(
            ("N° de certificado", str(request.certificate_number)),
            ("Curso", request.course_code),
            ("Resolución", outcome),
            ("Resuelto por", f"{request.decided_by_name or ''} (Dirección Regional)"),
            ("Comentario", request.decision_comment or "—"),
        ),
    )
