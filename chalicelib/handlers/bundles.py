"""Liquidation bundles: ask for one, follow it (routes), and the worker that builds them (SQS)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Response, SQSEvent

from ..bootstrap import bootstrap
from ..config import get_settings
from ..services import bundles
from . import schemas
from .http import api, current_principal, model_response, read_body
from .queues import process_batch

bp = Blueprint(__name__)


@bp.route("/api/bundles", methods=["POST"])
@api(ok=schemas.BundleAccepted, status=202, body=schemas.BundleBody, errors=(400, 403, 404))
def request_bundle() -> Response:
    """Descargar lote: one ZIP with the certificates and attendance workbooks of up to 500 courses."""
    request = bp.current_request
    principal = current_principal(request)
    body = read_body(request, schemas.BundleBody)
    bundle = bundles.request_bundle(bootstrap(), principal, body.course_codes)
    return model_response(schemas.BundleAccepted(bundle.bundle_id), 202)


@bp.route("/api/bundles/{bundle_id}", methods=["GET"])
@api(ok=schemas.BundleStatusView, errors=(404,))
def get_bundle(bundle_id: str) -> Response:
    """The bundle's progress, and its download link once done (only for who asked for it)."""
    view = bundles.get_bundle(bootstrap(), current_principal(bp.current_request), bundle_id)
    answer = schemas.BundleStatusView(view.status, view.done_courses, view.total_courses)
    if view.url:
        answer.url, answer.filename = view.url, view.filename or ""
    if view.error:
        answer.error = view.error
    return model_response(answer)


class BundleBusyError(RuntimeError):
    """Another worker holds the bundle's lease: the message comes back after the visibility timeout, by
    when that worker has finished (the redelivery finds it done) or is gone (its lease has run out)."""


def handle_record(record: Any) -> Any:
    """One message: a failure raises, so only its record is reported failed and delivered again."""
    body = json.loads(record.body)
    result = bundles.build_bundle(bootstrap(), str(body["bundle_id"]))
    if result.outcome == "busy":
        raise BundleBusyError(f"bundle {result.bundle_id} is held by another worker")
    return result.outcome


@bp.on_sqs_message(queue=get_settings().bundle_queue, batch_size=1)
def build_bundles(event: SQSEvent) -> dict[str, Any]:
    return process_batch(event, handle_record)  # what the ZIPs disclosed is in the access log before it ends
