"""Certificates: preview, acceptance, the certificate's data and its PDF."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..domain.certificates import CertificateEvent, state_after
from ..services import certificates
from . import presenters, schemas
from .http import api, current_principal, deliver, model_response, read_body, read_query

bp = Blueprint(__name__)


@bp.route("/api/courses/{course_code}/certificate/preview", methods=["POST"])
@api(ok=schemas.PreviewAnswer, body=schemas.PreviewBody, errors=(403, 404, 409))
def preview(course_code: str) -> Response:
    """Datos del Certificado de Asistencia Por Emitir, with the warnings to review before accepting."""
    request = bp.current_request
    principal = current_principal(request)
    body = read_body(request, schemas.PreviewBody)
    result = certificates.preview_certificate(bootstrap(), principal, course_code, body.invoice_number)
    course = result.course
    return model_response(
        schemas.PreviewAnswer(
            course=presenters.preview_course(course),
            invoice_number=result.invoice_number,
            participants=[
                schemas.PreviewParticipant(p.rut.formatted(), p.name, p.percent, course.is_below_minimum(p.percent))
                for p in result.participants
            ],
            checks=[schemas.CheckView(check.kind, check.message) for check in result.checks],
            acceptor=presenters.person(result.acceptor_rut, result.acceptor_name),
        )
    )


@bp.route("/api/courses/{course_code}/certificate", methods=["POST"])
@api(ok=schemas.CertificateView, status=201, body=schemas.AcceptBody, errors=(403, 404, 409))
def accept(course_code: str) -> Response:
    """Acepto emitir el certificado: issues it once (N-AAAA) and closes the course."""
    request = bp.current_request
    principal = current_principal(request)
    body = read_body(request, schemas.AcceptBody)
    certificate = certificates.issue_certificate(bootstrap(), principal, course_code, body.invoice_number, body.accept)
    return model_response(presenters.certificate_view(certificate, state_after(CertificateEvent.ISSUE)), 201)


@bp.route("/api/certificates/{number}", methods=["GET"])
@api(ok=schemas.CertificateView, errors=(403, 404))
def show(number: str) -> Response:
    """A certificate of the chosen institution, with its state and verification code."""
    view = certificates.get_certificate(bootstrap(), current_principal(bp.current_request), number)
    return model_response(presenters.certificate_view(view.certificate, view.state))


@bp.route("/api/certificates/{number}/pdf", methods=["GET"])
@api(query=schemas.PdfQuery, errors=(403, 404), download=True)
def pdf(number: str) -> Response:
    """The certificate PDF (a copy stamped ANULADO once annulled)."""
    request = bp.current_request
    principal = current_principal(request)
    # ?inline=true asks the browser to show it rather than save it.
    inline = (read_query(request, schemas.PdfQuery).inline or "").lower() in ("1", "true", "si", "sí")
    return deliver(request, certificates.certificate_pdf(bootstrap(), principal, number, inline=inline))
