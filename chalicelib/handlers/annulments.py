"""Annulments: the OTEC's request, the regional inbox and decision, and the emailed review link."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from chalice.app import Blueprint, Response

from ..domain.annulments import (
    ALREADY_DECIDED,
    ReviewContext,
    decide_annulment,
    open_review_link,
    regional_inbox,
    request_annulment,
    request_for_officer,
)
from ..domain.certificates import AnnulmentRequest, AnnulmentStatus
from ..domain.clock import CHILE
from ..domain.errors import AuthenticationError, DomainError, PermissionDeniedError, StateConflictError
from ..domain.notifications import DECIDED, REQUESTED, event_for
from ..storage.repositories import OUTBOX_DECIDED, OUTBOX_REQUESTED
from ..wiring import (
    get_annulments,
    get_certificates,
    get_clock,
    get_metrics,
    get_officers,
    get_queue,
    get_signer,
    link_secrets,
)
from . import presenters
from .http import api, current_principal, json_response, logger, raw_bytes, read_json
from .pages import escape, html_page, panel, summary_list

bp = Blueprint(__name__)


def record_decision(decided: AnnulmentRequest) -> None:
    approved = decided.status is AnnulmentStatus.APPROVED
    get_metrics().add_metric(name="AnnulmentsApproved" if approved else "AnnulmentsRejected", unit="Count", value=1)
    publish(DECIDED, decided.request_id)


def publish(kind: str, request_id: str) -> None:
    """Hand the event to the queue; if that fails, the intent stays stored and the relay sends it."""
    try:
        get_queue().publish(event_for(kind, request_id))
    except Exception:
        logger.exception("event not published; the outbox relay will send it", extra={"request_id": request_id})
        return
    get_annulments().mark_published(request_id, OUTBOX_REQUESTED if kind == REQUESTED else OUTBOX_DECIDED)


@bp.route("/api/certificates/{number}/annulment", methods=["POST"])
@api
def request(number: str) -> Response:
    http_request = bp.current_request
    principal = current_principal(http_request)
    body = read_json(http_request)
    annulment = request_annulment(
        principal, number, body.get("reason"), archive=get_certificates(), ledger=get_annulments(), clock=get_clock()
    )
    publish(REQUESTED, annulment.request_id)
    get_metrics().add_metric(name="AnnulmentsRequested", unit="Count", value=1)
    return json_response(
        {
            **presenters.annulment_summary(annulment),
            "state": "ANNULMENT_REQUESTED",
            "state_label": "Pendiente de Validación",
        },
        201,
    )


def _inbox_item(annulment: AnnulmentRequest) -> dict[str, Any]:
    course = get_annulments().get_course(annulment.course_code)
    return {
        **presenters.annulment_summary(annulment),
        "course_code": annulment.course_code,
        "course_name": course.name if course else None,
        "institution": presenters.party(course.institution) if course else None,
        "region_code": annulment.region_code,
    }


@bp.route("/api/annulments", methods=["GET"])
@api
def inbox() -> Response:
    principal = current_principal(bp.current_request)
    items = [_inbox_item(a) for a in regional_inbox(principal, get_annulments())]
    return json_response({"items": items, "total": len(items)})


@bp.route("/api/annulments/{request_id}", methods=["GET"])
@api
def show(request_id: str) -> Response:
    principal = current_principal(bp.current_request)
    annulment, _officer = request_for_officer(principal, request_id, get_annulments())
    certificate = get_certificates().get(annulment.institution_rut, annulment.certificate_number)
    item = _inbox_item(annulment)
    if certificate is not None:
        course = certificate.course
        item["certificate"] = {
            **presenters.certificate_summary(certificate),
            "course": presenters.course_summary(course) if course else None,
            "activity_type_label": course.activity_type.label if course else None,
            "company": presenters.party(course.company) if course else None,
            "otic": presenters.party(course.otic) if course else None,
            "participants": [
                {"rut": p.rut.formatted(), "name": p.name, "percent": p.percent} for p in certificate.participants
            ],
        }
    return json_response(item)


@bp.route("/api/annulments/{request_id}/decision", methods=["POST"])
@api
def decide(request_id: str) -> Response:
    http_request = bp.current_request
    principal = current_principal(http_request)
    body = read_json(http_request)
    annulment, officer = request_for_officer(principal, request_id, get_annulments())
    decided = decide_annulment(
        annulment, officer, body.get("decision"), body.get("comment"), ledger=get_annulments(), clock=get_clock()
    )
    record_decision(decided)
    return json_response(presenters.annulment_summary(decided))


# ---------------------------------------------------------------- the emailed link: a plain HTML form


def _page(title: str, body: str, status: int = 200) -> Response:
    return html_page(title, "Dirección Regional · Solicitudes de anulación", body, status, private=True)


def _message(title: str, text: str, status: int, kind: str = "error") -> Response:
    return _page(title, f"<h1>{escape(title)}</h1>" + panel(kind, f"<p>{escape(text)}</p>"), status)


def _context(token: str) -> ReviewContext:
    return open_review_link(
        token,
        signer=get_signer(),
        secrets=link_secrets(),
        ledger=get_annulments(),
        officers=get_officers(),
        archive=get_certificates(),
        clock=get_clock(),
    )


def _review_body(context: ReviewContext, token: str) -> str:
    request, certificate = context.request, context.certificate
    course = certificate.course if certificate else None
    facts = [
        ("N° de certificado", str(request.certificate_number)),
        ("Fecha de emisión", certificate.issued_at.astimezone(CHILE).strftime("%d-%m-%Y") if certificate else ""),
        ("Curso", f"{request.course_code} — {course.name}" if course else request.course_code),
        ("OTEC", f"{course.institution.name} ({course.institution.rut})" if course else ""),
        ("Empresa", f"{course.company.name} ({course.company.rut})" if course else ""),
        ("Solicitado por", f"{request.requested_by_name} ({request.requested_by_rut})"),
        ("Fecha de solicitud", request.requested_at.astimezone(CHILE).strftime("%d-%m-%Y %H:%M")),
        ("Motivo de la anulación", request.reason),
    ]
    rows = "".join(
        f'<tr><td class="gca-nowrap">{escape(p.rut)}</td><td>{escape(p.name)}</td>'
        f'<td class="gca-num">{p.percent} %</td></tr>'
        for p in (certificate.participants if certificate else ())
    )
    number = f'<span class="gca-nowrap">{escape(request.certificate_number)}</span>'  # "1-2026" never splits
    return f"""<h1>Solicitud de anulación del certificado N° {number}</h1>
<p>Hola, {escape(context.officer.name)}. Revise la solicitud y resuélvala. Abrir esta página no cambia nada:
sólo los botones lo hacen.</p>
{summary_list(facts)}
<table class="gca-table"><caption>Participantes del certificado</caption><thead><tr><th scope="col">RUT</th>
<th scope="col">Nombre</th><th scope="col" class="gca-num">Porcentaje asistencia</th></tr></thead>
<tbody>{rows}</tbody></table>
<form method="post" action="/revision/{escape(token)}" class="gca-form">
<div class="gca-field"><label for="comentario">Comentario (opcional)</label>
<textarea id="comentario" name="comment" rows="3" maxlength="1000"></textarea></div>
<div class="gca-actions"><button type="submit" name="decision" value="approve" class="gca-button">Aprobar</button>
<button type="submit" name="decision" value="reject" class="gca-button gca-button--warning">Rechazar</button></div>
</form>"""


def _outcome_text(request: AnnulmentRequest) -> str:
    if request.status is AnnulmentStatus.APPROVED:
        return "Solicitud aprobada: el certificado quedó anulado y la OTEC puede volver a emitirlo."
    return "Solicitud rechazada: el certificado sigue vigente."


@bp.route("/revision/{token}", methods=["GET"])
def review_page(token: str) -> Response:
    try:
        context = _context(token)
    except AuthenticationError as error:
        return _message("Enlace no válido", error.message, 400)
    except PermissionDeniedError as error:
        return _message("No autorizado", error.message, 403)
    if context.request.status is not AnnulmentStatus.PENDING:
        return _message("Solicitud ya resuelta", f"{ALREADY_DECIDED} {_outcome_text(context.request)}", 409, "info")
    return _page("Revisar solicitud de anulación", _review_body(context, token))


@bp.route("/revision/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def review_decide(token: str) -> Response:
    form = parse_qs(raw_bytes(bp.current_request).decode("utf-8", "replace"), max_num_fields=10)
    try:
        context = _context(token)
        decided = decide_annulment(
            context.request,
            context.officer,
            (form.get("decision") or [""])[0],
            (form.get("comment") or [""])[0],
            ledger=get_annulments(),
            clock=get_clock(),
        )
    except AuthenticationError as error:
        return _message("Enlace no válido", error.message, 400)
    except PermissionDeniedError as error:
        return _message("No autorizado", error.message, 403)
    except StateConflictError:
        return _message("Solicitud ya resuelta", ALREADY_DECIDED, 409, "info")
    except DomainError as error:
        return _message("Revise los datos", error.message, 400)
    record_decision(decided)
    return _message("Solicitud resuelta", _outcome_text(decided), 200, "ok")
