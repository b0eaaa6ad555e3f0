"""Public verification of a certificate: the JSON API and the page the QR code opens. No login."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from ..bootstrap import bootstrap
from ..domain.certificates import Certificate, CertificateStatus
from ..domain.errors import DomainError, InvalidInputError, NotFoundError, TooManyRequestsError
from ..domain.issuing import mask_rut
from ..services import verification
from . import presenters, schemas
from .http import (
    MAX_BODY_BYTES,
    api,
    client_address,
    model_response,
    query_param,
    raw_bytes,
    read_query,
    request_header,
)
from .pages import escape, html_page, panel, summary_list

bp = Blueprint(__name__)

_UPLOAD_TYPES = ["application/pdf", "application/octet-stream", "multipart/form-data"]


def _status(certificate: Certificate) -> str:
    return "annulled" if certificate.status is CertificateStatus.ANNULLED else "valid"


def _view(certificate: Certificate) -> schemas.Verification:
    course = certificate.course
    return schemas.Verification(
        status=_status(certificate),
        number=str(certificate.number),
        issued_at=presenters.chile(certificate.issued_at),
        annulled_at=presenters.maybe_chile(certificate.annulled_at),
        institution=presenters.party(course.institution) if course else None,
        course=schemas.VerifiedCourse(
            course_code=course.course_code,
            sence_code=course.sence_code,
            name=course.name,
            program_label=course.program.label,
            accredited_hours=course.accredited_hours,
            start_date=course.start_date,
            end_date=course.end_date,
            company=presenters.party(course.company),
        )
        if course
        else None,
        # Partly hidden RUTs: enough to recognise oneself, not enough to harvest them.
        participants=[schemas.FrozenView(mask_rut(p.rut), p.name, p.percent) for p in certificate.participants],
        imported=certificate.imported,
        source=certificate.source,
    )


def _code(request: Request) -> str:
    return read_query(request, schemas.VerifyQuery).code or ""


@bp.route("/api/verify/{number}", methods=["GET"])
@api(ok=schemas.Verification, query=schemas.VerifyQuery, errors=(404, 429), auth=None)
def verify(number: str) -> Response:
    """Public verification (no login): valid or annulled, with the participants' RUTs partly hidden.

    An unknown number and a wrong code get the same 404.
    """
    request = bp.current_request
    certificate = verification.verify_certificate(bootstrap(), number, _code(request), client_address(request))
    return model_response(_view(certificate))


def _uploaded_pdf(request: Request) -> bytes:
    raw = raw_bytes(request)
    content_type = request_header(request, "content-type")
    if not content_type.startswith("multipart/form-data"):
        return raw
    # The email package is only needed for the page's upload form: imported here, not at cold start.
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    for part in message.iter_parts() if message.is_multipart() else ():
        if part.get_param("name", header="content-disposition") == "pdf":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return b""


@bp.route("/api/verify/{number}/pdf", methods=["POST"], content_types=_UPLOAD_TYPES)
@api(
    ok=schemas.Comparison,
    query=schemas.VerifyQuery,
    errors=(404, 429),
    auth=None,
    upload_types=tuple(_UPLOAD_TYPES),
)
def compare_pdf(number: str) -> Response:
    """Is this PDF byte for byte the one issued? The file as the body, or as the form field `pdf`."""
    request = bp.current_request
    certificate, identical = verification.compare_pdf(
        bootstrap(), number, _code(request), _uploaded_pdf(request), client_address(request)
    )
    return model_response(schemas.Comparison(identical, _status(certificate)))


# ---------------------------------------------------------------- the page (works without JavaScript)


def _day(iso: str) -> str:
    """2017-01-19T10:49:00-03:00 → 19/01/2017, as the certificate prints its date."""
    year, month, day = iso[:10].split("-")
    return f"{day}/{month}/{year}"


def _form(number: str = "", code: str = "") -> str:
    return f"""<form method="get" action="/verificar" class="gca-form" novalidate>
<div class="gca-field"><label for="numero">N° de certificado</label>
<p class="gca-hint">Por ejemplo 12-2017</p>
<input id="numero" name="number" value="{escape(number)}" autocomplete="off"></div>
<div class="gca-field"><label for="codigo">Código de verificación</label>
<p class="gca-hint">Los 12 caracteres impresos junto al código QR</p>
<input id="codigo" name="code" value="{escape(code)}" autocomplete="off"></div>
<button type="submit" class="gca-button">Verificar</button></form>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    return html_page(title, "Verificación de certificados de asistencia", body, status)


def _result(certificate: Certificate, comparison: str = "") -> str:
    view = schemas.to_json(_view(certificate))
    course, institution = view["course"] or {}, view["institution"] or {}
    valid = view["status"] == "valid"
    # An imported certificate was issued by the system GCA replaced: say so wherever it is shown.
    imported = (
        f'<p><strong class="tag tag--imported">Importado</strong> Emitido por el sistema anterior a GCA; '
        f"origen: {escape(view['source'] or '')}.</p>"
        if view["imported"]
        else ""
    )
    banner = (
        panel(
            "ok",
            f"<h2>Certificado válido</h2><p>El certificado N° {escape(view['number'])} fue emitido y está vigente.</p>"
            + imported,
        )
        if valid
        else panel(
            "annulled",
            "<h2>Certificado ANULADO</h2>"
            f"<p>El certificado N° {escape(view['number'])} fue anulado por la Dirección Regional de SENCE"
            f"{' el ' + _day(view['annulled_at']) if view['annulled_at'] else ''}; no tiene validez.</p>" + imported,
        )
    )
    rows = "".join(
        f'<tr><td>{index}</td><td class="gca-nowrap">{escape(p["rut"])}</td><td>{escape(p["name"])}</td>'
        f'<td class="gca-num">{p["percent"]} %</td></tr>'
        for index, p in enumerate(view["participants"], start=1)
    )
    facts = [
        ("N° de certificado", view["number"]),
        ("Fecha de emisión", _day(view["issued_at"])),
        *([("Origen", f"Importado — {view['source']}")] if view["imported"] else []),
        ("OTEC", f"{institution.get('name', '')} ({institution.get('rut', '')})"),
        ("Curso", course.get("name", "")),
        ("N° registro de acción SENCE", course.get("course_code", "")),
        ("Código SENCE", course.get("sence_code", "")),
        ("Programa", course.get("program_label", "")),
        ("N° de horas", course.get("accredited_hours", "")),
    ]
    upload = """<h2>¿Es este el mismo archivo?</h2>
<form method="post" enctype="multipart/form-data" class="gca-form">
<div class="gca-field"><label for="pdf">Suba el PDF que recibió</label>
<p class="gca-hint">Se compara byte a byte con el PDF emitido (huella SHA-256).</p>
<input type="file" id="pdf" name="pdf" accept="application/pdf"></div>
<button type="submit" class="gca-button gca-button--secondary">Comparar PDF</button></form>"""
    return f"""{banner}{comparison}{summary_list(facts)}
<table class="gca-table"><caption>Participantes (RUT parcialmente oculto)</caption>
<thead><tr><th scope="col">N°</th><th scope="col">RUT</th><th scope="col">Nombre</th>
<th scope="col" class="gca-num">Porcentaje asistencia</th></tr></thead><tbody>{rows}</tbody></table>{upload}"""


@bp.route("/verificar", methods=["GET"])
def verify_form() -> Response:
    request = bp.current_request
    number, code = query_param(request, "number").strip(), query_param(request, "code").strip()
    if number or code:
        return _verify_page(number, code)
    return _page("Verificar", "<h1>Verificación de certificados de asistencia</h1>" + _form())


@bp.route("/verificar/{number}", methods=["GET"])
def verify_page(number: str) -> Response:
    return _verify_page(number, _code(bp.current_request))


def _too_many(error: TooManyRequestsError) -> Response:
    body = "<h1>Verificación de certificados de asistencia</h1>" + panel(
        "error", f"<h2>Demasiadas consultas</h2><p>{escape(error.message)}</p>"
    )
    response = _page("Demasiadas consultas", body, 429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _verify_page(number: str, code: str, comparison: str = "") -> Response:
    try:
        certificate = verification.verify_certificate(bootstrap(), number, code, client_address(bp.current_request))
    except TooManyRequestsError as error:
        return _too_many(error)
    except NotFoundError as error:
        body = (
            "<h1>Verificación de certificados de asistencia</h1>"
            + panel("error", f"<h2>No encontrado</h2><p>{escape(error.message)}</p>")
            + _form(number, code)
        )
        return _page("No encontrado", body, 404)
    return _certificate_page(certificate, comparison)


def _certificate_page(certificate: Certificate, comparison: str = "") -> Response:
    title = f"Certificado N° {certificate.number}"
    return _page(title, f"<h1>{escape(title)}</h1>" + _result(certificate, comparison))


@bp.route("/verificar/{number}", methods=["POST"], content_types=_UPLOAD_TYPES)
def verify_upload(number: str) -> Response:
    request = bp.current_request
    code = _code(request)
    upload = _uploaded_pdf(request) if len(raw_bytes(request)) <= verification.MAX_PDF_BYTES + MAX_BODY_BYTES else b""
    try:
        certificate, identical = verification.compare_pdf(bootstrap(), number, code, upload, client_address(request))
    except TooManyRequestsError as error:
        return _too_many(error)
    except InvalidInputError as error:
        return _verify_page(number, code, panel("error", f"<p>{escape(error.message)}</p>"))
    except DomainError:
        return _verify_page(number, code)
    if identical:
        message = panel("ok", "<p><strong>El PDF es idéntico al emitido.</strong></p>")
    else:
        message = panel(
            "error",
            "<p><strong>El PDF no coincide con el emitido.</strong> "
            "Puede haber sido modificado; confíe sólo en los datos de esta página.</p>",
        )
    return _certificate_page(certificate, message)
