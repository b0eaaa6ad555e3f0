"""What the notifier sends: the review request to each regional officer, the outcome to the requester."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Protocol

from .annulments import AnnulmentLedger, LinkSigner, OfficerDirectory, review_link_token
from .certificates import AnnulmentStatus
from .clock import CHILE, Clock
from .rut import Rut

REQUESTED = "annulment_requested"
DECIDED = "annulment_decided"


def event_for(kind: str, request_id: str) -> dict[str, Any]:
    return {"type": kind, "request_id": request_id, "event_id": f"{kind}:{request_id}"}


class Mail(Protocol):
    def send(self, to: str, subject: str, text: str, html: str) -> str: ...


class Mailboxes(Protocol):
    def email_of(self, rut: Rut) -> str | None: ...


@dataclass(frozen=True)
class NotifierPorts:
    ledger: AnnulmentLedger
    officers: OfficerDirectory
    mailboxes: Mailboxes
    mail: Mail
    signer: LinkSigner
    link_secret: str
    base_url: str
    clock: Clock


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _html(title: str, rows: list[tuple[str, str]], paragraphs: list[str], button: tuple[str, str] | None = None) -> str:
    table = "".join(
        f'<tr><th align="left" style="padding:4px 8px;background:#f2f2f2">{_e(k)}</th>'
        f'<td style="padding:4px 8px">{_e(v)}</td></tr>'
        for k, v in rows
    )
    body = "".join(f"<p>{_e(p)}</p>" for p in paragraphs)
    link = (
        f'<p><a href="{_e(button[1])}" style="background:#0f69b4;color:#fff;padding:10px 16px;'
        f'text-decoration:none;display:inline-block">{_e(button[0])}</a></p>'
        f'<p style="font-size:12px;color:#555">Si el botón no funciona, copie esta dirección: {_e(button[1])}</p>'
        if button
        else ""
    )
    return (
        '<!doctype html><html lang="es"><head><meta charset="utf-8"></head>'
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1d1d1b">'
        f'<h1 style="font-size:20px;color:#0f69b4">{_e(title)}</h1>{body}'
        f'<table style="border-collapse:collapse;border:1px solid #ccc">{table}</table>{link}'
        '<p style="font-size:12px;color:#555">Gestión de Certificado de Asistencia · SENCE</p></body></html>'
    )


def notify_requested(request_id: str, ports: NotifierPorts) -> int:
    """One email per regional officer, each with their own review link. Returns how many were sent."""
    request = ports.ledger.get_request(request_id)
    if request is None:
        return 0
    course = ports.ledger.get_course(request.course_code)
    rows = [
        ("N° de certificado", str(request.certificate_number)),
        ("Curso", f"{request.course_code} — {course.name if course else ''}"),
        (
            "OTEC",
            f"{course.institution.name} ({course.institution.rut})" if course else request.institution_rut.formatted(),
        ),
        ("Solicitado por", f"{request.requested_by_name} ({request.requested_by_rut})"),
        ("Fecha de solicitud", request.requested_at.astimezone(CHILE).strftime("%d-%m-%Y %H:%M")),
        ("Motivo", request.reason),
    ]
    subject = f"Solicitud de anulación del certificado N° {request.certificate_number} (curso {request.course_code})"
    sent = 0
    officers = ports.officers.officers_of(request.region_code)
    if not officers:
        raise LookupError(f"no officer for region {request.region_code}")
    for officer in officers:
        if not officer.email:
            continue
        token = review_link_token(request, officer, ports.signer, ports.link_secret, ports.clock.now())
        link = f"{ports.base_url.rstrip('/')}/revision/{token}"
        intro = [
            f"Estimado(a) {officer.name}:",
            "Una OTEC de su región solicitó anular un certificado de asistencia. "
            "Revise la solicitud y apruébela o recházela desde el siguiente enlace, válido por 72 horas.",
        ]
        text = "\n".join(
            [*intro, "", *(f"{k}: {v}" for k, v in rows), "", f"Revisar la solicitud: {link}", "", "SENCE · GCA"]
        )
        ports.mail.send(officer.email, subject, text, _html(subject, rows, intro, ("Revisar la solicitud", link)))
        sent += 1
    return sent


def notify_decided(request_id: str, ports: NotifierPorts) -> int:
    request = ports.ledger.get_request(request_id)
    if request is None or request.status is AnnulmentStatus.PENDING:
        return 0
    to = ports.mailboxes.email_of(request.requested_by_rut)
    if not to:
        return 0
    approved = request.status is AnnulmentStatus.APPROVED
    outcome = "APROBADA" if approved else "RECHAZADA"
    consequence = (
        "El certificado quedó anulado y el curso quedó Aprobado para Re-emisión: puede emitir un nuevo certificado."
        if approved
        else "El certificado sigue vigente y el curso quedó Rechazado para Re-emisión."
    )
    rows = [
        ("N° de certificado", str(request.certificate_number)),
        ("Curso", request.course_code),
        ("Resolución", outcome),
        ("Resuelto por", f"{request.decided_by_name or ''} (Dirección Regional)"),
        ("Comentario", request.decision_comment or "—"),
    ]
    subject = f"Solicitud de anulación {outcome.lower()}: certificado N° {request.certificate_number}"
    intro = [f"Estimado(a) {request.requested_by_name}:", f"Su solicitud de anulación fue {outcome}.", consequence]
    text = "\n".join([*intro, "", *(f"{k}: {v}" for k, v in rows), "", "SENCE · GCA"])
    ports.mail.send(to, subject, text, _html(subject, rows, intro))
    return 1


def dispatch_event(event: dict[str, Any], ports: NotifierPorts) -> dict[str, Any]:
    """One queue message: which notification it asks for. Anything else is a poisoned message."""
    kind, request_id = event.get("type"), event.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        raise ValueError("event without request_id")
    if kind == REQUESTED:
        return {"sent": notify_requested(request_id, ports)}
    if kind == DECIDED:
        return {"sent": notify_decided(request_id, ports)}
    raise ValueError(f"unknown event type {kind!r}")
