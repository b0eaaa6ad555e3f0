"""LCE ingestion: the machine interface through which the Libro de Clases Electrónico pushes sessions."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..domain.lce import PushOutcome
from ..services import lce
from .http import api, json_response, read_json, request_header

bp = Blueprint(__name__)


@bp.route("/api/lce/courses/{course_code}/sessions/{session_id}", methods=["PUT"])
@api
def put_session(course_code: str, session_id: str) -> Response:
    request = bp.current_request
    ports = bootstrap()
    institution = lce.authenticate_key(ports, request_header(request, "x-api-key"))
    outcome = lce.record_session(ports, institution, course_code, session_id, read_json(request))
    status = 201 if outcome is PushOutcome.CREATED else 200
    return json_response({"status": outcome.value, "course_code": course_code, "session_id": session_id}, status)
