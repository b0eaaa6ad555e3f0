"""Login with lockout, the choice of profile, and who is asking on every later request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from ..domain.access import Principal, Profile, ProfileGrant
from ..domain.audit import AuditEntry, user_subject
from ..domain.auth import (
    BAD_CREDENTIALS,
    INVALID_SESSION,
    PROFILE_REQUIRED,
    UserAccount,
    choose_profile,
    is_locked,
    lock_after,
    locked_message,
    parse_credentials,
)
from ..domain.errors import AccountLockedError, AuthenticationError, DomainError
from ..domain.rut import Rut
from .ports import Ports

LOGIN_STAGE = "login"
SESSION_STAGE = "session"


@dataclass(frozen=True)
class SignedIn:
    """A checked password: the account and a short token that can only choose a profile."""

    account: UserAccount
    token: str


@dataclass(frozen=True)
class Chosen:
    principal: Principal
    token: str


def log_in(ports: Ports, raw_rut: object, password: object) -> SignedIn:
    """Check RUT and password; after 5 failures in a row the RUT is locked for 15 minutes.

    Unknown RUTs and wrong passwords get the same answer, and unknown RUTs are locked too, so neither
    the message nor the lock tells whether a RUT has an account. Every outcome is in the audit trail.
    """
    rut, checked_password = parse_credentials(raw_rut, password)
    now = ports.clock.now()
    locked_until = ports.login_attempts.locked_until(rut)
    if locked_until is not None and is_locked(locked_until, now):
        _refuse(ports, rut, AccountLockedError(locked_message(locked_until, now)))
    account = ports.users.get_user(rut)
    if ports.hasher.verify_password(checked_password, account.password_hash if account else None) and account:
        ports.transactions.commit_login(rut, AuditEntry(user_subject(rut), "login", now, rut, account.name))
        claims = {"stage": LOGIN_STAGE, "sub": rut.compact(), "name": account.name}
        minutes = ports.settings.login_token_minutes
        return SignedIn(account, ports.tokens.issue(claims, now, timedelta(minutes=minutes)))
    until = lock_after(ports.login_attempts.record_failure(rut, now), now)
    if until is not None:
        ports.login_attempts.lock(rut, until)
        _refuse(ports, rut, AccountLockedError(locked_message(until, now)))
    _refuse(ports, rut, AuthenticationError(BAD_CREDENTIALS))


def _refuse(ports: Ports, rut: Rut, error: DomainError) -> NoReturn:
    ports.audit.append(AuditEntry(user_subject(rut), error.code, ports.clock.now()))
    raise error


def select_profile(ports: Ports, token: str, raw_profile: object, raw_institution: object) -> Chosen:
    """The profile and institution every later request acts as, from a login (or session) token."""
    claims = ports.tokens.read(token, ports.clock.now())
    if claims.get("stage") not in (LOGIN_STAGE, SESSION_STAGE):
        raise AuthenticationError(INVALID_SESSION)
    try:
        rut = Rut.parse(claims.get("sub"))
    except DomainError:
        raise AuthenticationError(INVALID_SESSION) from None
    account = ports.users.get_user(rut)
    if account is None:
        raise AuthenticationError(INVALID_SESSION)
    principal = choose_profile(account, raw_profile, raw_institution)
    grant = principal.grant
    claims = {
        "stage": SESSION_STAGE,
        "sub": principal.rut.compact(),
        "name": principal.name,
        "profile": grant.profile.value,
        "inst": grant.institution_rut.compact(),
        "inst_name": grant.institution_name,
        "regions": list(grant.regions),
    }
    minutes = ports.settings.session_token_minutes
    return Chosen(principal, ports.tokens.issue(claims, ports.clock.now(), timedelta(minutes=minutes)))


def authenticate(ports: Ports, token: str) -> Principal:
    """The person and the profile they chose; a login-only token is not enough."""
    claims = ports.tokens.read(token, ports.clock.now())
    if claims.get("stage") != SESSION_STAGE:
        raise AuthenticationError(PROFILE_REQUIRED)
    try:
        grant = ProfileGrant(
            profile=Profile(claims["profile"]),
            institution_rut=Rut.parse(claims["inst"]),
            institution_name=str(claims["inst_name"]),
            regions=tuple(str(region) for region in claims.get("regions", ())),
        )
        return Principal(Rut.parse(claims["sub"]), str(claims["name"]), grant)
    except (KeyError, ValueError, TypeError, DomainError):
        raise AuthenticationError(INVALID_SESSION) from None
