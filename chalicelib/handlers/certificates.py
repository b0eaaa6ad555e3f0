"""Certificates: preview, acceptance, the certificate's data and its PDF."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from ..domain.certificates import Certificate, CertificateState, CertificateStatus
from ..domain.issuing import (
    downloadable_pdf,
    get_certificate,
    issue_certificate,
    preview_certificate,
    store_certificate_pdf,
)
from ..wiring import get_certificates, get_clock, get_courses, get_documents, get_metrics, get_pdfs
from . import presenters
from .downloads import deliver_link
from .http import api, current_principal, json_response, logger, query_param, read_json

bp = Blueprint(__name__)


def _frozen(certificate: Certificate) -> list[dict[str, Any]]:
    return [{"rut": p.rut.formatted(), "name": p.name, "percent": p.percent} for p in certificate.participants]


@bp.route("/api/courses/{course_code}/certificate/preview", methods=["POST"])
@api
def preview(course_code: str) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    body = read_json(request)
    result = preview_certificate(principal, course_code, body.get("invoice_number"), get_courses())
    course = result.course
    return json_response(
        {
            "course": {
                **presenters.course_summary(course),
                "activity_type_label": course.activity_type.label,
                "institution": presenters.party(course.institution),
                "company": presenters.party(course.company),
                "otic": presenters.party(course.otic),
                "minimum_percent": course.minimum_percent,
            },
            "invoice_number": result.invoice_number,
            "participants": [
                {
                    "rut": p.rut.formatted(),
                    "name": p.name,
                    "percent": p.percent,
                    "below_minimum": course.is_below_minimum(p.percent),
                }
                for p in result.participants
            ],
            "checks": [{"kind": check.kind.value, "message": check.message} for check in result.checks],
            "acceptor": {"rut": result.acceptor_rut.formatted(), "name": result.acceptor_name},
        }
    )


@bp.route("/api/courses/{course_code}/certificate", methods=["POST"])
@api
def accept(course_code: str) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    body = read_json(request)
    certificate = issue_certificate(
        principal,
        course_code,
        body.get("invoice_number"),
        body.get("accept"),
        records=get_courses(),
        ledger=get_certificates(),
        clock=get_clock(),
    )
    get_metrics().add_metric(name="CertificatesIssued", unit="Count", value=1)
    try:
        certificate = store_certificate_pdf(certificate, get_pdfs(), get_documents(), get_certificates())
    except Exception:
        # The certificate stands; its PDF is rendered again, identical, on the first download.
        logger.exception("certificate PDF not stored", extra={"number": str(certificate.number)})
    return json_response(_certificate_view(certificate, CertificateState.ISSUED), 201)


def _certificate_view(certificate: Certificate, state: CertificateState) -> dict[str, Any]:
    course = certificate.course
    return {
        **presenters.certificate_summary(certificate),
        "state": state.value,
        "state_label": state.label,
        "verification_code": certificate.verification_code,
        "course_code": certificate.course_code,
        # The course as the certificate froze it, in the state this certificate is in now.
        "course": {
            **presenters.course_summary(course),
            "certificate_state": state.value,
            "certificate_state_label": state.label,
        }
        if course
        else None,
        "institution": presenters.party(course.institution) if course else None,
        "company": presenters.party(course.company) if course else None,
        "otic": presenters.party(course.otic) if course else None,
        "activity_type_label": course.activity_type.label if course else None,
        "participants": _frozen(certificate),
        "pdf_sha256": certificate.pdf_sha256,
    }


@bp.route("/api/certificates/{number}", methods=["GET"])
@api
def show(number: str) -> Response:
    principal = current_principal(bp.current_request)
    certificate = get_certificate(principal, number, get_certificates())
    if certificate.status is CertificateStatus.ANNULLED:
        state = CertificateState.REISSUE_APPROVED
    else:
        course = get_courses().get(certificate.course_code)
        state = course.certificate_state if course else CertificateState.ISSUED
    return json_response(_certificate_view(certificate, state))


@bp.route("/api/certificates/{number}/pdf", methods=["GET"])
@api
def pdf(number: str) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    certificate = get_certificate(principal, number, get_certificates())
    key = downloadable_pdf(certificate, get_pdfs(), get_documents(), get_certificates())
    suffix = "-ANULADO" if certificate.status is CertificateStatus.ANNULLED else ""
    filename = f"certificado-{certificate.number}{suffix}.pdf"
    # ?inline=true asks the browser to show it rather than save it.
    inline = query_param(request, "inline").lower() in ("1", "true", "si", "sí")
    return deliver_link(request, key, filename, "application/pdf", inline=inline)
