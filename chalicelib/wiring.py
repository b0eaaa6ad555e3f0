"""Builds the adapters lazily, once per Lambda container, from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import get_settings
from .domain.clock import Clock, SystemClock

if TYPE_CHECKING:
    from .renderers.pdf import CertificatePdfs
from .security.passwords import ScryptHasher
from .security.tokens import TokenSigner
from .storage.documents import DocumentStore
from .storage.repositories import (
    ApiKeyRepository,
    AuditRepository,
    CertificateRepository,
    CourseHistoryRepository,
    CourseRepository,
    LceSessionRepository,
    LoginThrottleRepository,
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
        _signer = TokenSigner(get_settings().token_keys)
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
