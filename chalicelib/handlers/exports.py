"""Nightly exports (schedule) and their listing and download for SENCE regional officers."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Cron, Response

from ..bootstrap import bootstrap
from ..domain.courses import region_name
from ..services import exports
from .http import api, current_principal, deliver, json_response

bp = Blueprint(__name__)


# 06:00 UTC is 02:00 in Chile's winter (UTC-4) and 03:00 in its summer (UTC-3). The deployed
# template replaces this rule by an EventBridge Scheduler schedule at 02:00 America/Santiago
# (infra/), so the drift only applies where that template is not used.
@bp.schedule(Cron(0, 6, "*", "*", "?", "*"))
def nightly_exports(event: Any) -> dict[str, Any]:
    raw: dict[str, Any] = event.to_dict() if hasattr(event, "to_dict") else {}
    detail = raw.get("detail")
    day = detail.get("day") if isinstance(detail, dict) else None
    run = exports.run_nightly_exports(bootstrap(), day if isinstance(day, str) else None)
    return {"day": run.day, "files": run.files, "rows": run.rows}


@bp.route("/api/exports", methods=["GET"])
@api
def list_exports() -> Response:
    files = exports.list_exports(bootstrap(), current_principal(bp.current_request))
    items = [
        {
            "region": {"code": f.region_code, "name": region_name(f.region_code)},
            "day": f.day,
            "size": f.size,
            "generated_at": f.generated_at,
        }
        for f in files
    ]
    return json_response({"items": items, "total": len(items)})


@bp.route("/api/exports/{region_code}/{day}", methods=["GET"])
@api
def download_export(region_code: str, day: str) -> Response:
    request = bp.current_request
    return deliver(request, exports.export_download(bootstrap(), current_principal(request), region_code, day))
