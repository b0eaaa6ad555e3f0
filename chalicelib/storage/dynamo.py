"""What every repository shares: the transaction connection, cancellation reasons, stored times."""

from __future__ import annotations

from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError

from ..config import get_settings
from ..domain.rut import Rut

_connection: Connection | None = None


def transaction_connection() -> Connection:
    """The connection transactions run on (models keep their own for single-item calls)."""
    global _connection
    if _connection is None:
        _connection = Connection(region=get_settings().region)
    return _connection


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """Why each item of a cancelled transaction failed, in the order the items were written."""
    return [reason.code if reason else None for reason in error.cancellation_reasons]


def condition_failed(error: TransactWriteError) -> bool:
    """True when a transaction was cancelled because one of its conditions did not hold."""
    return "ConditionalCheckFailed" in cancellation_codes(error)


def refused(error: PynamoDBException) -> bool:
    """True when a single-item write was refused because its condition did not hold."""
    return error.cause_response_code == "ConditionalCheckFailedException"


def epoch(moment: datetime) -> int:
    """A time as DynamoDB's TTL reads it."""
    return int(moment.timestamp())


def rut(text: str) -> Rut:
    return Rut.from_compact(text)


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times are stored with their zone")
    return moment.isoformat()


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
