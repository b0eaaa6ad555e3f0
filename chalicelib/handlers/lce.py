"""LCE ingestion: the machine interface through which the Libro de Clases Electrónico pushes sessions."""

from __future__ import annotations

import msgspec
from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..domain.lce import PushOutcome
from ..services import lce
from . import schemas
from .http import LCE_KEY, api, model_response, read_body, request_header

bp = Blueprint(__name__)

# A session of 2,000 marks is about 200 KB of JSON; API Gateway itself takes up to 10 MB.
MAX_SESSION_BYTES = 1024 * 1024


@bp.route("/api/lce/courses/{course_code}/sessions/{session_id}", methods=["PUT"])
@api(ok=schemas.PushAnswer, status=(200, 201), body=schemas.SessionBody, errors=(404, 409), auth=LCE_KEY)
def put_session(course_code: str, session_id: str) -> Response:
    """LCE: create or replace one session with its marks (repeating a push changes nothing).

    201 when the session is new, 200 when replaced or unchanged; nothing partial is ever stored.
    """
    request = bp.current_request
    ports = bootstrap()
    institution = lce.authenticate_key(ports, request_header(request, "x-api-key"))
    body = msgspec.to_builtins(read_body(request, schemas.SessionBody, MAX_SESSION_BYTES))
    outcome = lce.record_session(ports, institution, course_code, session_id, body)
    status = 201 if outcome is PushOutcome.CREATED else 200
    return model_response(schemas.PushAnswer(outcome, course_code, session_id), status)
