"""HTTP middleware: a correlation id per request, and errors Chalice makes itself in our JSON shape."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

from ..config import get_settings
from ..telemetry import logger
from .http import CHALICE_CODES, CHALICE_MESSAGES, INTERNAL_ERROR, JSON_HEADERS, request_header

_HEADER = "x-correlation-id"


def _correlation_id(request: Request) -> str:
    given = request_header(request, _HEADER)
    if given and len(given) <= 128 and given.isprintable():
        return given
    context = request.context or {}
    return str(context.get("requestId") or uuid.uuid4())


def _as_error_shape(response: Response) -> Response:
    """Chalice's own errors (bad content type, its 500) come as {"Code", "Message"}; ours as {"error"}."""
    body: Any = response.body
    if isinstance(body, str | bytes) and response.status_code >= 400:
        try:
            body = json.loads(body)
        except ValueError:
            return response
    if isinstance(body, dict) and "Code" in body and "error" not in body:
        status = response.status_code
        code = CHALICE_CODES.get(status, "internal_error" if status >= 500 else "error")
        message = CHALICE_MESSAGES.get(status, INTERNAL_ERROR)
        response.body = {"error": {"code": code, "message": message}}
        response.headers = {**(response.headers or {}), **JSON_HEADERS}
    return response


def _flush_access_log() -> None:
    """The access-log entries of this request are written before its answer leaves (they were put on
    worker threads while the request read and rendered)."""
    from ..bootstrap import current

    ports = current()
    if ports is not None:
        ports.access_log.flush()


def _security_headers() -> dict[str, str]:
    """On every response: no content sniffing; deployed (HTTPS only), HSTS for a year."""
    headers = {"X-Content-Type-Options": "nosniff"}
    if get_settings().deployed:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def correlate_requests(event: Request, get_response: Callable[[Request], Response]) -> Response:
    correlation_id = _correlation_id(event)
    logger.set_correlation_id(correlation_id)
    started = time.perf_counter()
    try:
        response = _as_error_shape(get_response(event))
    finally:
        _flush_access_log()
    response.headers = {**(response.headers or {}), **_security_headers(), "X-Correlation-Id": correlation_id}
    logger.info(
        "request",
        extra={
            "method": event.method,
            # The route as declared (`…/participants/{rut}/sessions`), not as sent: no RUT, no query string.
            # Anything that still looks like a RUT is masked by the logger (`telemetry.mask_ruts`).
            "path": event.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return response
