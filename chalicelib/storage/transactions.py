"""The writes that span aggregates, each one DynamoDB transaction.

Each method receives everything it writes (the items come from the aggregates' own modules) and
the conditions as the domain decided them; none reads, and none decides a state. The work list's
summary items follow from what a method receives (`domain.worklist` decides which) and are written
in the same transaction (`storage.worklist.write_change`).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.annulments import ALREADY_DECIDED
from ..domain.attendance import Session
from ..domain.audit import AuditEntry
from ..domain.auth import LoginSession
from ..domain.certificates import (
    AnnulmentRequest,
    AnnulmentStatus,
    Certificate,
    CertificateState,
    CertificateStatus,
    CourseTransition,
)
from ..domain.courses import Course, Participant
from ..domain.errors import StateConflictError
from ..domain.issuing import CounterConflictError, CourseChangedError
from ..domain.migration import NumberTakenError
from ..domain.notifications import DECIDED, REQUESTED
from ..domain.rut import Rut
from ..domain.worklist import (
    CourseTally,
    WorklistChange,
    on_annulment_request,
    on_decision,
    on_issue,
    on_registry_course,
    on_session,
)
from .annulments import OUTBOX_STATUS, annulment_item
from .audit import audit_item
from .certificates import certificate_item, counter_key, region_day
from .courses import course_index_keys, course_item, participant_item, state_key, tally_deltas
from .dynamo import cancellation_codes, condition_failed, iso, transaction_connection
from .login_sessions import session_item
from .models import (
    AnnulmentModel,
    CertificateModel,
    CounterModel,
    CourseModel,
    LoginAttemptModel,
    LoginSessionModel,
    ParticipantModel,
    TallyModel,
)
from .sessions import session_item as lce_session_item
from .worklist import write_change

# Where the course's update is among an issue's items as PynamoDB sends them (and as the cancellation
# reasons come back): it sends a transaction's deletes, then its puts, then its updates, whatever the
# order they were added in, so an issue is [work-list deletes…, certificate, audit entry, counter, course].
_ISSUE_COURSE_POSITION = 3


def _issue_course_position(worklist: WorklistChange) -> int:
    return len(worklist.remove) + _ISSUE_COURSE_POSITION


def _in_states(states: frozenset[CertificateState]) -> Any:
    return CourseModel.certificate_state.is_in(*sorted(state.value for state in states))


_CONFLICT_ATTEMPTS = 5


def _resent_on_conflict(write: Callable[[], None]) -> None:
    """Runs a transaction that moves search tallies. Every course write of an institution touches some of
    the same tally items, and DynamoDB cancels a transaction that meets another on one of its items at
    the same moment (`TransactionConflict`, nothing written): it is sent again, a few times, spread out.
    A cancellation for any other reason is the caller's to read."""
    for attempt in range(1, _CONFLICT_ATTEMPTS + 1):
        try:
            write()
            return
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if attempt == _CONFLICT_ATTEMPTS or "TransactionConflict" not in codes or "ConditionalCheckFailed" in codes:
                raise
            time.sleep(random.uniform(0.005, 0.05) * attempt)


def _count_courses(transaction: TransactWrite, before: Course | None, after: Course | None) -> None:
    """The search lists' tallies follow the course (`before` → `after`), in the same transaction."""
    for (key, bucket), delta in sorted(tally_deltas(before, after).items()):
        transaction.update(TallyModel(key, bucket), actions=[TallyModel.count.add(delta)])


def _move_course(transaction: TransactWrite, move: CourseTransition) -> None:
    """The course to its new state, on the transition's condition: its state-index key moves with it,
    its version counts the change (an issue and an LCE push each check it), and its state lists' tallies
    move too (on condition the course still stands where they count it: state, start day, region)."""
    course = move.course
    keys = course_index_keys(course)
    condition = _in_states(move.sources) & (CourseModel.inst_program_state == keys["inst_program_state"])
    condition = condition & (CourseModel.start_key == keys["start_key"])
    condition = condition & (CourseModel.region_code == course.region_code)
    if move.same_version:
        condition = condition & (CourseModel.version == course.version)
    transaction.update(
        CourseModel(course.course_code),
        actions=[
            CourseModel.certificate_state.set(move.target.value),
            CourseModel.inst_program_state.set(state_key(course, move.target)),
            CourseModel.version.add(1),
        ],
        condition=condition,
    )
    _count_courses(transaction, course, replace(course, certificate_state=move.target))


class TransactionWriter:
    def commit_issue(
        self, certificate: Certificate, expected_sequence: int, move: CourseTransition, audit: AuditEntry
    ) -> None:
        """The counter from `expected_sequence` to the certificate's number, the certificate, the course
        moved, the audit entry. CourseChangedError when the course moved or changed meanwhile,
        CounterConflictError when someone else took the number."""
        counter = CounterModel(counter_key(certificate.institution_rut, certificate.number.year))
        counter_condition = (
            CounterModel.value.does_not_exist() if expected_sequence == 0 else CounterModel.value == expected_sequence
        )
        worklist = on_issue(move.course)
        course_position = _issue_course_position(worklist)
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    counter, actions=[CounterModel.value.set(certificate.number.sequence)], condition=counter_condition
                )
                transaction.save(
                    certificate_item(certificate, move.course), condition=CertificateModel.number.does_not_exist()
                )
                _move_course(transaction, move)
                transaction.save(audit_item(audit))
                write_change(transaction, worklist)
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if len(codes) > course_position and codes[course_position] == "ConditionalCheckFailed":
                raise CourseChangedError("El curso cambió; se vuelve a leer.") from None
            if any(code in ("ConditionalCheckFailed", "TransactionConflict") for code in codes) or not codes:
                # Many issues of one institution at once: spread the retries out.
                time.sleep(random.uniform(0.005, 0.05))
                raise CounterConflictError("El número fue usado; se vuelve a intentar.") from None
            raise

    def commit_annulment_request(self, request: AnnulmentRequest, move: CourseTransition, audit: AuditEntry) -> None:
        """The request with its pending notification, the course to Pendiente de Validación, the audit entry."""
        item = annulment_item(request)
        item.outbox_status = OUTBOX_STATUS[REQUESTED]

        def write() -> None:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(item, condition=AnnulmentModel.request_id.does_not_exist())
                _move_course(transaction, move)
                transaction.save(audit_item(audit))
                write_change(transaction, on_annulment_request(request, move.course))

        try:
            _resent_on_conflict(write)
        except TransactWriteError as error:
            if condition_failed(error):
                raise StateConflictError(
                    "El certificado cambió de estado mientras se enviaba la solicitud; revise el curso."
                ) from None
            raise

    def commit_decision(
        self, decided: AnnulmentRequest, move: CourseTransition, annul_certificate: bool, audit: AuditEntry
    ) -> None:
        """Only while the request is pending: the request decided with its pending outcome notification,
        the course moved and, when `annul_certificate`, the certificate annulled (only while valid)."""
        assert decided.decided_at is not None and decided.decided_by_rut is not None
        decided_at, decided_by = decided.decided_at, decided.decided_by_rut

        def write() -> None:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    AnnulmentModel(decided.request_id),
                    actions=[
                        AnnulmentModel.status.set(decided.status.value),
                        AnnulmentModel.decided_at.set(iso(decided_at)),
                        AnnulmentModel.decided_by_rut.set(decided_by.compact()),
                        AnnulmentModel.decided_by_name.set(decided.decided_by_name or ""),
                        AnnulmentModel.decision_comment.set(decided.decision_comment or ""),
                        AnnulmentModel.pending_region.remove(),
                        AnnulmentModel.decided_region.set(decided.region_code),
                        AnnulmentModel.outbox_status.set(OUTBOX_STATUS[DECIDED]),
                    ],
                    condition=AnnulmentModel.status == AnnulmentStatus.PENDING.value,
                )
                _move_course(transaction, move)
                if annul_certificate:
                    transaction.update(
                        CertificateModel(decided.institution_rut.compact(), str(decided.certificate_number)),
                        actions=[
                            CertificateModel.status.set(CertificateStatus.ANNULLED.value),
                            CertificateModel.annulled_at.set(iso(decided_at)),
                            CertificateModel.annulled_region_day.set(region_day(decided.region_code, decided_at)),
                        ],
                        condition=CertificateModel.status == CertificateStatus.VALID.value,
                    )
                transaction.save(audit_item(audit))
                write_change(transaction, on_decision(decided, move.course))

        try:
            _resent_on_conflict(write)
        except TransactWriteError as error:
            if condition_failed(error):
                raise StateConflictError(ALREADY_DECIDED) from None
            raise

    def commit_session(
        self,
        course: Course,
        open_states: frozenset[CertificateState],
        session: Session,
        fingerprint: str,
        audit: AuditEntry,
        tally: CourseTally | None = None,
    ) -> None:
        """The session whole, only while the course is in one of `open_states`; bumping the course's
        version makes a concurrent certificate issue, which checks it, read the marks again. With
        `tally`, the course's work-list items follow its marks."""
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    CourseModel(course.course_code),
                    actions=[CourseModel.version.add(1)],
                    condition=_in_states(open_states),
                )
                transaction.save(lce_session_item(course.course_code, session, fingerprint))
                transaction.save(audit_item(audit))
                if tally is not None:
                    write_change(transaction, on_session(course, tally, audit.at))
        except TransactWriteError as error:
            if condition_failed(error):
                raise StateConflictError(
                    f"El curso {course.course_code} cambió de estado; ya no recibe marcas."
                ) from None
            raise

    def commit_registry_course(
        self, course: Course, expected_version: int | None, audit: AuditEntry, replaced: Course | None = None
    ) -> None:
        """The course as the registry sent it, whole: created only when new (`expected_version` None),
        replaced only at the version read (`replaced`, as read). CourseChangedError when it was written
        meanwhile. Its ready-to-issue work-list item and its search tallies follow it (the tallies move
        from `replaced`, which a replacement must therefore give)."""
        if (expected_version is None) != (replaced is None):
            raise ValueError("a replaced course comes with the version it was read at, and only then")
        if expected_version is None:
            item, condition = course_item(replace(course, version=0)), CourseModel.course_code.does_not_exist()
        else:
            item = course_item(replace(course, version=expected_version + 1))
            condition = CourseModel.version == expected_version

        def write() -> None:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(item, condition=condition)
                transaction.save(audit_item(audit))
                write_change(transaction, on_registry_course(course, replaced))
                _count_courses(transaction, replaced, course)

        try:
            _resent_on_conflict(write)
        except TransactWriteError as error:
            if condition_failed(error):
                raise CourseChangedError(f"El curso {course.course_code} cambió mientras se guardaba.") from None
            raise

    def commit_enrolment(
        self,
        course: Course,
        written: Sequence[Participant],
        removed: Sequence[Rut],
        audit: AuditEntry,
    ) -> None:
        """The enrolment changes, all or none, at the course version read (which they bump, so that an
        LCE push or an issue in between is noticed). CourseChangedError when the course changed."""
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    CourseModel(course.course_code),
                    actions=[CourseModel.version.add(1)],
                    condition=CourseModel.version == course.version,
                )
                for person in written:
                    transaction.save(participant_item(person))
                for who in removed:
                    transaction.delete(ParticipantModel(course.course_code, who.compact()))
                transaction.save(audit_item(audit))
        except TransactWriteError as error:
            if condition_failed(error):
                raise CourseChangedError(f"El curso {course.course_code} cambió mientras se guardaba.") from None
            raise

    def commit_import(
        self,
        certificate: Certificate,
        new_course: Course | None,
        annulment: AnnulmentRequest | None,
        audit: AuditEntry,
    ) -> None:
        """A certificate of the system GCA replaced, whole: the certificate (only if that institution has
        no certificate of that number), its course when GCA does not know it (only if it still does not),
        for an annulled one its approved annulment, and the audit entry. NumberTakenError when the number
        exists, CourseChangedError when the course was created meanwhile."""
        assert certificate.course is not None, "the certificate carries its course"
        frozen_course = certificate.course

        def write() -> None:
            # A retry of the same request (botocore retries a timeout) is not applied twice.
            token = uuid.uuid4().hex
            with TransactWrite(connection=transaction_connection(), client_request_token=token) as transaction:
                transaction.save(
                    certificate_item(certificate, frozen_course), condition=CertificateModel.number.does_not_exist()
                )
                if new_course is not None:
                    transaction.save(
                        course_item(replace(new_course, version=0)), condition=CourseModel.course_code.does_not_exist()
                    )
                if annulment is not None:
                    transaction.save(annulment_item(annulment), condition=AnnulmentModel.request_id.does_not_exist())
                transaction.save(audit_item(audit))
                if new_course is not None:
                    _count_courses(transaction, None, new_course)

        try:
            _resent_on_conflict(write)
        except TransactWriteError as error:
            # Puts go in the order they were added: the certificate first, then the course.
            codes = cancellation_codes(error)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise NumberTakenError(f"El certificado {certificate.number} ya existe.") from None
            if new_course is not None and len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise CourseChangedError(f"El curso {new_course.course_code} se creó mientras se importaba.") from None
            raise

    def commit_login(self, session: LoginSession, audit: AuditEntry) -> None:
        """A good login: its session starts, the RUT's attempt slots free up, the trail records it."""
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.save(session_item(session), condition=LoginSessionModel.session_hash.does_not_exist())
            transaction.delete(LoginAttemptModel(session.rut.compact()))
            transaction.save(audit_item(audit))
