"""Search by key: the cursor and tally rules, and the search service reading one page on the fakes."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from chalicelib.domain.access import Profile
from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.course_queries import (
    BAD_CURSOR,
    Cursor,
    Position,
    cover_days,
    locate,
    parse_search,
    read_cursor,
    write_cursor,
)
from chalicelib.domain.courses import Party
from chalicelib.domain.errors import InvalidInputError
from chalicelib.services import courses
from tests.builders import OTHER_OTEC, course, historic_certificate, participant, principal, rut
from tests.unit import fakes

ADMIN = principal()
BY_STATE = {"program": "impulsa_personas", "criterion": "state", "value": "PENDING"}


@pytest.fixture
def w() -> fakes.World:
    return fakes.world()


def codes(page) -> list[str]:
    return [c.course_code for c in page.items]


def three_a_day(w, count: int, **kwargs) -> list:
    """`count` courses, three starting each day, in the order the lists keep them."""
    made = [course(f"{5200000 + i}", start=date(2020, 1, 1) + timedelta(days=i // 3), **kwargs) for i in range(count)]
    for each in made:
        w.add_course(each)
    return made


# ---------------------------------------------------------------- rules


def test_cover_days_uses_whole_years_and_months_and_days_at_the_edges():
    assert cover_days(date(2019, 12, 30), date(2021, 2, 2)) == [
        "2019-12-30",
        "2019-12-31",
        "2020",
        "2021-01",
        "2021-02-01",
        "2021-02-02",
    ]
    assert cover_days(date(2020, 3, 1), date(2020, 3, 31)) == ["2020-03"]
    assert cover_days(date(2020, 3, 5), date(2020, 3, 5)) == ["2020-03-05"]


def test_cover_days_of_any_range_stays_small():
    assert len(cover_days(date(2000, 1, 15), date(2010, 12, 14))) <= 80


def test_locate_finds_the_day_of_an_offset_and_what_comes_before_it_that_day():
    counts = [(date(2020, 1, 3), 4), (date(2020, 1, 1), 3), (date(2020, 1, 2), 0)]

    assert locate(counts, 0) == (date(2020, 1, 1), 0)
    assert locate(counts, 2) == (date(2020, 1, 1), 2)
    assert locate(counts, 3) == (date(2020, 1, 3), 0)
    assert locate(counts, 6) == (date(2020, 1, 3), 3)
    assert locate(counts, 7) is None


def test_a_cursor_reads_back_only_for_the_same_search_and_page_size():
    search = parse_search(BY_STATE)
    cursor = Cursor(20, after=Position(date(2020, 1, 5), "5200013"))
    text = write_cursor(search, 10, cursor)

    assert read_cursor(text, search, 10) == cursor
    other = parse_search({**BY_STATE, "value": "ISSUED"})
    for raw, size, against in ((text, 25, search), (text, 10, other), (text[:-3], 10, search), ("%%", 10, search)):
        with pytest.raises(InvalidInputError) as refused:
            read_cursor(raw, against, size)
        assert refused.value.args[0] == BAD_CURSOR


# ---------------------------------------------------------------- the service on the fakes


def test_following_next_cursor_reads_one_page_each_time_and_shows_every_course_once(w):
    made = three_a_day(w, 35)
    seen, page = [], courses.search_courses(w.ports, ADMIN, BY_STATE)
    seen += codes(page)
    while page.next_cursor:
        w.store.reads.clear()
        page = courses.search_courses(w.ports, ADMIN, {**BY_STATE, "cursor": page.next_cursor})
        seen += codes(page)
        assert w.store.reads == [("page", len(page.items))]
        assert page.total == 35

    assert seen == [c.course_code for c in made]
    assert (page.page, page.first, page.last) == (4, 31, 35)


def test_prev_cursor_shows_the_page_before(w):
    made = three_a_day(w, 35)
    second = courses.search_courses(w.ports, ADMIN, {**BY_STATE, "page": "2"})
    third = courses.search_courses(w.ports, ADMIN, {**BY_STATE, "cursor": second.next_cursor})

    back = courses.search_courses(w.ports, ADMIN, {**BY_STATE, "cursor": third.prev_cursor})

    assert codes(back) == [c.course_code for c in made[10:20]] == codes(second)
    assert back.page == 2 and back.prev_cursor is not None
    assert courses.search_courses(w.ports, ADMIN, BY_STATE).prev_cursor is None


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_a_jump_to_page_n_reads_from_its_day_only(w, number):
    made = three_a_day(w, 35)
    w.store.reads.clear()

    page = courses.search_courses(w.ports, ADMIN, {**BY_STATE, "page": str(number)})

    assert codes(page) == [c.course_code for c in made[(number - 1) * 10 : number * 10]]
    assert page.page == number
    assert all(kind == "page" and read <= 10 + 2 for kind, read in w.store.reads)  # at most 2 of its day before


def test_a_page_past_the_end_is_empty_and_reads_no_course(w):
    three_a_day(w, 5)
    w.store.reads.clear()

    page = courses.search_courses(w.ports, ADMIN, {**BY_STATE, "page": "3"})

    assert page.items == () and page.total == 5 and page.next_cursor is None
    assert w.store.reads == []


def test_a_regional_administrator_pages_through_their_regions_only(w):
    made = [course(f"{5300000 + i}", region="13" if i % 2 else "05", start=date(2020, 1, 1 + i)) for i in range(25)]
    for each in made:
        w.add_course(each)
    regional = principal(Profile.REGIONAL_ADMIN, regions=("05",))
    theirs = [c.course_code for c in made if c.region_code == "05"]

    first = courses.search_courses(w.ports, regional, BY_STATE)
    second = courses.search_courses(w.ports, regional, {**BY_STATE, "cursor": first.next_cursor})

    assert first.total == len(theirs)
    assert codes(first) + codes(second) == theirs
    assert second.next_cursor is None


def test_by_end_date_the_list_follows_the_end_day(w):
    late = w.add_course(course("5400001", start=date(2020, 1, 1), end=date(2020, 6, 30)))
    early = w.add_course(course("5400002", start=date(2020, 2, 1), end=date(2020, 3, 1)))
    w.add_course(course("5400003", start=date(2020, 2, 1), end=date(2021, 3, 1)))

    page = courses.search_courses(
        w.ports,
        ADMIN,
        {"program": "impulsa_personas", "criterion": "end_date", "from": "01-01-2020", "to": "31-12-2020"},
    )

    assert codes(page) == [early.course_code, late.course_code]


def test_by_company_rut_only_that_companys_courses(w):
    other = Party(rut(96500500), "OTRA EMPRESA S.A.")
    w.add_course(course("5500001"))
    w.add_course(course("5500002"))
    w.add_course(replace(course("5500003"), company=other))

    page = courses.search_courses(
        w.ports, ADMIN, {"program": "impulsa_personas", "criterion": "company_rut", "value": other.rut.formatted()}
    )

    assert codes(page) == ["5500003"] and page.total == 1


def test_by_participant_rut_the_courses_that_person_took_that_the_caller_sees(w):
    mine = course("5600001")
    also_mine = course("5600002", start=date(2016, 1, 1))
    foreign = course("5600003", institution=OTHER_OTEC)
    for each in (mine, also_mine, foreign):
        w.add_course(each, [participant(each, 15303444, "CINTHYA BAIN RAMIREZ")])
    w.add_course(course("5600004"), [participant(course("5600004"), 8808603)])

    page = courses.search_courses(
        w.ports, ADMIN, {"program": "impulsa_personas", "criterion": "participant_rut", "value": "15.303.444-3"}
    )

    assert codes(page) == ["5600002", "5600001"] and page.total == 2
    assert ("get_many", 3) in w.store.reads
    w.ports.access_log.flush()
    logged = w.store.accesses[-1]
    assert (logged.what.value, logged.subject_rut) == ("person_courses", rut(15303444))


def test_by_certificate_number_the_course_of_that_certificate_of_the_callers_institution(w):
    issued = w.add_course(course("5700001", state=CertificateState.ISSUED))
    certificate = historic_certificate(issued, (), 12)
    w.store.certificates[(certificate.institution_rut, certificate.number)] = certificate
    ask = {"program": "impulsa_personas", "criterion": "certificate_number"}

    assert codes(courses.search_courses(w.ports, ADMIN, {**ask, "value": str(certificate.number)})) == ["5700001"]
    assert courses.search_courses(w.ports, ADMIN, {**ask, "value": "99-2017"}).total == 0
    with pytest.raises(InvalidInputError) as refused:
        courses.search_courses(w.ports, ADMIN, {**ask, "value": "doce"})
    assert "N-AAAA" in refused.value.args[0]


def test_a_cursor_of_a_lookup_pages_the_persons_courses(w):
    made = [course(f"{5800000 + i}", start=date(2020, 1, 1 + i)) for i in range(12)]
    for each in made:
        w.add_course(each, [participant(each, 15303444)])
    ask = {"program": "impulsa_personas", "criterion": "participant_rut", "value": "153034443"}

    first = courses.search_courses(w.ports, ADMIN, ask)
    second = courses.search_courses(w.ports, ADMIN, {**ask, "cursor": first.next_cursor})

    assert codes(first) + codes(second) == [c.course_code for c in made]
    with pytest.raises(InvalidInputError):
        courses.search_courses(w.ports, ADMIN, {**BY_STATE, "cursor": first.next_cursor})


def test_the_export_streams_every_course_of_the_list_page_by_page(w):
    made = three_a_day(w, 1100)
    w.store.reads.clear()

    courses.export_search(w.ports, ADMIN, BY_STATE)

    kind, listed = w.workbooks.written[-1]
    assert kind == "course_list"
    assert [c.course_code for c in listed] == [c.course_code for c in made]
    assert w.store.reads == [("page", 500), ("page", 500), ("page", 100)]
