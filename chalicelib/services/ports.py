"""The ports the use cases talk through, and the one bundle that carries them.

`chalicelib.bootstrap.bootstrap()` fills the bundle with the AWS adapters once per container;
unit tests fill it with in-memory fakes (`tests/unit/fakes.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any, Protocol

from ..config import Settings
from ..domain.access import ProfileGrant
from ..domain.annulments import Officer
from ..domain.attendance import Session
from ..domain.audit import AuditEntry
from ..domain.auth import AttemptSlot, LoginSession, UserAccount
from ..domain.bundles import Bundle
from ..domain.certificates import (
    AnnulmentRequest,
    Certificate,
    CertificateNumber,
    CertificateState,
    CourseTransition,
)
from ..domain.clock import Clock
from ..domain.course_queries import CourseAttendance, Listing, ParticipantSessions, Position
from ..domain.courses import Course, Participant
from ..domain.exports import ExportRow
from ..domain.notifications import EmailMessage
from ..domain.privacy import Access, SubjectReport
from ..domain.rut import Rut
from ..domain.signatures import SignatureCheck
from ..domain.worklist import CourseTally, DigestSettings, Member, WorkItem

# ---------------------------------------------------------------- people and credentials


class Users(Protocol):
    def get_user(self, who: Rut) -> UserAccount | None: ...

    def current(self, who: Rut) -> UserAccount | None:
        """The account as checked on every request: it may be up to `settings.grant_cache_seconds` old."""
        ...

    def replace_password_hash(self, who: Rut, old: str, new: str) -> bool:
        """`new` in place of `old`, only if the stored hash is still `old` (False when it was not)."""
        ...

    def email_of(self, who: Rut) -> str | None: ...

    def officers_of(self, region_code: str) -> list[Officer]: ...

    def digest_settings(self, who: Rut) -> DigestSettings | None:
        """Whether the person wants the daily digest, their e-mail and their last digest (one read)."""
        ...

    def set_digest(self, who: Rut, enabled: bool) -> None:
        """Only the person's digest choice changes (the API may write no other attribute)."""
        ...

    def claim_digest(self, who: Rut, day: date, now: datetime) -> bool:
        """Record the digest of `day` as sent, only if none was for that day (False when one was)."""
        ...


class LoginAttempts(Protocol):
    def take_slot(self, who: Rut, now: datetime) -> AttemptSlot:
        """One of the RUT's password checks, taken with one conditional write before the check
        (`AttemptSlot.number` None when all are taken; see `domain.auth.AttemptSlot`)."""
        ...


class LoginSessions(Protocol):
    """Server-side sessions: a token is good only while its session is stored and not over."""

    def get(self, session_id: str) -> LoginSession | None: ...

    def choose(self, session_id: str, grant: ProfileGrant, idle_until: datetime) -> bool:
        """The profile the session acts as from now on; False when the session is gone."""
        ...

    def touch(self, session_id: str, idle_until: datetime) -> None:
        """A later idle deadline (never an earlier one); nothing when the session is gone."""
        ...

    def end(self, session_id: str) -> None: ...


class RateLimits(Protocol):
    def hit(self, kind: str, client: str, now: datetime, limit: int, window: timedelta) -> datetime | None:
        """Count one request of `client` to `kind`: None while within `limit` per `window` (the window
        starts at its first request), else when the window ends."""
        ...


class ApiKeys(Protocol):
    def institution_for(self, key: str) -> Rut | None:
        """The institution of an active LCE key."""
        ...

    def is_registry(self, key: str) -> bool:
        """True for an active key of SENCE's course registry."""
        ...


class PasswordHasher(Protocol):
    def verify_password(self, password: str, encoded: str | None) -> bool:
        """With None, spend the same time and say no: unknown RUTs look like wrong passwords."""
        ...

    def needs_rehash(self, encoded: str) -> bool:
        """True when `encoded` was made at a lower cost than the current one."""
        ...

    def hash_password(self, password: str) -> str: ...


class Tokens(Protocol):
    def issue(self, claims: dict[str, Any], now: datetime, ttl: timedelta) -> str: ...

    def read(self, token: str, now: datetime) -> dict[str, Any]:
        """The claims; ExpiredCredentialsError once expired, AuthenticationError when not genuine."""
        ...


# ---------------------------------------------------------------- records


class Courses(Protocol):
    def get(self, course_code: str) -> Course | None: ...

    def get_many(self, course_codes: Iterable[str]) -> dict[str, Course]:
        """The courses that exist among `course_codes`, by code, in one BatchGetItem per 100 codes."""
        ...

    def page(self, listing: Listing, after: Position | None, limit: int, *, backward: bool = False) -> list[Course]:
        """Up to `limit` courses of the list in (day, code) order, strictly after `after` (backward:
        strictly before it, nearest first): about `limit` items read, whatever the list's size."""
        ...

    def count(self, listing: Listing) -> int:
        """How many courses the list holds (within its day range and regions), exact: from tallies kept
        by the writes, not by reading the courses."""
        ...

    def day_counts(self, listing: Listing) -> list[tuple[date, int]]:
        """The list's courses per sort day, ascending: where a jump to page N starts reading."""
        ...

    def participants(self, course_code: str) -> list[Participant]: ...

    def course_and_participant(self, course_code: str, who: Rut) -> tuple[Course | None, Participant | None]:
        """Both in one round trip."""
        ...

    def enrolments_of(self, who: Rut) -> list[Participant]:
        """Every course the person is enrolled in (an index by RUT: one Query)."""
        ...


class Sessions(Protocol):
    def list_for_course(self, course_code: str) -> list[Session]: ...

    def fingerprint(self, course_code: str, session_id: str) -> str | None: ...


class Certificates(Protocol):
    def get(self, institution_rut: Rut, number: CertificateNumber) -> Certificate | None: ...

    def find_by_verification_code(self, code: str) -> Certificate | None: ...

    def list_for_course(self, course_code: str) -> list[Certificate]: ...

    def issued_on(self, region_code: str, day: date) -> list[Certificate]: ...

    def annulled_on(self, region_code: str, day: date) -> list[Certificate]: ...

    def last_sequence(self, institution_rut: Rut, year: int) -> int: ...

    def raise_sequence(self, institution_rut: Rut, year: int, at_least: int) -> None:
        """The counter of `year` up to `at_least` if it is lower (a migrated number is never issued again)."""
        ...

    def record_pdf(
        self, certificate: Certificate, key: str, sha256: str, *, annulled: bool = False, seen: str | None = None
    ) -> bool:
        """Where the issued PDF (or, `annulled`, its ANULADO copy) is kept and its SHA-256, written only
        while the recorded SHA-256 is still `seen` (None: none recorded yet); False when it was not."""
        ...


class Annulments(Protocol):
    def get(self, request_id: str) -> AnnulmentRequest | None: ...

    def list_for_course(self, course_code: str) -> list[AnnulmentRequest]: ...

    def list_pending_for_region(self, region_code: str) -> list[AnnulmentRequest]: ...

    def list_decided_for_region(self, region_code: str, since: datetime) -> list[AnnulmentRequest]:
        """The region's requests an officer decided at `since` or later (it may add a few older ones:
        the domain keeps the exact window)."""
        ...

    def unpublished(self) -> list[tuple[str, str]]:
        """(notification kind, request_id) of every event committed but not yet on the queue."""
        ...

    def mark_published(self, kind: str, request_id: str) -> None: ...


class Worklist(Protocol):
    """Each institution's summary items (domain/worklist.py), written by the transactions."""

    def due(self, institution: Rut, today: date) -> list[WorkItem]:
        """What is due on `today` (Chile), whatever the institution's size: at most two Queries."""
        ...

    def announced(self, day: date) -> list[WorkItem]:
        """Every item that entered a work list on `day`: the daily digest's news."""
        ...

    def members(self, institution: Rut) -> list[Member]:
        """The institution's administrators, whom its digest is for."""
        ...


class AccessLog(Protocol):
    """Who saw whose personal data: entries are only added."""

    def record(self, entry: Access) -> None:
        """Append `entry` (the request's correlation id added); it may be written while the request goes on."""
        ...

    def flush(self) -> None:
        """Wait for the entries recorded so far to be written (before the answer leaves)."""
        ...

    def about(self, subject: str, since: datetime | None = None) -> list[Access]: ...


class Bundles(Protocol):
    """Liquidation bundles: every change of state is conditional on the state read."""

    def create(self, bundle: Bundle) -> None: ...

    def get(self, bundle_id: str) -> Bundle | None: ...

    def take(self, seen: Bundle, lease_until: datetime) -> Bundle | None:
        """Start attempt `seen.attempt + 1` (running, no course done, leased until `lease_until`) only
        while the record is still as `seen` (status, attempt, lease); None when it is not."""
        ...

    def progress(self, bundle: Bundle, done_courses: int, lease_until: datetime) -> bool:
        """Courses done so far, the lease renewed; False when `bundle.attempt` no longer holds it."""
        ...

    def finish(self, bundle: Bundle, key: str) -> bool:
        """Done, its ZIP at `key`; only while `bundle.attempt` runs it (False otherwise)."""
        ...

    def fail(self, seen: Bundle, error: str) -> bool:
        """Failed with `error`, only while the record is still as `seen` (status, attempt, lease)."""
        ...

    def requeue(self, seen: Bundle, until: datetime) -> bool:
        """Back to queued (its worker is gone), to be started by `until`, only while the record is still
        as `seen`."""
        ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...


class Transactions(Protocol):
    """The writes that span aggregates; each is all or nothing, on the conditions it is given."""

    def commit_issue(
        self, certificate: Certificate, expected_sequence: int, move: CourseTransition, audit: AuditEntry
    ) -> None:
        """CourseChangedError when the course changed, CounterConflictError when the number was taken."""
        ...

    def commit_annulment_request(self, request: AnnulmentRequest, move: CourseTransition, audit: AuditEntry) -> None:
        """StateConflictError when the course or the request is not as read."""
        ...

    def commit_decision(
        self, decided: AnnulmentRequest, move: CourseTransition, annul_certificate: bool, audit: AuditEntry
    ) -> None:
        """StateConflictError(ALREADY_DECIDED) when the request is no longer pending."""
        ...

    def commit_session(
        self,
        course: Course,
        open_states: frozenset[CertificateState],
        session: Session,
        fingerprint: str,
        audit: AuditEntry,
        tally: CourseTally | None = None,
    ) -> None:
        """StateConflictError when the course stopped receiving marks; with `tally`, the course's
        work-list items follow its marks."""
        ...

    def commit_registry_course(
        self, course: Course, expected_version: int | None, audit: AuditEntry, replaced: Course | None = None
    ) -> None:
        """Create (`expected_version` None) or replace the course (`replaced`, as read, given with its
        version) at the version read, its search tallies moved with it; CourseChangedError when it was
        written meanwhile."""
        ...

    def commit_enrolment(
        self, course: Course, written: Sequence[Participant], removed: Sequence[Rut], audit: AuditEntry
    ) -> None:
        """The enrolment changes at `course.version`; CourseChangedError when the course changed."""
        ...

    def commit_import(
        self,
        certificate: Certificate,
        new_course: Course | None,
        annulment: AnnulmentRequest | None,
        audit: AuditEntry,
    ) -> None:
        """A migrated certificate whole, with its course when `new_course` (created only if still unknown)
        and its approved annulment; NumberTakenError when the number exists, CourseChangedError when the
        course was created meanwhile."""
        ...

    def commit_login(self, session: LoginSession, audit: AuditEntry) -> None:
        """A good login: its session starts, the RUT's attempt slots free up, the trail records it."""
        ...


# ---------------------------------------------------------------- documents, messages, telemetry


class Documents(Protocol):
    def put_bytes(self, key: str, body: bytes, content_type: str) -> None: ...

    def put_new(self, key: str, body: bytes, content_type: str) -> bool:
        """Store `body` only if nothing is stored at `key` yet (never overwrite); False when something was."""
        ...

    def read(self, key: str) -> bytes | None:
        """The stored bytes, None when nothing is stored at `key`."""
        ...

    def put_file(self, key: str, body: IO[bytes], content_type: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str) -> list[tuple[str, int, str]]:
        """(key, size, last modified ISO) of every object under `prefix`."""
        ...

    def download_url(self, key: str, filename: str, content_type: str, *, inline: bool = False) -> str: ...

    def start_upload(self, key: str, content_type: str) -> Upload:
        """A multipart upload to `key`, completed (write-once) or aborted by its caller."""
        ...


class Upload(Protocol):
    """A file written piece by piece into the document store (a multipart upload): memory holds one part."""

    def write(self, data: bytes) -> int: ...

    def tell(self) -> int: ...

    def flush(self) -> None: ...

    def complete(self) -> bool:
        """Store what was written, only if nothing is stored at the key yet (False when something was)."""
        ...

    def abort(self) -> None: ...


class CertificatePdfs(Protocol):
    def render(self, certificate: Certificate, *, annulled: bool) -> bytes: ...


class Signatures(Protocol):
    """The electronic signature of certificate PDFs (its private key never leaves the key service)."""

    def sign(self, document: bytes) -> bytes:
        """`document` with a PAdES signature appended: the last change the file ever gets."""
        ...

    def validate(self, document: bytes) -> SignatureCheck:
        """The file's signature: intact, trusted to GCA's CA, covering the whole file (never raises)."""
        ...

    def trust_anchors(self) -> bytes:
        """The CA certificate(s) a reader trusts to check the signatures, PEM."""
        ...


class Workbooks(Protocol):
    """Excel files written to `out`, streamed (memory does not grow with the rows)."""

    def course_list(self, courses: Iterable[Course], out: IO[bytes]) -> None: ...

    def course_attendance(self, result: CourseAttendance, out: IO[bytes]) -> None: ...

    def participant_sessions(self, result: ParticipantSessions, out: IO[bytes]) -> None: ...

    def nightly(self, region_name: str, day: date, rows: Sequence[ExportRow], out: IO[bytes]) -> None: ...

    def subject_report(self, report: SubjectReport, out: IO[bytes]) -> None: ...


class RenderedEmail(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...


class EmailRenderer(Protocol):
    def render(self, message: EmailMessage) -> RenderedEmail: ...


class Mail(Protocol):
    def send(self, to: str, subject: str, text: str, html: str) -> str: ...


class EventPublisher(Protocol):
    def publish(self, event: dict[str, Any]) -> None: ...


class Idempotency(Protocol):
    def once(self, event: dict[str, Any], work: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """`work(event)` at most once per `event["event_id"]`: a repeat gets the first result."""
        ...

    def register_context(self, context: Any) -> None:
        """The Lambda invocation's context: a record in progress expires with its remaining time."""
        ...


class Metrics(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...


@dataclass(frozen=True)
class Ports:
    settings: Settings
    clock: Clock
    tokens: Tokens
    link_secrets: tuple[str, ...]
    hasher: PasswordHasher
    users: Users
    login_attempts: LoginAttempts
    login_sessions: LoginSessions
    rate_limits: RateLimits
    api_keys: ApiKeys
    courses: Courses
    sessions: Sessions
    certificates: Certificates
    annulments: Annulments
    worklist: Worklist
    audit: AuditLog
    access_log: AccessLog
    transactions: Transactions
    documents: Documents
    pdfs: CertificatePdfs
    signatures: Signatures
    workbooks: Workbooks
    emails: EmailRenderer
    mail: Mail
    events: EventPublisher
    idempotency: Idempotency
    metrics: Metrics
    bundles: Bundles
    bundle_jobs: EventPublisher  # the queue the bundle worker reads
