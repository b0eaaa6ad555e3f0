"""`chalice local` runs no SQS consumer: this poller feeds the local queues to the same Lambda handlers.

It receives from the annulment queue as Lambda's event source mapping would (batches of up to 10,
long polling), calls the `notify_annulments` handler with a Lambda-shaped SQS event, deletes the
messages the handler did not report as failed, and leaves the failed ones to come back after the
visibility timeout (and to the dead-letter queue after the redrive limit). The bundle queue goes the
same way to `build_bundles`, one message at a time. Every minute it also runs the outbox relay, as
the schedule would.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CALLER_WINS = ("AWS_ENDPOINT_URL", "GCA_PUBLIC_BASE_URL", "GCA_OUTBOX_DIR")
IDLE_PAUSE_SECONDS = 0.25


def _stage_environment(stage: str) -> None:
    """The stage's variables from .chalice/config.json, as `chalice local` applies them."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    values = {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}
    for name, value in values.items():
        if name in CALLER_WINS and name in os.environ:
            continue
        os.environ[name] = value


def lambda_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            }
            for message in messages
        ]
    }


def _scheduled_event(detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The EventBridge event a schedule delivers; `detail` carries overrides such as an export day."""
    return {
        "version": "0",
        "id": f"local-{time.time_ns()}",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "resources": [],
        "detail": detail or {},
    }


def _masked_logs() -> None:
    """Other libraries' warnings mask RUTs, as the app's own JSON lines do. The root handler comes before
    the app is loaded: Powertools then keeps the app's lines from being written twice."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    from chalicelib.telemetry import MaskingTextFormatter

    for handler in logging.root.handlers:
        handler.setFormatter(MaskingTextFormatter("%(name)s: %(message)s"))


def _report(text: str) -> None:
    """An error on stderr, its RUTs masked (an exception's text may quote one)."""
    from chalicelib.telemetry import mask_ruts

    print(mask_ruts(text), file=sys.stderr, flush=True)


def poll_once(
    sqs: Any,
    url: str,
    arn: str,
    handler: Any,
    context_factory: Any,
    wait_seconds: int = 1,
    visibility_timeout: int | None = None,
    batch: int = 10,
) -> int:
    """One receive → handler → delete round; returns how many messages were handled successfully."""
    extra = {} if visibility_timeout is None else {"VisibilityTimeout": visibility_timeout}
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=batch, WaitTimeSeconds=wait_seconds, AttributeNames=["All"], **extra
    ).get("Messages", [])
    if not messages:
        return 0
    try:
        result = handler(lambda_event(messages, arn), context_factory()) or {}
        failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
    except Exception as error:  # the whole batch failed: every message comes back later
        _report(f"poller: batch failed: {error}")
        return 0
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return len(messages) - len(failed)


def main() -> None:
    _stage_environment(os.environ.get("GCA_STAGE_NAME", "local"))
    sys.path.insert(0, str(ROOT))
    _masked_logs()
    import boto3
    from chalice.local import LambdaContext

    from app import app
    from chalicelib.config import get_settings

    sqs = boto3.client("sqs", region_name=get_settings().region)

    def queue(name: str) -> tuple[str, str]:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return str(url), str(arn)

    url, arn = queue(get_settings().annulment_queue)
    bundle_url, bundle_arn = queue(get_settings().bundle_queue)
    notify = app.handler_map["notify_annulments"]
    build = app.handler_map["build_bundles"]
    relay = app.handler_map["relay_outbox"]
    running = True

    def stop(*_: Any) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def notifier_context() -> Any:
        return LambdaContext("notify_annulments", 256, max_runtime_ms=60_000)

    def builder_context() -> Any:
        return LambdaContext("build_bundles", 1024, max_runtime_ms=900_000)

    last_relay = 0.0
    print(f"poller: escuchando las colas {get_settings().annulment_queue} y {get_settings().bundle_queue}", flush=True)
    while running:
        try:
            # Short polls with a pause, not long polls: the local moto serves one request at a time, so a
            # long poll would hold every other AWS call of the app (a login, an issue) for its whole wait.
            notified = poll_once(sqs, url, arn, notify, notifier_context, wait_seconds=0)
            built = poll_once(sqs, bundle_url, bundle_arn, build, builder_context, wait_seconds=0, batch=1)
            if not notified and not built:
                time.sleep(IDLE_PAUSE_SECONDS)
            if time.monotonic() - last_relay > 60:
                relay(_scheduled_event(), LambdaContext("relay_outbox", 256, max_runtime_ms=60_000))
                last_relay = time.monotonic()
        except Exception as error:  # the local stack restarting, say: keep going
            _report(f"poller: {error}")
            time.sleep(1)


if __name__ == "__main__":
    main()
