"""Public verification of a certificate: the JSON API and the page the QR code opens. No login."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request, Response

from ..bootstrap import bootstrap
from ..domain.certificates import Certificate, CertificateStatus
from ..domain.errors import DomainError, InvalidInputError, NotFoundError, TooManyRequestsError
from ..domain.issuing import mask_rut
from ..domain.signatures import SignatureCheck
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


def _link(certificate: Certificate | None) -> schemas.LinkedCertificate | None:
    if certificate is None:
        return None
    number, code = str(certificate.number), certificate.verification_code
    return schemas.LinkedCertificate(number, code, f"/verificar/{number}?code={code}")


def _view(found: verification.Verification) -> schemas.Verification:
    certificate, signature = found.certificate, found.signature
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
        signature=schemas.SignatureView(signature.valid, signature.signer, presenters.maybe_chile(signature.signed_at)),
        annulment_reason=found.annulment_reason,
        replaces=_link(found.replaces),
        replaced_by=_link(found.replaced_by),
    )


def _code(request: Request) -> str:
    return read_query(request, schemas.VerifyQuery).code or ""


@bp.route("/api/verify/{number}", methods=["GET"])
@api(ok=schemas.Verification, query=schemas.VerifyQuery, errors=(404, 429), auth=None)
def verify(number: str) -> Response:
    """Public verification (no login): valid or annulled, with the participants' RUTs partly hidden, the
    signature of the issued PDF, and the chain (the certificate it replaces, the one that replaced it).

    An unknown number and a wrong code get the same 404.
    """
    request = bp.current_request
    found = verification.verify_certificate(bootstrap(), number, _code(request), client_address(request))
    return model_response(_view(found))


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
    """Is this PDF byte for byte the one issued, and is its signature intact, trusted to GCA's CA and
    covering the whole file? `failed` names each check it did not pass. The file as the body, or as the
    form field `pdf`."""
    request = bp.current_request
    compared = verification.compare_pdf(
        bootstrap(), number, _code(request), _uploaded_pdf(request), client_address(request)
    )
    check = compared.signature
    signature = schemas.UploadedSignature(
        check.present,
        check.intact,
        check.trusted,
        check.whole_file,
        check.valid,
        check.signer,
        presenters.maybe_chile(check.signed_at),
    )
    failed = ([] if compared.identical else ["not_identical"]) + [str(f) for f in check.failures]
    return model_response(schemas.Comparison(compared.identical, _status(compared.certificate), signature, failed))


CA_FILENAME = "gca-autoridad-certificadora.pem"


@bp.route("/verificar/ca.pem", methods=["GET"])
def trust_anchor() -> Response:
    """The CA certificate that certifies GCA's signatures: a reader adds it to their PDF reader's trusted
    certificates, and the signature of every certificate shows as valid and trusted."""
    return Response(
        body=verification.trust_anchors(bootstrap()).decode("ascii"),
        status_code=200,
        headers={
            "Content-Type": "application/x-pem-file",
            "Content-Disposition": f'attachment; filename="{CA_FILENAME}"',
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
        },
    )


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


def _moment(iso: str) -> str:
    """2017-01-19T10:49:00-03:00 → 19/01/2017 10:49."""
    return f"{_day(iso)} {iso[11:16]}"


def _linked(prefix: str, linked: dict[str, str]) -> str:
    return f'<p>{prefix} <a href="{escape(linked["url"])}">N° {escape(linked["number"])}</a>.</p>'


def _signature(view: dict[str, Any], present: bool) -> str:
    signature = view["signature"]
    if not present:
        text = (
            "<p><strong>Sin firma electrónica.</strong> El PDF que GCA guardó de este certificado no tiene firma: "
            "se emitió antes de que GCA firmara sus certificados. Confíe en los datos de esta página.</p>"
        )
    elif signature["valid"]:
        when = f" el {_moment(signature['signed_at'])}" if signature["signed_at"] else ""
        text = (
            "<p><strong>Firma electrónica válida.</strong> El PDF emitido, tal como GCA lo guardó, está firmado por "
            f"{escape(signature['signer'] or 'GCA')}{when}, con un certificado de la autoridad certificadora "
            "de GCA.</p>"
        )
    else:
        text = (
            "<p><strong>Firma electrónica no válida.</strong> El PDF que GCA guardó de este certificado no tiene una "
            "firma válida de GCA.</p>"
        )
    trust = (
        '<p class="gca-hint">Para que su lector de PDF reconozca la firma, agregue a sus certificados de confianza '
        f'el de la <a href="/verificar/ca.pem" download="{CA_FILENAME}">autoridad certificadora de GCA</a>.</p>'
    )
    return f'<section class="gca-signature" aria-label="Firma electrónica">{text}{trust}</section>'


def _result(found: verification.Verification, comparison: str = "") -> str:
    view = schemas.to_json(_view(found))
    course, institution = view["course"] or {}, view["institution"] or {}
    valid = view["status"] == "valid"
    # An imported certificate was issued by the system GCA replaced: say so wherever it is shown.
    imported = (
        f'<p><strong class="tag tag--imported">Importado</strong> Emitido por el sistema anterior a GCA; '
        f"origen: {escape(view['source'] or '')}.</p>"
        if view["imported"]
        else ""
    )
    replaces = _linked("Reemplaza al certificado anulado", view["replaces"]) if view["replaces"] else ""
    if valid:
        banner = panel(
            "ok",
            f"<h2>Certificado válido</h2><p>El certificado N° {escape(view['number'])} fue emitido y está vigente.</p>"
            + replaces
            + imported,
        )
    else:
        reason = f"<p>Motivo: {escape(view['annulment_reason'])}</p>" if view["annulment_reason"] else ""
        replaced = (
            _linked("Reemplazado por", view["replaced_by"])
            if view["replaced_by"]
            else "<p>Aún no se emite un certificado que lo reemplace.</p>"
        )
        banner = panel(
            "annulled",
            "<h2>Certificado ANULADO</h2>"
            f"<p>El certificado N° {escape(view['number'])} fue anulado por la Dirección Regional de SENCE"
            f"{' el ' + _day(view['annulled_at']) if view['annulled_at'] else ''}; no tiene validez.</p>"
            + reason
            + replaced
            + replaces
            + imported,
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
<p class="gca-hint">Se compara byte a byte con el PDF emitido (huella SHA-256) y se valida su firma electrónica.</p>
<input type="file" id="pdf" name="pdf" accept="application/pdf"></div>
<button type="submit" class="gca-button gca-button--secondary">Comparar PDF</button></form>"""
    return f"""{banner}{comparison}{_signature(view, found.signature.present)}{summary_list(facts)}
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
        found = verification.verify_certificate(bootstrap(), number, code, client_address(bp.current_request))
    except TooManyRequestsError as error:
        return _too_many(error)
    except NotFoundError as error:
        body = (
            "<h1>Verificación de certificados de asistencia</h1>"
            + panel("error", f"<h2>No encontrado</h2><p>{escape(error.message)}</p>")
            + _form(number, code)
        )
        return _page("No encontrado", body, 404)
    return _certificate_page(found, comparison)


def _certificate_page(found: verification.Verification, comparison: str = "") -> Response:
    title = f"Certificado N° {found.certificate.number}"
    return _page(title, f"<h1>{escape(title)}</h1>" + _result(found, comparison))


@bp.route("/verificar/{number}", methods=["POST"], content_types=_UPLOAD_TYPES)
def verify_upload(number: str) -> Response:
    request = bp.current_request
    code = _code(request)
    upload = _uploaded_pdf(request) if len(raw_bytes(request)) <= verification.MAX_PDF_BYTES + MAX_BODY_BYTES else b""
    try:
        found, compared = verification.verify_with_upload(bootstrap(), number, code, upload, client_address(request))
    except TooManyRequestsError as error:
        return _too_many(error)
    except InvalidInputError as error:
        return _verify_page(number, code, panel("error", f"<p>{escape(error.message)}</p>"))
    except DomainError:
        return _verify_page(number, code)
    return _certificate_page(found, _comparison(compared.identical, compared.signature))


def _comparison(identical: bool, signature: SignatureCheck) -> str:
    """What the uploaded file passed and, one per line, each check it failed."""
    if identical and signature.valid:
        who = f" por {escape(signature.signer)}" if signature.signer else ""
        return panel(
            "ok",
            "<p><strong>El PDF es idéntico al emitido</strong> y su firma electrónica es válida: íntegra, hecha"
            f"{who} con un certificado de la autoridad certificadora de GCA y cubre el archivo completo.</p>",
        )
    failures = [] if identical else ["El PDF no coincide byte a byte con el emitido."]
    failures += [failure.message for failure in signature.failures]
    items = "".join(f"<li>{escape(text)}</li>" for text in failures)
    return panel(
        "error",
        "<p><strong>El PDF no pasó la verificación.</strong> Puede haber sido modificado; confíe sólo en los "
        f"datos de esta página.</p><ul>{items}</ul>",
    )
