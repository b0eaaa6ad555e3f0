"""Data subjects' rights (Ley 21.719): the report of everything GCA holds about one person."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..services import privacy
from . import presenters, schemas
from .http import api, current_principal, deliver, model_response

bp = Blueprint(__name__)


@bp.route("/api/data-subjects/{rut}/report", methods=["GET"])
@api(ok=schemas.SubjectReportView, errors=(403,))
def report(rut: str) -> Response:
    """Encargado de Protección de Datos: enrolments, every mark, percentages, certificates, emails and every
    access to this person's data. Producing it is itself logged."""
    request = bp.current_request
    found = privacy.subject_report(bootstrap(), current_principal(request), rut)
    return model_response(presenters.subject_report(found))


@bp.route("/api/data-subjects/{rut}/report.xlsx", methods=["GET"])
@api(errors=(403,), download=True)
def report_workbook(rut: str) -> Response:
    """The same report as an Excel workbook (a short-lived link)."""
    request = bp.current_request
    return deliver(request, privacy.subject_report_workbook(bootstrap(), current_principal(request), rut))
