"""Cursos: search, course detail, participants' attendance, one participant's sessions, downloads."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..services import courses
from . import presenters
from .http import api, current_principal, deliver, json_response

bp = Blueprint(__name__)


def _query() -> dict[str, str]:
    return dict(bp.current_request.query_params or {})


@bp.route("/api/courses", methods=["GET"])
@api
def search() -> Response:
    principal = current_principal(bp.current_request)
    page = courses.search_courses(bootstrap(), principal, _query())
    return json_response(presenters.page_view(page, [presenters.course_summary(c) for c in page.items]))


@bp.route("/api/courses.xlsx", methods=["GET"])
@api
def export_search() -> Response:
    request = bp.current_request
    return deliver(request, courses.export_search(bootstrap(), current_principal(request), _query()))


@bp.route("/api/courses/{course_code}", methods=["GET"])
@api
def detail(course_code: str) -> Response:
    principal = current_principal(bp.current_request)
    result = courses.get_course(bootstrap(), principal, course_code)
    return json_response(presenters.course_detail(result, principal))


@bp.route("/api/courses/{course_code}/participants", methods=["GET"])
@api
def participants(course_code: str) -> Response:
    principal = current_principal(bp.current_request)
    result, page = courses.get_participants(bootstrap(), principal, course_code, _query())
    items: list[dict[str, Any]] = [
        {
            "rut": row.participant.rut.formatted(),
            "name": row.participant.name,
            "attendance_percent": row.attendance.percent,
            "credited": row.attendance.credited.hhmmss(),
            "below_minimum": row.below_minimum,
            "incidents": len(row.attendance.incidents),
        }
        for row in page.items
    ]
    return json_response(
        {
            **presenters.page_view(page, items),
            "course": presenters.course_summary(result.course),
            "minimum_percent": result.course.minimum_percent,
            "below_minimum_total": sum(1 for row in result.rows if row.below_minimum),
            "sessions_total": len(result.sessions),
        }
    )


@bp.route("/api/courses/{course_code}/attendance.xlsx", methods=["GET"])
@api
def export_attendance(course_code: str) -> Response:
    request = bp.current_request
    return deliver(request, courses.export_attendance(bootstrap(), current_principal(request), course_code))


@bp.route("/api/courses/{course_code}/participants/{rut}/sessions", methods=["GET"])
@api
def participant_sessions(course_code: str, rut: str) -> Response:
    principal = current_principal(bp.current_request)
    result = courses.get_participant_sessions(bootstrap(), principal, course_code, rut)
    attendance = result.attendance
    return json_response(
        {
            "course": presenters.course_summary(result.course),
            "participant": {"rut": result.participant.rut.formatted(), "name": result.participant.name},
            "attendance_percent": attendance.percent,
            "credited": attendance.credited.hhmmss(),
            "below_minimum": result.course.is_below_minimum(attendance.percent),
            "items": [presenters.session_row(row) for row in attendance.sessions],
            "total": len(attendance.sessions),
        }
    )


@bp.route("/api/courses/{course_code}/participants/{rut}/attendance.xlsx", methods=["GET"])
@api
def export_participant(course_code: str, rut: str) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    return deliver(request, courses.export_participant_sessions(bootstrap(), principal, course_code, rut))
