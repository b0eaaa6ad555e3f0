"""The annulment notifier (SQS consumer) and the outbox relay (schedule)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Rate, SQSEvent

from ..bootstrap import bootstrap
from ..config import get_settings
from ..services import annulments, notifications

bp = Blueprint(__name__)


def handle_record(record: Any) -> Any:
    """One message: a poisoned body raises, so only its record is reported failed and retried."""
    return notifications.handle_event(bootstrap(), json.loads(record.body))


@bp.on_sqs_message(queue=get_settings().annulment_queue, batch_size=10)
def notify_annulments(event: SQSEvent) -> dict[str, Any]:
    # Imported here: only the notifier function needs the batch utilities, not the API's cold start.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    context: Any = event.context
    bootstrap().idempotency.register_context(context)
    try:
        response: dict[str, Any] = dict(
            process_partial_response(
                event=event.to_dict(),
                record_handler=handle_record,
                processor=BatchProcessor(event_type=EventType.SQS),
                context=context,
            )
        )
    finally:
        bootstrap().access_log.flush()  # the emails sent are in the access log before the batch ends
    return response


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def relay_outbox(event: Any) -> dict[str, int]:
    """Events whose publication failed after their transaction committed are sent again here."""
    return {"relayed": annulments.relay_outbox(bootstrap())}
