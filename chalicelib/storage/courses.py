"""Courses and their enrolment: the `courses` and `participants` tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactGet

from ..domain.certificates import CertificateState
from ..domain.courses import ActivityType, Course, Participant, Party, Program
from ..domain.rut import Rut
from .dynamo import rut, transaction_connection
from .models import CourseModel, ParticipantModel, PartyMap


def _party(item: PartyMap | None) -> Party | None:
    if item is None:
        return None
    return Party(rut(item.rut), item.name)


def _party_map(party: Party) -> PartyMap:
    return PartyMap(rut=party.rut.compact(), name=party.name)


def course_from_item(item: CourseModel) -> Course:
    institution = _party(item.institution)
    company = _party(item.company)
    assert institution is not None and company is not None
    return Course(
        course_code=item.course_code,
        sence_code=item.sence_code,
        name=item.name,
        program=Program(item.program),
        activity_type=ActivityType(item.activity_type),
        accredited_hours=int(item.accredited_hours),
        start_date=date.fromisoformat(item.start_date),
        end_date=date.fromisoformat(item.end_date),
        region_code=item.region_code,
        institution=institution,
        company=company,
        otic=_party(item.otic),
        quotas=int(item.quotas),
        related_action=item.related_action,
        certificate_state=CertificateState(item.certificate_state),
        version=int(item.version or 0),
    )


def course_index_keys(course: Course) -> dict[str, Any]:
    """The index keys derived from a course's fields, written with it every time."""
    inst = course.institution.rut.compact()
    return {
        "inst_program": f"{inst}#{course.program.value}",
        "inst_sence": f"{inst}#{course.sence_code}",
        "inst_program_state": f"{inst}#{course.program.value}#{course.certificate_state.value}",
        "start_key": f"{course.start_date.isoformat()}#{course.course_code}",
    }


def state_key(course: Course, state: CertificateState) -> str:
    """The `state_index` partition of `course` once it is in `state`."""
    return str(course_index_keys(replace(course, certificate_state=state))["inst_program_state"])


def course_item(course: Course) -> CourseModel:
    return CourseModel(
        course.course_code,
        sence_code=course.sence_code,
        name=course.name,
        program=course.program.value,
        activity_type=course.activity_type.value,
        accredited_hours=course.accredited_hours,
        start_date=course.start_date.isoformat(),
        end_date=course.end_date.isoformat(),
        region_code=course.region_code,
        institution=_party_map(course.institution),
        company=_party_map(course.company),
        otic=_party_map(course.otic) if course.otic else None,
        quotas=course.quotas,
        related_action=course.related_action,
        certificate_state=course.certificate_state.value,
        version=course.version,
        **course_index_keys(course),
    )


def participant_item(participant: Participant) -> ParticipantModel:
    return ParticipantModel(participant.course_code, participant.rut.compact(), name=participant.name)


class CourseRepository:
    """The catalogue of courses and who is enrolled in each."""

    def get(self, course_code: str) -> Course | None:
        try:
            return course_from_item(CourseModel.get(course_code))
        except DoesNotExist:
            return None

    def get_many(self, course_codes: Iterable[str]) -> dict[str, Course]:
        """The courses of `course_codes` that exist, by code: BatchGetItem, 100 keys a request, the keys
        DynamoDB leaves unprocessed asked again (PynamoDB's `batch_get` does both)."""
        codes = set(course_codes)
        if not codes:
            return {}
        return {item.course_code: course_from_item(item) for item in CourseModel.batch_get(codes)}

    def by_sence_code(self, institution: Rut, sence_code: str) -> list[Course]:
        key = f"{institution.compact()}#{sence_code}"
        return [course_from_item(item) for item in CourseModel.sence_code_index.query(key)]

    def by_state(self, institution: Rut, program: Program, state: CertificateState) -> list[Course]:
        key = f"{institution.compact()}#{program.value}#{state.value}"
        return [course_from_item(item) for item in CourseModel.state_index.query(key)]

    def by_start_date(self, institution: Rut, program: Program, first: date, last: date) -> list[Course]:
        key = f"{institution.compact()}#{program.value}"
        # `#` sorts before digits and `~` after them: the range covers every code of both days.
        window = CourseModel.start_key.between(f"{first.isoformat()}#", f"{last.isoformat()}#~")
        return [course_from_item(item) for item in CourseModel.institution_program_index.query(key, window)]

    def participants(self, course_code: str) -> list[Participant]:
        return [Participant(course_code, rut(item.rut), item.name) for item in ParticipantModel.query(course_code)]

    def enrolments_of(self, who: Rut) -> list[Participant]:
        return [
            Participant(item.course_code, who, item.name) for item in ParticipantModel.rut_index.query(who.compact())
        ]

    def course_and_participant(self, course_code: str, who: Rut) -> tuple[Course | None, Participant | None]:
        """Both in one round trip."""
        with TransactGet(connection=transaction_connection()) as transaction:
            course_future = transaction.get(CourseModel, course_code)
            participant_future = transaction.get(ParticipantModel, course_code, who.compact())
        try:
            course: Course | None = course_from_item(course_future.get())
        except DoesNotExist:
            course = None
        try:
            participant: Participant | None = Participant(course_code, who, participant_future.get().name)
        except DoesNotExist:
            participant = None
        return course, participant
