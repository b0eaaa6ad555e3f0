"""Courses and attendance as an OTEC sees them: the search and its pages, the course, the participants'
percentages, one participant's sessions and the Excel downloads, against in-memory fakes of the ports."""

from datetime import date, timedelta

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.courses import Program
from chalicelib.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from chalicelib.services import annulments, certificates, courses
from tests.builders import (
    OTEC,
    OTHER_OTEC,
    at,
    course,
    full_session,
    officer,
    participant,
    principal,
    rut,
    session,
)
from tests.unit import fakes

ADMIN = principal()
DAY = date(2017, 1, 10)


def search(by: str, value: str = "", **more: str) -> dict[str, str]:
    return {"program": "impulsa_personas", "criterion": by, "value": value, **more}


def codes(page) -> list[str]:
    return [c.course_code for c in page.items]


def many_courses(w, count: int, **kwargs) -> list:
    made = [course(f"{5115000 + i}", start=date(2017, 1, 2) + timedelta(days=i), **kwargs) for i in range(count)]
    for each in made:
        w.add_course(each)
    return made


@pytest.fixture
def w() -> fakes.World:
    return fakes.world()


# ---------------------------------------------------------------- search_courses: every criterion


def test_search_by_course_code_finds_that_course(w):
    w.add_course(course("5115263"))
    w.add_course(course("5115264"))

    page = courses.search_courses(w.ports, ADMIN, search("course_code", "5115263"))

    assert codes(page) == ["5115263"]
    assert page.total == 1


def test_search_by_action_id_finds_that_course(w):
    w.add_course(course("5115263"))

    assert codes(courses.search_courses(w.ports, ADMIN, search("action_id", " 5115263 "))) == ["5115263"]


def test_search_by_an_unknown_code_finds_nothing(w):
    w.add_course(course("5115263"))

    page = courses.search_courses(w.ports, ADMIN, search("course_code", "9999999"))

    assert page.items == ()
    assert page.total == 0


def test_search_by_sence_code_finds_every_course_of_that_code(w):
    w.add_course(course("5115263", sence_code="1237740585"))
    w.add_course(course("5115264", sence_code="1237740585", start=date(2017, 2, 1)))
    w.add_course(course("5115265", sence_code="1237740586"))

    page = courses.search_courses(w.ports, ADMIN, search("sence_code", "1237740585"))

    assert codes(page) == ["5115263", "5115264"]


def test_search_by_state_finds_only_courses_in_that_state(w):
    w.add_course(course("5115263", state=CertificateState.PENDING))
    w.add_course(course("5115264", state=CertificateState.ISSUED))
    w.add_course(course("5115265", state=CertificateState.ISSUED, program=Program.APRENDIZAJES))

    page = courses.search_courses(w.ports, ADMIN, search("state", "ISSUED"))

    assert codes(page) == ["5115264"]


def test_search_by_start_date_keeps_the_range_both_ends_included(w):
    for code, start in [
        ("5115261", date(2017, 1, 31)),
        ("5115262", date(2017, 2, 1)),
        ("5115263", date(2017, 2, 28)),
        ("5115264", date(2017, 3, 1)),
    ]:
        w.add_course(course(code, start=start))

    by_dmy = courses.search_courses(w.ports, ADMIN, search("start_date", **{"from": "01-02-2017", "to": "28/02/2017"}))
    by_iso = courses.search_courses(w.ports, ADMIN, search("start_date", **{"from": "2017-02-01", "to": "2017-02-28"}))

    assert codes(by_dmy) == codes(by_iso) == ["5115262", "5115263"]


def test_search_shows_only_the_program_asked_for(w):
    w.add_course(course("5115263", program=Program.IMPULSA_PERSONAS))
    w.add_course(course("5115264", program=Program.APRENDIZAJES))
    params = {"program": "aprendizajes", "criterion": "sence_code", "value": "1237740585"}

    assert codes(courses.search_courses(w.ports, ADMIN, params)) == ["5115264"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"criterion": "course_code", "value": "5115263"}, "program"),
        (search("nombre", "5115263"), "criterion"),
        (search("course_code", "511526"), "value"),
        (search("sence_code", "123"), "value"),
        (search("state", "BORRADO"), "value"),
        (search("start_date", **{"from": "31-02-2017", "to": "01-03-2017"}), "from"),
        (search("start_date", **{"from": "01-03-2017", "to": "28-02-2017"}), "to"),
    ],
)
def test_a_malformed_search_names_the_field(w, params, field):
    with pytest.raises(InvalidInputError) as caught:
        courses.search_courses(w.ports, ADMIN, params)

    assert caught.value.field == field


# ---------------------------------------------------------------- search_courses: who sees what


def test_another_institutions_course_is_invisible(w):
    w.add_course(course("5115263", institution=OTHER_OTEC))

    assert courses.search_courses(w.ports, ADMIN, search("course_code", "5115263")).total == 0
    assert courses.search_courses(w.ports, ADMIN, search("sence_code", "1237740585")).total == 0


def test_a_regional_admin_sees_only_the_courses_of_their_regions(w):
    w.add_course(course("5115263", region="13"))
    w.add_course(course("5115264", region="05"))
    w.add_course(course("5115265", region="08"))
    regional = principal(Profile.REGIONAL_ADMIN, regions=("13", "08"))

    page = courses.search_courses(w.ports, regional, search("sence_code", "1237740585"))

    assert codes(page) == ["5115263", "5115265"]
    assert courses.search_courses(w.ports, regional, search("course_code", "5115264")).total == 0


def test_a_sence_officer_cannot_search_courses(w):
    w.add_course(course("5115263"))

    with pytest.raises(PermissionDeniedError):
        courses.search_courses(w.ports, officer("13"), search("course_code", "5115263"))


# ---------------------------------------------------------------- search_courses: pages and order


def test_results_are_ordered_by_start_date_then_code(w):
    w.add_course(course("5115269", start=date(2017, 1, 5)))
    w.add_course(course("5115261", start=date(2017, 2, 1)))
    w.add_course(course("5115267", start=date(2017, 1, 5)))
    w.add_course(course("5115262", start=date(2017, 1, 3)))

    page = courses.search_courses(w.ports, ADMIN, search("sence_code", "1237740585"))

    assert codes(page) == ["5115262", "5115267", "5115269", "5115261"]


def test_the_first_page_has_ten_courses_of_the_total(w):
    made = many_courses(w, 25)

    page = courses.search_courses(w.ports, ADMIN, search("sence_code", "1237740585"))

    assert codes(page) == [c.course_code for c in made[:10]]
    assert (page.total, page.page, page.page_size, page.first, page.last) == (25, 1, 10, 1, 10)


def test_the_last_page_has_what_remains(w):
    made = many_courses(w, 25)

    page = courses.search_courses(w.ports, ADMIN, search("sence_code", "1237740585", page="3", page_size="10"))

    assert codes(page) == [c.course_code for c in made[20:]]
    assert (page.total, page.first, page.last) == (25, 21, 25)


def test_a_page_size_of_25_shows_25(w):
    many_courses(w, 30)

    page = courses.search_courses(w.ports, ADMIN, search("sence_code", "1237740585", page_size="25"))

    assert len(page.items) == 25
    assert page.total == 30


def test_a_page_past_the_end_is_empty(w):
    many_courses(w, 3)

    page = courses.search_courses(w.ports, ADMIN, search("sence_code", "1237740585", page="2"))

    assert page.items == ()
    assert (page.total, page.first, page.last) == (3, 0, 0)


@pytest.mark.parametrize(
    ("paging", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "dos"}, "page"),
        ({"page": "100001"}, "page"),
        ({"page_size": "7"}, "page_size"),
        ({"page_size": "1000"}, "page_size"),
    ],
)
def test_a_bad_page_names_its_field(w, paging, field):
    many_courses(w, 3)

    with pytest.raises(InvalidInputError) as caught:
        courses.search_courses(w.ports, ADMIN, search("sence_code", "1237740585", **paging))

    assert caught.value.field == field


# ---------------------------------------------------------------- get_course


def _issue(w, code: str = "5115263") -> str:
    return str(certificates.issue_certificate(w.ports, ADMIN, code, "OC-1", True).number)


def _annul(w, number: str) -> None:
    request = annulments.request_annulment(w.ports, ADMIN, number, "Error en la nómina de participantes.")
    annulments.decide_request(w.ports, officer("13"), request.request_id, "aprobar", "")


def test_the_course_detail_shows_the_course(w):
    w.add_course(course("5115263", name="SOLDADURA AL ARCO"))

    detail = courses.get_course(w.ports, ADMIN, " 5115263 ")

    assert detail.course.name == "SOLDADURA AL ARCO"
    assert detail.certificates == ()
    assert detail.annulments == ()


def test_the_course_detail_lists_certificates_and_annulments_oldest_first(w):
    w.add_course(course("5115263"))
    first = _issue(w)
    w.clock.advance(days=1)
    _annul(w, first)
    w.clock.advance(days=1)
    second = _issue(w)
    w.clock.advance(days=1)
    annulments.request_annulment(w.ports, ADMIN, second, "Faltó un participante en el certificado.")
    # Storage gives them in any order.
    w.store.certificates = dict(reversed(list(w.store.certificates.items())))
    w.store.annulments = dict(reversed(list(w.store.annulments.items())))

    detail = courses.get_course(w.ports, ADMIN, "5115263")

    assert [str(c.number) for c in detail.certificates] == ["1-2017", "2-2017"]
    assert [str(a.certificate_number) for a in detail.annulments] == ["1-2017", "2-2017"]
    assert [a.status.value for a in detail.annulments] == ["APPROVED", "PENDING"]


def test_another_institutions_course_is_not_found(w):
    w.add_course(course("5115263", institution=OTHER_OTEC))

    with pytest.raises(NotFoundError) as caught:
        courses.get_course(w.ports, ADMIN, "5115263")

    assert "5115263" in caught.value.message


def test_a_course_of_another_region_is_not_found_for_a_regional_admin(w):
    w.add_course(course("5115263", region="05"))

    with pytest.raises(NotFoundError):
        courses.get_course(w.ports, principal(Profile.REGIONAL_ADMIN, regions=("13",)), "5115263")


def test_an_unknown_course_is_not_found(w):
    with pytest.raises(NotFoundError) as caught:
        courses.get_course(w.ports, ADMIN, "9999999")

    assert "9999999" in caught.value.message


@pytest.mark.parametrize("raw", ["511526", "51152633", "5115a63", ""])
def test_a_malformed_course_code_is_invalid_input(w, raw):
    with pytest.raises(InvalidInputError) as caught:
        courses.get_course(w.ports, ADMIN, raw)

    assert caught.value.field == "course_code"


def test_a_sence_officer_cannot_read_a_course(w):
    w.add_course(course("5115263"))

    with pytest.raises(PermissionDeniedError):
        courses.get_course(w.ports, officer("13"), "5115263")


# ---------------------------------------------------------------- get_participants


def test_a_two_hour_session_fully_attended_of_an_eight_hour_course_is_25_percent(w):
    the_course = course("5115263", hours=8)
    ana = participant(the_course, 8808603, "ANA")
    w.add_course(the_course, [ana], [full_session("s1", at(DAY, 9), 2, [ana])])

    result, page = courses.get_participants(w.ports, ADMIN, "5115263", {})

    assert page.items[0].attendance.percent == 25
    assert result.rows[0].attendance.percent == 25


def test_percentages_follow_the_attendance_rule(w):
    the_course = course("5115263", hours=8)
    ana, bea, carla = (participant(the_course, body, name) for body, name in [(1, "ANA"), (2, "BEA"), (3, "CARLA")])
    start = at(DAY, 9)
    marks = [
        (ana.rut, at(DAY, 9, 20), at(DAY, 13)),  # 20 minutes late: within the grace, counts from 9:00
        (bea.rut, at(DAY, 9, 21), at(DAY, 13)),  # 21 minutes late: counts from 9:21
        (carla.rut, at(DAY, 9), None),  # entry without exit: nothing
    ]
    w.add_course(the_course, [ana, bea, carla], [session("s1", start, 4, marks)])

    result, _page = courses.get_participants(w.ports, ADMIN, "5115263", {})

    assert [(r.participant.name, r.attendance.percent) for r in result.rows] == [("ANA", 50), ("BEA", 45), ("CARLA", 0)]


def test_impulsa_personas_counts_75_percent_as_reaching_the_minimum(w):
    the_course = course("5115263", hours=8)
    ana, bea = participant(the_course, 1, "ANA"), participant(the_course, 2, "BEA")
    sessions = [full_session("s1", at(DAY, 9), 6, [ana, bea]), full_session("s2", at(DAY + timedelta(1), 9), 2, [ana])]
    w.add_course(the_course, [ana, bea], sessions)

    result, _page = courses.get_participants(w.ports, ADMIN, "5115263", {})

    assert [(r.attendance.percent, r.below_minimum) for r in result.rows] == [(100, False), (75, False)]


def test_impulsa_personas_marks_74_percent_as_below_minimum(w):
    the_course = course("5115263", hours=100)
    ana = participant(the_course, 1, "ANA")
    w.add_course(the_course, [ana], [full_session("s1", at(DAY, 8), 74, [ana])])

    result, _page = courses.get_participants(w.ports, ADMIN, "5115263", {})

    assert (result.rows[0].attendance.percent, result.rows[0].below_minimum) == (74, True)


def test_aprendizajes_sets_no_minimum(w):
    the_course = course("5115263", hours=8, program=Program.APRENDIZAJES)
    ana = participant(the_course, 1, "ANA")
    w.add_course(the_course, [ana], [full_session("s1", at(DAY, 9), 2, [ana])])

    result, _page = courses.get_participants(w.ports, ADMIN, "5115263", {})

    assert (result.rows[0].attendance.percent, result.rows[0].below_minimum) == (25, False)


def test_participants_are_listed_by_name(w):
    the_course = course("5115263")
    people = [participant(the_course, body, name) for body, name in [(1, "ZOILA"), (2, "ANA"), (3, "MARTA")]]
    w.add_course(the_course, people)

    result, page = courses.get_participants(w.ports, ADMIN, "5115263", {})

    assert [r.participant.name for r in page.items] == ["ANA", "MARTA", "ZOILA"]
    assert [r.participant.name for r in result.rows] == ["ANA", "MARTA", "ZOILA"]


def test_participants_come_in_pages_with_every_percentage_computed(w):
    the_course = course("5115263")
    people = [participant(the_course, 1000 + i, f"PARTICIPANTE {i:02d}") for i in range(12)]
    w.add_course(the_course, people, [full_session("s1", at(DAY, 9), 4, people)])

    result, page = courses.get_participants(w.ports, ADMIN, "5115263", {"page": "2", "page_size": "10"})

    assert [r.participant.name for r in page.items] == ["PARTICIPANTE 10", "PARTICIPANTE 11"]
    assert (page.total, page.first, page.last) == (12, 11, 12)
    assert len(result.rows) == 12
    assert {r.attendance.percent for r in result.rows} == {50}


def test_a_bad_page_of_participants_names_its_field(w):
    w.add_course(course("5115263"))

    with pytest.raises(InvalidInputError) as caught:
        courses.get_participants(w.ports, ADMIN, "5115263", {"page_size": "11"})

    assert caught.value.field == "page_size"


def test_participants_of_another_institutions_course_are_not_found(w):
    the_course = w.add_course(course("5115263", institution=OTHER_OTEC))
    w.store.participants["5115263"] = [participant(the_course, 1, "ANA")]

    with pytest.raises(NotFoundError):
        courses.get_participants(w.ports, ADMIN, "5115263", {})


# ---------------------------------------------------------------- get_participant_sessions


def _one_participant(w):
    the_course = course("5115263", hours=8)
    ana = participant(the_course, 8808603, "ANA")
    w.add_course(the_course, [ana], [full_session("s1", at(DAY, 9), 2, [ana]), session("s2", at(DAY, 14), 2)])
    return ana


@pytest.mark.parametrize("raw_rut", ["8.808.603-1", "8808603-1", "88086031"])
def test_a_participants_sessions_by_rut_with_or_without_dots(w, raw_rut):
    ana = _one_participant(w)

    result = courses.get_participant_sessions(w.ports, ADMIN, "5115263", raw_rut)

    assert result.participant == ana
    assert result.attendance.percent == 25
    assert [(row.session.session_id, row.credited.seconds) for row in result.attendance.sessions] == [
        ("s1", 7200),
        ("s2", 0),
    ]


def test_a_rut_not_in_the_course_is_not_found_and_named(w):
    _one_participant(w)

    with pytest.raises(NotFoundError) as caught:
        courses.get_participant_sessions(w.ports, ADMIN, "5115263", "15303444-3")

    assert "15.303.444-3" in caught.value.message
    assert "5115263" in caught.value.message


def test_a_malformed_rut_is_invalid_input(w):
    _one_participant(w)

    with pytest.raises(InvalidInputError) as caught:
        courses.get_participant_sessions(w.ports, ADMIN, "5115263", "8.808.603-2")

    assert caught.value.field == "rut"


def test_a_participant_of_another_institutions_course_is_not_found(w):
    the_course = w.add_course(course("5115263", institution=OTHER_OTEC))
    w.store.participants["5115263"] = [participant(the_course, 8808603, "ANA")]

    with pytest.raises(NotFoundError) as caught:
        courses.get_participant_sessions(w.ports, ADMIN, "5115263", "88086031")

    assert "curso 5115263" in caught.value.message


def test_a_participant_of_an_unknown_course_is_not_found(w):
    with pytest.raises(NotFoundError):
        courses.get_participant_sessions(w.ports, ADMIN, "5115263", "88086031")


# ---------------------------------------------------------------- the Excel downloads


def test_export_attendance_links_to_a_stored_workbook_of_every_participant(w):
    the_course = course("5115263", hours=8)
    ana, bea = participant(the_course, 8808603, "ANA"), participant(the_course, 15303444, "BEA")
    w.add_course(the_course, [bea, ana], [full_session("s1", at(DAY, 9), 2, [ana])])

    download = courses.export_attendance(w.ports, ADMIN, "5115263")

    assert download.filename == "asistencia-total-5115263.xlsx"
    assert download.url.startswith(f"memory://downloads/{OTEC.rut.compact()}/")
    assert "filename=asistencia-total-5115263.xlsx" in download.url
    assert w.documents.body(download.url) == b"88086031=25,153034443=0"
    kind, written = w.workbooks.written[0]
    assert kind == "course_attendance"
    assert written.course.course_code == "5115263"


def test_export_attendance_of_another_institutions_course_is_not_found(w):
    w.add_course(course("5115263", institution=OTHER_OTEC))

    with pytest.raises(NotFoundError):
        courses.export_attendance(w.ports, ADMIN, "5115263")
    assert w.store.documents == {}


def test_export_search_contains_the_whole_result_not_one_page(w):
    made = many_courses(w, 12)
    w.add_course(course("5115999", institution=OTHER_OTEC))

    download = courses.export_search(w.ports, ADMIN, search("sence_code", "1237740585", page="1", page_size="10"))

    assert download.filename == "cursos-sence.xlsx"
    assert download.url.startswith(f"memory://downloads/{OTEC.rut.compact()}/")
    kind, listed = w.workbooks.written[0]
    assert kind == "course_list"
    assert [c.course_code for c in listed] == [c.course_code for c in made]
    assert w.documents.body(download.url).decode().split(",") == [c.course_code for c in made]


def test_export_search_keeps_the_regional_scope(w):
    w.add_course(course("5115263", region="13"))
    w.add_course(course("5115264", region="05"))

    courses.export_search(
        w.ports, principal(Profile.REGIONAL_ADMIN, regions=("05",)), search("sence_code", "1237740585")
    )

    assert [c.course_code for c in w.workbooks.written[0][1]] == ["5115264"]


def test_export_search_is_refused_to_a_sence_officer(w):
    with pytest.raises(PermissionDeniedError):
        courses.export_search(w.ports, officer("13"), search("course_code", "5115263"))


def test_export_participant_sessions_links_to_that_participants_workbook(w):
    _one_participant(w)

    download = courses.export_participant_sessions(w.ports, ADMIN, "5115263", "8.808.603-1")

    assert download.filename == "asistencia-5115263-88086031.xlsx"
    assert "filename=asistencia-5115263-88086031.xlsx" in download.url
    assert w.documents.body(download.url) == b"25"
    kind, written = w.workbooks.written[0]
    assert kind == "participant_sessions"
    assert written.participant.rut == rut(8808603)


def test_each_export_gets_its_own_unguessable_key(w):
    _one_participant(w)

    first = courses.export_participant_sessions(w.ports, ADMIN, "5115263", "88086031")
    second = courses.export_participant_sessions(w.ports, ADMIN, "5115263", "88086031")

    assert first.url != second.url
    assert len([k for k in w.store.documents if k.startswith("downloads/")]) == 2
