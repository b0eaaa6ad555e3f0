"""Nightly exports (schedule) and their listing and download for SENCE regional officers."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalice.app import Blueprint, Cron, Response

from ..bootstrap import bootstrap
from ..services import exports, worklist
from . import presenters, schemas
from .http import api, current_principal, deliver, model_response

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
    # The same nightly schedule sends the administrators' daily digest of what entered their
    # pendientes (one e-mail per person and day at most; services/worklist.py).
    digests = worklist.send_digests(bootstrap())
    return {"day": run.day, "files": run.files, "rows": run.rows, "digests": digests.sent}


@bp.route("/api/exports", methods=["GET"])
@api(ok=schemas.ExportList, errors=(403,))
def list_exports() -> Response:
    """SENCE regional officer: the nightly exports of their region, newest first."""
    files = exports.list_exports(bootstrap(), current_principal(bp.current_request))
    items = [
        schemas.ExportFileView(presenters.region(f.region_code), date.fromisoformat(f.day), f.size, f.generated_at)
        for f in files
    ]
    return model_response(schemas.ExportList(items, len(items)))


@bp.route("/api/exports/{region_code}/{day}", methods=["GET"])
@api(errors=(403, 404), download=True)
def download_export(region_code: str, day: str) -> Response:
    """Download one nightly export (.xlsx): the certificates issued and annulled that day in the region."""
    request = bp.current_request
    return deliver(request, exports.export_download(bootstrap(), current_principal(request), region_code, day))
