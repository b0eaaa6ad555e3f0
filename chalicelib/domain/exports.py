"""Nightly exports: per region, the certificates issued and annulled on one Chilean calendar day."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from .access import Principal, Profile
from .certificates import Certificate
from .clock import CHILE
from .courses import REGIONS
from .errors import InvalidInputError, NotFoundError, PermissionDeniedError
from .text import padded, trim


class Movement(StrEnum):
    ISSUED = "Emitido"
    ANNULLED = "Anulado"


@dataclass(frozen=True)
class ExportRow:
    movement: Movement
    certificate: Certificate


def previous_day(now: datetime) -> date:
    """The day before `now` in Chile: what a run at 02:00 Chilean time exports."""
    return now.astimezone(CHILE).date() - timedelta(days=1)


def parse_export_day(raw: object) -> date:
    text = trim(raw) if isinstance(raw, str) else ""
    try:
        if not re.fullmatch(DAY, text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError("Indique el día como aaaa-mm-dd.", field="day") from None


def export_rows(issued: Iterable[Certificate], annulled: Iterable[Certificate]) -> list[ExportRow]:
    """Issued first, then annulled; each by certificate number."""
    by_number = sorted(issued, key=lambda c: c.number)
    annulled_by_number = sorted(annulled, key=lambda c: c.number)
    return [ExportRow(Movement.ISSUED, c) for c in by_number] + [
        ExportRow(Movement.ANNULLED, c) for c in annulled_by_number
    ]


NIGHTLY_PREFIX = "exports/nightly/"
REGION_CODE_PATTERN = r"^[0-9]{2}$"
DAY = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
DAY_PATTERN = padded(DAY)
_KEY = re.compile(r"^exports/nightly/(?P<region>[0-9]{2})/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\.xlsx$")


def export_key(region_code: str, day: date) -> str:
    """One object per region and day: running the day again replaces it."""
    return f"{NIGHTLY_PREFIX}{region_code}/{day.isoformat()}.xlsx"


def region_prefix(region_code: str) -> str:
    return f"{NIGHTLY_PREFIX}{region_code}/"


def parse_export_key(key: str) -> tuple[str, str] | None:
    """(region, day) of a nightly export's object key; None for anything else under the prefix."""
    match = _KEY.fullmatch(key)
    return (match.group("region"), match.group("day")) if match else None


def export_filename(region_code: str, day: date) -> str:
    return f"certificados-region-{region_code}-{day.isoformat()}.xlsx"


@dataclass(frozen=True)
class ExportFile:
    region_code: str
    day: str
    size: int
    generated_at: str


def newest_first(files: Iterable[ExportFile]) -> list[ExportFile]:
    return sorted(files, key=lambda f: (f.day, f.region_code), reverse=True)


def all_regions() -> list[str]:
    return sorted(REGIONS)


def officer_regions(principal: Principal) -> tuple[str, ...]:
    if principal.profile is not Profile.SENCE_OFFICER or not principal.grant.regions:
        raise PermissionDeniedError("Las exportaciones nocturnas son para la Dirección Regional de SENCE.")
    return principal.grant.regions


def ensure_export_of_region(principal: Principal, region_code: str, available: set[str]) -> None:
    if region_code not in officer_regions(principal) or region_code not in available:
        raise NotFoundError("No se encontró la exportación.")
