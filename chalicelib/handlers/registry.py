"""The course registry feed: the machine interface through which SENCE's course registry sends each
course and its enrolment."""

from __future__ import annotations

import msgspec
from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..domain.registry import FeedOutcome
from ..services import registry
from . import schemas
from .http import REGISTRY_KEY, api, model_response, read_body, request_header

bp = Blueprint(__name__)

# 500 participants of 120 characters are about 70 KB of JSON.
MAX_ENROLMENT_BYTES = 256 * 1024


@bp.route("/api/registry/courses/{course_code}", methods=["PUT"])
@api(
    ok=schemas.RegistryCourseAnswer,
    status=(200, 201),
    body=schemas.RegistryCourseBody,
    errors=(409,),
    auth=REGISTRY_KEY,
)
def put_course(course_code: str) -> Response:
    """Registry: create (201) or update (200) a course; repeating it changes nothing (200, `unchanged`).

    Once its certificate is issued, changing anything the certificate prints is refused (409 naming
    the field); region, quotas and related action may still change.
    """
    request = bp.current_request
    ports = bootstrap()
    registry.authenticate_key(ports, request_header(request, "x-api-key"))
    body = msgspec.to_builtins(read_body(request, schemas.RegistryCourseBody))
    fed = registry.put_course(ports, course_code, body)
    answer = schemas.RegistryCourseAnswer(
        fed.outcome, fed.course.course_code, fed.course.certificate_state, fed.changed_fields
    )
    return model_response(answer, 201 if fed.outcome is FeedOutcome.CREATED else 200)


@bp.route("/api/registry/courses/{course_code}/participants", methods=["PUT"])
@api(
    ok=schemas.RegistryParticipantsAnswer,
    body=schemas.RegistryParticipantsBody,
    errors=(404, 409),
    auth=REGISTRY_KEY,
)
def put_participants(course_code: str) -> Response:
    """Registry: the course's enrolment becomes exactly this list (names kept as sent).

    Refused (409) once the certificate is issued, or when it would remove a participant with LCE marks.
    """
    request = bp.current_request
    ports = bootstrap()
    registry.authenticate_key(ports, request_header(request, "x-api-key"))
    body = msgspec.to_builtins(read_body(request, schemas.RegistryParticipantsBody, MAX_ENROLMENT_BYTES))
    fed = registry.put_participants(ports, course_code, body["participants"])
    return model_response(
        schemas.RegistryParticipantsAnswer(fed.outcome, course_code.strip(), fed.written, fed.removed, fed.total)
    )
