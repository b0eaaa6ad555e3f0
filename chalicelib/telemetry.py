"""Powertools' logger and metrics: one of each per container, shared by the middleware and the services.

Services log through the standard `logging.getLogger("gca")`, which is the logger Powertools configures
here (its name is the service's), so they need no Powertools import of their own.

No log line carries a full RUT (Ley 21.719: less personal data where it is not needed). Whatever a line
holds (the message, the extra keys, an exception's text and traceback, a path with a RUT in it), every RUT
in it is masked as the public verification page masks it (`mask_ruts`). Participants' names are simply
never logged.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

if TYPE_CHECKING:
    from aws_lambda_powertools.logging.types import LogRecord

from .domain.issuing import mask_rut
from .domain.rut import Rut

SERVICE = "gca"

# A RUT as people and this system write it, standing alone (not inside a longer number, word or code):
#   dotted   8.808.603-1, 12.345.678-K   (the check digit need not be right: a typo still names the person)
#   dashed   8808603-1, 12345678-k       (a body of 6 to 9 digits)
#   compact  88086031, 12345678K         (8 or 9 characters)
# None of the system's own identifiers has these shapes: course codes have 7 digits, SENCE codes 10,
# certificate numbers are `N-YYYY`, dates `YYYY-MM-DD`, times `HH:MM:SS,mmm`; a token that goes on (a
# decimal part, more letters or digits, another dash and group as in a UUID) is not a RUT. A compact RUT
# below 1.000.000 (7 characters) would look like a course code and stays as it is.
_RUT_IN_TEXT = re.compile(
    r"(?<![\w.])"
    r"(?:(?P<dotted>\d{1,3}(?:\.\d{3}){1,2})-|(?P<dashed>\d{6,9})-|(?P<compact>\d{7,8}))"
    r"(?P<digit>[0-9Kk])"
    r"(?!\w|\.\d|-\w)"
)


def _masked(match: re.Match[str]) -> str:
    body = match.group("dotted") or match.group("dashed") or match.group("compact")
    return mask_rut(Rut(int(body.replace(".", "")), match.group("digit").upper()))


def mask_ruts(text: str) -> str:
    """`text` with every RUT in it masked as on the verification page: `8.808.603-1` → `*.***.603-1`."""
    return _RUT_IN_TEXT.sub(_masked, text)


def _mask_values(value: Any) -> Any:
    if isinstance(value, str):
        return mask_ruts(value)
    if isinstance(value, dict):
        return {key: _mask_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_values(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_ruts(str(value))  # what the JSON encoder would have written (an exception, a date)


class MaskingJsonFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines, with every RUT in every value masked just before the line is written."""

    def serialize(self, log: LogRecord) -> str:
        return super().serialize(_mask_values(log))


class MaskingTextFormatter(logging.Formatter):
    """A plain-text line (the local server's, a library's) with every RUT in it masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_ruts(super().format(record))


logger = Logger(service=SERVICE, logger_formatter=MaskingJsonFormatter())

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
