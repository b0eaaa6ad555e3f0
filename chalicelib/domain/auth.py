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

BAD_CREDENTIALS = "RUT o clave incorrectos."
SIGN_IN_REQUIRED = "Debe ingresar al sistema."
INVALID_SESSION = "La sesión no es válida; ingrese nuevamente."
EXPIRED_SESSION = "Su sesión expiró; ingrese nuevamente."
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


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def lock_after(failures: int, now: datetime) -> datetime | None:
    """After 5 failures in a row the RUT is locked for 15 minutes (None while under the limit)."""
    return now + LOCKOUT if failures >= MAX_FAILED_ATTEMPTS else None


def locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return (
        f"Su cuenta está bloqueada por {MAX_FAILED_ATTEMPTS} intentos fallidos seguidos. "
        f"Podrá volver a intentarlo en {minutes} minuto{'s' if minutes != 1 else ''}."
    )


def choose_profile(account: UserAccount, raw_profile: object, raw_institution: object) -> Principal:
    """The principal for one of the account's (profile, institution) pairs; anything else is refused."""
    profile = Profile.parse(raw_profile)
    institution = Rut.parse(raw_institution, field="institution_rut")
    for grant in account.grants:
        if grant.profile is profile and grant.institution_rut == institution:
            return Principal(account.rut, account.name, grant)
    raise PermissionDeniedError("No tiene ese perfil en esa institución.")
