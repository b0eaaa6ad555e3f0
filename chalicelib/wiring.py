"""Builds the adapters lazily, once per Lambda container, from the settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .config import get_settings, get_token_keys
from .domain.clock import Clock, SystemClock

if TYPE_CHECKING:
    from .renderers.pdf import CertificatePdfs
from .domain.notifications import NotifierPorts, dispatch_event
from .messaging.mail import Mailer
from .messaging.queue import EventQueue
from .security.passwords import ScryptHasher
from .security.tokens import TokenSigner
from .storage.documents import DocumentStore
from .storage.repositories import (
    AnnulmentRepository,
    ApiKeyRepository,
    AuditRepository,
    CertificateRepository,
    CourseHistoryRepository,
    CourseRepository,
    LceSessionRepository,
    LoginThrottleRepository,
    OfficerRepository,
    ParticipantRepository,
    SessionRepository,
    UserRepository,
)

_clock: Clock | None = None
_signer: TokenSigner | None = None
_users: UserRepository | None = None
_throttle: LoginThrottleRepository | None = None
_audit: AuditRepository | None = None
_courses: CourseRepository | None = None
_participants: ParticipantRepository | None = None
_sessions: SessionRepository | None = None
_history: CourseHistoryRepository | None = None
_documents: DocumentStore | None = None
_api_keys: ApiKeyRepository | None = None
_lce_sessions: LceSessionRepository | None = None
_certificates: CertificateRepository | None = None
_pdfs: CertificatePdfs | None = None
_hasher = ScryptHasher()


def get_clock() -> Clock:
    global _clock
    if _clock is None:
        _clock = SystemClock()
    return _clock


def set_clock(clock: Clock | None) -> None:
    """Tests move time forward through the clock port (the lockout window, token expiry)."""
    global _clock
    _clock = clock


def get_signer() -> TokenSigner:
    global _signer
    if _signer is None:
        _signer = TokenSigner(get_token_keys())
    return _signer


def get_hasher() -> ScryptHasher:
    return _hasher


def get_users() -> UserRepository:
    global _users
    if _users is None:
        _users = UserRepository()
    return _users


def get_throttle() -> LoginThrottleRepository:
    global _throttle
    if _throttle is None:
        _throttle = LoginThrottleRepository()
    return _throttle


def get_audit() -> AuditRepository:
    global _audit
    if _audit is None:
        _audit = AuditRepository()
    return _audit


def get_courses() -> CourseRepository:
    global _courses
    if _courses is None:
        _courses = CourseRepository()
    return _courses


def get_participants() -> ParticipantRepository:
    global _participants
    if _participants is None:
        _participants = ParticipantRepository()
    return _participants


def get_sessions() -> SessionRepository:
    global _sessions
    if _sessions is None:
        _sessions = SessionRepository()
    return _sessions


def get_course_history() -> CourseHistoryRepository:
    global _history
    if _history is None:
        _history = CourseHistoryRepository()
    return _history


def get_documents() -> DocumentStore:
    global _documents
    if _documents is None:
        _documents = DocumentStore()
    return _documents


def get_api_keys() -> ApiKeyRepository:
    global _api_keys
    if _api_keys is None:
        _api_keys = ApiKeyRepository()
    return _api_keys


def get_lce_sessions() -> LceSessionRepository:
    global _lce_sessions
    if _lce_sessions is None:
        _lce_sessions = LceSessionRepository()
    return _lce_sessions


def get_certificates() -> CertificateRepository:
    global _certificates
    if _certificates is None:
        _certificates = CertificateRepository()
    return _certificates


def get_pdfs() -> CertificatePdfs:
    """fpdf2 is imported here, on first use, not at cold start."""
    global _pdfs
    if _pdfs is None:
        from .renderers.pdf import CertificatePdfs

        _pdfs = CertificatePdfs(get_settings().public_base_url)
    return _pdfs


_annulments: AnnulmentRepository | None = None
_officers: OfficerRepository | None = None
_queue: EventQueue | None = None
_mailer: Mailer | None = None
_notifier: Callable[..., Any] | None = None
_notifier_config: Any = None


def get_annulments() -> AnnulmentRepository:
    global _annulments
    if _annulments is None:
        _annulments = AnnulmentRepository()
    return _annulments


def get_officers() -> OfficerRepository:
    global _officers
    if _officers is None:
        _officers = OfficerRepository()
    return _officers


def get_queue() -> EventQueue:
    global _queue
    if _queue is None:
        _queue = EventQueue()
    return _queue


def get_mailer() -> Mailer:
    global _mailer
    if _mailer is None:
        _mailer = Mailer()
    return _mailer


def link_secrets() -> tuple[str, ...]:
    """The secrets that name officers in review links: the token key ring, newest first."""
    return tuple(f"review-link:{secret}" for _kid, secret in get_token_keys())


def notifier_ports() -> NotifierPorts:
    return NotifierPorts(
        ledger=get_annulments(),
        officers=get_officers(),
        mailboxes=get_officers(),
        mail=get_mailer(),
        signer=get_signer(),
        link_secret=link_secrets()[0],
        base_url=get_settings().public_base_url,
        clock=get_clock(),
    )


def get_notifier() -> Callable[..., Any]:
    """The notification of one event, at most once per event id (Powertools idempotency on DynamoDB)."""
    global _notifier
    if _notifier is None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        persistence = DynamoDBPersistenceLayer(table_name=get_settings().table_name("idempotency"))
        config = IdempotencyConfig(event_key_jmespath="event_id", expires_after_seconds=14 * 24 * 3600)
        global _notifier_config
        _notifier_config = config

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="event", persistence_store=persistence, config=config
        )
        def notify(event: dict[str, Any]) -> dict[str, Any]:
            return dispatch_event(event, notifier_ports())

        _notifier = notify
    return _notifier


def register_notifier_context(context: Any) -> None:
    """Idempotency records in progress expire with the invocation's remaining time."""
    get_notifier()
    if _notifier_config is not None and context is not None and hasattr(context, "get_remaining_time_in_millis"):
        _notifier_config.register_lambda_context(context)


_metrics: Any = None


def get_metrics() -> Any:
    """Powertools Metrics (CloudWatch EMF), flushed by the middleware after each invocation."""
    global _metrics
    if _metrics is None:
        from aws_lambda_powertools import Metrics

        _metrics = Metrics(namespace="GCA", service="gca")
    return _metrics
