"""Annulments: the OTEC's request, the regional inbox and decision, and the emailed review link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from chalice.app import Blueprint, Request, Response

from ..bootstrap import bootstrap
from ..domain.annulments import ALREADY_DECIDED, ReviewContext
from ..domain.certificates import AnnulmentRequest, AnnulmentStatus, CertificateEvent, state_after
from ..domain.clock import CHILE
from ..domain.errors import (
    AuthenticationError,
    DomainError,
    ExpiredCredentialsError,
    PermissionDeniedError,
    StateConflictError,
    TooManyRequestsError,
)
from ..services import annulments
from . import presenters, schemas
from .http import (
    api,
    client_address,
    current_principal,
    model_response,
    raw_bytes,
    read_body,
    read_query,
    request_header,
)
from .pages import escape, html_page, panel, summary_list

bp = Blueprint(__name__)

DECIDED_TITLE = "Solicitud ya resuelta"
CHECK_TITLE = "Revise los datos"
CROSS_SITE = "La decisión debe enviarse desde el formulario de esta página. Abra el enlace del correo nuevamente."


@bp.route("/api/certificates/{number}/annulment", methods=["POST"])
@api(ok=schemas.RequestedAnswer, status=201, body=schemas.AnnulmentBody, errors=(403, 404, 409))
def request(number: str) -> Response:
    """Solicitud de anulación: the course goes to Pendiente de Validación and SENCE is told."""
    http_request = bp.current_request
    principal = current_principal(http_request)
    body = read_body(http_request, schemas.AnnulmentBody)
    annulment = annulments.request_annulment(bootstrap(), principal, number, body.reason)
    state = state_after(CertificateEvent.REQUEST_ANNULMENT)
    return model_response(presenters.requested(annulment, state), 201)


@bp.route("/api/annulments", methods=["GET"])
@api(ok=schemas.Inbox, errors=(403,))
def inbox() -> Response:
    """SENCE regional officer: the pending annulment requests of their region, oldest first."""
    principal = current_principal(bp.current_request)
    inbox = annulments.regional_inbox(bootstrap(), principal)
    items = [presenters.inbox_item(i.request, i.course) for i in inbox.items]
    return model_response(schemas.Inbox(items, len(items), presenters.desk_figures(inbox.figures)))


@bp.route("/api/annulments/decided", methods=["GET"])
@api(ok=schemas.DecidedInbox, query=schemas.DecidedQuery, errors=(400, 403))
def decided() -> Response:
    """SENCE regional officer: the requests their region decided in the last 90 days, newest first,
    by outcome (aprobada / rechazada) and by OTEC when asked."""
    http_request = bp.current_request
    principal = current_principal(http_request)
    query = read_query(http_request, schemas.DecidedQuery)
    found = annulments.decided_requests(bootstrap(), principal, query.outcome, query.otec)
    return model_response(presenters.decided_inbox(((i.request, i.course) for i in found.items), found.institutions))


@bp.route("/api/annulments/{request_id}", methods=["GET"])
@api(ok=schemas.RequestDetail, errors=(403, 404))
def show(request_id: str) -> Response:
    """One request of the officer's region, with the certificate it would annul."""
    principal = current_principal(bp.current_request)
    view = annulments.get_request(bootstrap(), principal, request_id)
    return model_response(presenters.request_detail(view.item.request, view.item.course, view.certificate))


@bp.route("/api/annulments/{request_id}/decision", methods=["POST"])
@api(ok=schemas.AnnulmentSummary, body=schemas.DecisionBody, errors=(403, 404, 409))
def decide(request_id: str) -> Response:
    """Aprobar or Rechazar (only the first decision counts)."""
    http_request = bp.current_request
    principal = current_principal(http_request)
    body = read_body(http_request, schemas.DecisionBody)
    decided = annulments.decide_request(bootstrap(), principal, request_id, body.decision, body.comment)
    return model_response(presenters.annulment_summary(decided))


# ---------------------------------------------------------------- the emailed link: a plain HTML form


def _page(title: str, body: str, status: int = 200) -> Response:
    return html_page(title, "Dirección Regional · Solicitudes de anulación", body, status, private=True)


def _message(title: str, text: str, status: int, kind: str = "error") -> Response:
    return _page(title, f"<h1>{escape(title)}</h1>" + panel(kind, f"<p>{escape(text)}</p>"), status)


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


def _too_many(error: TooManyRequestsError) -> Response:
    response = _message("Demasiadas solicitudes", error.message, 429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _cross_site(request: Request) -> bool:
    """A form posted from another site: the browser says so (Sec-Fetch-Site), or its Origin is not ours."""
    fetch_site = request_header(request, "sec-fetch-site").lower()
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    origin = request_header(request, "origin")
    if not origin or origin == "null":
        return bool(origin)
    return urlsplit(origin).netloc.lower() != request_header(request, "host").lower()


@bp.route("/revision/{token}", methods=["GET"])
def review_page(token: str) -> Response:
    try:
        context = annulments.open_review_link(bootstrap(), token, client_address(bp.current_request))
    except TooManyRequestsError as error:
        return _too_many(error)
    except ExpiredCredentialsError as error:
        return _message("Enlace expirado", error.message, 400)
    except AuthenticationError as error:
        return _message("Enlace no válido", error.message, 400)
    except PermissionDeniedError as error:
        return _message("No autorizado", error.message, 403)
    if context.request.decided:
        return _message(DECIDED_TITLE, f"{ALREADY_DECIDED} {_outcome_text(context.request)}", 409, "info")
    return _page("Revisar solicitud de anulación", _review_body(context, token))


@bp.route("/revision/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def review_decide(token: str) -> Response:
    request = bp.current_request
    if _cross_site(request):
        return _message("No autorizado", CROSS_SITE, 403)
    try:
        form = parse_qs(raw_bytes(request).decode("utf-8", "replace"), max_num_fields=10)
    except ValueError:
        return _message(CHECK_TITLE, "El formulario no es válido.", 400)
    decision, comment = (form.get("decision") or [""])[0], (form.get("comment") or [""])[0]
    try:
        decided = annulments.decide_by_link(bootstrap(), token, decision, comment, client_address(request))
    except TooManyRequestsError as error:
        return _too_many(error)
    except ExpiredCredentialsError as error:
        return _message("Enlace expirado", error.message, 400)
    except AuthenticationError as error:
        return _message("Enlace no válido", error.message, 400)
    except PermissionDeniedError as error:
        return _message("No autorizado", error.message, 403)
    except StateConflictError:
        return _message(DECIDED_TITLE, ALREADY_DECIDED, 409, "info")
    except DomainError as error:
        return _message(CHECK_TITLE, error.message, 400)
    return _message("Solicitud resuelta", _outcome_text(decided), 200, "ok")
