"""SQS: the annulment events the notifier consumes, and the bundles the bundle worker builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

from ..config import get_settings


def _annulments() -> str:
    return get_settings().annulment_queue


def bundle_queue() -> str:
    return get_settings().bundle_queue


class EventQueue:
    def __init__(self, queue_name: Callable[[], str] = _annulments) -> None:
        self._client: Any = None
        self._url: str | None = None
        self._queue_name = queue_name

    def _queue(self) -> tuple[Any, str]:
        if self._client is None:
            self._client = boto3.client("sqs", region_name=get_settings().region)
        if self._url is None:
            self._url = str(self._client.get_queue_url(QueueName=self._queue_name())["QueueUrl"])
        return self._client, self._url

    def publish(self, event: dict[str, Any]) -> None:
        client, url = self._queue()
        client.send_message(QueueUrl=url, MessageBody=json.dumps(event, separators=(",", ":")))
