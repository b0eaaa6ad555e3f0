"""Profiles and what each may do: the scope of every request after the profile choice."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .courses import Course, course_not_found
from .errors import InvalidInputError, PermissionDeniedError
from .rut import Rut
from .text import literal, padded, trim

PICK_PROFILE = "Seleccione un perfil."


class Profile(StrEnum):
    NATIONAL_ADMIN = "NATIONAL_ADMIN"
    REGIONAL_ADMIN = "REGIONAL_ADMIN"
    FACILITATOR = "FACILITATOR"
    SENCE_OFFICER = "SENCE_OFFICER"
    # SENCE's data protection officer (Ley 21.719): answers data subjects; sees nothing else.
    DATA_PROTECTION_OFFICER = "DATA_PROTECTION_OFFICER"

    @property
    def label(self) -> str:
        return _PROFILE_LABELS[self]

    @property
    def is_otec(self) -> bool:
        return self in (Profile.NATIONAL_ADMIN, Profile.REGIONAL_ADMIN, Profile.FACILITATOR)

    @classmethod
    def parse(cls, raw: object, *, field: str = "profile") -> Profile:
        text = trim(raw) if isinstance(raw, str) else ""
        for profile in cls:
            if text in (profile.value, profile.label):
                return profile
        raise InvalidInputError(PICK_PROFILE, field=field)


_PROFILE_LABELS = {
    Profile.NATIONAL_ADMIN: "CAPACITADOR - ADMINISTRADOR NACIONAL",
    Profile.REGIONAL_ADMIN: "CAPACITADOR - ADMINISTRADOR REGIONAL",
    Profile.FACILITATOR: "CAPACITADOR - FACILITADOR",
    Profile.SENCE_OFFICER: "SENCE - DIRECCIÓN REGIONAL",
    Profile.DATA_PROTECTION_OFFICER: "SENCE - ENCARGADO DE PROTECCIÓN DE DATOS",
}


# A profile as a client may name it: its code or its label on screen, spaces around it trimmed.
PROFILE_PATTERN = padded("|".join(literal(name) for profile in Profile for name in (profile.value, profile.label)))


@dataclass(frozen=True)
class ProfileGrant:
    """One (profile, institution) a person may choose after login; regions limit regional roles."""

    profile: Profile
    institution_rut: Rut
    institution_name: str
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Principal:
    """Who is asking, with the profile and institution they chose."""

    rut: Rut
    name: str
    grant: ProfileGrant

    @property
    def profile(self) -> Profile:
        return self.grant.profile

    @property
    def institution_rut(self) -> Rut:
        return self.grant.institution_rut

    def sees_course(self, course: Course) -> bool:
        if not self.profile.is_otec or course.institution.rut != self.institution_rut:
            return False
        if self.profile is Profile.REGIONAL_ADMIN:
            return course.region_code in self.grant.regions
        return True

    def ensure_sees_course(self, course: Course) -> None:
        """A course outside the chosen institution (or region) does not exist for this person."""
        self.ensure_otec()
        if not self.sees_course(course):
            raise course_not_found(course.course_code)

    def ensure_manages_course(self, course: Course) -> None:
        """Only administrators change anything; facilitators only look."""
        self.ensure_sees_course(course)
        self.ensure_administrator()

    def ensure_administrator(self) -> None:
        if self.profile not in (Profile.NATIONAL_ADMIN, Profile.REGIONAL_ADMIN):
            raise PermissionDeniedError("Su perfil sólo permite visualizar; no puede realizar cambios.")

    def ensure_otec(self) -> None:
        if not self.profile.is_otec:
            raise PermissionDeniedError("Su perfil no permite consultar cursos.")

    def ensure_data_protection_officer(self) -> None:
        if self.profile is not Profile.DATA_PROTECTION_OFFICER:
            raise PermissionDeniedError("Sólo el Encargado de Protección de Datos de SENCE puede generar este informe.")

    def ensure_officer_of(self, region_code: str) -> None:
        if self.profile is not Profile.SENCE_OFFICER:
            raise PermissionDeniedError("Sólo la Dirección Regional de SENCE puede resolver solicitudes.")
        if region_code not in self.grant.regions:
            raise PermissionDeniedError("La solicitud corresponde a otra Dirección Regional.")
