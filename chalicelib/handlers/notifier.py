"""The annulment notifier (SQS consumer) and the outbox relay (schedule)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Rate, SQSEvent

from ..config import get_settings
from ..domain.notifications import DECIDED, REQUESTED
from ..storage.repositories import OUTBOX_REQUESTED
from ..wiring import get_annulments, get_notifier, register_notifier_context
from .annulments import publish
from .http import logger

bp = Blueprint(__name__)


def handle_record(record: Any) -> Any:
    """One message: a poisoned body raises, so only its record is reported failed and retried."""
    event = json.loads(record.body)
    if not isinstance(event, dict) or not isinstance(event.get("event_id"), str):
        raise ValueError("message is not an annulment event")
    return get_notifier()(event=event)


@bp.on_sqs_message(queue=get_settings().annulment_queue, batch_size=10)
def notify_annulments(event: SQSEvent) -> dict[str, Any]:
    # Imported here: only the notifier function needs the batch utilities, not the API's cold start.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    context: Any = event.context
    register_notifier_context(context)
    response: dict[str, Any] = dict(
        process_partial_response(
            event=event.to_dict(),
            record_handler=handle_record,
            processor=BatchProcessor(event_type=EventType.SQS),
            context=context,
        )
    )
    return response


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def relay_outbox(event: Any) -> dict[str, int]:
    """Events whose publication failed after their transaction committed are sent again here."""
    pending = get_annulments().unpublished()
    for request_id, status in pending:
        publish(REQUESTED if status == OUTBOX_REQUESTED else DECIDED, request_id)
    if pending:
        logger.info("outbox relayed", extra={"events": len(pending)})
    return {"relayed": len(pending)}
