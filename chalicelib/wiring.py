"""Builds the adapters lazily, once per Lambda container, from the settings."""

from __future__ import annotations

from .config import get_settings
from .domain.clock import Clock, SystemClock
from .security.passwords import ScryptHasher
from .security.tokens import TokenSigner
from .storage.repositories import (
    AuditRepository,
    CourseRepository,
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
