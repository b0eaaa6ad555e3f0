"""Repositories: turn PynamoDB items into domain objects and back."""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactGet, TransactWrite

from ..config import get_settings
from ..domain.access import Profile, ProfileGrant
from ..domain.annulments import Officer
from ..domain.attendance import Mark, Session
from ..domain.auth import UserAccount
from ..domain.certificates import (
    AnnulmentRequest,
    AnnulmentStatus,
    Certificate,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    FrozenParticipant,
)
from ..domain.clock import CHILE
from ..domain.courses import ActivityType, Course, Participant, Party, Program
from ..domain.errors import StateConflictError
from ..domain.rut import Rut
from .models import (
    AnnulmentModel,
    ApiKeyModel,
    AuditModel,
    CertificateModel,
    CounterModel,
    CourseModel,
    FrozenParticipantMap,
    GrantMap,
    InstitutionModel,
    LoginAttemptModel,
    ParticipantModel,
    PartyMap,
    SessionModel,
    UserModel,
)

_connection: Connection | None = None


def transaction_connection() -> Connection:
    """The connection transactions run on (models keep their own for single-item calls)."""
    global _connection
    if _connection is None:
        _connection = Connection(region=get_settings().region)
    return _connection


def condition_failed(error: TransactWriteError) -> bool:
    """True when a transaction was cancelled because one of its conditions did not hold."""
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in error.cancellation_reasons)


def _rut(text: str) -> Rut:
    return Rut.from_compact(text)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times are stored with their zone")
    return moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# ---------------------------------------------------------------- people


class UserRepository:
    def get_user(self, rut: Rut) -> UserAccount | None:
        try:
            item = UserModel.get(rut.compact())
        except DoesNotExist:
            return None
        return UserAccount(
            rut=_rut(item.rut),
            name=item.name,
            password_hash=item.password_hash,
            grants=tuple(
                ProfileGrant(
                    profile=Profile(grant.profile),
                    institution_rut=_rut(grant.institution_rut),
                    institution_name=grant.institution_name,
                    regions=tuple(str(region) for region in grant.regions or ()),
                )
                for grant in item.grants or ()
            ),
        )

    def save_user(self, account: UserAccount, email: str | None = None) -> None:
        officer_regions = [
            region for grant in account.grants if grant.profile is Profile.SENCE_OFFICER for region in grant.regions
        ]
        UserModel(
            account.rut.compact(),
            name=account.name,
            email=email,
            password_hash=account.password_hash,
            grants=[
                GrantMap(
                    profile=grant.profile.value,
                    institution_rut=grant.institution_rut.compact(),
                    institution_name=grant.institution_name,
                    regions=list(grant.regions),
                )
                for grant in account.grants
            ],
            officer_region=officer_regions[0] if officer_regions else None,
        ).save()


class OfficerRepository:
    def officers_of(self, region_code: str) -> list[Officer]:
        return [
            Officer(_rut(item.rut), item.name, item.email, region_code)
            for item in UserModel.officer_region_index.query(region_code)
        ]

    def email_of(self, rut: Rut) -> str | None:
        try:
            return UserModel.get(rut.compact()).email
        except DoesNotExist:
            return None


class LoginThrottleRepository:
    """Atomic counters: two wrong passwords at once still count as two."""

    def locked_until(self, rut: Rut) -> datetime | None:
        try:
            item = LoginAttemptModel.get(rut.compact(), consistent_read=True)
        except DoesNotExist:
            return None
        return _moment(item.locked_until)

    def record_failure(self, rut: Rut, now: datetime) -> int:
        item = LoginAttemptModel(rut.compact())
        item.update(
            actions=[
                LoginAttemptModel.failures.add(1),
                LoginAttemptModel.expires_at.set(_expiry(now)),
            ]
        )
        return int(item.failures)

    def lock(self, rut: Rut, until: datetime) -> None:
        LoginAttemptModel(rut.compact()).update(
            actions=[
                LoginAttemptModel.failures.set(0),
                LoginAttemptModel.locked_until.set(_iso(until)),
                LoginAttemptModel.expires_at.set(_expiry(until)),
            ]
        )

    def reset(self, rut: Rut) -> None:
        LoginAttemptModel(rut.compact()).delete()


def _expiry(moment: datetime) -> datetime:
    # The row is only useful for the lock window; DynamoDB's TTL removes it a day later.
    return moment + timedelta(days=1)


class InstitutionRepository:
    def save(self, party: Party, kind: str = "OTEC") -> None:
        InstitutionModel(party.rut.compact(), name=party.name, kind=kind).save()

    def get(self, rut: Rut) -> Party | None:
        try:
            item = InstitutionModel.get(rut.compact())
        except DoesNotExist:
            return None
        return Party(_rut(item.rut), item.name)


# ---------------------------------------------------------------- courses


def _party(item: PartyMap | None) -> Party | None:
    if item is None:
        return None
    return Party(_rut(item.rut), item.name)


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
    inst = course.institution.rut.compact()
    return {
        "inst_program": f"{inst}#{course.program.value}",
        "inst_sence": f"{inst}#{course.sence_code}",
        "inst_program_state": f"{inst}#{course.program.value}#{course.certificate_state.value}",
        "start_key": f"{course.start_date.isoformat()}#{course.course_code}",
    }


class CourseRepository:
    """Courses with their participants and sessions: the catalogue and the records of the use cases."""

    def get(self, course_code: str) -> Course | None:
        try:
            return course_from_item(CourseModel.get(course_code))
        except DoesNotExist:
            return None

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
        return ParticipantRepository().list_for_course(course_code)

    def sessions(self, course_code: str) -> list[Session]:
        return SessionRepository().list_for_course(course_code)

    def course_and_participant(self, course_code: str, rut: Rut) -> tuple[Course | None, Participant | None]:
        with TransactGet(connection=transaction_connection()) as transaction:
            course_future = transaction.get(CourseModel, course_code)
            participant_future = transaction.get(ParticipantModel, course_code, rut.compact())
        try:
            course: Course | None = course_from_item(course_future.get())
        except DoesNotExist:
            course = None
        try:
            participant: Participant | None = Participant(course_code, rut, participant_future.get().name)
        except DoesNotExist:
            participant = None
        return course, participant

    def save(self, course: Course) -> None:
        CourseModel(
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
            **course_index_keys(course),
        ).save()


class ParticipantRepository:
    def list_for_course(self, course_code: str) -> list[Participant]:
        return [Participant(course_code, _rut(item.rut), item.name) for item in ParticipantModel.query(course_code)]

    def save_all(self, participants: Iterable[Participant]) -> None:
        with ParticipantModel.batch_write() as batch:
            for participant in participants:
                batch.save(ParticipantModel(participant.course_code, participant.rut.compact(), name=participant.name))


class SessionRepository:
    def list_for_course(self, course_code: str) -> list[Session]:
        return [session_from_item(item) for item in SessionModel.query(course_code)]

    def save_all(self, course_code: str, sessions: Iterable[Session]) -> None:
        with SessionModel.batch_write() as batch:
            for session in sessions:
                batch.save(session_item(course_code, session))


def session_from_item(item: SessionModel) -> Session:
    start = _moment(item.start)
    end = _moment(item.end)
    assert start is not None and end is not None
    return Session(
        session_id=item.session_id,
        facilitator=item.facilitator,
        start=start,
        end=end,
        marks=tuple(
            Mark(
                rut=Rut.from_compact(rut),
                entry=datetime.fromisoformat(entry),
                exit=datetime.fromisoformat(exit_) if exit_ else None,
            )
            for rut, entry, exit_ in json.loads(item.marks or "[]")
        ),
    )


def session_item(course_code: str, session: Session) -> SessionModel:
    return SessionModel(
        course_code,
        session.session_id,
        facilitator=session.facilitator,
        start=_iso(session.start),
        end=_iso(session.end),
        marks=json.dumps(
            [[mark.rut.compact(), _iso(mark.entry), _iso(mark.exit) if mark.exit else None] for mark in session.marks],
            separators=(",", ":"),
        ),
    )


# ---------------------------------------------------------------- certificates and annulments


def counter_key(institution_rut: Rut, year: int) -> str:
    return f"CERT#{institution_rut.compact()}#{year}"


def course_snapshot(course: Course) -> dict[str, Any]:
    """The course as the certificate printed it: later edits of the course never change it."""
    return {
        "course_code": course.course_code,
        "sence_code": course.sence_code,
        "name": course.name,
        "program": course.program.value,
        "activity_type": course.activity_type.value,
        "accredited_hours": course.accredited_hours,
        "start_date": course.start_date.isoformat(),
        "end_date": course.end_date.isoformat(),
        "region_code": course.region_code,
        "institution": {"rut": course.institution.rut.compact(), "name": course.institution.name},
        "company": {"rut": course.company.rut.compact(), "name": course.company.name},
        "otic": {"rut": course.otic.rut.compact(), "name": course.otic.name} if course.otic else None,
    }


def course_from_snapshot(snapshot: dict[str, Any], state: CertificateState) -> Course:
    otic = snapshot.get("otic")
    return Course(
        course_code=snapshot["course_code"],
        sence_code=snapshot["sence_code"],
        name=snapshot["name"],
        program=Program(snapshot["program"]),
        activity_type=ActivityType(snapshot["activity_type"]),
        accredited_hours=int(snapshot["accredited_hours"]),
        start_date=date.fromisoformat(snapshot["start_date"]),
        end_date=date.fromisoformat(snapshot["end_date"]),
        region_code=snapshot["region_code"],
        institution=Party(_rut(snapshot["institution"]["rut"]), snapshot["institution"]["name"]),
        company=Party(_rut(snapshot["company"]["rut"]), snapshot["company"]["name"]),
        otic=Party(_rut(otic["rut"]), otic["name"]) if otic else None,
        quotas=0,
        related_action="",
        certificate_state=state,
    )


def certificate_from_item(item: CertificateModel) -> Certificate:
    issued_at = _moment(item.issued_at)
    assert issued_at is not None
    snapshot = item.course.as_dict() if item.course is not None else None
    return Certificate(
        number=CertificateNumber.parse(item.number),
        institution_rut=_rut(item.institution_rut),
        course_code=item.course_code,
        issued_at=issued_at,
        status=CertificateStatus(item.status),
        invoice_number=item.invoice_number,
        accepted_by_rut=_rut(item.accepted_by_rut),
        accepted_by_name=item.accepted_by_name,
        participants=tuple(FrozenParticipant(_rut(p.rut), p.name, int(p.percent)) for p in item.participants or ()),
        verification_code=item.verification_code,
        pdf_key=item.pdf_key,
        pdf_sha256=item.pdf_sha256,
        annulled_at=_moment(item.annulled_at),
        course=course_from_snapshot(snapshot, CertificateState.ISSUED) if snapshot else None,
    )


def certificate_item(certificate: Certificate, course: Course) -> CertificateModel:
    return CertificateModel(
        certificate.institution_rut.compact(),
        str(certificate.number),
        course_code=certificate.course_code,
        issued_at=_iso(certificate.issued_at),
        status=certificate.status.value,
        invoice_number=certificate.invoice_number,
        accepted_by_rut=certificate.accepted_by_rut.compact(),
        accepted_by_name=certificate.accepted_by_name,
        course=course_snapshot(course),
        participants=[
            FrozenParticipantMap(rut=p.rut.compact(), name=p.name, percent=p.percent) for p in certificate.participants
        ],
        verification_code=certificate.verification_code,
        pdf_key=certificate.pdf_key,
        pdf_sha256=certificate.pdf_sha256,
        annulled_at=_iso(certificate.annulled_at) if certificate.annulled_at else None,
        issued_region_day=region_day(course.region_code, certificate.issued_at),
        annulled_region_day=region_day(course.region_code, certificate.annulled_at)
        if certificate.annulled_at
        else None,
    )


def region_day(region_code: str, moment: datetime) -> str:
    """`13#2026-11-28`: the region and the Chilean calendar day of an event."""
    return f"{region_code}#{moment.astimezone(CHILE).date().isoformat()}"


def _move_course(transaction: TransactWrite, course: Course, new_state: CertificateState, condition: Any) -> None:
    """The course to `new_state` inside `transaction`, on `condition`: its state-index key moves with
    it, and its version counts the change (an issue and an LCE push each check it)."""
    keys = course_index_keys(replace(course, certificate_state=new_state))
    transaction.update(
        CourseModel(course.course_code),
        actions=[
            CourseModel.certificate_state.set(new_state.value),
            CourseModel.inst_program_state.set(keys["inst_program_state"]),
            CourseModel.version.add(1),
        ],
        condition=condition,
    )


class CertificateRepository:
    """Certificates, their gapless counter, and the one transaction that issues them."""

    def commit_issue(self, course: Course, certificate: Certificate, expected_sequence: int) -> None:
        from ..domain.issuing import CounterConflictError, CourseChangedError

        counter = CounterModel(counter_key(certificate.institution_rut, certificate.number.year))
        counter_condition = (
            CounterModel.value.does_not_exist() if expected_sequence == 0 else CounterModel.value == expected_sequence
        )
        course_condition = CourseModel.certificate_state.is_in(
            CertificateState.PENDING.value, CertificateState.REISSUE_APPROVED.value
        ) & (CourseModel.version == course.version)
        audit = _audit_item(
            f"COURSE#{course.course_code}",
            "certificate_issued",
            certificate.issued_at,
            (certificate.accepted_by_rut, certificate.accepted_by_name),
            {"number": str(certificate.number), "invoice_number": certificate.invoice_number},
        )
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    counter, actions=[CounterModel.value.set(certificate.number.sequence)], condition=counter_condition
                )
                transaction.save(
                    certificate_item(certificate, course), condition=CertificateModel.number.does_not_exist()
                )
                _move_course(transaction, course, CertificateState.ISSUED, course_condition)
                transaction.save(audit)
        except TransactWriteError as error:
            codes = [reason.code if reason else None for reason in error.cancellation_reasons]
            if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
                raise CourseChangedError("El curso cambió; se vuelve a leer.") from None
            if any(code in ("ConditionalCheckFailed", "TransactionConflict") for code in codes) or not codes:
                time.sleep(random.uniform(0.005, 0.05))
                raise CounterConflictError("El número fue usado; se vuelve a intentar.") from None
            raise

    def record_pdf(self, certificate: Certificate, key: str, sha256: str) -> None:
        CertificateModel(certificate.institution_rut.compact(), str(certificate.number)).update(
            actions=[CertificateModel.pdf_key.set(key), CertificateModel.pdf_sha256.set(sha256)],
            condition=CertificateModel.number.exists(),
        )

    def issued_on(self, region_code: str, day: date) -> list[Certificate]:
        key = f"{region_code}#{day.isoformat()}"
        return [certificate_from_item(item) for item in CertificateModel.issued_day_index.query(key)]

    def annulled_on(self, region_code: str, day: date) -> list[Certificate]:
        key = f"{region_code}#{day.isoformat()}"
        return [certificate_from_item(item) for item in CertificateModel.annulled_day_index.query(key)]

    def find_by_verification_code(self, code: str) -> Certificate | None:
        for key in CertificateModel.verification_index.query(code, limit=1):
            return self.get(_rut(key.institution_rut), CertificateNumber.parse(key.number))
        return None

    def get(self, institution_rut: Rut, number: CertificateNumber) -> Certificate | None:
        try:
            return certificate_from_item(CertificateModel.get(institution_rut.compact(), str(number)))
        except DoesNotExist:
            return None

    def list_for_course(self, course_code: str) -> list[Certificate]:
        return [certificate_from_item(item) for item in CertificateModel.course_index.query(course_code)]

    def save_historic(self, certificate: Certificate, course: Course) -> None:
        """Demo data only: a certificate issued before this system, with its counter raised to match."""
        certificate_item(certificate, course).save(CertificateModel.number.does_not_exist())
        key = counter_key(certificate.institution_rut, certificate.number.year)
        counter = CounterModel(key)
        counter.update(actions=[CounterModel.value.add(1)])
        if int(counter.value) != certificate.number.sequence:
            raise ValueError(f"demo numbering is not gapless at {certificate.number}")

    def last_sequence(self, institution_rut: Rut, year: int) -> int:
        try:
            return int(CounterModel.get(counter_key(institution_rut, year), consistent_read=True).value)
        except DoesNotExist:
            return 0


def annulment_item(request: AnnulmentRequest) -> AnnulmentModel:
    return AnnulmentModel(
        request.request_id,
        course_code=request.course_code,
        institution_rut=request.institution_rut.compact(),
        certificate_number=str(request.certificate_number),
        region_code=request.region_code,
        reason=request.reason,
        requested_at=_iso(request.requested_at),
        requested_by_rut=request.requested_by_rut.compact(),
        requested_by_name=request.requested_by_name,
        status=request.status.value,
        pending_region=request.region_code if request.status is AnnulmentStatus.PENDING else None,
        decided_at=_iso(request.decided_at) if request.decided_at else None,
        decided_by_rut=request.decided_by_rut.compact() if request.decided_by_rut else None,
        decided_by_name=request.decided_by_name,
        decision_comment=request.decision_comment,
    )


def annulment_from_item(item: AnnulmentModel) -> AnnulmentRequest:
    requested_at = _moment(item.requested_at)
    assert requested_at is not None
    return AnnulmentRequest(
        request_id=item.request_id,
        course_code=item.course_code,
        institution_rut=_rut(item.institution_rut),
        certificate_number=CertificateNumber.parse(item.certificate_number),
        region_code=item.region_code,
        reason=item.reason,
        requested_at=requested_at,
        requested_by_rut=_rut(item.requested_by_rut),
        requested_by_name=item.requested_by_name,
        status=AnnulmentStatus(item.status),
        decided_at=_moment(item.decided_at),
        decided_by_rut=_rut(item.decided_by_rut) if item.decided_by_rut else None,
        decided_by_name=item.decided_by_name,
        decision_comment=item.decision_comment or None,
    )


OUTBOX_REQUESTED = "REQUESTED"
OUTBOX_DECIDED = "DECIDED"


class AnnulmentRepository:
    """Annulment requests, their decisions, and the notifications they still owe the queue."""

    def get_course(self, course_code: str) -> Course | None:
        return CourseRepository().get(course_code)

    def get_request(self, request_id: str) -> AnnulmentRequest | None:
        try:
            return annulment_from_item(AnnulmentModel.get(request_id, consistent_read=True))
        except DoesNotExist:
            return None

    def commit_request(self, request: AnnulmentRequest, course: Course, at: datetime) -> None:
        item = annulment_item(request)
        item.outbox_status = OUTBOX_REQUESTED
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(item, condition=AnnulmentModel.request_id.does_not_exist())
                _move_course(
                    transaction,
                    course,
                    CertificateState.ANNULMENT_REQUESTED,
                    (CourseModel.certificate_state == course.certificate_state.value)
                    & (CourseModel.version == course.version),
                )
                transaction.save(
                    _audit_item(
                        f"COURSE#{course.course_code}",
                        "annulment_requested",
                        at,
                        (request.requested_by_rut, request.requested_by_name),
                        {"number": str(request.certificate_number), "reason": request.reason},
                    )
                )
        except TransactWriteError as error:
            if condition_failed(error):
                raise StateConflictError(
                    "El certificado cambió de estado mientras se enviaba la solicitud; revise el curso."
                ) from None
            raise

    def commit_decision(self, request: AnnulmentRequest, certificate_annulled: bool) -> None:
        from ..domain.annulments import ALREADY_DECIDED, course_state_after

        assert request.decided_at is not None and request.decided_by_rut is not None
        new_state = course_state_after(request.status)
        course = CourseRepository().get(request.course_code)
        if course is None:
            raise StateConflictError(ALREADY_DECIDED)
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    AnnulmentModel(request.request_id),
                    actions=[
                        AnnulmentModel.status.set(request.status.value),
                        AnnulmentModel.decided_at.set(_iso(request.decided_at)),
                        AnnulmentModel.decided_by_rut.set(request.decided_by_rut.compact()),
                        AnnulmentModel.decided_by_name.set(request.decided_by_name or ""),
                        AnnulmentModel.decision_comment.set(request.decision_comment or ""),
                        AnnulmentModel.pending_region.remove(),
                        AnnulmentModel.outbox_status.set(OUTBOX_DECIDED),
                    ],
                    condition=AnnulmentModel.status == AnnulmentStatus.PENDING.value,
                )
                _move_course(
                    transaction,
                    course,
                    new_state,
                    CourseModel.certificate_state == CertificateState.ANNULMENT_REQUESTED.value,
                )
                if certificate_annulled:
                    transaction.update(
                        CertificateModel(request.institution_rut.compact(), str(request.certificate_number)),
                        actions=[
                            CertificateModel.status.set(CertificateStatus.ANNULLED.value),
                            CertificateModel.annulled_at.set(_iso(request.decided_at)),
                            CertificateModel.annulled_region_day.set(
                                region_day(request.region_code, request.decided_at)
                            ),
                        ],
                        condition=CertificateModel.status == CertificateStatus.VALID.value,
                    )
                transaction.save(
                    _audit_item(
                        f"COURSE#{request.course_code}",
                        f"annulment_{request.status.value.lower()}",
                        request.decided_at,
                        (request.decided_by_rut, request.decided_by_name or ""),
                        {"number": str(request.certificate_number), "comment": request.decision_comment or ""},
                    )
                )
        except TransactWriteError as error:
            if condition_failed(error):
                raise StateConflictError(ALREADY_DECIDED) from None
            raise

    def mark_published(self, request_id: str, outbox_status: str) -> None:
        """The queue has the event: forget the intent (only the one that was sent)."""
        try:
            AnnulmentModel(request_id).update(
                actions=[AnnulmentModel.outbox_status.remove()],
                condition=AnnulmentModel.outbox_status == outbox_status,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def unpublished(self) -> list[tuple[str, str]]:
        """(request_id, outbox_status) of every event still owed to the queue."""
        return [
            (item.request_id, status)
            for status in (OUTBOX_REQUESTED, OUTBOX_DECIDED)
            for item in AnnulmentModel.outbox_index.query(status)
        ]

    def save_historic(self, request: AnnulmentRequest) -> None:
        """Demo data only: a request made and, maybe, decided before this system."""
        annulment_item(request).save(AnnulmentModel.request_id.does_not_exist())

    def list_for_course(self, course_code: str) -> list[AnnulmentRequest]:
        return [annulment_from_item(item) for item in AnnulmentModel.course_index.query(course_code)]

    def list_pending_for_region(self, region_code: str) -> list[AnnulmentRequest]:
        return [annulment_from_item(item) for item in AnnulmentModel.pending_region_index.query(region_code)]


class LceSessionRepository(CourseRepository):
    """What LCE ingestion needs: the course, its enrolment, and a guarded session write."""

    def session_fingerprint(self, course_code: str, session_id: str) -> str | None:
        try:
            return SessionModel.get(course_code, session_id, consistent_read=True).payload_sha256
        except DoesNotExist:
            return None

    def put_session(
        self, course: Course, session: Session, fingerprint: str, open_states: frozenset[CertificateState]
    ) -> None:
        item = session_item(course.course_code, session)
        item.payload_sha256 = fingerprint
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                # Bumping the course version makes a concurrent certificate issue, which checks it, fail.
                transaction.update(
                    CourseModel(course.course_code),
                    actions=[CourseModel.version.add(1)],
                    condition=CourseModel.certificate_state.is_in(*(state.value for state in open_states)),
                )
                transaction.save(item)
        except TransactWriteError as error:
            if condition_failed(error):
                raise StateConflictError(
                    f"El curso {course.course_code} cambió de estado; ya no recibe marcas."
                ) from None
            raise


class ApiKeyRepository:
    """LCE machine keys; only their SHA-256 is stored."""

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def institution_for(self, key: str) -> Rut | None:
        try:
            item = ApiKeyModel.get(self.digest(key))
        except DoesNotExist:
            return None
        return _rut(item.institution_rut) if item.active else None

    def save(self, key: str, institution: Rut, label: str) -> None:
        ApiKeyModel(self.digest(key), institution_rut=institution.compact(), label=label, active=True).save()


class CourseHistoryRepository:
    def certificates(self, course_code: str) -> list[Certificate]:
        return CertificateRepository().list_for_course(course_code)

    def annulments(self, course_code: str) -> list[AnnulmentRequest]:
        return AnnulmentRepository().list_for_course(course_code)


# ---------------------------------------------------------------- audit


def _audit_item(
    subject: str, action: str, at: datetime, actor: tuple[Rut, str] | None, detail: dict[str, Any] | None
) -> AuditModel:
    """One entry of the trail of `subject` (`COURSE#<code>`, `USER#<rut>`), alone or in a transaction."""
    return AuditModel(
        subject,
        f"{_iso(at)}#{uuid.uuid4().hex}",
        action=action,
        actor_rut=actor[0].compact() if actor else None,
        actor_name=actor[1] if actor else None,
        at=_iso(at),
        detail=detail or {},
    )


class AuditRepository:
    def append(
        self,
        subject: str,
        action: str,
        at: datetime,
        actor: tuple[Rut, str] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        _audit_item(subject, action, at, actor, detail).save()

    def list_for(self, subject: str) -> list[dict[str, Any]]:
        return [
            {
                "action": item.action,
                "at": item.at,
                "actor_rut": item.actor_rut,
                "actor_name": item.actor_name,
                "detail": item.detail.as_dict() if item.detail else {},
            }
            for item in AuditModel.query(subject)
        ]
