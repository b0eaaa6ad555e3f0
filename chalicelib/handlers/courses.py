"""Cursos: search, course detail, participants' attendance, one participant's sessions, downloads."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from ..domain.course_queries import (
    get_course_attendance,
    get_course_detail,
    get_participant_sessions,
    paginate,
    parse_paging,
    parse_search,
    search_courses,
)
from ..wiring import get_course_history, get_courses
from . import presenters
from .downloads import deliver_workbook
from .http import api, current_principal, json_response

bp = Blueprint(__name__)


def _query() -> dict[str, str]:
    return dict(bp.current_request.query_params or {})


@bp.route("/api/courses", methods=["GET"])
@api
def search() -> Response:
    principal = current_principal(bp.current_request)
    params = _query()
    found = search_courses(principal, parse_search(params), get_courses())
    page = paginate(found, *parse_paging(params))
    return json_response(presenters.page_view(page, [presenters.course_summary(c) for c in page.items]))


@bp.route("/api/courses.xlsx", methods=["GET"])
@api
def export_search() -> Response:
    from ..renderers.excel import course_list_sheet

    request = bp.current_request
    principal = current_principal(request)
    found = search_courses(principal, parse_search(_query()), get_courses())
    folder = principal.institution_rut.compact()
    return deliver_workbook(request, folder, "cursos-sence.xlsx", [course_list_sheet(found)])


@bp.route("/api/courses/{course_code}", methods=["GET"])
@api
def detail(course_code: str) -> Response:
    principal = current_principal(bp.current_request)
    result = get_course_detail(principal, course_code, get_courses(), get_course_history())
    return json_response(presenters.course_detail(result, principal))


@bp.route("/api/courses/{course_code}/participants", methods=["GET"])
@api
def participants(course_code: str) -> Response:
    principal = current_principal(bp.current_request)
    paging = parse_paging(_query())
    result = get_course_attendance(principal, course_code, get_courses())
    page = paginate(result.rows, *paging)
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
    from ..renderers.excel import course_attendance_sheets

    request = bp.current_request
    principal = current_principal(request)
    result = get_course_attendance(principal, course_code, get_courses())
    filename = f"asistencia-total-{result.course.course_code}.xlsx"
    return deliver_workbook(request, principal.institution_rut.compact(), filename, course_attendance_sheets(result))


@bp.route("/api/courses/{course_code}/participants/{rut}/sessions", methods=["GET"])
@api
def participant_sessions(course_code: str, rut: str) -> Response:
    principal = current_principal(bp.current_request)
    result = get_participant_sessions(principal, course_code, rut, get_courses())
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
    from ..renderers.excel import participant_sessions_sheets

    request = bp.current_request
    principal = current_principal(request)
    result = get_participant_sessions(principal, course_code, rut, get_courses())
    filename = f"asistencia-{result.course.course_code}-{result.participant.rut.compact()}.xlsx"
    return deliver_workbook(request, principal.institution_rut.compact(), filename, participant_sessions_sheets(result))
