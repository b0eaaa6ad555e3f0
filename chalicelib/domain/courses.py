"""Courses (one SENCE action each), their participants and the catalogues they use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .certificates import CertificateState
from .errors import InvalidInputError, NotFoundError
from .rut import Rut
from .text import padded, trim

COURSE_CODE = "[0-9]{7}"
SENCE_CODE = "[0-9]{10}"
COURSE_CODE_PATTERN = padded(COURSE_CODE)
SENCE_CODE_PATTERN = padded(SENCE_CODE)
_COURSE_CODE = re.compile(COURSE_CODE)
_SENCE_CODE = re.compile(SENCE_CODE)


class Program(StrEnum):
    IMPULSA_PERSONAS = "impulsa_personas"
    APRENDIZAJES = "aprendizajes"

    @property
    def label(self) -> str:
        return _PROGRAM_LABELS[self]

    @classmethod
    def parse(cls, raw: object, *, field: str = "program") -> Program:
        try:
            return cls(str(raw))
        except ValueError:
            raise InvalidInputError("Elija un programa: Impulsa Personas o Aprendizajes.", field=field) from None


_PROGRAM_LABELS = {Program.IMPULSA_PERSONAS: "Impulsa Personas", Program.APRENDIZAJES: "Aprendizajes"}

# Impulsa Personas pays the company only for participants at or above this attendance.
IMPULSA_MINIMUM_PERCENT = 75


class ActivityType(StrEnum):
    WITHIN_YEAR = "within_year"
    PARTIAL = "partial"

    @property
    def label(self) -> str:
        return _ACTIVITY_LABELS[self]


_ACTIVITY_LABELS = {
    ActivityType.WITHIN_YEAR: "Actividad dentro del año calendario",
    ActivityType.PARTIAL: "Actividad Parcial",
}


@dataclass(frozen=True)
class Region:
    code: str
    name: str


REGIONS: dict[str, Region] = {
    region.code: region
    for region in (
        Region("15", "Región de Arica y Parinacota"),
        Region("01", "Región de Tarapacá"),
        Region("02", "Región de Antofagasta"),
        Region("03", "Región de Atacama"),
        Region("04", "Región de Coquimbo"),
        Region("05", "Región de Valparaíso"),
        Region("13", "Región Metropolitana"),
        Region("06", "Región del Libertador General Bernardo O'Higgins"),
        Region("07", "Región del Maule"),
        Region("16", "Región de Ñuble"),
        Region("08", "Región del Biobío"),
        Region("09", "Región de La Araucanía"),
        Region("14", "Región de Los Ríos"),
        Region("10", "Región de Los Lagos"),
        Region("11", "Región de Aysén del General Carlos Ibáñez del Campo"),
        Region("12", "Región de Magallanes y de la Antártica Chilena"),
    )
}


def region_name(code: str) -> str:
    region = REGIONS.get(code)
    return region.name if region else code


@dataclass(frozen=True)
class Party:
    """An institution, company or OTIC as printed on the certificate: RUT and razón social."""

    rut: Rut
    name: str


def course_not_found(course_code: str) -> NotFoundError:
    """A course that does not exist, or not for whoever asks: the same words either way."""
    return NotFoundError(f"No se encontró el curso {course_code}.")


def parse_course_code(raw: object, *, field: str = "course_code") -> str:
    text = trim(str(raw)) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not _COURSE_CODE.fullmatch(text):
        raise InvalidInputError("El código de curso tiene 7 dígitos (ejemplo: 5115263).", field=field)
    return text


def parse_sence_code(raw: object, *, field: str = "sence_code") -> str:
    text = trim(str(raw)) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not _SENCE_CODE.fullmatch(text):
        raise InvalidInputError("El código SENCE tiene 10 dígitos (ejemplo: 1237740585).", field=field)
    return text


@dataclass(frozen=True)
class Course:
    course_code: str
    sence_code: str
    name: str
    program: Program
    activity_type: ActivityType
    accredited_hours: int
    start_date: date
    end_date: date
    region_code: str
    institution: Party
    company: Party
    otic: Party | None
    quotas: int
    related_action: str
    certificate_state: CertificateState
    # Storage's concurrency token: every LCE write bumps it, and issuing requires it unchanged.
    version: int = 0

    @property
    def region_name(self) -> str:
        return region_name(self.region_code)

    @property
    def minimum_percent(self) -> int | None:
        """Impulsa Personas pays only for participants at or above 75 %; Aprendizajes sets no floor here."""
        return IMPULSA_MINIMUM_PERCENT if self.program is Program.IMPULSA_PERSONAS else None

    def is_below_minimum(self, percent: int) -> bool:
        minimum = self.minimum_percent
        return minimum is not None and percent < minimum


@dataclass(frozen=True)
class Participant:
    course_code: str
    rut: Rut
    name: str
