"""Cursos: search, course detail, participants' attendance, one participant's sessions, downloads."""

from __future__ import annotations

import msgspec
from chalice.app import Blueprint, Response

from ..bootstrap import bootstrap
from ..services import courses
from . import presenters, schemas
from .http import api, current_principal, deliver, model_response, read_query

bp = Blueprint(__name__)


def _params(query: msgspec.Struct) -> dict[str, str]:
    """The query as the domain's form reader takes it: the wire names (`from`, `to`), absent fields left out."""
    return {name: str(value) for name, value in msgspec.to_builtins(query).items() if value is not None}


@bp.route("/api/courses", methods=["GET"])
@api(ok=schemas.CoursePage, query=schemas.SearchPageQuery, errors=(403,))
def search() -> Response:
    """Search the courses of the chosen institution (and region), one page at a time."""
    request = bp.current_request
    principal = current_principal(request)
    params = _params(read_query(request, schemas.SearchPageQuery))
    page = courses.search_courses(bootstrap(), principal, params)
    return model_response(
        schemas.CoursePage(
            items=[presenters.course_summary(c) for c in page.items],
            total=page.total,
            page=page.page,
            page_size=page.page_size,
            first=page.first,
            last=page.last,
            next_cursor=page.next_cursor,
            prev_cursor=page.prev_cursor,
        )
    )


@bp.route("/api/courses.xlsx", methods=["GET"])
@api(query=schemas.SearchQuery, errors=(403,), download=True)
def export_search() -> Response:
    """Exportar a Excel: the whole result of the search, not one page."""
    request = bp.current_request
    principal = current_principal(request)
    params = _params(read_query(request, schemas.SearchQuery))
    return deliver(request, courses.export_search(bootstrap(), principal, params))


@bp.route("/api/courses/{course_code}", methods=["GET"])
@api(ok=schemas.CourseDetailView, errors=(403, 404))
def detail(course_code: str) -> Response:
    """Datos del Curso SENCE, with every certificate the course had and its annulment history."""
    principal = current_principal(bp.current_request)
    result = courses.get_course(bootstrap(), principal, course_code)
    return model_response(presenters.course_detail(result, principal))


@bp.route("/api/courses/{course_code}/participants", methods=["GET"])
@api(ok=schemas.ParticipantPage, query=schemas.PagingQuery, errors=(403, 404))
def participants(course_code: str) -> Response:
    """Listado de Participantes with their attendance percentage."""
    request = bp.current_request
    principal = current_principal(request)
    params = _params(read_query(request, schemas.PagingQuery))
    result, page = courses.get_participants(bootstrap(), principal, course_code, params)
    return model_response(
        schemas.ParticipantPage(
            items=[
                schemas.ParticipantItem(
                    rut=row.participant.rut.formatted(),
                    name=row.participant.name,
                    attendance_percent=row.attendance.percent,
                    credited=row.attendance.credited.hhmmss(),
                    below_minimum=row.below_minimum,
                    incidents=len(row.attendance.incidents),
                    **presenters.reach_fields(row.reach, result.course.minimum_percent),
                )
                for row in page.items
            ],
            total=page.total,
            page=page.page,
            page_size=page.page_size,
            first=page.first,
            last=page.last,
            course=presenters.course_summary(result.course),
            minimum_percent=result.course.minimum_percent,
            below_minimum_total=sum(1 for row in result.rows if row.below_minimum),
            sessions_total=len(result.sessions),
        )
    )


@bp.route("/api/courses/{course_code}/attendance.xlsx", methods=["GET"])
@api(errors=(403, 404), download=True)
def export_attendance(course_code: str) -> Response:
    """Descargar Asistencia Total (.xlsx)."""
    request = bp.current_request
    return deliver(request, courses.export_attendance(bootstrap(), current_principal(request), course_code))


@bp.route("/api/courses/{course_code}/participants/{rut}/sessions", methods=["GET"])
@api(ok=schemas.ParticipantSessionsView, errors=(403, 404))
def participant_sessions(course_code: str, rut: str) -> Response:
    """Revisión de asistencia: one participant's sessions, durations as HH:MM:SS."""
    principal = current_principal(bp.current_request)
    result = courses.get_participant_sessions(bootstrap(), principal, course_code, rut)
    attendance = result.attendance
    return model_response(
        schemas.ParticipantSessionsView(
            course=presenters.course_summary(result.course),
            participant=presenters.person(result.participant.rut, result.participant.name),
            attendance_percent=attendance.percent,
            credited=attendance.credited.hhmmss(),
            below_minimum=result.course.is_below_minimum(attendance.percent),
            items=[presenters.session_row(row) for row in attendance.sessions],
            total=len(attendance.sessions),
            **presenters.reach_fields(result.reach, result.course.minimum_percent),
        )
    )


@bp.route("/api/courses/{course_code}/participants/{rut}/attendance.xlsx", methods=["GET"])
@api(errors=(403, 404), download=True)
def export_participant(course_code: str, rut: str) -> Response:
    """Bajar Asistencia: one participant's sessions (.xlsx)."""
    request = bp.current_request
    principal = current_principal(request)
    return deliver(request, courses.export_participant_sessions(bootstrap(), principal, course_code, rut))
