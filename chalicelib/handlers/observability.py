"""Powertools for every invocation (HTTP, SQS, schedule): structured logs, traces, metrics."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from chalice.app import ConvertToMiddleware

from ..telemetry import get_metrics, logger

_tracer: Any = None


def _get_tracer() -> Any:
    """The X-Ray SDK takes longer to import than boto3 itself: load it on the first traced call."""
    global _tracer
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() == "true":
        return None
    if _tracer is None:
        from aws_lambda_powertools import Tracer

        _tracer = Tracer(service="gca")
    return _tracer


def _traced(handler: Callable[..., Any]) -> Callable[..., Any]:
    def invoke(event: Any, context: Any) -> Any:
        tracer = _get_tracer()
        if tracer is None:
            return handler(event, context)
        # Not the response: Powertools would copy it into the trace's metadata, and an answer holds
        # participants' names and RUTs (a list, a report). Traces keep timings, not personal data.
        return tracer.capture_lambda_handler(handler, capture_response=False)(event, context)

    return invoke


def middlewares() -> list[Any]:
    """In the order they wrap the handler: logs outermost, so traces and metrics are logged too."""
    return [
        ConvertToMiddleware(logger.inject_lambda_context(clear_state=True)),
        ConvertToMiddleware(_traced),
        ConvertToMiddleware(get_metrics().log_metrics),
    ]
