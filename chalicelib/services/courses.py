"""Courses and attendance: search, the course, its participants, one participant's sessions, Excel."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

from ..domain.access import Principal
from ..domain.certificates import CertificateNumber
from ..domain.clock import today_in_chile
from ..domain.course_queries import (
    CourseAttendance,
    CourseDetail,
    CourseSearch,
    Criterion,
    Listing,
    Page,
    ParticipantRow,
    ParticipantSessions,
    course_attendance,
    course_detail,
    keyset_page,
    listing_for,
    locate,
    paginate,
    parse_paging,
    parse_search,
    participant_sessions,
    position_of,
    read_cursor,
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


def _looked_up(ports: Ports, principal: Principal, search: CourseSearch) -> list[Course]:
    """The lookups: one course, one certificate's course, or the courses one person took (their
    enrolments by RUT, then one BatchGetItem of those courses); what the caller may see is kept later."""
    if search.criterion in (Criterion.COURSE_CODE, Criterion.ACTION_ID):
        course = ports.courses.get(search.value)
        return [course] if course is not None else []
    if search.criterion is Criterion.CERTIFICATE_NUMBER:
        number = CertificateNumber.parse(search.value, field="value")
        certificate = ports.certificates.get(principal.institution_rut, number)
        course = ports.courses.get(certificate.course_code) if certificate is not None else None
        return [course] if course is not None else []
    who = Rut.parse(search.value, field="value")
    # Which courses a person took is their personal data: the search is logged (put while it reads).
    disclose(ports, principal, Disclosure.PERSON_COURSES, subject_rut=who)
    return list(ports.courses.get_many(e.course_code for e in ports.courses.enrolments_of(who)).values())


def search_courses(ports: Ports, principal: Principal, params: Mapping[str, str]) -> Page[Course]:
    """One page of the courses of the chosen institution (and region) that match the search form.

    A list criterion reads about one page from its index whatever the institution's size: page 1 from
    the start, a cursor's page after (or before) the course it names, the last page backwards from the
    end, another page N from the day the tallies place it on. The total comes from the tallies."""
    search = parse_search(params)
    page_number, size = parse_paging(params)
    principal.ensure_otec()
    raw_cursor = params.get("cursor")
    cursor = read_cursor(raw_cursor, search, size) if raw_cursor else None
    listing = listing_for(principal, search)
    if listing is None:
        found = visible_courses(principal, search, _looked_up(ports, principal, search))
        offset = cursor.offset if cursor else (page_number - 1) * size
        return keyset_page(search, None, found[offset : offset + size], offset, size, len(found))
    total = ports.courses.count(listing)
    if cursor is not None:
        if cursor.before is not None:
            items = ports.courses.page(listing, cursor.before, size, backward=True)[::-1]
        else:
            items = ports.courses.page(listing, cursor.after, size)
        return keyset_page(search, listing.kind, items, cursor.offset, size, total)
    offset = (page_number - 1) * size
    return keyset_page(search, listing.kind, _jump(ports, listing, offset, size, total), offset, size, total)


def _jump(ports: Ports, listing: Listing, offset: int, size: int, total: int) -> list[Course]:
    """Page N without a cursor: the first from the start, the last backwards from the end, any other from
    the day the day tallies place item `offset` on (reading that day's earlier courses too)."""
    if offset >= total:
        return []
    if offset == 0:
        return ports.courses.page(listing, None, size)
    if offset + size >= total:
        return ports.courses.page(listing, None, total - offset, backward=True)[::-1]
    located = locate(ports.courses.day_counts(listing), offset)
    if located is None:
        return []
    day, skip = located
    from_day = replace(listing, first=max(day, listing.first) if listing.first else day)
    return ports.courses.page(from_day, None, skip + size)[skip:]


EXPORT_BATCH = 500


def _every_course(ports: Ports, listing: Listing) -> Iterator[Course]:
    """The whole list, page after page by key: the workbook is written while it is read."""
    after = None
    while True:
        batch = ports.courses.page(listing, after, EXPORT_BATCH)
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        after = position_of(batch[-1], listing.kind)


def export_search(ports: Ports, principal: Principal, params: Mapping[str, str]) -> downloads.Download:
    """Exportar a Excel: the whole result, not one page."""
    search = parse_search(params)
    principal.ensure_otec()
    listing = listing_for(principal, search)
    found: Iterable[Course] = (
        visible_courses(principal, search, _looked_up(ports, principal, search))
        if listing is None
        else _every_course(ports, listing)
    )
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
