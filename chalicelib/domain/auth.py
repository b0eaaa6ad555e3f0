"""Login, lockout and profile choice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from .access import Principal, Profile, ProfileGrant
from .clock import Clock
from .errors import AccountLockedError, AuthenticationError, InvalidInputError, PermissionDeniedError
from .rut import Rut

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MAX_PASSWORD_LENGTH = 256

BAD_CREDENTIALS = "RUT o clave incorrectos."


@dataclass(frozen=True)
class UserAccount:
    rut: Rut
    name: str
    password_hash: str
    grants: tuple[ProfileGrant, ...]


class UserDirectory(Protocol):
    def get_user(self, rut: Rut) -> UserAccount | None: ...


class LoginThrottle(Protocol):
    def locked_until(self, rut: Rut) -> datetime | None: ...

    def record_failure(self, rut: Rut, now: datetime) -> int:
        """Count one more consecutive failure and return the new count."""
        ...

    def lock(self, rut: Rut, until: datetime) -> None:
        """Lock and start counting again from zero."""
        ...

    def reset(self, rut: Rut) -> None: ...


class PasswordHasher(Protocol):
    def hash_password(self, password: str) -> str: ...

    def verify_password(self, password: str, encoded: str | None) -> bool:
        """With None, spend the same time and say no: unknown RUTs look like wrong passwords."""
        ...


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return (
        f"Su cuenta está bloqueada por {MAX_FAILED_ATTEMPTS} intentos fallidos seguidos. "
        f"Podrá volver a intentarlo en {minutes} minuto{'s' if minutes != 1 else ''}."
    )


def log_in(
    raw_rut: object,
    password: object,
    *,
    users: UserDirectory,
    throttle: LoginThrottle,
    hasher: PasswordHasher,
    clock: Clock,
) -> UserAccount:
    """Check RUT and password; after 5 failures in a row the RUT is locked for 15 minutes.

    Unknown RUTs and wrong passwords get the same answer, and unknown RUTs are locked too,
    so neither the message nor the lock tells whether a RUT has an account.
    """
    rut = Rut.parse(raw_rut)
    if not isinstance(password, str) or not password:
        raise InvalidInputError("La clave es obligatoria.", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError("La clave es demasiado larga.", field="password")
    now = clock.now()
    locked_until = throttle.locked_until(rut)
    if locked_until is not None and locked_until > now:
        raise AccountLockedError(_locked_message(locked_until, now))
    account = users.get_user(rut)
    if hasher.verify_password(password, account.password_hash if account else None) and account:
        throttle.reset(rut)
        return account
    failures = throttle.record_failure(rut, now)
    if failures >= MAX_FAILED_ATTEMPTS:
        until = now + LOCKOUT
        throttle.lock(rut, until)
        raise AccountLockedError(_locked_message(until, now))
    raise AuthenticationError(BAD_CREDENTIALS)


def choose_profile(account: UserAccount, raw_profile: object, raw_institution: object) -> Principal:
    """The principal for one of the account's (profile, institution) pairs; anything else is refused."""
    profile = Profile.parse(raw_profile)
    institution = Rut.parse(raw_institution, field="institution_rut")
    for grant in account.grants:
        if grant.profile is profile and grant.institution_rut == institution:
            return Principal(account.rut, account.name, grant)
    raise PermissionDeniedError("No tiene ese perfil en esa institución.")
