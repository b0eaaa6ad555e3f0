"""Login with lockout, server-side sessions, the choice of profile, logout, and who is asking on every
later request."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, NoReturn

from ..domain.access import Principal, ProfileGrant
from ..domain.audit import AuditEntry, user_subject
from ..domain.auth import (
    BAD_CREDENTIALS,
    ENDED_SESSION,
    EXPIRED_SESSION,
    INVALID_SESSION,
    PROFILE_REQUIRED,
    LoginSession,
    UserAccount,
    choose_profile,
    locked_message,
    parse_credentials,
    slots_free_at,
)
from ..domain.errors import (
    AccountLockedError,
    AuthenticationError,
    DomainError,
    ExpiredCredentialsError,
)
from ..domain.limits import Limited
from ..domain.rut import Rut
from .limits import admit
from .ports import Ports


@dataclass(frozen=True)
class SignedIn:
    """A checked password: the account and a token whose session can, for now, only choose a profile."""

    account: UserAccount
    token: str
    session: LoginSession


@dataclass(frozen=True)
class Chosen:
    principal: Principal
    token: str
    session: LoginSession


def _token(ports: Ports, session: LoginSession) -> str:
    now = ports.clock.now()
    return ports.tokens.issue({"sid": session.session_id}, now, session.ends_at - now)


def log_in(ports: Ports, raw_rut: object, password: object, client: str = "") -> SignedIn:
    """Check RUT and password and start a session.

    Each client address may try `GCA_RATE_LIMIT_LOGIN_PER_MIN` times a minute. Each attempt takes
    one of the RUT's 5 slots with a conditional write before its password is checked, so however
    many arrive at once at most 5 passwords of a RUT are checked per lock window; the fifth wrong one
    locks it for 15 minutes and a good login frees the slots. Unknown RUTs and wrong passwords get
    the same answer and the same lock. A hash made at a lower cost is re-hashed. Every outcome is in
    the audit trail.
    """
    admit(ports, Limited.LOGIN, client)
    rut, checked_password = parse_credentials(raw_rut, password)
    now = ports.clock.now()
    slot = ports.login_attempts.take_slot(rut, now)
    if slot.number is None:
        until = slot.locked_until or now
        _refuse(ports, rut, AccountLockedError(locked_message(until, now), retry_after=_seconds(until - now)))
    account = ports.users.get_user(rut)
    # An unknown RUT costs the same scrypt as a known one (verify_password with None says no).
    known_hash = account.password_hash if account is not None else None
    if ports.hasher.verify_password(checked_password, known_hash) and account is not None:
        settings = ports.settings
        session = LoginSession.begin(
            secrets.token_urlsafe(32),
            rut,
            account.name,
            now,
            lifetime=timedelta(minutes=settings.session_token_minutes),
            choose_within=timedelta(minutes=settings.login_token_minutes),
        )
        ports.transactions.commit_login(session, AuditEntry(user_subject(rut), "login", now, rut, account.name))
        _rehash_if_weak(ports, account, checked_password)
        return SignedIn(account, _token(ports, session), session)
    if slot.last:
        until = slots_free_at(now)
        _refuse(ports, rut, AccountLockedError(locked_message(until, now), retry_after=_seconds(until - now)))
    _refuse(ports, rut, AuthenticationError(BAD_CREDENTIALS))


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def _rehash_if_weak(ports: Ports, account: UserAccount, password: str) -> None:
    if ports.hasher.needs_rehash(account.password_hash):
        stronger = ports.hasher.hash_password(password)
        if ports.users.replace_password_hash(account.rut, account.password_hash, stronger):
            ports.metrics.count("PasswordRehashed")


def _refuse(ports: Ports, rut: Rut, error: DomainError) -> NoReturn:
    ports.audit.append(AuditEntry(user_subject(rut), error.code, ports.clock.now()))
    raise error


def _open_session(ports: Ports, token: str) -> LoginSession:
    """The stored session the token names, not over; 401 otherwise (an idle or past one is ended)."""
    now = ports.clock.now()
    claims: dict[str, Any] = ports.tokens.read(token, now)
    session_id = claims.get("sid")
    if not isinstance(session_id, str) or not session_id:
        raise AuthenticationError(INVALID_SESSION)
    session = ports.login_sessions.get(session_id)
    if session is None:
        raise AuthenticationError(ENDED_SESSION)
    if session.over(now):
        ports.login_sessions.end(session_id)
        raise ExpiredCredentialsError(EXPIRED_SESSION)
    return session


def select_profile(ports: Ports, token: str, raw_profile: object, raw_institution: object) -> Chosen:
    """The profile and institution the session acts as from now on (again with "Cambiar perfil").

    Choosing never extends the session: it still ends 8 hours after the password check.
    """
    session = _open_session(ports, token)
    account = ports.users.get_user(session.rut)
    if account is None:
        ports.login_sessions.end(session.session_id)
        raise AuthenticationError(INVALID_SESSION)
    principal = choose_profile(account, raw_profile, raw_institution)
    now = ports.clock.now()
    idle_until = session.idle_deadline(now, timedelta(minutes=ports.settings.idle_minutes))
    if not ports.login_sessions.choose(session.session_id, principal.grant, idle_until):
        raise AuthenticationError(ENDED_SESSION)
    chosen = replace(session, name=account.name, idle_until=idle_until, grant=principal.grant)
    return Chosen(principal, _token(ports, chosen), chosen)


def log_out(ports: Ports, token: str) -> None:
    """The session ends now: its token gets 401 on every route from here on."""
    session = _open_session(ports, token)
    ports.login_sessions.end(session.session_id)
    ports.audit.append(AuditEntry(user_subject(session.rut), "logout", ports.clock.now(), session.rut, session.name))


@dataclass(frozen=True)
class Authenticated:
    principal: Principal
    session: LoginSession


def authenticate(ports: Ports, token: str) -> Principal:
    """The person and the profile they chose; a session that has not chosen one is not enough."""
    return current_session(ports, token).principal


def current_session(ports: Ports, token: str) -> Authenticated:
    """Who is asking, checked against the stored session and the grants the person still has.

    A removed user or grant ends the session (the grants may be `grant_cache_seconds` old). A
    request moves the idle deadline on, writing it only when it has fallen a minute behind.
    """
    session = _open_session(ports, token)
    if session.grant is None:
        raise AuthenticationError(PROFILE_REQUIRED)
    account = ports.users.current(session.rut)
    grant = _still_held(account, session.grant)
    if account is None or grant is None:
        ports.login_sessions.end(session.session_id)
        raise AuthenticationError(ENDED_SESSION)
    now = ports.clock.now()
    deadline = session.touch_due(now, timedelta(minutes=ports.settings.idle_minutes))
    if deadline is not None:
        ports.login_sessions.touch(session.session_id, deadline)
        session = replace(session, idle_until=deadline, grant=grant)
    return Authenticated(Principal(account.rut, account.name, grant), session)


def _still_held(account: UserAccount | None, chosen: ProfileGrant) -> ProfileGrant | None:
    """The account's current grant for the chosen profile and institution (its regions as they are now)."""
    if account is None:
        return None
    return next(
        (
            grant
            for grant in account.grants
            if grant.profile is chosen.profile and grant.institution_rut == chosen.institution_rut
        ),
        None,
    )
