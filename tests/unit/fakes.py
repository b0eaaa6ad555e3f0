"""In-memory fakes of every port, sharing one store, so that a service's unit test reads and writes
as the real adapters would, conditions included (a second issue is refused, a decided request stays
decided). `world()` gives a bundle of them; a test changes only what it needs.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from chalicelib.config import Settings
from chalicelib.domain.access import ProfileGrant
from chalicelib.domain.annulments import ALREADY_DECIDED, Officer
from chalicelib.domain.attendance import Session
from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.auth import MAX_FAILED_ATTEMPTS, AttemptSlot, LoginSession, UserAccount, slots_free_at
from chalicelib.domain.bundles import Bundle, BundleStatus
from chalicelib.domain.certificates import (
    AnnulmentRequest,
    AnnulmentStatus,
    Certificate,
    CertificateNumber,
    CertificateState,
    CertificateStatus,
    CourseTransition,
)
from chalicelib.domain.clock import CHILE
from chalicelib.domain.course_queries import CourseAttendance, Listing, ListKind, ParticipantSessions, Position
from chalicelib.domain.courses import Course, Participant, Program
from chalicelib.domain.errors import StateConflictError
from chalicelib.domain.exports import ExportRow
from chalicelib.domain.issuing import CounterConflictError, CourseChangedError
from chalicelib.domain.migration import NumberTakenError
from chalicelib.domain.notifications import DECIDED, REQUESTED
from chalicelib.domain.privacy import Access, SubjectReport
from chalicelib.domain.rut import Rut
from chalicelib.domain.signatures import UNSIGNED, SignatureCheck
from chalicelib.domain.worklist import (
    CourseTally,
    DigestSettings,
    Member,
    WorkItem,
    WorklistChange,
    due_range,
    on_annulment_request,
    on_decision,
    on_issue,
    on_registry_course,
    on_session,
    running_range,
)
from chalicelib.renderers.email import EmailRenderer
from chalicelib.security.tokens import TokenSigner
from chalicelib.services.ports import Ports

SETTINGS = Settings(
    stage="test",
    region="us-east-1",
    table_prefix="gca-test-",
    pdf_bucket="gca-test-documents",
    annulment_queue="gca-test-annulments",
    ses_sender="no-responder@gca.sence.cl",
    public_base_url="https://gca.example.cl",
    login_token_minutes=10,
    session_token_minutes=480,
)
TOKEN_KEYS = (("k1", "unit-test-key"),)


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2017, 4, 3, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class PlainHasher:
    """Readable 'hashes' at a cost: `plain$<cost>$<password>`; an unknown RUT (None) is never verified,
    and a hash of a lower cost than `cost` asks to be re-hashed."""

    def __init__(self, cost: int = 1) -> None:
        self.cost = cost
        self.checked: list[str | None] = []

    def hash_password(self, password: str) -> str:
        return f"plain${self.cost}${password}"

    def verify_password(self, password: str, encoded: str | None) -> bool:
        self.checked.append(encoded)
        if encoded is None:
            return False
        _, _, cost_and_password = encoded.partition("$")
        _, _, stored = cost_and_password.partition("$")
        return stored == password

    def needs_rehash(self, encoded: str) -> bool:
        cost = encoded.split("$")[1]
        return int(cost) < self.cost


@dataclass
class Store:
    """Everything the fakes hold, as the tables and the bucket would."""

    accounts: dict[Rut, UserAccount] = field(default_factory=dict)
    emails: dict[Rut, str] = field(default_factory=dict)
    officers: list[Officer] = field(default_factory=list)
    attempts: dict[Rut, tuple[int, datetime]] = field(default_factory=dict)
    login_sessions: dict[str, LoginSession] = field(default_factory=dict)
    rate_hits: dict[tuple[str, str], tuple[datetime, int]] = field(default_factory=dict)
    api_keys: dict[str, Rut] = field(default_factory=dict)
    registry_keys: set[str] = field(default_factory=set)
    courses: dict[str, Course] = field(default_factory=dict)
    participants: dict[str, list[Participant]] = field(default_factory=dict)
    sessions: dict[str, dict[str, tuple[Session, str | None]]] = field(default_factory=dict)
    certificates: dict[tuple[Rut, CertificateNumber], Certificate] = field(default_factory=dict)
    counters: dict[tuple[Rut, int], int] = field(default_factory=dict)
    annulments: dict[str, AnnulmentRequest] = field(default_factory=dict)
    outbox: dict[str, str] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    accesses: list[Access] = field(default_factory=list)
    documents: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)
    worklist: dict[tuple[Rut, str], WorkItem] = field(default_factory=dict)
    worklist_names: dict[tuple[Rut, str], frozenset[str]] = field(default_factory=dict)
    members: dict[Rut, list[Member]] = field(default_factory=dict)
    digest_off: set[Rut] = field(default_factory=set)
    digest_sent: dict[Rut, tuple[date, datetime]] = field(default_factory=dict)
    reads: list[tuple[str, int]] = field(default_factory=list)  # (what, how many items) per course read

    def actions(self, subject: str | None = None) -> list[str]:
        return [entry.action for entry in self.audit if subject is None or entry.subject == subject]


# ---------------------------------------------------------------- people and credentials


class InMemoryUsers:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get_user(self, who: Rut) -> UserAccount | None:
        return self.store.accounts.get(who)

    def current(self, who: Rut) -> UserAccount | None:
        return self.store.accounts.get(who)

    def replace_password_hash(self, who: Rut, old: str, new: str) -> bool:
        account = self.store.accounts.get(who)
        if account is None or account.password_hash != old:
            return False
        self.store.accounts[who] = replace(account, password_hash=new)
        return True

    def email_of(self, who: Rut) -> str | None:
        return self.store.emails.get(who)

    def officers_of(self, region_code: str) -> list[Officer]:
        return [o for o in self.store.officers if o.region_code == region_code]

    def digest_settings(self, who: Rut) -> DigestSettings | None:
        if who not in self.store.accounts:
            return None
        sent = self.store.digest_sent.get(who)
        return DigestSettings(self.store.emails.get(who), who not in self.store.digest_off, sent[1] if sent else None)

    def set_digest(self, who: Rut, enabled: bool) -> None:
        assert who in self.store.accounts
        if enabled:
            self.store.digest_off.discard(who)
        else:
            self.store.digest_off.add(who)

    def claim_digest(self, who: Rut, day: date, now: datetime) -> bool:
        sent = self.store.digest_sent.get(who)
        if sent is not None and sent[0] >= day:
            return False
        self.store.digest_sent[who] = (day, now)
        return True


class InMemoryLoginAttempts:
    """As the table's conditional update: a slot while fewer than 5 are taken, a fresh count once the
    lock window after the last one has passed."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def take_slot(self, who: Rut, now: datetime) -> AttemptSlot:
        taken, last = self.store.attempts.get(who, (0, now))
        if taken >= MAX_FAILED_ATTEMPTS:
            if now < slots_free_at(last):
                return AttemptSlot(None, slots_free_at(last))
            taken = 0
        self.store.attempts[who] = (taken + 1, now)
        return AttemptSlot(taken + 1)


class InMemoryLoginSessions:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, session_id: str) -> LoginSession | None:
        return self.store.login_sessions.get(session_id)

    def choose(self, session_id: str, grant: ProfileGrant, idle_until: datetime) -> bool:
        session = self.store.login_sessions.get(session_id)
        if session is None:
            return False
        self.store.login_sessions[session_id] = replace(session, grant=grant, idle_until=idle_until)
        return True

    def touch(self, session_id: str, idle_until: datetime) -> None:
        session = self.store.login_sessions.get(session_id)
        if session is not None and session.idle_until < idle_until:
            self.store.login_sessions[session_id] = replace(session, idle_until=idle_until)

    def end(self, session_id: str) -> None:
        self.store.login_sessions.pop(session_id, None)


class InMemoryRateLimits:
    """A window per (kind, client) that opens with its first request."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def hit(self, kind: str, client: str, now: datetime, limit: int, window: timedelta) -> datetime | None:
        start, hits = self.store.rate_hits.get((kind, client), (now, 0))
        if now - start >= window:
            start, hits = now, 0
        self.store.rate_hits[(kind, client)] = (start, hits + 1)
        return None if hits + 1 <= limit else start + window


class InMemoryApiKeys:
    def __init__(self, store: Store) -> None:
        self.store = store

    def institution_for(self, key: str) -> Rut | None:
        return self.store.api_keys.get(key)

    def is_registry(self, key: str) -> bool:
        return key in self.store.registry_keys


# ---------------------------------------------------------------- records


def _list_entry(course: Course, kind: ListKind) -> tuple[tuple[Rut, Program, str], date]:
    """Which list partition of `kind` the course stands in, and its day there (as the indexes key it)."""
    value = {
        ListKind.STATE: course.certificate_state.value,
        ListKind.SENCE: course.sence_code,
        ListKind.COMPANY: course.company.rut.compact(),
    }.get(kind, "")
    day = course.end_date if kind is ListKind.END else course.start_date
    return (course.institution.rut, course.program, value), day


class InMemoryCourses:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, course_code: str) -> Course | None:
        return self.store.courses.get(course_code)

    def get_many(self, course_codes: Iterable[str]) -> dict[str, Course]:
        codes = set(course_codes)
        self.store.reads.append(("get_many", len(codes)))
        return {code: self.store.courses[code] for code in codes if code in self.store.courses}

    def _listed(self, listing: Listing) -> list[tuple[Position, Course]]:
        """The list as its index holds it: every course of the partition, by (day, code)."""
        listed = []
        for course in self.store.courses.values():
            partition, day = _list_entry(course, listing.kind)
            if partition != (listing.institution, listing.program, listing.value):
                continue
            if listing.regions is not None and course.region_code not in listing.regions:
                continue
            if (listing.first and day < listing.first) or (listing.last and day > listing.last):
                continue
            listed.append((Position(day, course.course_code), course))
        return sorted(listed, key=lambda pair: pair[0])

    def page(self, listing: Listing, after: Position | None, limit: int, *, backward: bool = False) -> list[Course]:
        listed = self._listed(listing)
        if backward:
            chosen = [c for at, c in reversed(listed) if after is None or at < after][:limit]
        else:
            chosen = [c for at, c in listed if after is None or at > after][:limit]
        self.store.reads.append(("page", len(chosen)))
        return chosen

    def count(self, listing: Listing) -> int:
        # The tallies DynamoDB keeps with each write, counted here from the courses themselves.
        return len(self._listed(listing))

    def day_counts(self, listing: Listing) -> list[tuple[date, int]]:
        days = Counter(at.day for at, _course in self._listed(listing))
        return sorted(days.items())

    def participants(self, course_code: str) -> list[Participant]:
        return list(self.store.participants.get(course_code, []))

    def enrolments_of(self, who: Rut) -> list[Participant]:
        return [p for people in self.store.participants.values() for p in people if p.rut == who]

    def course_and_participant(self, course_code: str, who: Rut) -> tuple[Course | None, Participant | None]:
        found = next((p for p in self.store.participants.get(course_code, []) if p.rut == who), None)
        return self.store.courses.get(course_code), found


class InMemorySessions:
    def __init__(self, store: Store) -> None:
        self.store = store

    def list_for_course(self, course_code: str) -> list[Session]:
        return [s for s, _ in self.store.sessions.get(course_code, {}).values()]

    def fingerprint(self, course_code: str, session_id: str) -> str | None:
        stored = self.store.sessions.get(course_code, {}).get(session_id)
        return stored[1] if stored else None


class InMemoryCertificates:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, institution_rut: Rut, number: CertificateNumber) -> Certificate | None:
        return self.store.certificates.get((institution_rut, number))

    def find_by_verification_code(self, code: str) -> Certificate | None:
        return next((c for c in self.store.certificates.values() if c.verification_code == code), None)

    def list_for_course(self, course_code: str) -> list[Certificate]:
        found = [c for c in self.store.certificates.values() if c.course_code == course_code]
        return sorted(found, key=lambda c: c.issued_at)

    def _on(self, region_code: str, day: date, moment: Callable[[Certificate], datetime | None]) -> list[Certificate]:
        found = []
        for certificate in self.store.certificates.values():
            when = moment(certificate)
            course = certificate.course
            if when and course and course.region_code == region_code and when.astimezone(CHILE).date() == day:
                found.append(certificate)
        return found

    def issued_on(self, region_code: str, day: date) -> list[Certificate]:
        return self._on(region_code, day, lambda c: c.issued_at)

    def annulled_on(self, region_code: str, day: date) -> list[Certificate]:
        return self._on(region_code, day, lambda c: c.annulled_at)

    def last_sequence(self, institution_rut: Rut, year: int) -> int:
        return self.store.counters.get((institution_rut, year), 0)

    def raise_sequence(self, institution_rut: Rut, year: int, at_least: int) -> None:
        key = (institution_rut, year)
        self.store.counters[key] = max(self.store.counters.get(key, 0), at_least)

    def record_pdf(
        self, certificate: Certificate, key: str, sha256: str, *, annulled: bool = False, seen: str | None = None
    ) -> bool:
        index = (certificate.institution_rut, certificate.number)
        current = self.store.certificates[index]
        if (current.annulled_pdf_sha256 if annulled else current.pdf_sha256) != seen:
            return False
        if annulled:
            self.store.certificates[index] = replace(current, annulled_pdf_sha256=sha256)
        else:
            self.store.certificates[index] = replace(current, pdf_key=key, pdf_sha256=sha256)
        return True


class InMemoryAnnulments:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, request_id: str) -> AnnulmentRequest | None:
        return self.store.annulments.get(request_id)

    def list_for_course(self, course_code: str) -> list[AnnulmentRequest]:
        return [a for a in self.store.annulments.values() if a.course_code == course_code]

    def list_pending_for_region(self, region_code: str) -> list[AnnulmentRequest]:
        return [
            a
            for a in self.store.annulments.values()
            if a.region_code == region_code and a.status is AnnulmentStatus.PENDING
        ]

    def list_decided_for_region(self, region_code: str, since: datetime) -> list[AnnulmentRequest]:
        return [
            a
            for a in self.store.annulments.values()
            if a.region_code == region_code
            and a.decided_by_rut is not None
            and a.decided_at is not None
            and a.decided_at >= since
        ]

    def unpublished(self) -> list[tuple[str, str]]:
        return [(kind, request_id) for request_id, kind in self.store.outbox.items()]

    def mark_published(self, kind: str, request_id: str) -> None:
        if self.store.outbox.get(request_id) == kind:
            del self.store.outbox[request_id]


def apply_worklist(store: Store, change: WorklistChange) -> None:
    """What `storage.worklist.write_change` does to the table: updates in place, deletes, names added."""
    for item in change.put:
        at = (item.institution, item.key)
        old = store.worklist.get(at)
        if old is not None and item.keep_since:
            item = replace(item, since=old.since)
        if old is not None and item.announced_on is None:
            item = replace(item, announced_on=old.announced_on)
        store.worklist[at] = replace(item, keep_since=False)
        store.worklist_names[at] = store.worklist_names.get(at, frozenset()) | item.facilitators
    for at in change.remove:
        store.worklist.pop(at, None)
        store.worklist_names.pop(at, None)
    for institution, key, names in change.name:
        at = (institution, key)
        store.worklist_names[at] = store.worklist_names.get(at, frozenset()) | names


class InMemoryWorklist:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _read(self, at: tuple[Rut, str]) -> WorkItem:
        return replace(self.store.worklist[at], facilitators=self.store.worklist_names.get(at, frozenset()))

    def due(self, institution: Rut, today: date) -> list[WorkItem]:
        ranges = (due_range(today), running_range(today))
        return [
            self._read(at)
            for at in sorted(self.store.worklist, key=lambda at: at[1])
            if at[0] == institution and any(first <= at[1] <= last for first, last in ranges)
        ]

    def announced(self, day: date) -> list[WorkItem]:
        return [self._read(at) for at, item in self.store.worklist.items() if item.announced_on == day]

    def members(self, institution: Rut) -> list[Member]:
        return list(self.store.members.get(institution, []))


class InMemoryAccessLog:
    """Entries appear when flushed, as the adapter writes them on worker threads until then."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: list[Access] = []

    def record(self, entry: Access) -> None:
        self.pending.append(replace(entry, correlation_id=entry.correlation_id or "corr-test"))

    def flush(self) -> None:
        self.store.accesses += self.pending
        self.pending = []

    def about(self, subject: str, since: datetime | None = None) -> list[Access]:
        self.flush()
        return [a for a in self.store.accesses if a.subject == subject and (since is None or a.at >= since)]


class InMemoryAudit:
    def __init__(self, store: Store) -> None:
        self.store = store

    def append(self, entry: AuditEntry) -> None:
        self.store.audit.append(entry)


class InMemoryTransactions:
    """The cross-aggregate writes with the same conditions as DynamoDB's transactions: all or nothing."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Runs just before a commit checks its conditions: a test's "someone else, meanwhile".
        self.meanwhile: Callable[[], None] | None = None

    def _interleave(self) -> None:
        if self.meanwhile is not None:
            step, self.meanwhile = self.meanwhile, None
            step()

    def _holds(self, move: CourseTransition) -> bool:
        current = self.store.courses.get(move.course.course_code)
        if current is None or current.certificate_state not in move.sources:
            return False
        return not move.same_version or current.version == move.course.version

    def _apply(self, move: CourseTransition) -> None:
        current = self.store.courses[move.course.course_code]
        self.store.courses[current.course_code] = replace(
            current, certificate_state=move.target, version=current.version + 1
        )

    def commit_issue(
        self, certificate: Certificate, expected_sequence: int, move: CourseTransition, audit: AuditEntry
    ) -> None:
        self._interleave()
        counter = (certificate.institution_rut, certificate.number.year)
        if not self._holds(move):
            raise CourseChangedError("El curso cambió; se vuelve a leer.")
        taken = (certificate.institution_rut, certificate.number) in self.store.certificates
        if self.store.counters.get(counter, 0) != expected_sequence or taken:
            raise CounterConflictError("El número fue usado; se vuelve a intentar.")
        self.store.counters[counter] = certificate.number.sequence
        self.store.certificates[(certificate.institution_rut, certificate.number)] = certificate
        self._apply(move)
        self.store.audit.append(audit)
        apply_worklist(self.store, on_issue(move.course))

    def commit_annulment_request(self, request: AnnulmentRequest, move: CourseTransition, audit: AuditEntry) -> None:
        self._interleave()
        if request.request_id in self.store.annulments or not self._holds(move):
            raise StateConflictError("El certificado cambió de estado mientras se enviaba la solicitud.")
        self.store.annulments[request.request_id] = request
        self.store.outbox[request.request_id] = REQUESTED
        self._apply(move)
        self.store.audit.append(audit)
        apply_worklist(self.store, on_annulment_request(request, move.course))

    def commit_decision(
        self, decided: AnnulmentRequest, move: CourseTransition, annul_certificate: bool, audit: AuditEntry
    ) -> None:
        self._interleave()
        stored = self.store.annulments.get(decided.request_id)
        index = (decided.institution_rut, decided.certificate_number)
        certificate = self.store.certificates.get(index)
        still_valid = certificate is not None and certificate.status is CertificateStatus.VALID
        if stored is None or stored.status is not AnnulmentStatus.PENDING or not self._holds(move):
            raise StateConflictError(ALREADY_DECIDED)
        if annul_certificate and not still_valid:
            raise StateConflictError(ALREADY_DECIDED)
        self.store.annulments[decided.request_id] = decided
        self.store.outbox[decided.request_id] = DECIDED
        self._apply(move)
        if annul_certificate and certificate is not None:
            annulled = replace(certificate, status=CertificateStatus.ANNULLED, annulled_at=decided.decided_at)
            self.store.certificates[index] = annulled
        self.store.audit.append(audit)
        apply_worklist(self.store, on_decision(decided, move.course))

    def commit_session(
        self,
        course: Course,
        open_states: frozenset[CertificateState],
        session: Session,
        fingerprint: str,
        audit: AuditEntry,
        tally: CourseTally | None = None,
    ) -> None:
        self._interleave()
        current = self.store.courses.get(course.course_code)
        if current is None or current.certificate_state not in open_states:
            raise StateConflictError(f"El curso {course.course_code} cambió de estado; ya no recibe marcas.")
        self.store.courses[course.course_code] = replace(current, version=current.version + 1)
        self.store.sessions.setdefault(course.course_code, {})[session.session_id] = (session, fingerprint)
        self.store.audit.append(audit)
        if tally is not None:
            apply_worklist(self.store, on_session(course, tally, audit.at))

    def commit_registry_course(
        self, course: Course, expected_version: int | None, audit: AuditEntry, replaced: Course | None = None
    ) -> None:
        self._interleave()
        stored = self.store.courses.get(course.course_code)
        if (stored is None) != (expected_version is None) or (stored and stored.version != expected_version):
            raise CourseChangedError("cambió")
        self.store.courses[course.course_code] = replace(
            course, version=0 if expected_version is None else expected_version + 1
        )
        self.store.participants.setdefault(course.course_code, [])
        self.store.audit.append(audit)
        apply_worklist(self.store, on_registry_course(course, replaced))

    def commit_enrolment(
        self, course: Course, written: Sequence[Participant], removed: Sequence[Rut], audit: AuditEntry
    ) -> None:
        self._interleave()
        stored = self.store.courses.get(course.course_code)
        if stored is None or stored.version != course.version:
            raise CourseChangedError("cambió")
        self.store.courses[course.course_code] = replace(stored, version=stored.version + 1)
        people = {p.rut: p for p in self.store.participants.get(course.course_code, [])}
        for person in written:
            people[person.rut] = person
        for who in removed:
            people.pop(who, None)
        self.store.participants[course.course_code] = list(people.values())
        self.store.audit.append(audit)

    def commit_import(
        self,
        certificate: Certificate,
        new_course: Course | None,
        annulment: AnnulmentRequest | None,
        audit: AuditEntry,
    ) -> None:
        self._interleave()
        if (certificate.institution_rut, certificate.number) in self.store.certificates:
            raise NumberTakenError("existe")
        if new_course is not None and new_course.course_code in self.store.courses:
            raise CourseChangedError("se creó")
        assert annulment is None or annulment.request_id not in self.store.annulments
        self.store.certificates[(certificate.institution_rut, certificate.number)] = certificate
        if new_course is not None:
            self.store.courses[new_course.course_code] = replace(new_course, version=0)
            self.store.participants.setdefault(new_course.course_code, [])
        if annulment is not None:
            self.store.annulments[annulment.request_id] = annulment
        self.store.audit.append(audit)

    def commit_login(self, session: LoginSession, audit: AuditEntry) -> None:
        assert session.session_id not in self.store.login_sessions
        self.store.login_sessions[session.session_id] = session
        self.store.attempts.pop(session.rut, None)
        self.store.audit.append(audit)


# ---------------------------------------------------------------- documents, messages, telemetry


class InMemoryDocuments:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.fail_writes = False

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        if self.fail_writes:
            raise ConnectionError("S3 no responde")
        self.store.documents[key] = (body, content_type)

    def put_file(self, key: str, body: IO[bytes], content_type: str) -> None:
        self.put_bytes(key, body.read(), content_type)

    def put_new(self, key: str, body: bytes, content_type: str) -> bool:
        if key in self.store.documents:
            return False
        self.put_bytes(key, body, content_type)
        return True

    def read(self, key: str) -> bytes | None:
        stored = self.store.documents.get(key)
        return stored[0] if stored else None

    def exists(self, key: str) -> bool:
        return key in self.store.documents

    def list_keys(self, prefix: str) -> list[tuple[str, int, str]]:
        return [
            (key, len(body), "2017-04-03T12:00:00+00:00")
            for key, (body, _) in sorted(self.store.documents.items())
            if key.startswith(prefix)
        ]

    def download_url(self, key: str, filename: str, content_type: str, *, inline: bool = False) -> str:
        disposition = "inline" if inline else "attachment"
        return f"memory://{key}?filename={filename}&type={content_type}&disposition={disposition}"

    def start_upload(self, key: str, content_type: str) -> InMemoryUpload:
        return InMemoryUpload(self, key, content_type)

    def body(self, url_or_key: str) -> bytes:
        key = url_or_key.removeprefix("memory://").split("?")[0]
        return self.store.documents[key][0]


class InMemoryUpload:
    """A multipart upload: nothing is stored until `complete`, and then only if the key is free."""

    def __init__(self, documents: InMemoryDocuments, key: str, content_type: str) -> None:
        self.documents, self.key, self.content_type = documents, key, content_type
        self.parts: list[bytes] = []
        self.aborted = False

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def tell(self) -> int:
        return sum(len(part) for part in self.parts)

    def flush(self) -> None:
        pass

    def complete(self) -> bool:
        return self.documents.put_new(self.key, b"".join(self.parts), self.content_type)

    def abort(self) -> None:
        self.aborted = True


class InMemoryBundles:
    """The bundles table, its conditions included (status, attempt and lease as read)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _as_read(self, seen: Bundle) -> bool:
        now = self.store.bundles.get(seen.bundle_id)
        return (
            now is not None
            and now.status is seen.status
            and now.attempt == seen.attempt
            and now.lease_until == seen.lease_until
        )

    def _running(self, bundle: Bundle) -> bool:
        now = self.store.bundles.get(bundle.bundle_id)
        return now is not None and now.status is BundleStatus.RUNNING and now.attempt == bundle.attempt

    def create(self, bundle: Bundle) -> None:
        assert bundle.bundle_id not in self.store.bundles
        self.store.bundles[bundle.bundle_id] = bundle

    def get(self, bundle_id: str) -> Bundle | None:
        return self.store.bundles.get(bundle_id)

    def take(self, seen: Bundle, lease_until: datetime) -> Bundle | None:
        if not self._as_read(seen):
            return None
        taken = replace(
            seen, status=BundleStatus.RUNNING, attempt=seen.attempt + 1, done_courses=0, lease_until=lease_until
        )
        self.store.bundles[seen.bundle_id] = taken
        return taken

    def progress(self, bundle: Bundle, done_courses: int, lease_until: datetime) -> bool:
        if not self._running(bundle):
            return False
        now = self.store.bundles[bundle.bundle_id]
        self.store.bundles[bundle.bundle_id] = replace(now, done_courses=done_courses, lease_until=lease_until)
        return True

    def finish(self, bundle: Bundle, key: str) -> bool:
        if not self._running(bundle):
            return False
        now = self.store.bundles[bundle.bundle_id]
        self.store.bundles[bundle.bundle_id] = replace(
            now, status=BundleStatus.DONE, done_courses=bundle.total_courses, key=key, lease_until=None
        )
        return True

    def fail(self, seen: Bundle, error: str) -> bool:
        if not self._as_read(seen):
            return False
        self.store.bundles[seen.bundle_id] = replace(seen, status=BundleStatus.FAILED, error=error, lease_until=None)
        return True

    def requeue(self, seen: Bundle, until: datetime) -> bool:
        if not self._as_read(seen):
            return False
        self.store.bundles[seen.bundle_id] = replace(
            seen, status=BundleStatus.QUEUED, done_courses=0, lease_until=until
        )
        return True


class FakePdfs:
    """A stand-in PDF: the certificate's number and participants as text, 'ANULADO' when annulled,
    'RECONSTRUCCION' when the certificate was migrated (as the real one marks it)."""

    def __init__(self) -> None:
        self.rendered: list[tuple[str, bool]] = []

    def render(self, certificate: Certificate, *, annulled: bool) -> bytes:
        self.rendered.append((str(certificate.number), annulled))
        people = ";".join(f"{p.rut.compact()}={p.percent}" for p in certificate.participants)
        stamp = " ANULADO" if annulled else ""
        stamp += " RECONSTRUCCION" if certificate.imported else ""
        return f"%PDF-fake {certificate.number}{stamp} {people}".encode()


SIGNER = "GCA (pruebas)"
SIGNED_AT = datetime(2017, 4, 3, 12, 0, tzinfo=UTC)
_MARK = b"\n%GCA-SIGNED "


class FakeSignatures:
    """A readable stand-in for PAdES: the SHA-256 of the bytes before it, the key that signed them and
    the signature's serial (no two signatures are the same file), appended as the last line. Valid while
    the bytes before it are unchanged, the key is one GCA's CA certifies (`trusted_keys`) and nothing
    follows it."""

    def __init__(self) -> None:
        self.key = "k1"
        self.trusted_keys = {"k1"}
        self.signed = 0
        self.fail = False

    def sign(self, document: bytes) -> bytes:
        if self.fail:
            raise ConnectionError("KMS no responde")
        self.signed += 1
        return document + _MARK + f"{hashlib.sha256(document).hexdigest()} {self.key} {self.signed}\n".encode()

    def validate(self, document: bytes) -> SignatureCheck:
        content, found, signature = document.rpartition(_MARK)
        if not found:
            return UNSIGNED
        line, newline, after = signature.decode(errors="replace").partition("\n")
        digest, _, rest = line.partition(" ")
        key = rest.partition(" ")[0]
        return SignatureCheck(
            present=True,
            intact=digest == hashlib.sha256(content).hexdigest(),
            trusted=key in self.trusted_keys,
            whole_file=bool(newline) and not after,
            signer=SIGNER,
            signed_at=SIGNED_AT,
        )

    def trust_anchors(self) -> bytes:
        return b"-----BEGIN CERTIFICATE-----\nR0NBIChwcnVlYmFzKQ==\n-----END CERTIFICATE-----\n"


class FakeWorkbooks:
    """Records what each workbook was given and writes a readable summary of it."""

    def __init__(self) -> None:
        self.written: list[tuple[str, Any]] = []

    def _write(self, kind: str, content: Any, out: IO[bytes], text: str) -> None:
        self.written.append((kind, content))
        out.write(text.encode())

    def course_list(self, courses: Iterable[Course], out: IO[bytes]) -> None:
        listed = list(courses)
        self._write("course_list", listed, out, ",".join(c.course_code for c in listed))

    def course_attendance(self, result: CourseAttendance, out: IO[bytes]) -> None:
        text = ",".join(f"{row.participant.rut.compact()}={row.attendance.percent}" for row in result.rows)
        self._write("course_attendance", result, out, text)

    def participant_sessions(self, result: ParticipantSessions, out: IO[bytes]) -> None:
        self._write("participant_sessions", result, out, str(result.attendance.percent))

    def nightly(self, region_name: str, day: date, rows: Sequence[ExportRow], out: IO[bytes]) -> None:
        text = f"{region_name} {day} " + ",".join(f"{r.movement.value}:{r.certificate.number}" for r in rows)
        self._write("nightly", rows, out, text)

    def subject_report(self, report: SubjectReport, out: IO[bytes]) -> None:
        text = f"{report.subject.compact()} {len(report.enrolments)} {len(report.accesses)}"
        self._write("subject_report", report, out, text)


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    text: str
    html: str


class OutboxMail:
    def __init__(self) -> None:
        self.sent: list[SentMail] = []
        self.fail = False
        self.attempts = 0

    def send(self, to: str, subject: str, text: str, html: str) -> str:
        self.attempts += 1
        if self.fail:
            raise ConnectionError("SES no responde")
        self.sent.append(SentMail(to, subject, text, html))
        return f"message-{len(self.sent)}"


class FakeEvents:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.fail = False

    def publish(self, event: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionError("SQS no responde")
        self.published.append(event)


class InMemoryIdempotency:
    """The first result per event id is kept; a failed run keeps nothing, so a retry runs again."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, Any]] = {}
        self.contexts: list[Any] = []

    def once(self, event: dict[str, Any], work: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        key = str(event["event_id"])
        if key not in self.results:
            self.results[key] = work(event)
        return self.results[key]

    def register_context(self, context: Any) -> None:
        self.contexts.append(context)


class FakeMetrics:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


# ---------------------------------------------------------------- the bundle


@dataclass
class World:
    """The bundle of fakes a service is given, with handles on each to arrange and to look."""

    store: Store
    clock: FakeClock
    tokens: TokenSigner
    transactions: InMemoryTransactions
    documents: InMemoryDocuments
    pdfs: FakePdfs
    signatures: FakeSignatures
    workbooks: FakeWorkbooks
    mail: OutboxMail
    events: FakeEvents
    idempotency: InMemoryIdempotency
    metrics: FakeMetrics
    hasher: PlainHasher
    ports: Ports
    bundle_jobs: FakeEvents

    # ---- arranging

    def add_course(
        self, course: Course, participants: Iterable[Participant] = (), sessions: Iterable[Session] = ()
    ) -> Course:
        self.store.courses[course.course_code] = course
        self.store.participants[course.course_code] = list(participants)
        self.store.sessions[course.course_code] = {s.session_id: (s, None) for s in sessions}
        return course

    def add_account(self, account: UserAccount, email: str | None = None) -> UserAccount:
        self.store.accounts[account.rut] = account
        if email:
            self.store.emails[account.rut] = email
        return account

    def add_member(self, institution: Rut, member: Member) -> Member:
        """An administrator whom the institution's daily digest is for."""
        self.store.members.setdefault(institution, []).append(member)
        return member

    def add_officer(self, officer: Officer) -> Officer:
        self.store.officers.append(officer)
        return officer

    def course(self, code: str) -> Course:
        return self.store.courses[code]


def world(*, clock: FakeClock | None = None) -> World:
    store = Store()
    the_clock = clock or FakeClock()
    tokens = TokenSigner(TOKEN_KEYS)
    transactions = InMemoryTransactions(store)
    documents = InMemoryDocuments(store)
    pdfs, signatures, workbooks = FakePdfs(), FakeSignatures(), FakeWorkbooks()
    bundle_jobs = FakeEvents()
    mail, events, idempotency, metrics, hasher = (
        OutboxMail(),
        FakeEvents(),
        InMemoryIdempotency(),
        FakeMetrics(),
        PlainHasher(),
    )
    ports = Ports(
        settings=SETTINGS,
        clock=the_clock,
        tokens=tokens,
        link_secrets=tuple(f"review-link:{secret}" for _kid, secret in TOKEN_KEYS),
        hasher=hasher,
        users=InMemoryUsers(store),
        login_attempts=InMemoryLoginAttempts(store),
        login_sessions=InMemoryLoginSessions(store),
        rate_limits=InMemoryRateLimits(store),
        api_keys=InMemoryApiKeys(store),
        courses=InMemoryCourses(store),
        sessions=InMemorySessions(store),
        certificates=InMemoryCertificates(store),
        annulments=InMemoryAnnulments(store),
        worklist=InMemoryWorklist(store),
        audit=InMemoryAudit(store),
        access_log=InMemoryAccessLog(store),
        transactions=transactions,
        documents=documents,
        pdfs=pdfs,
        signatures=signatures,
        workbooks=workbooks,
        emails=EmailRenderer(),
        mail=mail,
        events=events,
        idempotency=idempotency,
        metrics=metrics,
        bundles=InMemoryBundles(store),
        bundle_jobs=bundle_jobs,
    )
    return World(
        store,
        the_clock,
        tokens,
        transactions,
        documents,
        pdfs,
        signatures,
        workbooks,
        mail,
        events,
        idempotency,
        metrics,
        hasher,
        ports,
        bundle_jobs,
    )
