"""What every SQS consumer does with its batch: each record alone, only the failed ones reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import SQSEvent

from ..bootstrap import bootstrap


def process_batch(event: SQSEvent, handle_record: Callable[[Any], Any]) -> dict[str, Any]:
    """Each record by `handle_record`: one that raises is reported failed (SQS delivers it again, then
    dead-letters it), the others are done. What the batch disclosed is in the access log before it ends."""
    # Imported here: only the consumers need the batch utilities, not the API's cold start.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    context: Any = event.context
    try:
        return dict(
            process_partial_response(
                event=event.to_dict(),
                record_handler=handle_record,
                processor=BatchProcessor(event_type=EventType.SQS),
                context=context,
            )
        )
    finally:
        bootstrap().access_log.flush()
