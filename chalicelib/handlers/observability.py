"""Powertools for every invocation (HTTP, SQS, schedule): structured logs, traces, metrics."""

from __future__ import annotations

import warnings
from typing import Any

from aws_lambda_powertools import Tracer
from chalice.app import ConvertToMiddleware

from ..wiring import get_metrics
from .http import logger

tracer = Tracer(service="gca")

# A request that records no metric is normal (a search, a page); Powertools would warn on each.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def middlewares() -> list[Any]:
    """In the order they wrap the handler: logs outermost, so traces and metrics are logged too."""
    return [
        ConvertToMiddleware(logger.inject_lambda_context(clear_state=True)),
        ConvertToMiddleware(tracer.capture_lambda_handler),
        ConvertToMiddleware(get_metrics().log_metrics),
    ]
