"""The course registry feed on fakes: a course and its enrolment as SENCE's registry sends them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.certificates import CertificateState
from chalicelib.domain.courses import ActivityType, Program
from chalicelib.domain.errors import AuthenticationError, InvalidInputError, NotFoundError, StateConflictError
from chalicelib.domain.registry import FeedOutcome
from chalicelib.domain.rut import Rut
from chalicelib.services import certificates, registry
from tests.builders import COMPANY, OTEC, OTIC, at, full_session, principal
from tests.unit import fakes

CODE = "5120001"
KEY = "sence-registro-prueba-0000000001"


def body(**changes: object) -> dict:
    fields: dict = {
        "sence_code": "1237740585",
        "name": "OPERACIÓN DE GRÚA HORQUILLA",
        "program": "impulsa_personas",
        "activity_type": "partial",
        "region_code": "13",
        "start_date": "2017-03-06",
        "end_date": "2017-03-31",
        "accredited_hours": 2,
        "quotas": 20,
        "institution": {"rut": OTEC.rut.formatted(), "name": OTEC.name},
        "company": {"rut": COMPANY.rut.formatted(), "name": COMPANY.name},
        "otic": {"rut": OTIC.rut.formatted(), "name": OTIC.name},
        "related_action": "",
    }
    fields.update(changes)
    return fields


PEOPLE = [
    {"rut": "8.808.603-1", "name": "RIGOBERTO ORLANDO CASTILLO BARRÍA"},
    {"rut": "15303444-3", "name": "CINTHYA BAIN O'HIGGINS"},
    {"rut": "11111111-1", "name": "ÑUSTA PEÑA"},
]


@pytest.fixture
def w() -> fakes.World:
    world = fakes.world()
    world.store.registry_keys.add(KEY)
    return world


def test_a_new_course_is_created_pending_with_every_field_as_sent(w):
    fed = registry.put_course(w.ports, CODE, body())

    assert fed.outcome is FeedOutcome.CREATED
    course = w.course(CODE)
    assert (course.sence_code, course.name, course.program, course.activity_type) == (
        "1237740585",
        "OPERACIÓN DE GRÚA HORQUILLA",
        Program.IMPULSA_PERSONAS,
        ActivityType.PARTIAL,
    )
    assert (course.start_date, course.end_date, course.accredited_hours, course.quotas) == (
        date(2017, 3, 6),
        date(2017, 3, 31),
        2,
        20,
    )
    assert (course.institution, course.company, course.otic) == (OTEC, COMPANY, OTIC)
    assert course.certificate_state is CertificateState.PENDING
    assert w.store.actions(f"COURSE#{CODE}") == ["registry_course_created"]


def test_repeating_a_put_changes_nothing_and_leaves_no_audit_entry(w):
    registry.put_course(w.ports, CODE, body())
    before = w.course(CODE)

    fed = registry.put_course(w.ports, CODE, body())

    assert fed.outcome is FeedOutcome.UNCHANGED
    assert w.course(CODE) == before
    assert w.store.actions(f"COURSE#{CODE}") == ["registry_course_created"]


def test_a_change_names_its_fields_and_keeps_state_and_enrolment(w):
    registry.put_course(w.ports, CODE, body())
    registry.put_participants(w.ports, CODE, PEOPLE)

    fed = registry.put_course(w.ports, CODE, body(name="OPERACIÓN DE GRÚA", quotas=25, otic=None))

    assert fed.outcome is FeedOutcome.CHANGED
    assert fed.changed_fields == ["name", "otic", "quotas"]
    course = w.course(CODE)
    assert (course.name, course.quotas, course.otic) == ("OPERACIÓN DE GRÚA", 25, None)
    assert len(w.store.participants[CODE]) == 3
    assert w.store.audit[-1].detail == {"fields": "name,otic,quotas"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"institution": {"rut": "75.998.240-2", "name": "X"}}, "institution.rut"),
        ({"region_code": "17"}, "region_code"),
        ({"end_date": "2017-03-05"}, "end_date"),
        ({"start_date": "2017-02-30"}, "start_date"),
        ({"accredited_hours": 0}, "accredited_hours"),
        ({"quotas": -1}, "quotas"),
        ({"program": "otro"}, "program"),
        ({"activity_type": "anual"}, "activity_type"),
        ({"sence_code": "123"}, "sence_code"),
        ({"name": "   "}, "name"),
        ({"company": None}, "company"),
        ({"otic": {"rut": "", "name": "X"}}, "otic.rut"),
    ],
)
def test_every_refusal_names_the_field_and_stores_nothing(w, changes, field):
    with pytest.raises(InvalidInputError) as caught:
        registry.put_course(w.ports, CODE, body(**changes))

    assert caught.value.field == field
    assert CODE not in w.store.courses
    assert w.store.audit == []


def _issued(w) -> None:
    registry.put_course(w.ports, CODE, body())
    registry.put_participants(w.ports, CODE, PEOPLE[:1])
    rigoberto = w.store.participants[CODE][0]
    course = w.course(CODE)
    w.store.sessions[CODE] = {"s1": (full_session("s1", at(date(2017, 3, 6), 9), 2, [rigoberto]), None)}
    certificates.issue_certificate(w.ports, principal(), CODE, "OC-1", True)
    assert w.course(CODE).certificate_state is CertificateState.ISSUED
    assert course.name == w.store.certificates[(OTEC.rut, next(iter(w.store.certificates))[1])].course.name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "OTRO NOMBRE"}, "name"),
        ({"accredited_hours": 3}, "accredited_hours"),
        ({"company": {"rut": "88086031", "name": "OTRA"}}, "company"),
        ({"end_date": "2017-04-30"}, "end_date"),
        ({"otic": None}, "otic"),
    ],
)
def test_after_issue_a_printed_field_cannot_change(w, changes, field):
    _issued(w)
    before = w.course(CODE)

    with pytest.raises(StateConflictError) as caught:
        registry.put_course(w.ports, CODE, body(**changes))

    assert caught.value.field == field
    assert field in caught.value.message
    assert w.course(CODE) == before


def test_after_issue_what_is_not_printed_may_change(w):
    _issued(w)

    fed = registry.put_course(w.ports, CODE, body(quotas=30, region_code="05", related_action="A-1"))

    assert fed.changed_fields == ["region_code", "quotas", "related_action"]
    assert w.course(CODE).certificate_state is CertificateState.ISSUED


def test_after_an_approved_annulment_the_course_may_be_corrected_for_reissue(w):
    _issued(w)
    w.store.courses[CODE] = replace(w.course(CODE), certificate_state=CertificateState.REISSUE_APPROVED)

    assert registry.put_course(w.ports, CODE, body(name="NOMBRE CORREGIDO")).outcome is FeedOutcome.CHANGED
    assert registry.put_participants(w.ports, CODE, PEOPLE[:2]).written == 1


# ---------------------------------------------------------------- the enrolment


def test_the_enrolment_becomes_exactly_the_list_with_names_as_sent(w):
    registry.put_course(w.ports, CODE, body())

    fed = registry.put_participants(w.ports, CODE, PEOPLE)

    assert (fed.outcome, fed.written, fed.removed, fed.total) == (FeedOutcome.CHANGED, 3, 0, 3)
    names = {p.rut.formatted(): p.name for p in w.store.participants[CODE]}
    assert names == {
        "8.808.603-1": "RIGOBERTO ORLANDO CASTILLO BARRÍA",
        "15.303.444-3": "CINTHYA BAIN O'HIGGINS",
        "11.111.111-1": "ÑUSTA PEÑA",
    }
    again = registry.put_participants(w.ports, CODE, [PEOPLE[0], {**PEOPLE[1], "name": "CINTHYA BAIN"}])
    assert (again.written, again.removed, again.total) == (1, 1, 2)
    assert registry.put_participants(w.ports, CODE, [PEOPLE[0], {**PEOPLE[1], "name": "CINTHYA BAIN"}]).outcome is (
        FeedOutcome.UNCHANGED
    )
    assert w.store.actions(f"COURSE#{CODE}") == ["registry_course_created"] + ["registry_enrolment_changed"] * 2


def test_a_participant_with_lce_marks_cannot_be_removed(w):
    registry.put_course(w.ports, CODE, body())
    registry.put_participants(w.ports, CODE, PEOPLE[:2])
    rigoberto = next(p for p in w.store.participants[CODE] if p.rut == Rut.parse("8.808.603-1"))
    w.store.sessions[CODE] = {"s1": (full_session("s1", at(date(2017, 3, 6), 9), 1, [rigoberto]), None)}

    with pytest.raises(StateConflictError) as caught:
        registry.put_participants(w.ports, CODE, PEOPLE[1:2])

    assert "8.808.603-1" in caught.value.message
    assert len(w.store.participants[CODE]) == 2
    assert registry.put_participants(w.ports, CODE, PEOPLE[:1]).removed == 1  # without marks: fine


def test_after_issue_the_enrolment_cannot_change(w):
    _issued(w)

    with pytest.raises(StateConflictError):
        registry.put_participants(w.ports, CODE, PEOPLE)
    assert registry.put_participants(w.ports, CODE, PEOPLE[:1]).outcome is FeedOutcome.UNCHANGED


@pytest.mark.parametrize(
    ("people", "field"),
    [
        ([{"rut": "8.808.603-2", "name": "X"}], "participants[0].rut"),
        ([PEOPLE[0], PEOPLE[0]], "participants[1].rut"),
        ([{"rut": "8.808.603-1", "name": ""}], "participants[0].name"),
        ("nadie", "participants"),
    ],
)
def test_a_bad_list_names_the_entry_and_changes_nothing(w, people, field):
    registry.put_course(w.ports, CODE, body())
    with pytest.raises(InvalidInputError) as caught:
        registry.put_participants(w.ports, CODE, people)

    assert caught.value.field == field
    assert w.store.participants[CODE] == []


def test_the_enrolment_of_an_unknown_course_is_not_found(w):
    with pytest.raises(NotFoundError):
        registry.put_participants(w.ports, "5129999", PEOPLE)


# ---------------------------------------------------------------- races and keys


def test_a_course_written_meanwhile_is_read_again_and_no_update_is_lost(w):
    registry.put_course(w.ports, CODE, body())

    def another_put() -> None:
        registry.put_course(w.ports, CODE, body(quotas=40))

    w.transactions.meanwhile = another_put
    fed = registry.put_course(w.ports, CODE, body(quotas=40, name="NOMBRE NUEVO"))

    assert fed.changed_fields == ["name"]  # read again after the other PUT: only the name was left
    course = w.course(CODE)
    assert (course.quotas, course.name) == (40, "NOMBRE NUEVO")
    assert w.store.actions(f"COURSE#{CODE}") == ["registry_course_created"] + ["registry_course_changed"] * 2


def test_an_lce_push_meanwhile_is_seen_before_removing_its_participant(w):
    registry.put_course(w.ports, CODE, body())
    registry.put_participants(w.ports, CODE, PEOPLE[:2])
    rigoberto = next(p for p in w.store.participants[CODE] if p.rut == Rut.parse("8.808.603-1"))

    def lce_push() -> None:
        w.store.sessions[CODE] = {"s1": (full_session("s1", at(date(2017, 3, 6), 9), 1, [rigoberto]), None)}
        w.store.courses[CODE] = replace(w.course(CODE), version=w.course(CODE).version + 1)

    w.transactions.meanwhile = lce_push
    with pytest.raises(StateConflictError):
        registry.put_participants(w.ports, CODE, PEOPLE[1:2])
    assert len(w.store.participants[CODE]) == 2


def test_only_a_registry_key_opens_the_feed(w):
    w.store.api_keys["lce-sofofa-0000000000000001"] = OTEC.rut
    registry.authenticate_key(w.ports, KEY)
    for key in ("", "lce-sofofa-0000000000000001", KEY + "x", "corta"):
        with pytest.raises(AuthenticationError):
            registry.authenticate_key(w.ports, key)
