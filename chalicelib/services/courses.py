"""Courses and attendance: search, the course, its participants, one participant's sessions, Excel."""

from __future__ import annotations

from collections.abc import Mapping

from ..domain.access import Principal
from ..domain.certificates import CertificateState
from ..domain.clock import today_in_chile
from ..domain.course_queries import (
    CourseAttendance,
    CourseDetail,
    CourseSearch,
    Criterion,
    Page,
    ParticipantRow,
    ParticipantSessions,
    course_attendance,
    course_detail,
    paginate,
    parse_paging,
    parse_search,
    participant_sessions,
    visible_course,
    visible_courses,
)
from ..domain.courses import Course, parse_course_code
from ..domain.errors import NotFoundError
from ..domain.privacy import Disclosure
from ..domain.rut import Rut
from . import downloads
from .ports import Ports
from .privacy import disclose


def _found(ports: Ports, principal: Principal, search: CourseSearch) -> list[Course]:
    principal.ensure_otec()
    institution = principal.institution_rut
    if search.criterion in (Criterion.COURSE_CODE, Criterion.ACTION_ID):
        course = ports.courses.get(search.value)
        return [course] if course is not None else []
    if search.criterion is Criterion.SENCE_CODE:
        return ports.courses.by_sence_code(institution, search.value)
    if search.criterion is Criterion.STATE:
        return ports.courses.by_state(institution, search.program, CertificateState(search.value))
    assert search.date_from is not None and search.date_to is not None
    return ports.courses.by_start_date(institution, search.program, search.date_from, search.date_to)


def search_courses(ports: Ports, principal: Principal, params: Mapping[str, str]) -> Page[Course]:
    """One page of the courses of the chosen institution (and region) that match the search form."""
    search = parse_search(params)
    found = _found(ports, principal, search)
    return paginate(visible_courses(principal, search, found), *parse_paging(params))


def export_search(ports: Ports, principal: Principal, params: Mapping[str, str]) -> downloads.Download:
    """Exportar a Excel: the whole result, not one page."""
    search = parse_search(params)
    found = visible_courses(principal, search, _found(ports, principal, search))
    folder = principal.institution_rut.compact()
    return downloads.workbook(ports, folder, "cursos-sence.xlsx", lambda out: ports.workbooks.course_list(found, out))


def _course(ports: Ports, principal: Principal, raw_code: str) -> Course:
    code = parse_course_code(raw_code)
    return visible_course(principal, ports.courses.get(code), code)


def get_course(ports: Ports, principal: Principal, raw_code: str) -> CourseDetail:
    """Datos del Curso SENCE, with every certificate the course had and its annulment history."""
    course = _course(ports, principal, raw_code)
    code = course.course_code
    return course_detail(course, ports.certificates.list_for_course(code), ports.annulments.list_for_course(code))


def _attendance(ports: Ports, principal: Principal, raw_code: str, what: Disclosure) -> CourseAttendance:
    course = _course(ports, principal, raw_code)
    code = course.course_code
    # Allowed: the access entry is put now, while the enrolment and the sessions are read.
    disclose(ports, principal, what, course_code=code)
    sessions = ports.sessions.list_for_course(code)
    return course_attendance(course, ports.courses.participants(code), sessions, today_in_chile(ports.clock))


def get_participants(
    ports: Ports, principal: Principal, raw_code: str, params: Mapping[str, str]
) -> tuple[CourseAttendance, Page[ParticipantRow]]:
    """Listado de Participantes: every percentage (three reads whatever the size), one page of rows."""
    paging = parse_paging(params)
    result = _attendance(ports, principal, raw_code, Disclosure.PARTICIPANTS)
    return result, paginate(result.rows, *paging)


def export_attendance(ports: Ports, principal: Principal, raw_code: str) -> downloads.Download:
    """Descargar Asistencia Total."""
    result = _attendance(ports, principal, raw_code, Disclosure.ATTENDANCE_WORKBOOK)
    filename = f"asistencia-total-{result.course.course_code}.xlsx"
    folder = principal.institution_rut.compact()
    return downloads.workbook(ports, folder, filename, lambda out: ports.workbooks.course_attendance(result, out))


def get_participant_sessions(ports: Ports, principal: Principal, raw_code: str, raw_rut: str) -> ParticipantSessions:
    """Revisión de asistencia de un participante: two reads."""
    return _participant_sessions(ports, principal, raw_code, raw_rut, Disclosure.PARTICIPANT_SESSIONS)


def _participant_sessions(
    ports: Ports, principal: Principal, raw_code: str, raw_rut: str, what: Disclosure
) -> ParticipantSessions:
    code = parse_course_code(raw_code)
    rut = Rut.parse(raw_rut)
    course, participant = ports.courses.course_and_participant(code, rut)
    course = visible_course(principal, course, code)
    if participant is None:
        raise NotFoundError(f"El RUT {rut.formatted()} no participa en el curso {code}.")
    disclose(ports, principal, what, course_code=code, subject_rut=rut)  # put while the sessions are read
    return participant_sessions(course, participant, ports.sessions.list_for_course(code), today_in_chile(ports.clock))


def export_participant_sessions(ports: Ports, principal: Principal, raw_code: str, raw_rut: str) -> downloads.Download:
    """Bajar Asistencia."""
    result = _participant_sessions(ports, principal, raw_code, raw_rut, Disclosure.PARTICIPANT_WORKBOOK)
    filename = f"asistencia-{result.course.course_code}-{result.participant.rut.compact()}.xlsx"
    folder = principal.institution_rut.compact()
    return downloads.workbook(ports, folder, filename, lambda out: ports.workbooks.participant_sessions(result, out))
