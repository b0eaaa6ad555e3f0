"""Powertools' logger and metrics: one of each per container, shared by the middleware and the services.

Services log through the standard `logging.getLogger("gca")`, which is the logger Powertools configures
here (its name is the service's), so they need no Powertools import of their own.
"""

from __future__ import annotations

import warnings
from typing import Any

from aws_lambda_powertools import Logger

SERVICE = "gca"
logger = Logger(service=SERVICE)

# A request that records no metric is normal (a search, a page); Powertools would warn on each.
warnings.filterwarnings("ignore", message="No application metrics to publish")

_metrics: Any = None


def get_metrics() -> Any:
    """Powertools Metrics (CloudWatch EMF), flushed by the middleware after each invocation."""
    global _metrics
    if _metrics is None:
        from aws_lambda_powertools import Metrics

        _metrics = Metrics(namespace="GCA", service=SERVICE)
    return _metrics


class CloudWatchMetrics:
    """The metrics port: counts, published as EMF when the invocation ends."""

    def count(self, name: str, value: int = 1) -> None:
        get_metrics().add_metric(name=name, unit="Count", value=value)
