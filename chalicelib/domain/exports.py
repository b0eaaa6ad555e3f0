"""Nightly exports: per region, the certificates issued and annulled on one Chilean calendar day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from .access import Principal, Profile
from .certificates import Certificate
from .clock import CHILE
from .courses import REGIONS
from .errors import InvalidInputError, NotFoundError, PermissionDeniedError


class Movement(StrEnum):
    ISSUED = "Emitido"
    ANNULLED = "Anulado"


@dataclass(frozen=True)
class ExportRow:
    movement: Movement
    certificate: Certificate


class DailyCertificates(Protocol):
    def issued_on(self, region_code: str, day: date) -> list[Certificate]: ...

    def annulled_on(self, region_code: str, day: date) -> list[Certificate]: ...


def previous_day(now: datetime) -> date:
    """The day before `now` in Chile: what a run at 02:00 Chilean time exports."""
    return now.astimezone(CHILE).date() - timedelta(days=1)


def parse_export_day(raw: object) -> date:
    text = raw.strip() if isinstance(raw, str) else ""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError("Indique el día como aaaa-mm-dd.", field="day") from None


def export_rows(region_code: str, day: date, source: DailyCertificates) -> list[ExportRow]:
    """Issued first, then annulled; each by certificate number."""
    issued = sorted(source.issued_on(region_code, day), key=lambda c: c.number)
    annulled = sorted(source.annulled_on(region_code, day), key=lambda c: c.number)
    return [ExportRow(Movement.ISSUED, c) for c in issued] + [ExportRow(Movement.ANNULLED, c) for c in annulled]


def export_key(region_code: str, day: date) -> str:
    """One object per region and day: running the day again replaces it."""
    return f"exports/nightly/{region_code}/{day.isoformat()}.xlsx"


def all_regions() -> list[str]:
    return sorted(REGIONS)


def officer_regions(principal: Principal) -> tuple[str, ...]:
    if principal.profile is not Profile.SENCE_OFFICER or not principal.grant.regions:
        raise PermissionDeniedError("Las exportaciones nocturnas son para la Dirección Regional de SENCE.")
    return principal.grant.regions


def ensure_export_of_region(principal: Principal, region_code: str, available: set[str]) -> None:
    if region_code not in officer_regions(principal) or region_code not in available:
        raise NotFoundError("No se encontró la exportación.")
