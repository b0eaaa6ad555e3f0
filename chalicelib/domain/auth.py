"""Login rules (credentials, lockout) and the choice of profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .access import Principal, Profile, ProfileGrant
from .errors import InvalidInputError, PermissionDeniedError
from .rut import Rut

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MAX_PASSWORD_LENGTH = 256
# A session's idle deadline is written again only once it has fallen this far behind: a request
# costs no write most of the time, and the idle timeout is kept to within this step.
TOUCH_STEP = timedelta(minutes=1)

BAD_CREDENTIALS = "RUT o clave incorrectos."
SIGN_IN_REQUIRED = "Debe ingresar al sistema."
INVALID_SESSION = "La sesión no es válida; ingrese nuevamente."
EXPIRED_SESSION = "Su sesión expiró; ingrese nuevamente."
ENDED_SESSION = "Su sesión terminó; ingrese nuevamente."
PROFILE_REQUIRED = "Debe seleccionar un perfil e institución."
CLAVE_REQUIRED = "La clave es obligatoria."


@dataclass(frozen=True)
class UserAccount:
    rut: Rut
    name: str
    password_hash: str
    grants: tuple[ProfileGrant, ...]


def parse_credentials(raw_rut: object, password: object) -> tuple[Rut, str]:
    rut = Rut.parse(raw_rut)
    if not isinstance(password, str) or not password:
        raise InvalidInputError(CLAVE_REQUIRED, field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError("La clave es demasiado larga.", field="password")
    return rut, password


@dataclass(frozen=True)
class AttemptSlot:
    """One password check of a RUT, taken before the password is looked at: its number since the
    last good login (1 to MAX_FAILED_ATTEMPTS), or, when every slot is taken, when they free up.

    Slots are taken with one conditional write, so however many attempts arrive at once, at most
    MAX_FAILED_ATTEMPTS passwords of a RUT are checked in a lock window; a good login frees them, and
    LOCKOUT after the last one taken they free up by themselves.
    """

    number: int | None
    locked_until: datetime | None = None

    @property
    def last(self) -> bool:
        """The slot that, if its password is wrong, leaves the RUT locked."""
        return self.number is not None and self.number >= MAX_FAILED_ATTEMPTS


def slots_free_at(last_taken: datetime) -> datetime:
    """When a RUT whose slots are all taken may try again: LOCKOUT after the last one was taken."""
    return last_taken + LOCKOUT


def locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return (
        f"Su cuenta está bloqueada por {MAX_FAILED_ATTEMPTS} intentos fallidos seguidos. "
        f"Podrá volver a intentarlo en {minutes} minuto{'s' if minutes != 1 else ''}."
    )


@dataclass(frozen=True)
class LoginSession:
    """A login, from the password check to logout, its absolute end or its idle deadline.

    `session_id` is the secret the bearer token carries (the store keeps only its digest). Until a
    profile is chosen `grant` is None and the session serves only to choose one.
    """

    session_id: str
    rut: Rut
    name: str
    started_at: datetime
    ends_at: datetime
    idle_until: datetime
    grant: ProfileGrant | None = None

    @classmethod
    def begin(
        cls, session_id: str, rut: Rut, name: str, now: datetime, lifetime: timedelta, choose_within: timedelta
    ) -> LoginSession:
        ends_at = now + lifetime
        return cls(session_id, rut, name, now, ends_at, min(ends_at, now + choose_within))

    def over(self, now: datetime) -> bool:
        return now >= self.ends_at or now >= self.idle_until

    def idle_deadline(self, now: datetime, idle: timedelta) -> datetime:
        """The idle deadline a request at `now` gives the session: never past its absolute end."""
        return min(self.ends_at, now + idle)

    def touch_due(self, now: datetime, idle: timedelta) -> datetime | None:
        """The new idle deadline when the stored one has fallen TOUCH_STEP behind; None otherwise."""
        deadline = self.idle_deadline(now, idle)
        return deadline if deadline - self.idle_until >= TOUCH_STEP else None


def choose_profile(account: UserAccount, raw_profile: object, raw_institution: object) -> Principal:
    """The principal for one of the account's (profile, institution) pairs; anything else is refused."""
    profile = Profile.parse(raw_profile)
    institution = Rut.parse(raw_institution, field="institution_rut")
    for grant in account.grants:
        if grant.profile is profile and grant.institution_rut == institution:
            return Principal(account.rut, account.name, grant)
    raise PermissionDeniedError("No tiene ese perfil en esa institución.")
