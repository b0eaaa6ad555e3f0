"""The annulment notifier (SQS consumer) and the outbox relay (schedule)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Rate, SQSEvent

from ..bootstrap import bootstrap
from ..config import get_settings
from ..services import annulments, notifications
from .queues import process_batch

bp = Blueprint(__name__)


def handle_record(record: Any) -> Any:
    """One message: a poisoned body raises, so only its record is reported failed and retried."""
    return notifications.handle_event(bootstrap(), json.loads(record.body))


@bp.on_sqs_message(queue=get_settings().annulment_queue, batch_size=10)
def notify_annulments(event: SQSEvent) -> dict[str, Any]:
    bootstrap().idempotency.register_context(event.context)
    return process_batch(event, handle_record)  # the emails sent are in the access log before it ends


@bp.schedule(Rate(5, unit=Rate.MINUTES))
def relay_outbox(event: Any) -> dict[str, int]:
    """Events whose publication failed after their transaction committed are sent again here."""
    return {"relayed": annulments.relay_outbox(bootstrap())}
