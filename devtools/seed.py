"""Writes that only the demo data, the benchmarks and the tests make: records put in place directly,
as if they had arrived before this system (or through a feed it does not have yet).

The application never writes this way; its writes go through the services and their conditions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.access import Profile
from chalicelib.domain.attendance import Session
from chalicelib.domain.auth import UserAccount
from chalicelib.domain.certificates import AnnulmentRequest, AnnulmentStatus, Certificate, CertificateState
from chalicelib.domain.clock import SystemClock, today_in_chile
from chalicelib.domain.courses import Course, Participant, Party
from chalicelib.domain.lce import OPEN_STATES
from chalicelib.domain.rut import Rut
from chalicelib.domain.worklist import (
    DECIDED_DAYS,
    Member,
    WorklistChange,
    on_annulment_request,
    on_decision,
    on_session,
    ready_item,
    tally_of,
)
from chalicelib.storage.annulments import annulment_item
from chalicelib.storage.certificates import certificate_item, counter_key
from chalicelib.storage.courses import course_from_item, course_item, participant_item, tally_deltas
from chalicelib.storage.models import (
    AnnulmentModel,
    ApiKeyModel,
    CertificateModel,
    CounterModel,
    CourseModel,
    InstitutionModel,
    ParticipantModel,
    SessionModel,
    TallyModel,
)
from chalicelib.storage.sessions import session_item
from chalicelib.storage.users import api_key_digest, user_item
from chalicelib.storage.worklist import apply_change, member_item

_ADMINISTRATORS = (Profile.NATIONAL_ADMIN, Profile.REGIONAL_ADMIN)


def institution_exists(rut: Rut) -> bool:
    try:
        InstitutionModel.get(rut.compact())
    except DoesNotExist:
        return False
    return True


def save_institution(party: Party, kind: str = "OTEC") -> None:
    InstitutionModel(party.rut.compact(), name=party.name, kind=kind).save()


def save_api_key(key: str, institution: Rut, label: str, scope: str = "lce") -> None:
    """A machine key (`lce` of an institution, or `registry`: SENCE's course registry); only its SHA-256
    is stored."""
    ApiKeyModel(
        api_key_digest(key), institution_rut=institution.compact(), label=label, active=True, scope=scope
    ).save()


def save_user(account: UserAccount, email: str | None = None) -> None:
    """The account; an administrator is also named in each institution's work list (its daily digest)."""
    user_item(account, email).save()
    for grant in account.grants:
        if grant.profile in _ADMINISTRATORS:
            member = Member(account.rut, grant.profile, grant.regions)
            member_item(grant.institution_rut, member).save()


def save_courses(courses: Sequence[Course]) -> None:
    """Many courses at once (batch writes), with the search tallies moved to match: what each course was
    before (if stored) is read first, and every tally touched is read, summed and written back.

    Not atomic and not safe against concurrent writers: only for seeding, where nothing else writes. No
    enrolment, sessions nor work-list items: `save_course` adds those for one course."""
    before = (
        {
            c.course_code: c
            for c in (
                course_from_item(item) for item in CourseModel.batch_get(sorted({c.course_code for c in courses}))
            )
        }
        if courses
        else {}
    )
    deltas: dict[tuple[str, str], int] = {}
    for course in courses:
        for key, delta in tally_deltas(before.get(course.course_code), course).items():
            deltas[key] = deltas.get(key, 0) + delta
        before[course.course_code] = course
    with CourseModel.batch_write() as batch:
        for course in courses:
            batch.save(course_item(course))
    counts = {(item.tally_key, item.bucket): int(item.count) for item in TallyModel.batch_get(sorted(deltas))}
    with TallyModel.batch_write() as batch:
        for (key, bucket), delta in deltas.items():
            batch.save(TallyModel(key, bucket, count=counts.get((key, bucket), 0) + delta))


def save_course(course: Course, participants: Iterable[Participant] = (), sessions: Iterable[Session] = ()) -> None:
    """The course with its enrolment and its sessions (marks included), its search tallies counted, and
    its work-list items as the registry and the LCE would have left them."""
    participants, sessions = tuple(participants), tuple(sessions)
    save_courses([course])
    with ParticipantModel.batch_write() as batch:
        for participant in participants:
            batch.save(participant_item(participant))
    with SessionModel.batch_write() as batch:
        for session in sessions:
            batch.save(session_item(course.course_code, session))
    if course.certificate_state is CertificateState.PENDING:
        apply_change(WorklistChange(put=(ready_item(course),)))
    if course.certificate_state in OPEN_STATES and sessions:
        clock = SystemClock()
        apply_change(on_session(course, tally_of(course, participants, sessions, today_in_chile(clock)), clock.now()))


def save_historic_certificate(certificate: Certificate, course: Course) -> None:
    """A certificate issued before this system, with its institution's counter raised to match."""
    certificate_item(certificate, course).save(CertificateModel.number.does_not_exist())
    counter = CounterModel(counter_key(certificate.institution_rut, certificate.number.year))
    counter.update(actions=[CounterModel.value.add(1)])
    if int(counter.value) != certificate.number.sequence:
        raise ValueError(f"historic numbering is not gapless at {certificate.number}")


def save_historic_annulment(request: AnnulmentRequest, course: Course | None = None) -> None:
    """A request made and, maybe, decided before this system; with its `course`, its work-list items
    (pending, or decided in the last 30 days; a re-issue approved makes the course due)."""
    annulment_item(request).save(AnnulmentModel.request_id.does_not_exist())
    if course is None:
        return
    if request.status is AnnulmentStatus.PENDING:
        apply_change(on_annulment_request(request, course))
        return
    change = on_decision(request, course)
    assert request.decided_at is not None
    if request.decided_at < datetime.now(UTC) - timedelta(days=DECIDED_DAYS):
        change = WorklistChange(put=tuple(item for item in change.put if item.expires_at is None))
    apply_change(change)


def today() -> date:
    """The day in Chile, as the demo data's relative dates read it."""
    return today_in_chile(SystemClock())
