"""Nightly exports: written per region and day by the schedule, listed and downloaded by officers."""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass

from ..domain.access import Principal
from ..domain.courses import region_name
from ..domain.exports import (
    REGION_CODE_PATTERN,
    ExportFile,
    all_regions,
    ensure_export_of_region,
    export_filename,
    export_key,
    export_rows,
    newest_first,
    officer_regions,
    parse_export_day,
    parse_export_key,
    previous_day,
    region_prefix,
)
from ..domain.media import XLSX
from ..domain.privacy import Access, Disclosure, export_subject
from . import downloads
from .ports import Ports

logger = logging.getLogger("gca")


@dataclass(frozen=True)
class NightlyRun:
    day: str
    files: int
    rows: int


def run_nightly_exports(ports: Ports, day_text: str | None = None) -> NightlyRun:
    """One workbook per region for the day (yesterday in Chile by default), replacing any earlier run;
    a day without movements still gets its file, which says so."""
    day = parse_export_day(day_text) if day_text else previous_day(ports.clock.now())
    total = 0
    regions = all_regions()
    for region in regions:
        rows = export_rows(ports.certificates.issued_on(region, day), ports.certificates.annulled_on(region, day))
        with tempfile.TemporaryFile() as out:
            ports.workbooks.nightly(region_name(region), day, rows, out)
            out.seek(0)
            ports.documents.put_file(export_key(region, day), out, XLSX)
        total += len(rows)
    ports.metrics.count("ExportRows", total)
    logger.info("nightly exports written", extra={"day": day.isoformat(), "rows": total})
    return NightlyRun(day.isoformat(), len(regions), total)


def list_exports(ports: Ports, principal: Principal) -> list[ExportFile]:
    """The files of the officer's region(s), newest first."""
    files = []
    for region in officer_regions(principal):
        for key, size, modified in ports.documents.list_keys(region_prefix(region)):
            parsed = parse_export_key(key)
            if parsed:
                files.append(ExportFile(parsed[0], parsed[1], size, modified))
    return newest_first(files)


def export_download(ports: Ports, principal: Principal, region_code: str, raw_day: str) -> downloads.Download:
    day = parse_export_day(raw_day)
    key = export_key(region_code, day) if re.fullmatch(REGION_CODE_PATTERN, region_code) else ""
    exists = bool(key) and ports.documents.exists(key)
    ensure_export_of_region(principal, region_code, {region_code} if exists else set())
    ports.access_log.record(
        Access(
            subject=export_subject(region_code),
            what=Disclosure.NIGHTLY_EXPORT,
            at=ports.clock.now(),
            actor_rut=principal.rut,
            actor_profile=principal.profile.value,
            actor_institution=principal.institution_rut,
            detail=day.isoformat(),
        )
    )
    return downloads.link(ports, key, export_filename(region_code, day), XLSX)
