"""Nightly exports (schedule) and their listing and download for SENCE regional officers."""

from __future__ import annotations

import re
import tempfile
from typing import Any

from chalice.app import Blueprint, Cron, Response

from ..domain.courses import region_name
from ..domain.exports import (
    all_regions,
    ensure_export_of_region,
    export_key,
    export_rows,
    officer_regions,
    parse_export_day,
    previous_day,
)
from ..wiring import get_certificates, get_clock, get_documents, get_metrics
from .downloads import deliver_link
from .http import api, current_principal, json_response, logger

bp = Blueprint(__name__)
_KEY = re.compile(r"^exports/nightly/(?P<region>[0-9]{2})/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\.xlsx$")


def run_nightly_exports(day_text: str | None = None) -> dict[str, Any]:
    """One workbook per region for the day (yesterday in Chile by default), replacing any earlier run."""
    from ..renderers.excel import CONTENT_TYPE, nightly_sheets, write_workbook

    day = parse_export_day(day_text) if day_text else previous_day(get_clock().now())
    store, source = get_documents(), get_certificates()
    total = 0
    for region in all_regions():
        rows = export_rows(region, day, source)
        with tempfile.TemporaryFile() as out:
            write_workbook(out, nightly_sheets(region_name(region), day, rows))
            out.seek(0)
            store.put_file(export_key(region, day), out, CONTENT_TYPE)
        total += len(rows)
    get_metrics().add_metric(name="ExportRows", unit="Count", value=total)
    logger.info("nightly exports written", extra={"day": day.isoformat(), "rows": total})
    return {"day": day.isoformat(), "files": len(all_regions()), "rows": total}


# 06:00 UTC is 02:00 in Chile's winter (UTC-4) and 03:00 in its summer (UTC-3). The deployed
# template replaces this rule by an EventBridge Scheduler schedule at 02:00 America/Santiago
# (infra/), so the drift only applies where that template is not used.
@bp.schedule(Cron(0, 6, "*", "*", "?", "*"))
def nightly_exports(event: Any) -> dict[str, Any]:
    raw: dict[str, Any] = event.to_dict() if hasattr(event, "to_dict") else {}
    detail = raw.get("detail")
    day = detail.get("day") if isinstance(detail, dict) else None
    return run_nightly_exports(day if isinstance(day, str) else None)


def _available(regions: tuple[str, ...]) -> list[dict[str, Any]]:
    items = []
    for region in regions:
        for key, size, modified in get_documents().list_keys(f"exports/nightly/{region}/"):
            match = _KEY.match(key)
            if match:
                items.append(
                    {
                        "region": {"code": region, "name": region_name(region)},
                        "day": match.group("day"),
                        "size": size,
                        "generated_at": modified,
                    }
                )
    return sorted(items, key=lambda item: (item["day"], item["region"]["code"]), reverse=True)


@bp.route("/api/exports", methods=["GET"])
@api
def list_exports() -> Response:
    principal = current_principal(bp.current_request)
    items = _available(officer_regions(principal))
    return json_response({"items": items, "total": len(items)})


@bp.route("/api/exports/{region_code}/{day}", methods=["GET"])
@api
def download_export(region_code: str, day: str) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    parsed = parse_export_day(day)
    key = export_key(region_code, parsed) if re.fullmatch(r"[0-9]{2}", region_code) else ""
    exists = bool(key) and get_documents().exists(key)
    ensure_export_of_region(principal, region_code, {region_code} if exists else set())
    from ..renderers.excel import CONTENT_TYPE

    return deliver_link(request, key, f"certificados-region-{region_code}-{parsed.isoformat()}.xlsx", CONTENT_TYPE)
