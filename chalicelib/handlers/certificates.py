"""Certificates: preview, acceptance, the certificate's data and its PDF."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..domain.certificates import Certificate, CertificateState
from ..services import certificates
from . import presenters
from .http import api, current_principal, deliver, json_response, query_param, read_json

bp = Blueprint(__name__)


def _frozen(certificate: Certificate) -> list[dict[str, Any]]:
    return [{"rut": p.rut.formatted(), "name": p.name, "percent": p.percent} for p in certificate.participants]


@bp.route("/api/courses/{course_code}/certificate/preview", methods=["POST"])
@api
def preview(course_code: str) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    body = read_json(request)
    result = certificates.preview_certificate(bootstrap(), principal, course_code, body.get("invoice_number"))
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
    certificate = certificates.issue_certificate(
        bootstrap(), principal, course_code, body.get("invoice_number"), body.get("accept")
    )
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
    view = certificates.get_certificate(bootstrap(), current_principal(bp.current_request), number)
    return json_response(_certificate_view(view.certificate, view.state))


@bp.route("/api/certificates/{number}/pdf", methods=["GET"])
@api
def pdf(number: str) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    # ?inline=true asks the browser to show it rather than save it.
    inline = query_param(request, "inline").lower() in ("1", "true", "si", "sí")
    return deliver(request, certificates.certificate_pdf(bootstrap(), principal, number, inline=inline))
