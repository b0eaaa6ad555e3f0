"""LCE ingestion: the machine interface through which the Libro de Clases Electrónico pushes sessions."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from ..domain.errors import AuthenticationError
from ..domain.lce import PushOutcome, record_session
from ..domain.rut import Rut
from ..wiring import get_api_keys, get_audit, get_clock, get_lce_sessions
from .http import api, json_response, read_json, request_header

bp = Blueprint(__name__)


def _institution() -> Rut:
    key = request_header(bp.current_request, "x-api-key").strip()
    institution = get_api_keys().institution_for(key) if 16 <= len(key) <= 256 else None
    if institution is None:
        raise AuthenticationError("Falta la clave de API del LCE o no es válida (cabecera X-Api-Key).")
    return institution


@bp.route("/api/lce/courses/{course_code}/sessions/{session_id}", methods=["PUT"])
@api
def put_session(course_code: str, session_id: str) -> Response:
    institution = _institution()
    body = read_json(bp.current_request)
    outcome = record_session(institution, course_code, session_id, body, get_lce_sessions())
    if outcome is not PushOutcome.UNCHANGED:
        get_audit().append(
            f"COURSE#{course_code}",
            f"lce_session_{outcome.value}",
            get_clock().now(),
            detail={"session_id": session_id, "institution": institution.compact()},
        )
    status = 201 if outcome is PushOutcome.CREATED else 200
    return json_response({"status": outcome.value, "course_code": course_code, "session_id": session_id}, status)
