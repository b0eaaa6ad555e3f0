"""SQS: the annulment events the notifier consumes."""

from __future__ import annotations

import json
from typing import Any

import boto3

from ..config import get_settings


class EventQueue:
    def __init__(self) -> None:
        self._client: Any = None
        self._url: str | None = None

    def _queue(self) -> tuple[Any, str]:
        if self._client is None:
            self._client = boto3.client("sqs", region_name=get_settings().region)
        if self._url is None:
            self._url = str(self._client.get_queue_url(QueueName=get_settings().annulment_queue)["QueueUrl"])
        return self._client, self._url

    def publish(self, event: dict[str, Any]) -> None:
        client, url = self._queue()
        client.send_message(QueueUrl=url, MessageBody=json.dumps(event, separators=(",", ":")))
